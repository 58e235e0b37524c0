// faultline-iofs: the FUSE server of IOChaos. See README.md for the contract.
#ifndef FAULTLINE_IOFS_H
#define FAULTLINE_IOFS_H

#define FUSE_USE_VERSION 314
#include <fuse.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#define IOFS_FSTYPE "fuse.faultline-iofs"
#define IOFS_MAX_ACTIONS 256
#define IOFS_PATH_MAX 4096

// ---- config (iofs-config.c) -------------------------------------------------------------------
enum iofs_kind { IOFS_LATENCY, IOFS_FAULT, IOFS_ATTR, IOFS_MISTAKE };

// The FUSE operation names an action's `methods` may list (Chaos Mesh's), one bit each.
enum iofs_method {
  M_LOOKUP, M_FORGET, M_GETATTR, M_SETATTR, M_READLINK, M_MKNOD, M_MKDIR, M_UNLINK, M_RMDIR, M_SYMLINK,
  M_RENAME, M_LINK, M_OPEN, M_READ, M_WRITE, M_FLUSH, M_RELEASE, M_FSYNC, M_OPENDIR, M_READDIR,
  M_RELEASEDIR, M_FSYNCDIR, M_STATFS, M_SETXATTR, M_GETXATTR, M_LISTXATTR, M_REMOVEXATTR, M_ACCESS,
  M_CREATE, M_GETLK, M_SETLK, M_BMAP, M_COUNT
};
extern const char *const iofs_method_names[M_COUNT];

// attrOverride: each field applies only when its bit is set
enum iofs_attr_field {
  A_INO, A_SIZE, A_BLOCKS, A_ATIME_SEC, A_ATIME_NSEC, A_MTIME_SEC, A_MTIME_NSEC, A_CTIME_SEC, A_CTIME_NSEC,
  A_KIND, A_PERM, A_NLINK, A_UID, A_GID, A_RDEV, A_COUNT
};

struct iofs_action {
  enum iofs_kind kind;
  char *path;        // glob, NULL = every file
  uint64_t methods;  // bitmask of enum iofs_method; 0 = all
  unsigned percent;  // 0..100
  uint64_t delay_ns; // latency
  int err;           // fault
  uint32_t attr_set; // attrOverride: bitmask of enum iofs_attr_field
  int64_t attr[A_COUNT];
  int random_fill;   // mistake: 0 = zero, 1 = random
  uint64_t max_occurrences, max_length;
};

struct iofs_config {
  atomic_int refs;
  size_t n;
  struct iofs_action actions[];
};

// Parses the config text; NULL and a message naming the line and field in err on a bad config.
struct iofs_config *iofs_config_parse(const char *text, char *err, size_t errlen);
// Reads and parses the file `name` in the directory `dirfd`.
struct iofs_config *iofs_config_load(int dirfd, const char *name, char *err, size_t errlen);
void iofs_config_free(struct iofs_config *config);

// ---- mounts (iofs-mount.c) --------------------------------------------------------------------
struct iofs_mount {
  int found;
  int mount_id;
  char dev[32];  // major:minor (the FUSE connection's anonymous device)
  char fstype[256];
  int shared;    // propagation: a "shared:N" optional field (mounts made under it reach its peers)
};
// The top mount whose mount point is `path` in this process's mount namespace (found = 0: none).
int iofs_top_mount(const char *path, struct iofs_mount *out);
// `check`'s conditions on `volume` (absolute, not /, exists, directory, mount point): 0 or -1 and a reason.
// `resolved` gets the path with symlinks resolved (what is mounted over).
int iofs_check_volume(const char *volume, char *resolved, char *reason, size_t reasonlen, int *faulted);
// Lazily unmounts the mount at `path` iff the top mount there is ours: fstype fuse.faultline-iofs and,
// when `mine` is given, its mount id and device (both: the kernel reuses each once a mount is gone).
// 1 unmounted, 0 not ours (reason set), -1 error (reason set).
int iofs_unmount_if_ours(const char *path, const struct iofs_mount *mine, char *reason, size_t reasonlen);
// setns into /proc/<pid>/ns/mnt (an fd opened beforehand, or -1 to open it here). Opens iofs_procfd first.
int iofs_enter_mnt_ns(int pid, int nsfd, char *reason, size_t reasonlen);
// The daemon's /proc (O_PATH), opened before setns: the container's /proc belongs to its own pid
// namespace, where this process is not visible (its /proc/self does not resolve). Through this fd,
// `self/mountinfo` shows the mounts of the namespace this process is in now, and `self/fd/N` works.
extern int iofs_procfd;
int iofs_open_proc(char *reason, size_t reasonlen);

// ---- the filesystem (iofs-ops.c) --------------------------------------------------------------
struct iofs_state {
  int volfd;              // O_PATH of the original volume, opened before mounting over it
  char volume[IOFS_PATH_MAX];
  size_t volume_len;
  atomic_int stopped;     // SIGTERM: no injection any more
};
// Wakes every delay in progress (SIGTERM, SIGHUP's new config): each re-checks whether it still applies.
void iofs_wake_delays(void);
extern struct iofs_state iofs;
extern const struct fuse_operations iofs_ops;
// The actions in force (a reference: release with iofs_config_put); never NULL.
struct iofs_config *iofs_config_get(void);
void iofs_config_put(struct iofs_config *config);
// Replaces the actions in force (takes the reference).
void iofs_config_set(struct iofs_config *config);

// ---- helpers shared by the files --------------------------------------------------------------
void iofs_json_string(FILE *out, const char *s);
void iofs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
