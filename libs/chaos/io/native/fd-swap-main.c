/*
 * faultline-fd-swap: re-opens a process's descriptors (and its working directory) under a volume
 * path into whatever mount is at that path NOW, in the process's own mount namespace.
 *
 *   faultline-fd-swap --volume <abs path> [--from-mount <mnt id>] [--timeout-ms <n>] [--stop-after-fd <n>] <pid>...
 *
 * --from-mount: the mount the descriptors leave, when it may have been lazily unmounted (detached)
 * already: a detached mount's paths are relative to its own root, so they are taken as under --volume.
 *
 * One JSON line per pid on stdout, in argv order:
 *   {"pid":1,"swapped":3,"cwd":false,"mappings":0,"skipped":[{"fd":5,"reason":"…"}],"state":"ok"|"gone"|"error","error":"…"}
 * Exit 0: every pid ok/gone; 1: any error; 2: usage error (stderr; nothing touched).
 * The steps, what is switched and what is not are in README.md ("faultline-fd-swap").
 */
#define _GNU_SOURCE
#include "remote-syscall.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_PIDS 4096
#define MAX_PID 4194304
#define MAX_VOLUME 4000
#define MAX_ENTRIES 65536

static struct {
  const char *volume;
  size_t volume_len;
  long timeout_ms;
  long stop_after_fd;
  long from_mount;
  pid_t pids[MAX_PIDS];
  int pid_count;
} args = {.timeout_ms = 5000, .stop_after_fd = -1, .from_mount = -1};

static void usage_error(const char *fmt, const char *what) {
  fprintf(stderr, "faultline-fd-swap: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\nusage: faultline-fd-swap --volume <abs path> [--from-mount <mnt id>] [--timeout-ms <n>] [--stop-after-fd <n>] <pid>...\n");
  exit(2);
}

static bool parse_int(const char *s, long long min, long long max, long long *out) {
  if (!*s || *s == '+' || *s == ' ') return false;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v < min || v > max) return false;
  *out = v;
  return true;
}

/* Absolute, not "/", no trailing "/", no empty, "." or ".." component, no control characters. */
static void check_volume(const char *v) {
  size_t n = strlen(v);
  if (n == 0 || v[0] != '/') usage_error("--volume %s: want an absolute path", v);
  if (n == 1) usage_error("--volume %s: must not be /", v);
  if (n > MAX_VOLUME) usage_error("--volume %.64s...: longer than 4000 bytes", v);
  if (v[n - 1] == '/') usage_error("--volume %s: no trailing /", v);
  for (const char *p = v; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) usage_error("--volume %s: control character in the path", v);
  for (const char *c = v + 1;;) {
    const char *slash = strchr(c, '/');
    size_t len = slash ? (size_t)(slash - c) : strlen(c);
    if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
      usage_error("--volume %s: want a normalised path (no empty, . or .. component)", v);
    if (!slash) break;
    c = slash + 1;
  }
}

static void parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long long v;
    if (strcmp(a, "--volume") == 0 || strcmp(a, "--timeout-ms") == 0 || strcmp(a, "--stop-after-fd") == 0 || strcmp(a, "--from-mount") == 0) {
      if (i + 1 >= argc) usage_error("%s needs a value", a);
      const char *value = argv[++i];
      if (strcmp(a, "--volume") == 0) {
        if (args.volume) usage_error("%s given twice", a);
        check_volume(value);
        args.volume = value;
        args.volume_len = strlen(value);
      } else if (strcmp(a, "--from-mount") == 0) {
        if (args.from_mount >= 0) usage_error("%s given twice", a);
        if (!parse_int(value, 1, INT_MAX, &v)) usage_error("--from-mount %s: want a mount id (an integer in 1..2147483647)", value);
        args.from_mount = (long)v;
      } else if (strcmp(a, "--timeout-ms") == 0) {
        if (!parse_int(value, 1, 600000, &v)) usage_error("--timeout-ms %s: want an integer in 1..600000", value);
        args.timeout_ms = (long)v;
      } else {
        if (!parse_int(value, 0, MAX_ENTRIES, &v)) usage_error("--stop-after-fd %s: want an integer in 0..65536", value);
        args.stop_after_fd = (long)v;
      }
    } else if (a[0] == '-') {
      usage_error("unknown option %s", a);
    } else {
      if (!parse_int(a, 1, MAX_PID, &v)) usage_error("pid %s: want an integer in 1..4194304", a);
      if (args.pid_count == MAX_PIDS) usage_error("%s: too many pids", a);
      args.pids[args.pid_count++] = (pid_t)v;
    }
  }
  if (!args.volume) usage_error("%s", "--volume is required");
  if (args.pid_count == 0) usage_error("%s", "no pid given");
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

/* ---- the result of one process ---- */
struct skip {
  int fd;
  char reason[FL_ERR_LEN];
};
static struct {
  int swapped;
  bool cwd;
  int mappings;
  struct skip *skipped;
  int skipped_count, skipped_cap;
} res;

__attribute__((unused)) static void add_skip(int fd, const char *fmt, const char *a, const char *b) {
  if (res.skipped_count == res.skipped_cap) {
    res.skipped_cap = res.skipped_cap ? res.skipped_cap * 2 : 16;
    res.skipped = realloc(res.skipped, sizeof *res.skipped * (size_t)res.skipped_cap);
    if (!res.skipped) abort();
  }
  struct skip *s = &res.skipped[res.skipped_count++];
  s->fd = fd;
  snprintf(s->reason, sizeof s->reason, fmt, a, b);
}

static void print_result(pid_t pid, const char *state, const char *error) {
  printf("{\"pid\":%d,\"swapped\":%d,\"cwd\":%s,\"mappings\":%d,\"skipped\":[", pid, res.swapped, res.cwd ? "true" : "false", res.mappings);
  for (int i = 0; i < res.skipped_count; i++) {
    printf("%s{\"fd\":%d,\"reason\":", i ? "," : "", res.skipped[i].fd);
    json_string(res.skipped[i].reason);
    printf("}");
  }
  printf("],\"state\":\"%s\"", state);
  if (error) {
    printf(",\"error\":");
    json_string(error);
  }
  printf("}\n");
  fflush(stdout);
}

#if !defined(FL_SUPPORTED)
int main(int argc, char **argv) {
  parse_args(argc, argv);
  struct utsname u;
  char reason[FL_ERR_LEN];
  snprintf(reason, sizeof reason, "unsupported architecture %s", uname(&u) == 0 ? u.machine : "unknown");
  for (int i = 0; i < args.pid_count; i++) print_result(args.pids[i], "error", reason);
  return 1;
}
#else

#include <sys/ptrace.h>

static struct fl_threads threads;

static void on_alarm(int sig) {
  (void)sig;
  fl_deadline_passed = 1;
}

/* SIGTERM/SIGINT: stop at the next safe point — the remote call under way is finished and its
 * registers restored, no further call is made, every thread is detached, and the run ends (the
 * processes not reached are reported as errors). Only SIGKILL can cut a remote call in half. */
static volatile sig_atomic_t terminated;
static void on_term(int sig) {
  terminated = sig;
  fl_deadline_passed = 1; /* every wait that honours the deadline gives up the same way */
}
/* Why the run stops early: the deadline or a SIGTERM (err gets "<why> <where>"). */
static void stop_reason(char *err, const char *where_fmt, long a, long b) {
  char where[128];
  snprintf(where, sizeof where, where_fmt, a, b);
  if (terminated) snprintf(err, FL_ERR_LEN, "stopped by %s %s", terminated == SIGTERM ? "SIGTERM" : "SIGINT", where);
  else snprintf(err, FL_ERR_LEN, "deadline of %ld ms passed %s", args.timeout_ms, where);
}

/* Whether `path` is the volume or under it. */
static bool under_volume(const char *path) {
  return strncmp(path, args.volume, args.volume_len) == 0 && (path[args.volume_len] == 0 || path[args.volume_len] == '/');
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s) {
  char *out = s;
  for (char *p = s; *p;) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
      *out++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 4;
    } else {
      *out++ = *p++;
    }
  }
  *out = 0;
}

enum outcome { OK, GONE, FAILED };

/* The id of the mount now at the volume path in the process's mount namespace: the last line of
 * its mountinfo whose mount point is the path (the top of the stack). */
static bool from_mount_detached; /* --from-mount given and not in the process's mountinfo */

static enum outcome volume_mount(pid_t pid, long *mnt_id, char *err) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mountinfo", pid);
  FILE *f = fopen(path, "re");
  if (!f) {
    if (errno == ENOENT || errno == ESRCH) return GONE;
    snprintf(err, FL_ERR_LEN, "cannot read %s: %s", path, strerror(errno));
    return FAILED;
  }
  char *line = NULL;
  size_t cap = 0;
  *mnt_id = -1;
  from_mount_detached = args.from_mount >= 0;
  while (getline(&line, &cap, f) > 0) {
    long id;
    int at = 0;
    /* id parent major:minor root mount-point ... */
    if (sscanf(line, "%ld %*d %*s %*s %n", &id, &at) != 1 || at == 0) continue;
    if (id == args.from_mount) from_mount_detached = false;
    char *mp = line + at, *sp = strchr(mp, ' ');
    if (!sp) continue;
    *sp = 0;
    unescape(mp);
    if (strcmp(mp, args.volume) == 0) *mnt_id = id;
  }
  free(line);
  fclose(f);
  if (*mnt_id < 0) {
    /* an empty mountinfo is a process that ended (a zombie) */
    snprintf(err, FL_ERR_LEN, "%s is not a mount point in the mount namespace of %d", args.volume, pid);
    return FAILED;
  }
  return OK;
}

static int count_mappings(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/maps", pid);
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  char *line = NULL;
  size_t cap = 0;
  int n = 0;
  while (getline(&line, &cap, f) > 0) {
    char *slash = strchr(line, '/');
    if (!slash) continue;
    slash[strcspn(slash, "\n")] = 0;
    if (ends_with(slash, " (deleted)")) slash[strlen(slash) - 10] = 0;
    if (under_volume(slash)) n++;
  }
  free(line);
  fclose(f);
  return n;
}

/* What fdinfo says: the mount, the flags (octal, O_CLOEXEC included), the position. */
static bool read_fdinfo(pid_t pid, int fd, long *mnt_id, int *flags, long long *pos) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", pid, fd);
  FILE *f = fopen(path, "re");
  if (!f) return false;
  char line[256];
  int seen = 0;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "pos: %lld", pos) == 1) seen |= 1;
    else if (sscanf(line, "flags: %o", (unsigned *)flags) == 1) seen |= 2;
    else if (sscanf(line, "mnt_id: %ld", mnt_id) == 1) seen |= 4;
  }
  fclose(f);
  return seen == 7;
}

/* A path on the detached --from-mount is relative to that mount's root, which was the volume:
 * rewritten in place as volume + path ("/" alone: the volume). false if it does not fit. */
static bool in_volume(char *path, ssize_t *len) {
  size_t rest = strcmp(path, "/") == 0 ? 0 : (size_t)*len;
  if (args.volume_len + rest + 1 > PATH_MAX) return false;
  memmove(path + args.volume_len, path, rest + 1);
  memcpy(path, args.volume, args.volume_len);
  path[args.volume_len + rest] = 0;
  *len = (ssize_t)(args.volume_len + rest);
  return true;
}

struct todo {
  int fd;
  int flags;
  long long pos;
  bool regular;
  char path[PATH_MAX];
};
static struct todo *todos;
static int todo_count, todo_cap;
static bool cwd_todo;
static char cwd_path[PATH_MAX];

/* The plan: every fd under the volume on another mount than mount_id, and the cwd. Fills res.skipped. */
static enum outcome plan(pid_t pid, long mount_id, char *err) {
  todo_count = 0;
  cwd_todo = false;
  res.skipped_count = 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  DIR *dir = opendir(path);
  if (!dir) {
    if (errno == ENOENT || errno == ESRCH) return GONE;
    snprintf(err, FL_ERR_LEN, "cannot list %s: %s", path, strerror(errno));
    return FAILED;
  }
  struct dirent *d;
  while ((d = readdir(dir))) {
    char *end;
    long fd = strtol(d->d_name, &end, 10);
    if (*end || d->d_name[0] == 0 || fd < 0) continue;
    char link[80], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%d/fd/%ld", pid, fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) continue; /* closed meanwhile */
    target[n] = 0;
    if (target[0] != '/') continue; /* socket:[…], pipe:[…], anon_inode:… */
    bool deleted = ends_with(target, " (deleted)");
    if (deleted) target[n -= 10] = 0;
    long mnt_id;
    int flags;
    long long pos;
    if (!read_fdinfo(pid, (int)fd, &mnt_id, &flags, &pos)) continue; /* closed meanwhile */
    if (mnt_id == args.from_mount && from_mount_detached && !in_volume(target, &n)) continue;
    if (!under_volume(target)) continue;
    if (deleted) {
      add_skip((int)fd, "%s%s: deleted, nothing to re-open", target, "");
      continue;
    }
    if (mnt_id == mount_id) continue; /* already on the mount at the path */
    struct stat st;
    if (stat(link, &st) != 0) continue;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
      add_skip((int)fd, "%s%s: not a regular file or directory (a fifo or device is not re-opened: opening it can block or act)", target, "");
      continue;
    }
    if (todo_count == todo_cap) {
      todo_cap = todo_cap ? todo_cap * 2 : 64;
      todos = realloc(todos, sizeof *todos * (size_t)todo_cap);
      if (!todos) abort();
    }
    struct todo *t = &todos[todo_count++];
    t->fd = (int)fd;
    t->flags = flags;
    t->pos = pos;
    t->regular = S_ISREG(st.st_mode);
    memcpy(t->path, target, (size_t)n + 1);
  }
  closedir(dir);

  char link[64];
  snprintf(link, sizeof link, "/proc/%d/cwd", pid);
  ssize_t n = readlink(link, cwd_path, sizeof cwd_path - 1);
  if (n > 0) {
    cwd_path[n] = 0;
    /* the cwd's mount: statx through the magic link (no fdinfo for a cwd) */
    struct statx sx;
    bool known = statx(AT_FDCWD, link, 0, STATX_MNT_ID, &sx) == 0 && (sx.stx_mask & STATX_MNT_ID);
    if (known && (long)sx.stx_mnt_id == args.from_mount && from_mount_detached && !in_volume(cwd_path, &n)) known = false;
    if (under_volume(cwd_path) && !ends_with(cwd_path, " (deleted)")) cwd_todo = !known || (long)sx.stx_mnt_id != mount_id;
  }
  res.mappings = count_mappings(pid);
  return OK;
}

/* The test hook: after n fds, say so and wait (registers restored, threads seized) to be killed —
 * or SIGTERMed, which ends the run from here like any other safe point. */
static void reached_fd(long n) {
  if (n != args.stop_after_fd) return;
  struct itimerval off = {0};
  setitimer(ITIMER_REAL, &off, NULL);
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  sigprocmask(SIG_BLOCK, &term, &old); /* no SIGTERM lost between the check and the wait */
  fprintf(stderr, "fd %ld\n", n);
  sigset_t wait = old;
  sigdelset(&wait, SIGTERM);
  sigdelset(&wait, SIGINT);
  while (!terminated) sigsuspend(&wait);
  sigprocmask(SIG_SETMASK, &old, NULL);
}

static struct fl_remote remote = {.mem_fd = -1};
static long fds_done; /* over the whole run, for --stop-after-fd */

/* A remote call that could not be made ends the process's run (FAILED); one that returned an error
 * is the caller's to handle. */
#define REMOTE(result, nr, a0, a1, a2, a3)                                                               \
  do {                                                                                                   \
    if (fl_remote_syscall(&remote, nr, (uint64_t)(a0), (uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3), 0, 0, &(result), err) != 0) \
      return FAILED;                                                                                     \
  } while (0)

static enum outcome swap_fd(const struct todo *t, char *err) {
  size_t len = strlen(t->path) + 1;
  uint8_t saved[FL_SCRATCH_MAX];
  uint64_t addr;
  if (fl_scratch_write(&remote, t->path, len, &addr, saved, err) != 0) return FAILED;
  long nfd;
  int flags = t->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
  int rc = fl_remote_syscall(&remote, SYS_openat, (uint64_t)AT_FDCWD, addr, (uint64_t)flags, 0, 0, 0, &nfd, err);
  char e2[FL_ERR_LEN];
  if (fl_scratch_restore(&remote, addr, saved, len, rc == 0 ? err : e2) != 0 || rc != 0) return FAILED;
  if (nfd < 0) {
    add_skip(t->fd, "%s: openat: %s", t->path, strerror((int)-nfd));
    return OK;
  }
  long r;
  if (t->regular) {
    REMOTE(r, SYS_lseek, nfd, t->pos, SEEK_SET, 0);
    if (r != t->pos) {
      add_skip(t->fd, "%s: lseek to the old position: %s", t->path, r < 0 ? strerror((int)-r) : "another position");
      REMOTE(r, SYS_close, nfd, 0, 0, 0);
      return OK;
    }
  }
  REMOTE(r, SYS_dup3, nfd, t->fd, t->flags & O_CLOEXEC, 0);
  if (r < 0) {
    add_skip(t->fd, "%s: dup3: %s", t->path, strerror((int)-r));
    REMOTE(r, SYS_close, nfd, 0, 0, 0);
    return OK;
  }
  REMOTE(r, SYS_close, nfd, 0, 0, 0);
  res.swapped++;
  return OK;
}

static enum outcome swap_cwd(char *err) {
  size_t len = strlen(cwd_path) + 1;
  uint8_t saved[FL_SCRATCH_MAX];
  uint64_t addr;
  if (fl_scratch_write(&remote, cwd_path, len, &addr, saved, err) != 0) return FAILED;
  long r;
  int rc = fl_remote_syscall(&remote, SYS_chdir, addr, 0, 0, 0, 0, 0, &r, err);
  char e2[FL_ERR_LEN];
  if (fl_scratch_restore(&remote, addr, saved, len, rc == 0 ? err : e2) != 0 || rc != 0) return FAILED;
  if (r < 0) add_skip(-1, "cwd %s: chdir: %s", cwd_path, strerror((int)-r));
  else res.cwd = true;
  return OK;
}

/* The thread for the remote calls: the main thread (its cwd is the process's; a thread cloned
 * without CLONE_FS has its own), stopped with no signal held. */
static int pick_thread(pid_t pid) {
  for (int i = 0; i < threads.count; i++)
    if (threads.tid[i] == pid && threads.stopped[i]) return i;
  return -1;
}

static enum outcome swap_stopped(pid_t pid, long mount_id, char *err) {
  enum outcome o = plan(pid, mount_id, err); /* again, now that nothing runs */
  if (o != OK || (todo_count == 0 && !cwd_todo)) return o;
  int i = pick_thread(pid);
  if (i < 0) {
    snprintf(err, FL_ERR_LEN, "the main thread of %d has exited (its fd table and cwd are not reachable through /proc/%d)", pid, pid);
    return FAILED;
  }
  int r = fl_remote_open(&remote, pid, threads.tid[i], &threads.pending_signal[i], err);
  if (r != 0) return r > 0 ? GONE : FAILED;
  for (int k = 0; k < todo_count; k++) {
    if (fl_deadline_passed) {
      stop_reason(err, "after %ld of %ld descriptors", k, todo_count);
      return FAILED;
    }
    if (swap_fd(&todos[k], err) != OK) return FAILED;
    reached_fd(++fds_done);
  }
  if (cwd_todo) {
    if (fl_deadline_passed) {
      stop_reason(err, "before the working directory", 0, 0);
      return FAILED;
    }
    if (swap_cwd(err) != OK) return FAILED;
  }
  return OK;
}

/* Detaches every thread; the remote-call thread is in an interrupt stop, where a detach cannot give
 * a signal back, so a signal it holds is sent to it again once it runs. */
static void release(void) {
  int sig = 0;
  pid_t tid = remote.tid;
  for (int i = 0; i < threads.count; i++) {
    if (remote.mem_fd >= 0 && threads.tid[i] == tid && threads.pending_signal[i]) {
      sig = threads.pending_signal[i];
      threads.pending_signal[i] = 0;
    }
  }
  fl_detach_all(&threads);
  if (sig) syscall(SYS_tgkill, remote.pid, tid, sig);
  fl_remote_close(&remote);
  remote.tid = 0;
}

static enum outcome swap_one(pid_t pid, char *err) {
  long mount_id;
  enum outcome o = volume_mount(pid, &mount_id, err);
  if (o != OK) return o;
  o = plan(pid, mount_id, err);
  if (o != OK || (todo_count == 0 && !cwd_todo)) return o; /* nothing to switch: nothing stopped */
  bool gone;
  threads.pid = pid;
  if (fl_seize_all(&threads, &gone, err) != 0) {
    fl_detach_all(&threads);
    return gone ? GONE : FAILED;
  }
  o = swap_stopped(pid, mount_id, err);
  release();
  return o;
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm; /* no SA_RESTART: a waitpid blocked while stopping a thread returns EINTR */
  sigaction(SIGALRM, &sa, NULL);
  sa.sa_handler = on_term; /* no SA_RESTART either */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  struct itimerval deadline = {{0, 0}, {args.timeout_ms / 1000, (args.timeout_ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &deadline, NULL);

  int failures = 0;
  char err[FL_ERR_LEN];
  for (int i = 0; i < args.pid_count; i++) {
    pid_t pid = args.pids[i];
    memset(&res, 0, offsetof(__typeof__(res), skipped));
    res.skipped_count = 0;
    if (fl_deadline_passed) {
      stop_reason(err, "before this process", 0, 0);
      print_result(pid, "error", err);
      failures++;
      continue;
    }
    enum outcome o = swap_one(pid, err);
    if (o == GONE || (o == FAILED && fl_process_ended(pid))) {
      print_result(pid, "gone", NULL);
    } else if (o == FAILED) {
      print_result(pid, "error", err);
      failures++;
    } else {
      print_result(pid, "ok", NULL);
    }
  }
  return failures ? 1 : 0;
}
#endif
