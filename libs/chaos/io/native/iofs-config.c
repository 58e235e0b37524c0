// The config file: one action per line, TAB-separated name=value fields (README.md, "Config").
#include "iofs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const iofs_method_names[M_COUNT] = {
  "lookup", "forget", "getattr", "setattr", "readlink", "mknod", "mkdir", "unlink", "rmdir", "symlink",
  "rename", "link", "open", "read", "write", "flush", "release", "fsync", "opendir", "readdir",
  "releasedir", "fsyncdir", "statfs", "setxattr", "getxattr", "listxattr", "removexattr", "access",
  "create", "getlk", "setlk", "bmap",
};

static const char *const attr_names[A_COUNT] = {
  "attr_ino", "attr_size", "attr_blocks", "attr_atime_sec", "attr_atime_nsec", "attr_mtime_sec",
  "attr_mtime_nsec", "attr_ctime_sec", "attr_ctime_nsec", "attr_kind", "attr_perm", "attr_nlink",
  "attr_uid", "attr_gid", "attr_rdev",
};

static const struct { const char *name; mode_t mode; } kinds[] = {
  {"namedPipe", S_IFIFO}, {"charDevice", S_IFCHR}, {"blockDevice", S_IFBLK}, {"directory", S_IFDIR},
  {"regularFile", S_IFREG}, {"symlink", S_IFLNK}, {"socket", S_IFSOCK},
};

void iofs_config_free(struct iofs_config *config) {
  if (!config) return;
  for (size_t i = 0; i < config->n; i++) free(config->actions[i].path);
  free(config);
}

// A decimal integer in [min, max], the whole string.
static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out) {
  if (!*s) return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}

static int parse_methods(char *s, uint64_t *out) {
  *out = 0;
  if (!*s) return 0;
  for (char *save = NULL, *m = strtok_r(s, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
    int found = -1;
    for (int i = 0; i < M_COUNT; i++) {
      if (strcmp(m, iofs_method_names[i]) == 0) found = i;
    }
    if (found < 0) return -1;
    *out |= 1ULL << found;
  }
  return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

struct iofs_config *iofs_config_parse(const char *text, char *err, size_t errlen) {
  size_t lines = 0;
  for (const char *p = text; *p; p++) lines += *p == '\n';
  lines++;
  if (lines > IOFS_MAX_ACTIONS + 1) lines = IOFS_MAX_ACTIONS + 1;
  struct iofs_config *config = calloc(1, sizeof *config + lines * sizeof(struct iofs_action));
  char *copy = strdup(text);
  if (!config || !copy) {
    snprintf(err, errlen, "out of memory");
    free(copy);
    free(config);
    return NULL;
  }
  atomic_init(&config->refs, 1);
  int lineno = 0;
  for (char *lsave = NULL, *line = strtok_r(copy, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
    lineno++;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r') line[--len] = 0;
    if (!len) continue;
    if (config->n == IOFS_MAX_ACTIONS) FAIL("line %d: more than %d actions", lineno, IOFS_MAX_ACTIONS);
    struct iofs_action *a = &config->actions[config->n++];
    a->percent = 100;
    int has_kind = 0, has_delay = 0, has_errno = 0, has_filling = 0, has_occ = 0, has_len = 0;
    // fields separated by one TAB (strsep keeps empty values such as `path=`)
    for (char *field; (field = strsep(&line, "\t"));) {
      char *eq = strchr(field, '=');
      if (!eq) FAIL("line %d: field \"%.64s\" is not name=value", lineno, field);
      *eq = 0;
      const char *name = field;
      char *value = eq + 1;
      int64_t v;
      if (strcmp(name, "kind") == 0) {
        if (strcmp(value, "latency") == 0) a->kind = IOFS_LATENCY;
        else if (strcmp(value, "fault") == 0) a->kind = IOFS_FAULT;
        else if (strcmp(value, "attrOverride") == 0) a->kind = IOFS_ATTR;
        else if (strcmp(value, "mistake") == 0) a->kind = IOFS_MISTAKE;
        else FAIL("line %d: kind: want latency|fault|attrOverride|mistake, got \"%.64s\"", lineno, value);
        has_kind = 1;
      } else if (strcmp(name, "path") == 0) {
        free(a->path);
        a->path = NULL;
        if (*value && value[0] != '/') FAIL("line %d: path: want an absolute glob or empty, got \"%.64s\"", lineno, value);
        if (*value && !(a->path = strdup(value))) FAIL("out of memory");
      } else if (strcmp(name, "methods") == 0) {
        if (parse_methods(value, &a->methods)) FAIL("line %d: methods: unknown FUSE operation in \"%.128s\"", lineno, value);
      } else if (strcmp(name, "percent") == 0) {
        if (parse_int(value, 0, 100, &v)) FAIL("line %d: percent: want an integer in 0..100, got \"%.64s\"", lineno, value);
        a->percent = (unsigned)v;
      } else if (strcmp(name, "delay_ns") == 0) {
        if (parse_int(value, 0, INT64_MAX, &v)) FAIL("line %d: delay_ns: want a non-negative integer, got \"%.64s\"", lineno, value);
        a->delay_ns = (uint64_t)v;
        has_delay = 1;
      } else if (strcmp(name, "errno") == 0) {
        if (parse_int(value, 1, 4095, &v)) FAIL("line %d: errno: want an integer in 1..4095, got \"%.64s\"", lineno, value);
        a->err = (int)v;
        has_errno = 1;
      } else if (strcmp(name, "filling") == 0) {
        if (strcmp(value, "zero") == 0) a->random_fill = 0;
        else if (strcmp(value, "random") == 0) a->random_fill = 1;
        else FAIL("line %d: filling: want zero|random, got \"%.64s\"", lineno, value);
        has_filling = 1;
      } else if (strcmp(name, "max_occurrences") == 0) {
        if (parse_int(value, 1, INT64_MAX, &v)) FAIL("line %d: max_occurrences: want a positive integer, got \"%.64s\"", lineno, value);
        a->max_occurrences = (uint64_t)v;
        has_occ = 1;
      } else if (strcmp(name, "max_length") == 0) {
        if (parse_int(value, 1, INT64_MAX, &v)) FAIL("line %d: max_length: want a positive integer, got \"%.64s\"", lineno, value);
        a->max_length = (uint64_t)v;
        has_len = 1;
      } else if (strcmp(name, "attr_kind") == 0) {
        int found = -1;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
          if (strcmp(value, kinds[i].name) == 0) found = (int)i;
        }
        if (found < 0) FAIL("line %d: attr_kind: want namedPipe|charDevice|blockDevice|directory|regularFile|symlink|socket, got \"%.64s\"", lineno, value);
        a->attr[A_KIND] = kinds[found].mode;
        a->attr_set |= 1u << A_KIND;
      } else {
        int found = -1;
        for (int i = 0; i < A_COUNT; i++) {
          if (i != A_KIND && strcmp(name, attr_names[i]) == 0) found = i;
        }
        if (found < 0) FAIL("line %d: unknown field \"%.64s\"", lineno, name);
        int64_t max = found == A_PERM ? 07777 : (found == A_UID || found == A_GID) ? UINT32_MAX : INT64_MAX;
        int64_t min = (found == A_ATIME_SEC || found == A_MTIME_SEC || found == A_CTIME_SEC) ? INT64_MIN : 0;
        if (found == A_ATIME_NSEC || found == A_MTIME_NSEC || found == A_CTIME_NSEC) max = 999999999;
        if (parse_int(value, min, max, &v)) FAIL("line %d: %s: want an integer in %lld..%lld, got \"%.64s\"", lineno, name, (long long)min, (long long)max, value);
        a->attr[found] = v;
        a->attr_set |= 1u << found;
      }
    }
    if (!has_kind) FAIL("line %d: kind: missing", lineno);
    if (a->kind == IOFS_LATENCY && !has_delay) FAIL("line %d: delay_ns: missing (kind=latency)", lineno);
    if (a->kind == IOFS_FAULT && !has_errno) FAIL("line %d: errno: missing (kind=fault)", lineno);
    if (a->kind == IOFS_MISTAKE && !has_filling) FAIL("line %d: filling: missing (kind=mistake)", lineno);
    if (a->kind == IOFS_MISTAKE && !has_occ) FAIL("line %d: max_occurrences: missing (kind=mistake)", lineno);
    if (a->kind == IOFS_MISTAKE && !has_len) FAIL("line %d: max_length: missing (kind=mistake)", lineno);
    if (a->kind == IOFS_ATTR && !a->attr_set) FAIL("line %d: attrOverride with no attr_* field", lineno);
  }
  free(copy);
  return config;
fail:
  free(copy);
  iofs_config_free(config);
  return NULL;
}

struct iofs_config *iofs_config_load(int dirfd, const char *name, char *err, size_t errlen) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "config: cannot open %s: %s", name, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    if (len + 1 >= cap) {
      if (cap >= (1u << 24)) {
        snprintf(err, errlen, "config: %s is larger than 16 MiB", name);
        free(buf);
        close(fd);
        return NULL;
      }
      char *more = realloc(buf, cap *= 2);
      if (!more) { free(buf); buf = NULL; break; }
      buf = more;
    }
    ssize_t r = read(fd, buf + len, cap - len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      snprintf(err, errlen, "config: cannot read %s: %s", name, strerror(errno));
      free(buf);
      close(fd);
      return NULL;
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  close(fd);
  if (!buf) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  buf[len] = 0;
  if (strlen(buf) != len) {
    snprintf(err, errlen, "config: %s contains a NUL byte", name);
    free(buf);
    return NULL;
  }
  char inner[512];
  struct iofs_config *config = iofs_config_parse(buf, inner, sizeof inner);
  free(buf);
  if (!config) snprintf(err, errlen, "config: %s", inner);
  return config;
}
