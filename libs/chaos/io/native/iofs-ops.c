// The filesystem: every FUSE operation passed through to the original volume with the *at system
// calls on the O_PATH fd held before mounting over it, and the four injectors around them.
#define _GNU_SOURCE
#include "iofs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

struct iofs_state iofs = {.volfd = -1};

// ---- the actions in force: an immutable config, swapped whole on SIGHUP, reference counted -----
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static struct iofs_config *current;

struct iofs_config *iofs_config_get(void) {
  pthread_mutex_lock(&config_lock);
  struct iofs_config *c = current;
  atomic_fetch_add(&c->refs, 1);
  pthread_mutex_unlock(&config_lock);
  return c;
}
void iofs_config_put(struct iofs_config *c) {
  if (atomic_fetch_sub(&c->refs, 1) == 1) iofs_config_free(c);
}
void iofs_config_set(struct iofs_config *c) {
  pthread_mutex_lock(&config_lock);
  struct iofs_config *old = current;
  current = c;
  pthread_mutex_unlock(&config_lock);
  if (old) iofs_config_put(old);
}

// ---- randomness: a per-thread xorshift64* seeded from getrandom ---------------------------------
static __thread uint64_t rng;
static uint64_t rnd(void) {
  while (!rng) {
    if (getrandom(&rng, sizeof rng, 0) != sizeof rng) rng = (uint64_t)time(NULL) ^ (uint64_t)pthread_self();
  }
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545F4914F6CDD1DULL;
}
static int draw(unsigned percent) { return percent >= 100 || (percent > 0 && rnd() % 100 < percent); }

// ---- matching -----------------------------------------------------------------------------------
#define BIT(m) (1ULL << (m))

// `path` is the path within the mount ("/" = the volume itself); the glob sees volume + path.
static int path_matches(const struct iofs_action *a, const char *path) {
  if (!a->path) return 1;
  if (!path) return 0;
  char full[2 * IOFS_PATH_MAX];
  snprintf(full, sizeof full, "%s%s", iofs.volume, strcmp(path, "/") == 0 ? "" : path);
  return fnmatch(a->path, full, 0) == 0;
}
// `methods`: the callback's method bits (0 for a callback no method name covers: only "all methods" actions)
static int method_matches(const struct iofs_action *a, uint64_t methods) {
  return a->methods == 0 || (a->methods & methods) != 0;
}
static int applies(const struct iofs_action *a, uint64_t methods, const char *path) {
  return method_matches(a, methods) && path_matches(a, path) && draw(a->percent);
}

// ---- delays: a wait that recovery cuts short ----------------------------------------------------
// A delay is a timed wait on a condition variable (CLOCK_MONOTONIC), not a sleep: SIGTERM and a new
// config (SIGHUP) broadcast it, and each waiter re-checks whether it still applies (stopped: no; the
// new config: only if a latency action still matches this operation), so recovery never leaves a
// caller blocked for the rest of a long delay.
static pthread_mutex_t delay_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t delay_cond;
static pthread_once_t delay_once = PTHREAD_ONCE_INIT;
static uint64_t delay_generation;

static void delay_init(void) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&delay_cond, &attr);
  pthread_condattr_destroy(&attr);
}

void iofs_wake_delays(void) {
  pthread_once(&delay_once, delay_init);
  pthread_mutex_lock(&delay_lock);
  delay_generation++;
  pthread_cond_broadcast(&delay_cond);
  pthread_mutex_unlock(&delay_lock);
}

static int method_matches(const struct iofs_action *a, uint64_t methods);
static int path_matches(const struct iofs_action *a, const char *path);
// Whether the config in force still delays this operation (percent not drawn again).
static int still_delayed(uint64_t methods, const char *path) {
  if (atomic_load(&iofs.stopped)) return 0;
  struct iofs_config *c = iofs_config_get();
  int yes = 0;
  for (size_t i = 0; i < c->n && !yes; i++) {
    const struct iofs_action *a = &c->actions[i];
    yes = a->kind == IOFS_LATENCY && a->delay_ns && method_matches(a, methods) && path_matches(a, path);
  }
  iofs_config_put(c);
  return yes;
}

// 1: waited the whole delay; 0: woken because it no longer applies.
static int wait_delay(uint64_t delay, uint64_t methods, const char *path) {
  pthread_once(&delay_once, delay_init);
  struct timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  end.tv_sec += (time_t)(delay / 1000000000ULL);
  end.tv_nsec += (long)(delay % 1000000000ULL);
  if (end.tv_nsec >= 1000000000L) {
    end.tv_sec++;
    end.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&delay_lock);
  uint64_t seen = delay_generation - 1; // checked once at the start: a wake just before the wait counts
  int full = 1;
  for (;;) {
    if (delay_generation != seen) {
      seen = delay_generation;
      pthread_mutex_unlock(&delay_lock); // the config's lock is never taken under this one
      int go_on = still_delayed(methods, path);
      pthread_mutex_lock(&delay_lock);
      if (!go_on) {
        full = 0;
        break;
      }
      if (delay_generation != seen) continue; // woken again meanwhile: check again
    }
    if (pthread_cond_timedwait(&delay_cond, &delay_lock, &end) == ETIMEDOUT) break;
  }
  pthread_mutex_unlock(&delay_lock);
  return full;
}

// Latency (every matching action's delay, summed) then the first matching fault: 0 or -errno.
static int inject(uint64_t methods, const char *path) {
  if (atomic_load(&iofs.stopped)) return 0;
  struct iofs_config *c = iofs_config_get();
  uint64_t delay = 0;
  int err = 0;
  for (size_t i = 0; i < c->n; i++) {
    const struct iofs_action *a = &c->actions[i];
    if (a->kind == IOFS_LATENCY && applies(a, methods, path)) delay += a->delay_ns;
    if (a->kind == IOFS_FAULT && !err && applies(a, methods, path)) err = a->err;
  }
  iofs_config_put(c);
  if (delay && !wait_delay(delay, methods, path)) return 0; // cut short by recovery: no fault either
  return -err;
}

static void override_attr(uint64_t methods, const char *path, struct stat *st) {
  if (atomic_load(&iofs.stopped)) return;
  struct iofs_config *c = iofs_config_get();
  for (size_t i = 0; i < c->n; i++) {
    const struct iofs_action *a = &c->actions[i];
    if (a->kind != IOFS_ATTR || !applies(a, methods, path)) continue;
    const int64_t *v = a->attr;
#define SET(f, field) if (a->attr_set & (1u << (f))) field = v[f]
    SET(A_INO, st->st_ino);
    SET(A_SIZE, st->st_size);
    SET(A_BLOCKS, st->st_blocks);
    SET(A_ATIME_SEC, st->st_atim.tv_sec);
    SET(A_ATIME_NSEC, st->st_atim.tv_nsec);
    SET(A_MTIME_SEC, st->st_mtim.tv_sec);
    SET(A_MTIME_NSEC, st->st_mtim.tv_nsec);
    SET(A_CTIME_SEC, st->st_ctim.tv_sec);
    SET(A_CTIME_NSEC, st->st_ctim.tv_nsec);
    SET(A_NLINK, st->st_nlink);
    SET(A_UID, st->st_uid);
    SET(A_GID, st->st_gid);
    SET(A_RDEV, st->st_rdev);
#undef SET
    if (a->attr_set & (1u << A_KIND)) st->st_mode = (st->st_mode & ~S_IFMT) | (mode_t)v[A_KIND];
    if (a->attr_set & (1u << A_PERM)) st->st_mode = (st->st_mode & S_IFMT) | (mode_t)v[A_PERM];
  }
  iofs_config_put(c);
}

// mistake: up to max_occurrences segments, each up to max_length bytes, zero- or random-filled. The
// buffer is cut into as many slices as segments and each segment lies inside its own slice, short of
// the slice's last byte, so segments never overlap or touch: what a reader sees is at most
// max_occurrences separate runs of at most max_length bytes.
static void corrupt(uint64_t methods, const char *path, char *buf, size_t len) {
  if (atomic_load(&iofs.stopped) || len == 0) return;
  struct iofs_config *c = iofs_config_get();
  for (size_t i = 0; i < c->n; i++) {
    const struct iofs_action *a = &c->actions[i];
    if (a->kind != IOFS_MISTAKE || !applies(a, methods, path)) continue;
    uint64_t occurrences = 1 + rnd() % a->max_occurrences;
    if (occurrences > 1 && occurrences > len / 2) occurrences = len / 2 ? len / 2 : 1;
    size_t slice = len / occurrences;
    for (uint64_t k = 0; k < occurrences; k++) {
      size_t room = occurrences == 1 ? len : slice - 1;
      size_t n = (size_t)(1 + rnd() % a->max_length);
      if (n > room) n = room;
      size_t at = (size_t)k * slice + (size_t)(rnd() % (room - n + 1));
      if (a->random_fill) {
        for (size_t j = 0; j < n; j++) buf[at + j] = (char)rnd();
      } else {
        memset(buf + at, 0, n);
      }
    }
  }
  iofs_config_put(c);
}

// Whether reads/writes of a file opened now go around the page cache: yes when an action that acts on
// read or write (latency, fault, mistake) matches its path, so every read reaches the server.
static int needs_direct_io(const char *path) {
  struct iofs_config *c = iofs_config_get();
  int direct = 0;
  for (size_t i = 0; i < c->n && !direct; i++) {
    const struct iofs_action *a = &c->actions[i];
    direct = a->kind != IOFS_ATTR && method_matches(a, BIT(M_READ) | BIT(M_WRITE)) && path_matches(a, path);
  }
  iofs_config_put(c);
  return direct;
}

// ---- handles: the fd of the original and the path it was opened at (read/write get no path) -----
struct iofs_fh {
  int fd;
  DIR *dir;
  char path[];
};
#define FH(fi) ((struct iofs_fh *)(uintptr_t)(fi)->fh)

static struct iofs_fh *new_fh(const char *path, int fd, DIR *dir) {
  struct iofs_fh *h = malloc(sizeof *h + strlen(path) + 1);
  if (!h) return NULL;
  h->fd = fd;
  h->dir = dir;
  strcpy(h->path, path);
  return h;
}
static const char *path_of(const char *path, struct fuse_file_info *fi) { return path ? path : fi ? FH(fi)->path : NULL; }

// ---- resolving a path the kernel sent ------------------------------------------------------------
// The parent directory, opened O_PATH beneath the volume's fd with no symlink and no magic link
// followed (the kernel resolves symlinks itself, so the components it sends are directories), and the
// last name, for the *at calls (which never follow a last symlink either). A process of the container
// that swaps a directory for a symlink between the kernel's lookup and the call cannot steer this
// root server outside the volume.
struct at {
  int dir;
  const char *name;
  int own;
};
static int at_open(const char *path, struct at *at) {
  const char *slash = strrchr(path, '/');
  if (!slash) return -EINVAL;
  if (slash == path) {  // "/" (the volume itself) or "/name"
    *at = (struct at){.dir = iofs.volfd, .name = path[1] ? path + 1 : ".", .own = 0};
    return 0;
  }
  char parent[IOFS_PATH_MAX];
  size_t len = (size_t)(slash - path - 1);
  if (len >= sizeof parent) return -ENAMETOOLONG;
  memcpy(parent, path + 1, len);
  parent[len] = 0;
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, iofs.volfd, parent, &how, sizeof how);
  if (fd < 0) return -errno;
  *at = (struct at){.dir = fd, .name = slash + 1, .own = 1};
  return 0;
}
static void at_close(struct at *at) {
  if (at->own) close(at->dir);
}
#define AT(var, path) struct at var; do { int _e = at_open(path, &var); if (_e) return _e; } while (0)
// the result of a call returning 0/-1 as 0/-errno, the parent closed
#define AT_RET(var, expr) do { int _rc = (expr) < 0 ? -errno : 0; at_close(&var); return _rc; } while (0)

// New entries are made by root; give them to the caller (the kernel has checked its permissions:
// default_permissions), keeping a set-group-ID parent's group.
static void give_to_caller(struct at *at) {
  struct fuse_context *ctx = fuse_get_context();
  if (ctx->uid == 0 && ctx->gid == 0) return;
  gid_t gid = ctx->gid;
  struct stat pst;
  if (fstat(at->dir, &pst) == 0 && (pst.st_mode & S_ISGID)) gid = (gid_t)-1;
  if (fchownat(at->dir, at->name, ctx->uid, gid, AT_SYMLINK_NOFOLLOW)) {
    iofs_log("chown %s to %u:%d: %s", at->name, (unsigned)ctx->uid, (int)gid, strerror(errno));
  }
}

#define INJECT(methods, path) do { int _e = inject(methods, path); if (_e) return _e; } while (0)
#define RET(expr) return (expr) < 0 ? -errno : 0

// ---- the operations -----------------------------------------------------------------------------
static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  // every open drops the file's cached pages (keep_cache 0); within one open, reads through the page
  // cache do not ask getattr first (auto_inval_data would, on every read, with attr_timeout 0)
  conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
  cfg->use_ino = 1;         // the original's inode numbers
  cfg->entry_timeout = 0;   // nothing cached by the kernel: every lookup and getattr reaches the injectors
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->hard_remove = 1;     // never the .fuse_hidden files (they would land on the original volume)
  cfg->nullpath_ok = 1;     // operations on an open file use its handle
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  return NULL;
}

// libfuse's high-level API answers the kernel's LOOKUP and GETATTR with this one callback
static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  const char *p = path_of(path, fi);
  INJECT(BIT(M_GETATTR) | BIT(M_LOOKUP), p);
  if (fi) {
    if (fstat(FH(fi)->fd, st)) return -errno;
  } else {
    AT(at, path);
    int rc = fstatat(at.dir, at.name, st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
    at_close(&at);
    if (rc) return rc;
  }
  override_attr(BIT(M_GETATTR) | BIT(M_LOOKUP), p, st);
  return 0;
}

static int op_readlink(const char *path, char *buf, size_t size) {
  INJECT(BIT(M_READLINK), path);
  if (size == 0) return -EINVAL;
  AT(at, path);
  ssize_t n = readlinkat(at.dir, at.name, buf, size - 1);
  int e = errno;
  at_close(&at);
  if (n < 0) return -e;
  buf[n] = 0;
  return 0;
}

static int op_mknod(const char *path, mode_t mode, dev_t rdev) {
  INJECT(BIT(M_MKNOD), path);
  AT(at, path);
  if (mknodat(at.dir, at.name, mode, rdev)) AT_RET(at, -1);
  give_to_caller(&at);
  AT_RET(at, 0);
}

static int op_mkdir(const char *path, mode_t mode) {
  INJECT(BIT(M_MKDIR), path);
  AT(at, path);
  if (mkdirat(at.dir, at.name, mode)) AT_RET(at, -1);
  give_to_caller(&at);
  AT_RET(at, 0);
}

static int op_unlink(const char *path) {
  INJECT(BIT(M_UNLINK), path);
  AT(at, path);
  AT_RET(at, unlinkat(at.dir, at.name, 0));
}

static int op_rmdir(const char *path) {
  INJECT(BIT(M_RMDIR), path);
  AT(at, path);
  AT_RET(at, unlinkat(at.dir, at.name, AT_REMOVEDIR));
}

static int op_symlink(const char *target, const char *path) {
  INJECT(BIT(M_SYMLINK), path);
  AT(at, path);
  if (symlinkat(target, at.dir, at.name)) AT_RET(at, -1);
  give_to_caller(&at);
  AT_RET(at, 0);
}

static int op_rename(const char *from, const char *to, unsigned int flags) {
  INJECT(BIT(M_RENAME), from);
  AT(a, from);
  struct at b;
  int e = at_open(to, &b);
  if (e) {
    at_close(&a);
    return e;
  }
  int rc = renameat2(a.dir, a.name, b.dir, b.name, flags) ? -errno : 0;
  at_close(&a);
  at_close(&b);
  return rc;
}

static int op_link(const char *from, const char *to) {
  INJECT(BIT(M_LINK), to);
  AT(a, from);
  struct at b;
  int e = at_open(to, &b);
  if (e) {
    at_close(&a);
    return e;
  }
  int rc = linkat(a.dir, a.name, b.dir, b.name, 0) ? -errno : 0;
  at_close(&a);
  at_close(&b);
  return rc;
}

// An O_PATH fd of the entry (never following a last symlink) and its magic link through the daemon's
// /proc: fchmodat has no "no-follow" before Linux 6.6, and the container's /proc cannot see us.
static int opath(struct at *at, char *link, size_t len) {
  int fd = openat(at->dir, at->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) snprintf(link, len, "self/fd/%d", fd);
  return fd;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  INJECT(BIT(M_SETATTR), path_of(path, fi));
  if (fi) RET(fchmod(FH(fi)->fd, mode));
  AT(at, path);
  char link[32];
  int fd = opath(&at, link, sizeof link);
  if (fd < 0) AT_RET(at, -1);
  struct stat st;
  int rc = fstat(fd, &st) ? -errno : S_ISLNK(st.st_mode) ? -EOPNOTSUPP : fchmodat(iofs_procfd, link, mode, 0) ? -errno : 0;
  close(fd);
  at_close(&at);
  return rc;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  INJECT(BIT(M_SETATTR), path_of(path, fi));
  if (fi) RET(fchown(FH(fi)->fd, uid, gid));
  AT(at, path);
  AT_RET(at, fchownat(at.dir, at.name, uid, gid, AT_SYMLINK_NOFOLLOW));
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  INJECT(BIT(M_SETATTR), path_of(path, fi));
  if (fi) RET(ftruncate(FH(fi)->fd, size));
  AT(at, path);
  int fd = openat(at.dir, at.name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) AT_RET(at, -1);
  int rc = ftruncate(fd, size) ? -errno : 0;
  close(fd);
  at_close(&at);
  return rc;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  INJECT(BIT(M_SETATTR), path_of(path, fi));
  if (fi) RET(futimens(FH(fi)->fd, tv));
  AT(at, path);
  AT_RET(at, utimensat(at.dir, at.name, tv, AT_SYMLINK_NOFOLLOW));
}

static int finish_open(const char *path, int fd, struct fuse_file_info *fi) {
  struct iofs_fh *h = new_fh(path, fd, NULL);
  if (!h) {
    close(fd);
    return -ENOMEM;
  }
  fi->fh = (uintptr_t)h;
  fi->direct_io = needs_direct_io(path);
  fi->keep_cache = 0;
  return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi) {
  INJECT(BIT(M_OPEN), path);
  AT(at, path);
  int fd = openat(at.dir, at.name, fi->flags | O_NOFOLLOW | O_CLOEXEC);
  int e = errno;
  at_close(&at);
  if (fd < 0) return -e;
  return finish_open(path, fd, fi);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  INJECT(BIT(M_CREATE), path);
  AT(at, path);
  int fd = openat(at.dir, at.name, fi->flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd >= 0) {
    give_to_caller(&at);
  } else if (errno == EEXIST && !(fi->flags & O_EXCL)) {
    fd = openat(at.dir, at.name, (fi->flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC);
  }
  int e = errno;
  at_close(&at);
  if (fd < 0) return -e;
  return finish_open(path, fd, fi);
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  const char *p = path_of(path, fi);
  INJECT(BIT(M_READ), p);
  ssize_t n = pread(FH(fi)->fd, buf, size, off);
  if (n < 0) return -errno;
  corrupt(BIT(M_READ), p, buf, (size_t)n);
  return (int)n;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  const char *p = path_of(path, fi);
  INJECT(BIT(M_WRITE), p);
  char *copy = malloc(size ? size : 1);
  if (!copy) return -ENOMEM;
  memcpy(copy, buf, size);
  corrupt(BIT(M_WRITE), p, copy, size);
  ssize_t n = pwrite(FH(fi)->fd, copy, size, off);
  int e = errno;
  free(copy);
  return n < 0 ? -e : (int)n;
}

static int op_statfs(const char *path, struct statvfs *st) {
  INJECT(BIT(M_STATFS), path);
  RET(fstatvfs(iofs.volfd, st));
}

static int op_flush(const char *path, struct fuse_file_info *fi) {
  INJECT(BIT(M_FLUSH), path_of(path, fi));
  // closing a duplicate releases the caller's POSIX locks on the original, as close(2) would
  int fd = dup(FH(fi)->fd);
  if (fd < 0) return -errno;
  RET(close(fd));
}

static int op_release(const char *path, struct fuse_file_info *fi) {
  struct iofs_fh *h = FH(fi);
  (void)inject(BIT(M_RELEASE), path_of(path, fi)); // the kernel ignores release's answer: only the delay shows
  close(h->fd);
  free(h);
  return 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  INJECT(BIT(M_FSYNC), path_of(path, fi));
  RET(datasync ? fdatasync(FH(fi)->fd) : fsync(FH(fi)->fd));
}

// xattrs have no *at calls before Linux 6.13, and the container's /proc cannot see this process: the
// l*xattr calls take the last name relative to the working directory, set to the parent under a lock
// (nothing else in the server uses the working directory: every other call has its dirfd).
static pthread_mutex_t cwd_lock = PTHREAD_MUTEX_INITIALIZER;
enum xop { X_SET, X_GET, X_LIST, X_REMOVE };
static int xattr_at(const char *path, enum xop op, const char *name, void *value, size_t size, int flags) {
  AT(at, path);
  pthread_mutex_lock(&cwd_lock);
  ssize_t rc;
  if (fchdir(at.dir)) {
    rc = -1;
  } else {
    switch (op) {
      case X_SET: rc = lsetxattr(at.name, name, value, size, flags); break;
      case X_GET: rc = lgetxattr(at.name, name, value, size); break;
      case X_LIST: rc = llistxattr(at.name, value, size); break;
      default: rc = lremovexattr(at.name, name); break;
    }
  }
  int e = errno;
  if (fchdir(iofs_procfd)) iofs_log("fchdir back: %s", strerror(errno)); // off the volume
  pthread_mutex_unlock(&cwd_lock);
  at_close(&at);
  return rc < 0 ? -e : (int)rc;
}

static int op_setxattr(const char *path, const char *name, const char *value, size_t size, int flags) {
  INJECT(BIT(M_SETXATTR), path);
  return xattr_at(path, X_SET, name, (void *)value, size, flags);
}

static int op_getxattr(const char *path, const char *name, char *value, size_t size) {
  INJECT(BIT(M_GETXATTR), path);
  return xattr_at(path, X_GET, name, value, size, 0);
}

static int op_listxattr(const char *path, char *list, size_t size) {
  INJECT(BIT(M_LISTXATTR), path);
  return xattr_at(path, X_LIST, NULL, list, size, 0);
}

static int op_removexattr(const char *path, const char *name) {
  INJECT(BIT(M_REMOVEXATTR), path);
  return xattr_at(path, X_REMOVE, name, NULL, 0, 0);
}

static int op_opendir(const char *path, struct fuse_file_info *fi) {
  INJECT(BIT(M_OPENDIR), path);
  AT(at, path);
  int fd = openat(at.dir, at.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int e = errno;
  at_close(&at);
  if (fd < 0) return -e;
  DIR *dir = fdopendir(fd);
  if (!dir) {
    e = errno;
    close(fd);
    return -e;
  }
  struct iofs_fh *h = new_fh(path, fd, dir);
  if (!h) {
    closedir(dir);
    return -ENOMEM;
  }
  fi->fh = (uintptr_t)h;
  return 0;
}

// the whole directory in one call (offset 0 to the filler): libfuse keeps it for the kernel's reads
static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
  (void)off;
  (void)flags;
  struct iofs_fh *h = FH(fi);
  INJECT(BIT(M_READDIR), path_of(path, fi));
  rewinddir(h->dir);
  for (;;) {
    errno = 0;
    struct dirent *d = readdir(h->dir);
    if (!d) return errno ? -errno : 0;
    struct stat st = {.st_ino = d->d_ino, .st_mode = (mode_t)d->d_type << 12};
    if (filler(buf, d->d_name, &st, 0, 0)) return 0;
  }
}

static int op_releasedir(const char *path, struct fuse_file_info *fi) {
  struct iofs_fh *h = FH(fi);
  (void)inject(BIT(M_RELEASEDIR), path_of(path, fi));
  closedir(h->dir);
  free(h);
  return 0;
}

static int op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  INJECT(BIT(M_FSYNCDIR), path_of(path, fi));
  RET(datasync ? fdatasync(FH(fi)->fd) : fsync(FH(fi)->fd));
}

static int op_access(const char *path, int mask) {
  INJECT(BIT(M_ACCESS), path);
  AT(at, path);
  AT_RET(at, faccessat(at.dir, at.name, mask, AT_SYMLINK_NOFOLLOW));
}

static int op_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
  INJECT(0, path_of(path, fi));
  RET(fallocate(FH(fi)->fd, mode, off, len));
}

const struct fuse_operations iofs_ops = {
  .init = op_init,
  .getattr = op_getattr,
  .readlink = op_readlink,
  .mknod = op_mknod,
  .mkdir = op_mkdir,
  .unlink = op_unlink,
  .rmdir = op_rmdir,
  .symlink = op_symlink,
  .rename = op_rename,
  .link = op_link,
  .chmod = op_chmod,
  .chown = op_chown,
  .truncate = op_truncate,
  .utimens = op_utimens,
  .open = op_open,
  .create = op_create,
  .read = op_read,
  .write = op_write,
  .statfs = op_statfs,
  .flush = op_flush,
  .release = op_release,
  .fsync = op_fsync,
  .setxattr = op_setxattr,
  .getxattr = op_getxattr,
  .listxattr = op_listxattr,
  .removexattr = op_removexattr,
  .opendir = op_opendir,
  .readdir = op_readdir,
  .releasedir = op_releasedir,
  .fsyncdir = op_fsyncdir,
  .access = op_access,
  .fallocate = op_fallocate,
};
