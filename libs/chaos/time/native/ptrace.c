/*
 * Stopping and releasing every thread of a process.
 *
 * PTRACE_SEIZE + PTRACE_INTERRUPT, never PTRACE_ATTACH: ATTACH queues a SIGSTOP, so a helper killed
 * between attaching and detaching would leave the process stopped. A seized thread is released by
 * the kernel when the tracer dies, and nothing was ever queued, so the threads simply run on.
 */
#define _GNU_SOURCE
#include "time-skew.h"
#if defined(FL_SUPPORTED)

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

volatile int fl_deadline_passed;

static bool known(const struct fl_threads *t, pid_t tid) {
  for (int i = 0; i < t->count; i++)
    if (t->tid[i] == tid) return true;
  return false;
}

/* Waits for a seized thread's stop. A signal that arrives first is a signal-delivery stop: the
 * thread is stopped all the same; the signal is kept and given back on detach so it is not lost. */
static int wait_stopped(struct fl_threads *t, int i, char *err) {
  for (;;) {
    int status;
    pid_t r = waitpid(t->tid[i], &status, __WALL);
    if (r < 0) {
      if (errno == EINTR && fl_deadline_passed) {
        snprintf(err, FL_ERR_LEN, "deadline passed while stopping thread %d", t->tid[i]);
        return -1;
      }
      if (errno == EINTR) continue;
      if (errno == ECHILD) return 1; /* exited meanwhile */
      snprintf(err, FL_ERR_LEN, "waitpid %d: %s", t->tid[i], strerror(errno));
      return -1;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) return 1;
    if (!WIFSTOPPED(status)) continue;
    int event = status >> 16;
    int sig = WSTOPSIG(status);
    if (event == 0) t->pending_signal[i] = sig; /* a signal-delivery stop, not our interrupt */
    t->stopped[i] = true;
    return 0;
  }
}

int fl_seize_all(struct fl_threads *t, bool *gone, char *err) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", t->pid);
  t->count = 0;
  *gone = false;
  /* Re-read the task list until a pass finds no new thread: once every known thread is stopped,
   * none can create another, and a clone that was under way shows its child on the next pass. */
  for (bool added = true; added;) {
    added = false;
    DIR *dir = opendir(path);
    if (!dir) {
      if (errno == ENOENT || errno == ESRCH) {
        *gone = t->count == 0;
        if (*gone) return -1;
      }
      snprintf(err, FL_ERR_LEN, "cannot list %s: %s", path, strerror(errno));
      return -1;
    }
    struct dirent *d;
    while ((d = readdir(dir))) {
      char *end;
      long tid = strtol(d->d_name, &end, 10);
      if (*end || tid <= 0 || known(t, (pid_t)tid)) continue;
      if (t->count == FL_MAX_THREADS) {
        closedir(dir);
        snprintf(err, FL_ERR_LEN, "more than %d threads", FL_MAX_THREADS);
        return -1;
      }
      int i = t->count;
      t->tid[i] = (pid_t)tid;
      t->pending_signal[i] = 0;
      t->stopped[i] = false;
      if (ptrace(PTRACE_SEIZE, (pid_t)tid, 0, 0) != 0) {
        if (errno == ESRCH) continue; /* the thread exited */
        int e = errno;
        closedir(dir);
        snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_SEIZE, %ld): %s", tid, strerror(e));
        return -1;
      }
      t->count++;
      added = true;
      if (ptrace(PTRACE_INTERRUPT, (pid_t)tid, 0, 0) != 0) continue; /* exited: waitpid tells */
      int r = wait_stopped(t, i, err);
      if (r < 0) {
        closedir(dir);
        return -1;
      }
    }
    closedir(dir);
  }
  int stopped = 0;
  for (int i = 0; i < t->count; i++) stopped += t->stopped[i];
  if (stopped == 0) {
    *gone = true;
    snprintf(err, FL_ERR_LEN, "no such process");
    return -1;
  }
  return 0;
}

/* Detaches every stopped thread; threads seized but not yet stopped are released by the kernel
 * when this helper exits (and PTRACE_DETACH would fail on them anyway). */
void fl_detach_all(struct fl_threads *t) {
  for (int i = 0; i < t->count; i++) {
    if (t->stopped[i]) ptrace(PTRACE_DETACH, t->tid[i], 0, (void *)(long)t->pending_signal[i]);
    t->stopped[i] = false;
  }
  t->count = 0;
}

int fl_any_rip_within(struct fl_threads *t, const uint64_t *start, const uint64_t *end, int ranges, bool *hit, char *err) {
  *hit = false;
  for (int i = 0; i < t->count; i++) {
    if (!t->stopped[i]) continue;
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, t->tid[i], 0, &regs) != 0) {
      if (errno == ESRCH) continue; /* killed meanwhile (SIGKILL ends even a stopped thread) */
      snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_GETREGS, %d): %s", t->tid[i], strerror(errno));
      return -1;
    }
    for (int r = 0; r < ranges; r++)
      if (regs.rip >= start[r] && regs.rip < end[r]) *hit = true;
  }
  return 0;
}
/* Whether a task's stat (…/stat) says it is dead or a zombie (or cannot be read). */
static bool fl_task_dead(const char *stat_path) {
  char buf[512];
  FILE *f = fopen(stat_path, "re");
  if (!f) return true;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *paren = strrchr(buf, ')');
  return !paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X';
}

bool fl_process_ended(pid_t pid) {
  char path[96];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *dir = opendir(path);
  if (!dir) return true;
  bool dead = true;
  struct dirent *d;
  while (dead && (d = readdir(dir))) {
    if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%d/task/%.16s/stat", pid, d->d_name);
    dead = fl_task_dead(path);
  }
  closedir(dir);
  return dead;
}
#endif
