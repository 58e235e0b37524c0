/*
 * One system call made by a stopped thread of another process, with nothing written but data.
 *
 * The thread is one seized and stopped by fl_seize_all (../../time/native/ptrace.c): it sits in a
 * ptrace stop inside the kernel's signal path (get_signal), on its way back to user space. If it was
 * inside a blocking system call when interrupted, that call has already returned a restart code
 * (-ERESTARTSYS, -ERESTARTNOINTR, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK) in rax, with orig_rax =
 * the call's number; the kernel applies the restart (rip -= 2, rax = orig_rax or restart_syscall)
 * AFTER the stop, from the registers it then finds. So:
 *
 *  1. the registers are saved (PTRACE_GETREGS);
 *  2. rip = a `syscall` instruction of the [vdso] (no code is ever written), rax = nr, the arguments
 *     in rdi rsi rdx r10 r8 r9, and orig_rax = -1 so no restart is applied to these registers;
 *  3. PTRACE_SINGLESTEP: the thread leaves the stop, executes exactly that instruction (the system
 *     call) and traps right after it (a SIGTRAP stop); rax is the result. A stop for a signal that
 *     arrives meanwhile keeps the signal (given back on detach) and steps again; a system call of
 *     ours interrupted by it has its own restart applied and runs again;
 *  4. the saved registers are restored (PTRACE_SETREGS), restart code and orig_rax included;
 *  5. PTRACE_INTERRUPT + PTRACE_CONT: the thread leaves the SIGTRAP stop (the trap discarded) and,
 *     still inside get_signal, stops again at the interrupt, before any restart is applied or any
 *     user instruction runs. PTRACE_CONT is what clears the trap flag the single step set (a
 *     register restore keeps it): a helper killed after this leaves a thread that resumes cleanly.
 *
 * When the thread is finally detached it goes on from exactly the state the seize found: the
 * interrupted system call restarts with its own restart semantics (a read on a pipe reads again,
 * a nanosleep goes on with the time left through restart_syscall).
 */
#define _GNU_SOURCE
#include "remote-syscall.h"
#if defined(FL_SUPPORTED)

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_VDSO (64 * 1024)
#define RED_ZONE 128
/* an upper bound on stops handled within one call (signals arriving, restarts): never loops forever */
#define MAX_STOPS 64

int fl_remote_open(struct fl_remote *r, pid_t pid, pid_t tid, int *pending_signal, char *err) {
  r->pid = pid;
  r->tid = tid;
  r->pending_signal = pending_signal;
  r->syscall_at = 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/maps", pid);
  FILE *f = fopen(path, "re");
  if (!f) {
    if (errno == ENOENT || errno == ESRCH) return 1;
    snprintf(err, FL_ERR_LEN, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  char line[512];
  uint64_t lo = 0, hi = 0;
  bool found = false;
  while (fgets(line, sizeof line, f)) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[--n] = 0;
    if (n >= 6 && strcmp(line + n - 6, "[vdso]") == 0 && sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2) {
      found = true;
      break;
    }
  }
  fclose(f);
  if (!found || hi <= lo || hi - lo > MAX_VDSO) {
    snprintf(err, FL_ERR_LEN, "no [vdso] mapping in %s: no `syscall` instruction to borrow", path);
    return -1;
  }
  snprintf(path, sizeof path, "/proc/%d/mem", pid);
  r->mem_fd = open(path, O_RDWR | O_CLOEXEC);
  if (r->mem_fd < 0) {
    if (errno == ENOENT || errno == ESRCH) return 1;
    snprintf(err, FL_ERR_LEN, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  static uint8_t bytes[MAX_VDSO];
  ssize_t got = pread(r->mem_fd, bytes, hi - lo, (off_t)lo);
  if (got != (ssize_t)(hi - lo)) {
    snprintf(err, FL_ERR_LEN, "cannot read the [vdso] of %d: %s", pid, got < 0 ? strerror(errno) : "short read");
    fl_remote_close(r);
    return -1;
  }
  /* Any 0f 05 will do, aligned with the vDSO's own instructions or not: the CPU decodes from rip. */
  for (uint64_t i = 0; i + 1 < hi - lo; i++) {
    if (bytes[i] == 0x0f && bytes[i + 1] == 0x05) {
      r->syscall_at = lo + i;
      return 0;
    }
  }
  snprintf(err, FL_ERR_LEN, "no `syscall` instruction (0f 05) in the [vdso] of %d", pid);
  fl_remote_close(r);
  return -1;
}

void fl_remote_close(struct fl_remote *r) {
  if (r->mem_fd >= 0) close(r->mem_fd);
  r->mem_fd = -1;
}

static bool is_restart_code(uint64_t rax) {
  long v = (long)rax;
  return v == -512 /* ERESTARTSYS */ || v == -513 /* ERESTARTNOINTR */ || v == -514 /* ERESTARTNOHAND */ || v == -516 /* ERESTART_RESTARTBLOCK */;
}

/* A signal stopped the thread during our call: keep it for the detach (standard signals coalesce
 * anyway; a second, different one while one is kept is lost — see README.md). */
static void keep_signal(struct fl_remote *r, int sig) {
  if (*r->pending_signal == 0) *r->pending_signal = sig;
}

/* Waits for the thread's next stop, through EINTR (a deadline never abandons a call under way).
 * 0 stopped (*status); -1 the thread is gone or waitpid failed (err). */
static int wait_stop(struct fl_remote *r, int *status, char *err) {
  for (;;) {
    pid_t w = waitpid(r->tid, status, __WALL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      snprintf(err, FL_ERR_LEN, "waitpid %d: %s", r->tid, strerror(errno));
      return -1;
    }
    if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
      snprintf(err, FL_ERR_LEN, "thread %d ended during a remote system call", r->tid);
      return -1;
    }
    if (WIFSTOPPED(*status)) return 0;
  }
}

/* Step 5: from the SIGTRAP stop back to an interrupt stop, clearing the trap flag, running nothing. */
static int back_to_interrupt_stop(struct fl_remote *r, char *err) {
  if (ptrace(PTRACE_INTERRUPT, r->tid, 0, 0) != 0) {
    snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_INTERRUPT, %d): %s", r->tid, strerror(errno));
    return -1;
  }
  for (int i = 0; i < MAX_STOPS; i++) {
    if (ptrace(PTRACE_CONT, r->tid, 0, 0) != 0) {
      snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_CONT, %d): %s", r->tid, strerror(errno));
      return -1;
    }
    int status;
    if (wait_stop(r, &status, err) != 0) return -1;
    if ((status >> 16) == PTRACE_EVENT_STOP) return 0;
    if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP) keep_signal(r, WSTOPSIG(status));
  }
  snprintf(err, FL_ERR_LEN, "thread %d never came back to an interrupt stop", r->tid);
  return -1;
}

int fl_remote_syscall(struct fl_remote *r, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                      long *result, char *err) {
  struct user_regs_struct saved, regs;
  if (ptrace(PTRACE_GETREGS, r->tid, 0, &saved) != 0) {
    snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_GETREGS, %d): %s", r->tid, strerror(errno));
    return -1;
  }
  regs = saved;
  regs.rip = r->syscall_at;
  regs.rax = (uint64_t)nr;
  regs.orig_rax = (uint64_t)-1;
  regs.rdi = a0;
  regs.rsi = a1;
  regs.rdx = a2;
  regs.r10 = a3;
  regs.r8 = a4;
  regs.r9 = a5;
  if (ptrace(PTRACE_SETREGS, r->tid, 0, &regs) != 0) {
    snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_SETREGS, %d): %s", r->tid, strerror(errno));
    return -1;
  }
  int rc = -1;
  bool done = false;
  for (int i = 0; i < MAX_STOPS && !done; i++) {
    if (ptrace(PTRACE_SINGLESTEP, r->tid, 0, 0) != 0) {
      snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_SINGLESTEP, %d): %s", r->tid, strerror(errno));
      goto restore;
    }
    int status;
    if (wait_stop(r, &status, err) != 0) return -1; /* the thread is gone: nothing to restore */
    int event = status >> 16, sig = WSTOPSIG(status);
    if (event != 0) continue; /* an interrupt stop still pending from the seize: step again */
    if (sig != SIGTRAP) {
      keep_signal(r, sig); /* and step again: our call, if interrupted by it, restarts */
      continue;
    }
    if (ptrace(PTRACE_GETREGS, r->tid, 0, &regs) != 0) {
      snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_GETREGS, %d): %s", r->tid, strerror(errno));
      goto restore;
    }
    if (regs.rip == r->syscall_at) continue; /* a SIGTRAP from elsewhere before the instruction ran */
    if (regs.rip != r->syscall_at + 2) {
      snprintf(err, FL_ERR_LEN, "thread %d stepped to 0x%llx, not past the syscall at 0x%" PRIx64, r->tid, (unsigned long long)regs.rip, r->syscall_at);
      goto restore;
    }
    if (is_restart_code(regs.rax) && (long)regs.orig_rax == nr) continue; /* interrupted: it restarts */
    *result = (long)regs.rax;
    done = true;
  }
  if (!done) {
    snprintf(err, FL_ERR_LEN, "thread %d did not complete the remote system call %ld", r->tid, nr);
    goto restore;
  }
  rc = 0;
restore:
  if (ptrace(PTRACE_SETREGS, r->tid, 0, &saved) != 0) {
    snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_SETREGS, %d) restoring: %s", r->tid, strerror(errno));
    return -1;
  }
  {
    char e2[FL_ERR_LEN];
    if (back_to_interrupt_stop(r, rc == 0 ? err : e2) != 0) return -1;
  }
  return rc;
}

int fl_scratch_write(struct fl_remote *r, const void *bytes, size_t len, uint64_t *addr, uint8_t *saved, char *err) {
  if (len > FL_SCRATCH_MAX) {
    snprintf(err, FL_ERR_LEN, "%zu bytes do not fit the scratch area", len);
    return -1;
  }
  struct user_regs_struct regs;
  if (ptrace(PTRACE_GETREGS, r->tid, 0, &regs) != 0) {
    snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_GETREGS, %d): %s", r->tid, strerror(errno));
    return -1;
  }
  *addr = (regs.rsp - RED_ZONE - len) & ~(uint64_t)15;
  if (pread(r->mem_fd, saved, len, (off_t)*addr) != (ssize_t)len) {
    snprintf(err, FL_ERR_LEN, "cannot read the stack of thread %d below its red zone: %s", r->tid, strerror(errno));
    return -1;
  }
  if (pwrite(r->mem_fd, bytes, len, (off_t)*addr) != (ssize_t)len) {
    snprintf(err, FL_ERR_LEN, "cannot write the stack of thread %d below its red zone: %s", r->tid, strerror(errno));
    return -1;
  }
  return 0;
}

int fl_scratch_restore(struct fl_remote *r, uint64_t addr, const uint8_t *saved, size_t len, char *err) {
  if (pwrite(r->mem_fd, saved, len, (off_t)addr) != (ssize_t)len) {
    snprintf(err, FL_ERR_LEN, "cannot restore the stack of thread %d: %s", r->tid, strerror(errno));
    return -1;
  }
  return 0;
}
#endif
