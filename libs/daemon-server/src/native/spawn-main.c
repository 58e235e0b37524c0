/* faultline-spawn: starts the daemon's short-lived commands (nsenter …) from a small process.
 *
 * Node starts a child with fork(), whose cost grows with the parent's resident memory: about
 * 1.5 ms from the daemon's ~55 MB, 8 ms from 550 MB. This helper is a few hundred kilobytes, so
 * its fork costs a tenth of that, whatever the daemon's heap. The daemon starts it once
 * (`faultline-spawn serve`) and sends it argv arrays over a pipe (spawn-protocol.h); it runs each
 * one with execvp (never a shell), in a session of its own, with a hard timeout and an output
 * limit, and answers with the status and the captured output.
 *
 * It exits when its stdin closes (the daemon is gone) or on SIGTERM/SIGINT, SIGKILLing the process
 * groups it still runs; every child also gets PR_SET_PDEATHSIG=SIGKILL, for a helper that is
 * itself SIGKILLed. A malformed request ends it with status 2 and a message on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn-protocol.h"

struct buf {
  char *data;
  size_t len, cap;
};

struct job {
  uint32_t id;
  pid_t pid;
  int out_fd, err_fd, in_fd; /* -1 once closed */
  char *input;
  size_t input_len, input_off;
  struct buf out, err;
  size_t output_bytes, max_output;
  int64_t started_us, deadline_us;
  /* once killed: when to stop waiting for its pipes (a process that left its own session holds them) */
  int64_t grace_us;
  int reaped, status;
  int failure; /* 0, or OUT_TIMEOUT / OUT_CANCELLED / OUT_OUTPUT_TOO_LARGE */
};

static struct job *jobs[MAX_JOBS];
static size_t njobs;
/* --max-jobs: at most MAX_JOBS */
static size_t max_jobs = MAX_JOBS;

static void die(const char *what) {
  fprintf(stderr, "faultline-spawn: %s\n", what);
  for (size_t i = 0; i < njobs; i++) kill(-jobs[i]->pid, SIGKILL);
  exit(2);
}

static int64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void buf_append(struct buf *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) die("out of memory");
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void put_u32(struct buf *b, uint32_t v) {
  unsigned char w[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
  buf_append(b, w, 4);
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* answers go out whole and in order, with blocking writes: the daemon always reads them */
static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die("cannot write an answer to stdout (is the daemon gone?)");
    p += w;
    n -= (size_t)w;
  }
}

static void answer(uint32_t id, uint32_t outcome, int32_t value, int64_t duration_us, const struct buf *out, const struct buf *err) {
  struct buf a = {0};
  size_t out_len = out ? out->len : 0, err_len = err ? err->len : 0;
  put_u32(&a, (uint32_t)(4 * (ANSWER_HEADER_WORDS - 1) + out_len + err_len));
  put_u32(&a, id);
  put_u32(&a, outcome);
  put_u32(&a, (uint32_t)value);
  put_u32(&a, duration_us < 0 ? 0 : duration_us > UINT32_MAX ? UINT32_MAX : (uint32_t)duration_us);
  put_u32(&a, (uint32_t)out_len);
  put_u32(&a, (uint32_t)err_len);
  write_all(STDOUT_FILENO, a.data, a.len);
  if (out_len) write_all(STDOUT_FILENO, out->data, out_len);
  if (err_len) write_all(STDOUT_FILENO, err->data, err_len);
  free(a.data);
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* how long a killed job's pipes may stay open after it is reaped */
#define PIPE_GRACE_US 1000000

static void kill_group(struct job *j, int why) {
  if (!j->failure) {
    j->failure = why;
    j->grace_us = now_us() + PIPE_GRACE_US;
  }
  kill(-j->pid, SIGKILL); /* ESRCH: nothing of it left */
}

/* fork + execvp in a new session, stdio on pipes; the exec's errno comes back on a CLOEXEC pipe */
static void start(uint32_t id, uint32_t timeout_ms, uint32_t max_output, char **argv, const char *input, uint32_t input_len) {
  int64_t started = now_us();
  if (njobs == max_jobs) {
    answer(id, OUT_SPAWN_FAILED, EAGAIN, 0, NULL, NULL);
    return;
  }
  int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, report[2] = {-1, -1};
  int e = 0;
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(report, O_CLOEXEC) || (input_len != NO_INPUT && pipe2(in, O_CLOEXEC))) e = errno;
  int devnull = -1;
  if (!e && input_len == NO_INPUT && (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) e = errno;
  pid_t parent = getpid();
  pid_t pid = e ? -1 : fork();
  if (!e && pid < 0) e = errno;
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (dup2(input_len == NO_INPUT ? devnull : in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0) {
      int ce = errno;
      (void)!write(report[1], &ce, sizeof ce);
      _exit(127);
    }
    execvp(argv[0], argv);
    int ce = errno;
    (void)!write(report[1], &ce, sizeof ce);
    _exit(127);
  }
  int fds_child[] = {out[1], err[1], in[0], report[1], devnull};
  for (size_t i = 0; i < sizeof fds_child / sizeof *fds_child; i++)
    if (fds_child[i] >= 0) close(fds_child[i]);
  if (!e) {
    int ce;
    ssize_t r;
    do r = read(report[0], &ce, sizeof ce);
    while (r < 0 && errno == EINTR);
    if (r == (ssize_t)sizeof ce) {
      e = ce;
      waitpid(pid, NULL, 0);
    }
  }
  close_fd(&report[0]);
  if (e) {
    close_fd(&out[0]);
    close_fd(&err[0]);
    close_fd(&in[1]);
    answer(id, OUT_SPAWN_FAILED, e, now_us() - started, NULL, NULL);
    return;
  }
  struct job *j = calloc(1, sizeof *j);
  if (!j) die("out of memory");
  j->id = id;
  j->pid = pid;
  j->out_fd = out[0];
  j->err_fd = err[0];
  j->in_fd = in[1];
  fcntl(j->out_fd, F_SETFL, O_NONBLOCK);
  fcntl(j->err_fd, F_SETFL, O_NONBLOCK);
  if (j->in_fd >= 0) {
    fcntl(j->in_fd, F_SETFL, O_NONBLOCK);
    j->input_len = input_len;
    if (input_len) {
      j->input = malloc(input_len);
      if (!j->input) die("out of memory");
      memcpy(j->input, input, input_len);
    } else {
      close_fd(&j->in_fd);
    }
  }
  j->max_output = max_output;
  j->started_us = started;
  j->deadline_us = started + (int64_t)timeout_ms * 1000;
  jobs[njobs++] = j;
}

static void finish_if_done(size_t i) {
  struct job *j = jobs[i];
  if (!j->reaped || j->out_fd >= 0 || j->err_fd >= 0) return;
  close_fd(&j->in_fd);
  int64_t took = now_us() - j->started_us;
  if (j->failure) answer(j->id, (uint32_t)j->failure, 0, took, &j->out, &j->err);
  else if (WIFSIGNALED(j->status)) answer(j->id, OUT_SIGNALED, WTERMSIG(j->status), took, &j->out, &j->err);
  else answer(j->id, OUT_EXITED, WEXITSTATUS(j->status), took, &j->out, &j->err);
  free(j->out.data);
  free(j->err.data);
  free(j->input);
  free(j);
  jobs[i] = jobs[--njobs];
}

static void drain(struct job *j, int *fd, struct buf *into) {
  char chunk[65536];
  for (;;) {
    ssize_t r = read(*fd, chunk, sizeof chunk);
    if (r > 0) {
      j->output_bytes += (size_t)r;
      if (j->output_bytes > j->max_output) kill_group(j, OUT_OUTPUT_TOO_LARGE);
      else if (j->failure != OUT_OUTPUT_TOO_LARGE) buf_append(into, chunk, (size_t)r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) return;
    close_fd(fd); /* EOF, or an error: nothing more to read */
    return;
  }
}

static void feed(struct job *j) {
  while (j->input_off < j->input_len) {
    ssize_t w = write(j->in_fd, j->input + j->input_off, j->input_len - j->input_off);
    if (w > 0) {
      j->input_off += (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return;
    break; /* EPIPE: it exits without reading; its status tells */
  }
  close_fd(&j->in_fd);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (size_t i = 0; i < njobs; i++) {
      if (jobs[i]->pid == pid) {
        jobs[i]->reaped = 1;
        jobs[i]->status = status;
        break;
      }
    }
  }
}

static struct job *find(uint32_t id) {
  for (size_t i = 0; i < njobs; i++)
    if (jobs[i]->id == id) return jobs[i];
  return NULL;
}

/* parses every whole frame at the start of `in`; returns the bytes consumed */
static size_t handle_requests(unsigned char *in, size_t len) {
  size_t used = 0;
  while (len - used >= 4) {
    uint32_t flen = get_u32(in + used);
    if (flen > MAX_REQUEST_BYTES) die("a request frame is larger than 64 MiB");
    if (flen < 8) die("a request frame is shorter than its type and id");
    if (len - used - 4 < flen) break;
    unsigned char *f = in + used + 4;
    uint32_t type = get_u32(f), id = get_u32(f + 4);
    if (type == REQ_CANCEL) {
      if (flen != 8) die("a CANCEL frame carries only its id");
      struct job *j = find(id);
      if (j) kill_group(j, OUT_CANCELLED);
    } else if (type == REQ_RUN) {
      if (flen < 24) die("a RUN frame is shorter than its header");
      uint32_t timeout_ms = get_u32(f + 8), max_output = get_u32(f + 12), argc = get_u32(f + 16), input_len = get_u32(f + 20);
      size_t body = flen - 24, input_bytes = input_len == NO_INPUT ? 0 : input_len;
      if (argc == 0 || argc > 65536) die("a RUN frame's argc is 0 or above 65536");
      if (input_bytes > body) die("a RUN frame's input is longer than the frame");
      char *strings = (char *)f + 24;
      size_t strings_len = body - input_bytes;
      char **argv = calloc(argc + 1, sizeof *argv);
      if (!argv) die("out of memory");
      size_t off = 0;
      for (uint32_t a = 0; a < argc; a++) {
        char *end = off < strings_len ? memchr(strings + off, '\0', strings_len - off) : NULL;
        if (!end) die("a RUN frame's argv is not argc NUL-terminated strings");
        argv[a] = strings + off;
        off = (size_t)(end - strings) + 1;
      }
      if (off != strings_len) die("a RUN frame has bytes between its argv and its input");
      if (argv[0][0] == '\0') die("a RUN frame's argv[0] is empty");
      start(id, timeout_ms, max_output, argv, strings + strings_len, input_len);
      free(argv);
    } else {
      die("a request frame has an unknown type");
    }
    used += 4 + flen;
  }
  return used;
}

int main(int argc, char **argv) {
  char *end = NULL;
  if (argc == 4 && strcmp(argv[2], "--max-jobs") == 0) {
    errno = 0;
    unsigned long n = strtoul(argv[3], &end, 10);
    if (errno || *end || n < 1 || n > MAX_JOBS) {
      fprintf(stderr, "faultline-spawn: --max-jobs wants 1..%d, got %s\n", MAX_JOBS, argv[3]);
      return 2;
    }
    max_jobs = n;
  }
  if ((argc != 2 && argc != 4) || strcmp(argv[1], "serve") != 0 || (argc == 4 && end == NULL)) {
    fprintf(stderr, "usage: faultline-spawn serve [--max-jobs N]   (requests on stdin, answers on stdout: see spawn-protocol.h;\n"
                    "  at most N processes at once, default and most %d; a run past it is answered EAGAIN)\n", MAX_JOBS);
    return 2;
  }
  /* a process of the daemon's: it goes when the daemon goes */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  struct rlimit nofile;
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd failed");
  fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
  fcntl(STDIN_FILENO, F_SETFD, FD_CLOEXEC);
  fcntl(STDOUT_FILENO, F_SETFD, FD_CLOEXEC);

  struct buf in = {0};
  int stdin_open = 1;
  static struct pollfd pfds[2 + 3 * MAX_JOBS];
  static struct job *owner[2 + 3 * MAX_JOBS];
  static int *which[2 + 3 * MAX_JOBS];
  for (;;) {
    if (!stdin_open) break;
    size_t n = 0;
    pfds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    int64_t now = now_us(), wait_us = -1;
    for (size_t i = 0; i < njobs; i++) {
      struct job *j = jobs[i];
      int *fds[] = {&j->out_fd, &j->err_fd, &j->in_fd};
      for (int k = 0; k < 3; k++) {
        if (*fds[k] < 0) continue;
        owner[n] = j;
        which[n] = fds[k];
        pfds[n++] = (struct pollfd){.fd = *fds[k], .events = k == 2 ? POLLOUT : POLLIN};
      }
      int64_t until = !j->failure ? j->deadline_us : j->reaped && (j->out_fd >= 0 || j->err_fd >= 0) ? j->grace_us : -1;
      if (until >= 0) {
        int64_t left = until - now;
        if (left < 0) left = 0;
        if (wait_us < 0 || left < wait_us) wait_us = left;
      }
    }
    int timeout = wait_us < 0 ? -1 : wait_us / 1000 >= INT_MAX ? INT_MAX : (int)((wait_us + 999) / 1000);
    if (poll(pfds, n, timeout) < 0 && errno != EINTR) die("poll failed");

    if (pfds[1].revents) {
      struct signalfd_siginfo si;
      int stop = 0;
      while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) stop = 1;
      if (stop) break;
      reap();
    }
    for (size_t p = 2; p < n; p++) {
      if (!pfds[p].revents || *which[p] != pfds[p].fd) continue;
      struct job *j = owner[p];
      if (which[p] == &j->in_fd) feed(j);
      else drain(j, which[p], which[p] == &j->out_fd ? &j->out : &j->err);
    }
    if (pfds[0].revents) {
      char chunk[65536];
      for (;;) {
        ssize_t r = read(STDIN_FILENO, chunk, sizeof chunk);
        if (r > 0) {
          buf_append(&in, chunk, (size_t)r);
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 || (r < 0 && errno != EAGAIN)) stdin_open = 0;
        break;
      }
      size_t used = in.len ? handle_requests((unsigned char *)in.data, in.len) : 0;
      if (used) memmove(in.data, in.data + used, in.len - used);
      in.len -= used;
    }
    now = now_us();
    reap();
    for (size_t i = 0; i < njobs; i++) {
      struct job *j = jobs[i];
      if (!j->failure && now >= j->deadline_us) kill_group(j, OUT_TIMEOUT);
      else if (j->failure && j->reaped && now >= j->grace_us) {
        /* killed and reaped, but something outside its group still holds its pipes: answer now */
        close_fd(&j->out_fd);
        close_fd(&j->err_fd);
      }
    }
    for (size_t i = njobs; i-- > 0;) finish_if_done(i);
  }
  for (size_t i = 0; i < njobs; i++) kill(-jobs[i]->pid, SIGKILL);
  return 0;
}
