// Mount namespace entry, /proc/self/mountinfo, the volume checks, the lazy unmount of our mount only.
#define _GNU_SOURCE
#include "iofs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int iofs_procfd = -1;

int iofs_open_proc(char *reason, size_t reasonlen) {
  if (iofs_procfd >= 0) return 0;
  iofs_procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (iofs_procfd < 0) {
    snprintf(reason, reasonlen, "cannot open /proc: %s", strerror(errno));
    return -1;
  }
  return 0;
}

int iofs_enter_mnt_ns(int pid, int nsfd, char *reason, size_t reasonlen) {
  if (iofs_open_proc(reason, reasonlen)) return -1;
  int own = nsfd < 0;
  if (own) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
    nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
      snprintf(reason, reasonlen, "cannot open /proc/%d/ns/mnt: %s", pid, strerror(errno));
      return -1;
    }
  }
  int rc = setns(nsfd, CLONE_NEWNS);
  int e = errno;
  if (own) close(nsfd);
  if (rc) {
    snprintf(reason, reasonlen, "cannot enter the mount namespace of pid %d: %s", pid, strerror(e));
    return -1;
  }
  return 0;
}

// mountinfo escapes space, tab, newline and backslash as \ooo
static void unescape(char *s) {
  char *o = s;
  for (char *p = s; *p;) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
      *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 4;
    } else {
      *o++ = *p++;
    }
  }
  *o = 0;
}

int iofs_top_mount(const char *path, struct iofs_mount *out) {
  memset(out, 0, sizeof *out);
  int fd = iofs_procfd >= 0 ? openat(iofs_procfd, "self/mountinfo", O_RDONLY | O_CLOEXEC) : -1;
  if (fd < 0) return -1;
  FILE *f = fdopen(fd, "r");
  if (!f) {
    close(fd);
    return -1;
  }
  char *line = NULL;
  size_t cap = 0;
  // the last entry for a mount point is the one on top (mounts are listed in the order they were made)
  while (getline(&line, &cap, f) > 0) {
    int id, parent;
    char dev[32], mountpoint[IOFS_PATH_MAX + 1];
    if (sscanf(line, "%d %d %31s %*s %4096s", &id, &parent, dev, mountpoint) != 4) continue;
    unescape(mountpoint);
    if (strcmp(mountpoint, path) != 0) continue;
    char *sep = strstr(line, " - ");
    if (!sep) continue;
    char fstype[256];
    if (sscanf(sep + 3, "%255s", fstype) != 1) continue;
    out->found = 1;
    out->mount_id = id;
    *sep = 0;
    out->shared = strstr(line, " shared:") != NULL;
    snprintf(out->dev, sizeof out->dev, "%s", dev);
    snprintf(out->fstype, sizeof out->fstype, "%s", fstype);
  }
  free(line);
  fclose(f);
  return 0;
}

int iofs_check_volume(const char *volume, char *resolved, char *reason, size_t reasonlen, int *faulted) {
  *faulted = 0;
  if (volume[0] != '/') {
    snprintf(reason, reasonlen, "volume %s is not an absolute path", volume);
    return -1;
  }
  char real[PATH_MAX];
  if (!realpath(volume, real)) {
    snprintf(reason, reasonlen, "volume %s does not exist in the container: %s", volume, strerror(errno));
    return -1;
  }
  if (strcmp(real, "/") == 0) {
    snprintf(reason, reasonlen, "volume %s is the container's root /", volume);
    return -1;
  }
  struct stat st;
  if (stat(real, &st)) {
    snprintf(reason, reasonlen, "volume %s: %s", volume, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(reason, reasonlen, "volume %s is not a directory", volume);
    return -1;
  }
  struct iofs_mount m;
  if (iofs_top_mount(real, &m)) {
    snprintf(reason, reasonlen, "cannot read /proc/self/mountinfo: %s", strerror(errno));
    return -1;
  }
  if (!m.found) {
    snprintf(reason, reasonlen, "volume %s is not a mount point in the container", volume);
    return -1;
  }
  *faulted = strcmp(m.fstype, IOFS_FSTYPE) == 0;
  if (!*faulted && m.shared) {
    // a mount made over a shared mount is propagated to its peers (the host's, for a Bidirectional
    // volume), whatever the new mount's own propagation: refused rather than faulting the host too
    snprintf(reason, reasonlen, "volume %s is a shared mount (mount propagation Bidirectional): a FUSE mount over it would reach its peers (the host)", volume);
    return -1;
  }
  snprintf(resolved, IOFS_PATH_MAX, "%s", real);
  return 0;
}

int iofs_unmount_if_ours(const char *path, const struct iofs_mount *mine, char *reason, size_t reasonlen) {
  struct iofs_mount m;
  if (iofs_top_mount(path, &m)) {
    snprintf(reason, reasonlen, "cannot read /proc/self/mountinfo: %s", strerror(errno));
    return -1;
  }
  if (!m.found) {
    snprintf(reason, reasonlen, "nothing is mounted at %s", path);
    return 0;
  }
  if (strcmp(m.fstype, IOFS_FSTYPE) != 0) {
    snprintf(reason, reasonlen, "the mount at %s is %s, not %s", path, m.fstype, IOFS_FSTYPE);
    return 0;
  }
  if (mine && (m.mount_id != mine->mount_id || strcmp(m.dev, mine->dev) != 0)) {
    snprintf(reason, reasonlen, "the mount at %s is another faultline-iofs mount (id %d dev %s, not %d dev %s)", path, m.mount_id,
             m.dev, mine->mount_id, mine->dev);
    return 0;
  }
  if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW)) {
    snprintf(reason, reasonlen, "umount %s: %s", path, strerror(errno));
    return -1;
  }
  return 1;
}
