// faultline-iofs: the CLI (check, serve, unmount), the server's start, its watchdog, its signals.
#define _GNU_SOURCE
#include "iofs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static FILE *log_file;

void iofs_log(const char *fmt, ...) {
  if (!log_file) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char when[32];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  // one write per line: the server's threads and the watchdog share the file
  fprintf(log_file, "%s.%03ldZ [%d] %s\n", when, ts.tv_nsec / 1000000, (int)getpid(), msg);
  fflush(log_file);
}

void iofs_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
    else if (*p < 0x20) fprintf(out, "\\u%04x", *p);
    else fputc(*p, out);
  }
  fputc('"', out);
}

static void usage(const char *msg) {
  fprintf(stderr, "faultline-iofs: %s\n"
          "usage: faultline-iofs check --pid <pid> --volume <abs path>\n"
          "       faultline-iofs serve --pid <pid> --volume <abs path> --config <file> --key <32 hex> [--log <file>]\n"
          "                            [--join-cgroup <cgroup.procs file>]...\n"
          "       faultline-iofs unmount --pid <pid> --volume <abs path>\n", msg);
  exit(2);
}

// {"<field>":false,"reason":"…"} on stdout, exit 1
static void refuse(const char *field, const char *reason) {
  printf("{\"%s\":false,\"reason\":", field);
  iofs_json_string(stdout, reason);
  printf("}\n");
  fflush(stdout);
  exit(1);
}

#define IOFS_MAX_CGROUPS 32
struct args {
  int pid;
  const char *volume, *config, *key, *log;
  const char *cgroups[IOFS_MAX_CGROUPS]; // --join-cgroup, in order
  int ncgroups;
};

static struct args parse_args(int argc, char **argv, int serve) {
  struct args a = {0};
  for (int i = 2; i < argc; i++) {
    const char *o = argv[i];
    if (i + 1 >= argc) usage("an option without its value");
    const char *v = argv[++i];
    if (strcmp(o, "--pid") == 0) {
      char *end;
      long pid = strtol(v, &end, 10);
      if (*end || pid < 1 || pid > 4194304) usage("--pid: want an integer in 1..4194304");
      a.pid = (int)pid;
    } else if (strcmp(o, "--volume") == 0) {
      if (v[0] != '/' || strlen(v) >= IOFS_PATH_MAX) usage("--volume: want an absolute path");
      a.volume = v;
    } else if (serve && strcmp(o, "--config") == 0) {
      a.config = v;
    } else if (serve && strcmp(o, "--key") == 0) {
      if (strlen(v) != 32 || strspn(v, "0123456789abcdef") != 32) usage("--key: want 32 lowercase hex digits");
      a.key = v;
    } else if (serve && strcmp(o, "--log") == 0) {
      a.log = v;
    } else if (serve && strcmp(o, "--join-cgroup") == 0) {
      if (v[0] != '/') usage("--join-cgroup: want the absolute path of a cgroup.procs file");
      if (a.ncgroups == IOFS_MAX_CGROUPS) usage("--join-cgroup: at most 32");
      a.cgroups[a.ncgroups++] = v;
    } else {
      usage("unknown option");
    }
  }
  if (!a.pid) usage("--pid is required");
  if (!a.volume) usage("--volume is required");
  if (serve && !a.config) usage("--config is required");
  if (serve && !a.key) usage("--key is required");
  return a;
}

static int cmd_check(int argc, char **argv) {
  struct args a = parse_args(argc, argv, 0);
  char reason[IOFS_PATH_MAX + 256], resolved[IOFS_PATH_MAX];
  int faulted;
  if (iofs_enter_mnt_ns(a.pid, -1, reason, sizeof reason)) refuse("ok", reason);
  if (iofs_check_volume(a.volume, resolved, reason, sizeof reason, &faulted)) refuse("ok", reason);
  printf("{\"ok\":true,\"faulted\":%s,\"path\":", faulted ? "true" : "false");
  iofs_json_string(stdout, resolved); // symlinks resolved: what serve mounts over, what fd-swap is given
  printf("}\n");
  return 0;
}

static int cmd_unmount(int argc, char **argv) {
  struct args a = parse_args(argc, argv, 0);
  char reason[IOFS_PATH_MAX + 256];
  if (iofs_enter_mnt_ns(a.pid, -1, reason, sizeof reason)) refuse("ok", reason);
  // the path as given first: resolving it would ask a dead FUSE mount (ENOTCONN)
  const char *path = a.volume;
  char real[PATH_MAX];
  struct iofs_mount m;
  if (iofs_top_mount(path, &m) == 0 && !m.found && realpath(a.volume, real)) path = real;
  int rc = iofs_unmount_if_ours(path, NULL, reason, sizeof reason);
  if (rc < 0) refuse("ok", reason);
  if (rc == 1) {
    printf("{\"ok\":true,\"unmounted\":true}\n");
  } else {
    printf("{\"ok\":true,\"unmounted\":false,\"reason\":");
    iofs_json_string(stdout, reason);
    printf("}\n");
  }
  return 0;
}

// ---- serve ----------------------------------------------------------------------------------------
static int config_dirfd = -1;
static char config_name[NAME_MAX + 1];
static struct iofs_mount our_mount;

static void *signal_thread(void *arg) {
  sigset_t *set = arg;
  for (;;) {
    int sig;
    if (sigwait(set, &sig)) continue;
    if (sig == SIGHUP) {
      char err[512];
      struct iofs_config *c = iofs_config_load(config_dirfd, config_name, err, sizeof err);
      if (c) {
        size_t n = c->n;
        iofs_config_set(c);
        iofs_wake_delays(); // delays in progress that the new config no longer has end now
        iofs_log("SIGHUP: %zu action(s) in force", n);
      } else {
        iofs_log("SIGHUP: %s; the actions in force are kept", err);
      }
    } else {
      atomic_store(&iofs.stopped, 1);
      iofs_wake_delays(); // every delay in progress ends now (no fault after it)
      iofs_log("%s: injection stopped; unmounting %s lazily (served until its last user closes)", strsignal(sig), iofs.volume);
      char reason[IOFS_PATH_MAX + 256] = "";
      int rc = iofs_unmount_if_ours(iofs.volume, &our_mount, reason, sizeof reason);
      if (rc != 1) iofs_log("not unmounted: %s", reason);
    }
  }
  return NULL;
}

static void quiet_stdio(int log_filed) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(null, 0);
  dup2(log_filed >= 0 ? log_filed : null, 1);
  dup2(log_filed >= 0 ? log_filed : null, 2);
  if (null > 2) close(null);
}

static void serve_loop(struct fuse *fuse) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL); // before any thread: only the signal thread takes them
  pthread_t t;
  if (pthread_create(&t, NULL, signal_thread, &set)) {
    iofs_log("cannot start the signal thread");
    exit(1);
  }
  struct fuse_loop_config *cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(cfg, 64);  // a delayed request must not hold up the others
  fuse_loop_cfg_set_idle_threads(cfg, 8);
  int rc = fuse_loop_mt(fuse, cfg);
  iofs_log("session ended (%d): exiting", rc);
  _exit(rc == 0 ? 0 : 1); // not 0: the watchdog unmounts if the mount is still there
}

static pid_t server_pid;
static void forward(int sig) {
  if (server_pid > 0) kill(server_pid, sig);
}

static int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

// Waits for the server; if the target (the container's leader) exits first, stops the server (SIGTERM:
// it unmounts, and exits when the last file is closed) so nothing outlives the container.
static void watchdog(pid_t server, int target_pidfd) {
  server_pid = server;
  struct sigaction sa = {.sa_handler = forward};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  int server_pidfd = pidfd_open_(server);
  while (server_pidfd >= 0) {
    struct pollfd fds[2] = {{.fd = server_pidfd, .events = POLLIN}, {.fd = target_pidfd, .events = POLLIN}};
    if (poll(fds, target_pidfd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    if (target_pidfd >= 0 && fds[1].revents) {
      iofs_log("watchdog: the target exited: stopping the server");
      kill(server, SIGTERM);
      close(target_pidfd);
      target_pidfd = -1;
    }
  }
  int status;
  while (waitpid(server, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    // a clean exit comes only after the kernel ended the session: the mount is gone already (and its
    // id and device may belong to a newer mount by now: it is not touched)
    iofs_log("watchdog: server %d exited cleanly", (int)server);
  } else {
    char reason[IOFS_PATH_MAX + 256] = "";
    int rc = iofs_unmount_if_ours(iofs.volume, &our_mount, reason, sizeof reason);
    if (WIFSIGNALED(status)) iofs_log("watchdog: server %d killed by signal %d", (int)server, WTERMSIG(status));
    else iofs_log("watchdog: server %d exited %d", (int)server, WEXITSTATUS(status));
    if (rc == 1) iofs_log("watchdog: lazily unmounted %s", iofs.volume);
    else iofs_log("watchdog: nothing unmounted: %s", reason);
  }
  _exit(0);
}

// ---- serve's start: watchdog, then the server mounting under it -----------------------------------
// What the server tells the watchdog, and the watchdog the first process.
struct outcome {
  int ok;
  pid_t server;
  struct iofs_mount mount;
  char reason[IOFS_PATH_MAX + 256];
};

static ssize_t read_full(int fd, void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}
static void write_full(int fd, const void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, (const char *)buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; // the reader is gone: nothing to tell
    done += (size_t)n;
  }
}

// The volume's own mount flags carried over to the FUSE mount (ro, noexec, noatime, nodiratime,
// relatime, sync); nosuid and nodev always.
static unsigned long volume_mount_flags(int volfd) {
  unsigned long flags = MS_NOSUID | MS_NODEV;
  struct statvfs sv;
  if (fstatvfs(volfd, &sv)) return flags;
  if (sv.f_flag & ST_RDONLY) flags |= MS_RDONLY;
  if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  if (sv.f_flag & ST_SYNCHRONOUS) flags |= MS_SYNCHRONOUS;
  return flags;
}

// In the server: mount, start the session, tell the watchdog (out: ok + the mount, or a reason).
static int mount_volume(struct fuse *fuse, int fusefd, struct outcome *out) {
  // default_permissions: the kernel checks modes against the original's owners and modes (the server
  // is root and checks nothing), so a non-root process keeps exactly the access it had
  char opts[256];
  snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions", fusefd);
  if (mount("faultline-iofs", iofs.volume, IOFS_FSTYPE, volume_mount_flags(iofs.volfd), opts)) {
    snprintf(out->reason, sizeof out->reason, "mount over %s: %s", iofs.volume, strerror(errno));
    return -1;
  }
  // test hook: stop right after mounting, before anyone was told (the spec kills the processes here)
  if (getenv("FAULTLINE_IOFS_TEST_STOP_AFTER_MOUNT")) raise(SIGSTOP);
  struct iofs_mount m;
  if (iofs_top_mount(iofs.volume, &m) || !m.found || strcmp(m.fstype, IOFS_FSTYPE) != 0) {
    umount2(iofs.volume, MNT_DETACH);
    snprintf(out->reason, sizeof out->reason, "the mount made is not the top mount at the volume");
    return -1;
  }
  out->mount = m;
  our_mount = m; // the server's own SIGTERM unmounts only this mount
  char devfd[32];
  snprintf(devfd, sizeof devfd, "/dev/fd/%d", fusefd);
  if (fuse_mount(fuse, devfd)) {
    char reason[IOFS_PATH_MAX + 256];
    iofs_unmount_if_ours(iofs.volume, &m, reason, sizeof reason);
    snprintf(out->reason, sizeof out->reason, "cannot start the FUSE session");
    return -1;
  }
  out->ok = 1;
  return 0;
}

// The watchdog's start (never returns): forks the server, which mounts and tells it how that went; the
// watchdog relays that to the first process (`up`) and then watches the server.
static void start_server(struct fuse *fuse, int fusefd, int target_pidfd, const char *key, size_t nactions, int up) {
  struct outcome o;
  memset(&o, 0, sizeof o);
  int sw[2];
  if (pipe2(sw, O_CLOEXEC)) {
    snprintf(o.reason, sizeof o.reason, "pipe failed");
    write_full(up, &o, sizeof o);
    _exit(1);
  }
  pid_t s = fork();
  if (s < 0) {
    snprintf(o.reason, sizeof o.reason, "fork failed");
    write_full(up, &o, sizeof o);
    _exit(1);
  }
  if (s == 0) {
    close(sw[0]);
    close(up);
    if (target_pidfd >= 0) close(target_pidfd);
    int rc = mount_volume(fuse, fusefd, &o);
    write_full(sw[1], &o, sizeof o);
    close(sw[1]);
    if (rc) _exit(1);
    iofs_log("serving %s (pid %d, key %s, %zu action(s))", iofs.volume, (int)getpid(), key, nactions);
    serve_loop(fuse);
  }
  // the watchdog holds neither /dev/fuse (the session must end when the server dies) nor the volume
  close(sw[1]);
  close(fusefd);
  close(iofs.volfd);
  close(config_dirfd);
  ssize_t got = read_full(sw[0], &o, sizeof o);
  close(sw[0]);
  if (got == (ssize_t)sizeof o && o.ok) {
    our_mount = o.mount;
  } else {
    if (got != (ssize_t)sizeof o) {
      // it died before telling: a mount of ours at the volume is its (serve refused a volume that
      // already had one), so it is unmounted by fstype
      memset(&o, 0, sizeof o);
      char reason[IOFS_PATH_MAX + 256] = "";
      int rc = iofs_unmount_if_ours(iofs.volume, NULL, reason, sizeof reason);
      iofs_log("watchdog: the server died while mounting; %s", rc == 1 ? "lazily unmounted" : reason);
      snprintf(o.reason, sizeof o.reason, "the server died while mounting");
    }
    int status;
    while (waitpid(s, &status, 0) < 0 && errno == EINTR) {}
    write_full(up, &o, sizeof o);
    _exit(1);
  }
  o.server = s;
  write_full(up, &o, sizeof o);
  close(up);
  watchdog(s, target_pidfd);
}

// Writes this process's pid into a cgroup.procs file: 0, or -1 and a reason naming the file.
static int join_cgroup(const char *procs, char *reason, size_t reasonlen) {
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(reason, reasonlen, "join-cgroup: cannot open %s: %s", procs, strerror(errno));
    return -1;
  }
  char pid[24];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  ssize_t w = write(fd, pid, (size_t)n);
  int e = errno;
  close(fd);
  if (w != n) {
    snprintf(reason, reasonlen, "join-cgroup: cannot write pid %d into %s: %s", (int)getpid(), procs, w < 0 ? strerror(e) : "short write");
    return -1;
  }
  return 0;
}

static int cmd_serve(int argc, char **argv) {
  struct args a = parse_args(argc, argv, 1);
  char reason[IOFS_PATH_MAX + 256], err[512];

  // everything from the daemon's side first: the config (and its directory, to re-read it), the log,
  // /dev/fuse, the target's mount namespace
  char cfgcopy[PATH_MAX], basecopy[PATH_MAX];
  snprintf(cfgcopy, sizeof cfgcopy, "%s", a.config);
  snprintf(basecopy, sizeof basecopy, "%s", a.config);
  config_dirfd = open(dirname(cfgcopy), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (config_dirfd < 0) {
    snprintf(reason, sizeof reason, "config: cannot open the directory of %s: %s", a.config, strerror(errno));
    refuse("ready", reason);
  }
  snprintf(config_name, sizeof config_name, "%s", basename(basecopy));
  struct iofs_config *config = iofs_config_load(config_dirfd, config_name, err, sizeof err);
  if (!config) refuse("ready", err);
  int log_filed = -1;
  if (a.log) {
    log_filed = open(a.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log_filed < 0) {
      snprintf(reason, sizeof reason, "log: cannot open %s: %s", a.log, strerror(errno));
      refuse("ready", reason);
    }
    log_file = fdopen(log_filed, "a");
  }
  int fusefd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fusefd < 0) {
    snprintf(reason, sizeof reason, "cannot open /dev/fuse: %s", strerror(errno));
    refuse("ready", reason);
  }
  char nspath[64];
  snprintf(nspath, sizeof nspath, "/proc/%d/ns/mnt", a.pid);
  int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) {
    snprintf(reason, sizeof reason, "cannot open %s: %s", nspath, strerror(errno));
    refuse("ready", reason);
  }
  int target_pidfd = pidfd_open_(a.pid); // the watchdog's way to see the container end (-1: not watched)
  // --join-cgroup: this process moves into the target container's cgroups (its cgroup.procs files, one
  // per v1 hierarchy or the v2 one), in the daemon's mount namespace, before anything is mounted and
  // before the watchdog and the server are forked: they inherit them, so they live and die with the
  // container (a runtime stopping the daemon's container kills every process of ITS cgroup)
  for (int i = 0; i < a.ncgroups; i++) {
    if (join_cgroup(a.cgroups[i], reason, sizeof reason)) refuse("ready", reason);
  }
  if (iofs_enter_mnt_ns(a.pid, nsfd, reason, sizeof reason)) refuse("ready", reason);
  close(nsfd);
  if (chdir("/")) refuse("ready", "cannot chdir to / in the container");

  // the same checks as `check`; then the original held before it is covered
  int faulted;
  if (iofs_check_volume(a.volume, iofs.volume, reason, sizeof reason, &faulted)) refuse("ready", reason);
  if (faulted) {
    snprintf(reason, sizeof reason, "volume %s already has a faultline-iofs mount", a.volume);
    refuse("ready", reason);
  }
  iofs.volume_len = strlen(iofs.volume);
  iofs.volfd = open(iofs.volume, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (iofs.volfd < 0) {
    snprintf(reason, sizeof reason, "cannot open %s: %s", iofs.volume, strerror(errno));
    refuse("ready", reason);
  }
  iofs_config_set(config);
  umask(0); // modes arrive with the caller's umask already applied

  char *fargv[] = {"faultline-iofs", NULL};
  struct fuse_args fargs = FUSE_ARGS_INIT(1, fargv);
  struct fuse *fuse = fuse_new(&fargs, &iofs_ops, sizeof iofs_ops, NULL);
  if (!fuse) refuse("ready", "fuse_new failed");

  // The watchdog is forked BEFORE anything is mounted, and the server (its child) mounts: whenever the
  // server dies after mounting — even before it could say so — its watchdog unmounts; this first
  // process only relays the outcome, so killing it at any point leaves no dead mount.
  int topw[2];
  if (pipe2(topw, O_CLOEXEC)) refuse("ready", "pipe failed");
  pid_t w = fork();
  if (w < 0) refuse("ready", "fork failed");
  if (w == 0) {
    close(topw[0]);
    setsid(); // its own session: it and the server outlive the daemon (and --join-cgroup, its container)
    signal(SIGPIPE, SIG_IGN); // the first process may be gone when the outcome is relayed
    quiet_stdio(log_filed);
    start_server(fuse, fusefd, target_pidfd, a.key, config->n, topw[1]);
  }
  close(topw[1]);
  struct outcome o;
  if (read_full(topw[0], &o, sizeof o) != (ssize_t)sizeof o) refuse("ready", "the watchdog died before the server was up");
  if (!o.ok) refuse("ready", o.reason);
  printf("{\"ready\":true,\"pid\":%d,\"watchdog\":%d,\"path\":", (int)o.server, (int)w);
  iofs_json_string(stdout, iofs.volume);
  printf("}\n");
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) usage("a command is required");
  if (strcmp(argv[1], "check") == 0) return cmd_check(argc, argv);
  if (strcmp(argv[1], "serve") == 0) return cmd_serve(argc, argv);
  if (strcmp(argv[1], "unmount") == 0) return cmd_unmount(argc, argv);
  usage("unknown command");
  return 2;
}
