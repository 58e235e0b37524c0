/*
 * faultline-time-skew: shifts the clocks a process reads through the vDSO, and restores them.
 *
 *   faultline-time-skew status <pid>...
 *   faultline-time-skew set [--entry <key32hex>:<mask>:<sec>:<nsec>]... <pid>...   (no --entry = restore)
 *   faultline-time-skew probe <pid>
 *   options: --timeout-ms <n> (default 5000), --stop-after-step <n> (set only; a test hook)
 *
 * One JSON line per pid on stdout, in argv order. Exit 0: every pid clean/skewed/gone (probe: ok);
 * 1: any error/partial (probe: not ok); 2: usage error (message on stderr, nothing touched).
 * The steps of a set and their order are in README.md.
 */
#define _GNU_SOURCE
#include "time-skew.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 4096
#define MAX_PID 4194304 /* the kernel's PID_MAX_LIMIT */

static struct {
  enum { CMD_STATUS, CMD_SET, CMD_PROBE } cmd;
  struct fl_entry entries[FL_MAX_ENTRIES];
  int entry_count;
  long timeout_ms;
  long stop_after_step;
  pid_t pids[MAX_PIDS];
  int pid_count;
} args = {.timeout_ms = 5000, .stop_after_step = -1};

static void usage_error(const char *fmt, const char *what) {
  fprintf(stderr, "faultline-time-skew: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\nusage: faultline-time-skew status <pid>... | set [--entry <key32hex>:<mask>:<sec>:<nsec>]... <pid>... | probe <pid>\n"
                  "       [--timeout-ms <n>] [--stop-after-step <n>]\n");
  exit(2);
}

/* A whole decimal integer in [min, max], nothing else (no spaces, no '+'). */
static bool parse_int(const char *s, long long min, long long max, long long *out) {
  if (!*s || *s == '+' || *s == ' ') return false;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v < min || v > max) return false;
  *out = v;
  return true;
}

static void parse_entry(const char *text) {
  char buf[160];
  if (strlen(text) >= sizeof buf) usage_error("--entry %s: too long", text);
  strcpy(buf, text);
  char *field[4];
  char *p = buf;
  for (int i = 0; i < 4; i++) {
    field[i] = p;
    char *colon = strchr(p, ':');
    if (i < 3) {
      if (!colon) usage_error("--entry %s: want <key32hex>:<mask>:<sec>:<nsec>", text);
      *colon = 0;
      p = colon + 1;
    } else if (colon) {
      usage_error("--entry %s: want <key32hex>:<mask>:<sec>:<nsec>", text);
    }
  }
  if (args.entry_count == FL_MAX_ENTRIES) usage_error("--entry %s: more than 8 entries", text);
  struct fl_entry *e = &args.entries[args.entry_count];
  if (strlen(field[0]) != 32) usage_error("--entry %s: key must be 32 lowercase hex digits", text);
  for (int i = 0; i < 16; i++) {
    unsigned v = 0;
    for (int j = 0; j < 2; j++) {
      char c = field[0][2 * i + j];
      if (c >= '0' && c <= '9') v = v * 16 + (unsigned)(c - '0');
      else if (c >= 'a' && c <= 'f') v = v * 16 + (unsigned)(c - 'a' + 10);
      else usage_error("--entry %s: key must be 32 lowercase hex digits", text);
    }
    e->key[i] = (uint8_t)v;
  }
  long long mask, sec, nsec;
  if (!parse_int(field[1], 1, 0xffff, &mask)) usage_error("--entry %s: mask must be a non-zero integer with only bits 0..15 (clock ids 0..15)", text);
  if (!parse_int(field[2], -10000000000LL, 10000000000LL, &sec)) usage_error("--entry %s: sec must be an integer with |sec| <= 10000000000", text);
  if (!parse_int(field[3], -999999999, 999999999, &nsec)) usage_error("--entry %s: nsec must be an integer with |nsec| < 1000000000", text);
  e->mask = (uint64_t)mask;
  e->sec = sec;
  e->nsec = nsec;
  for (int i = 0; i < args.entry_count; i++)
    if (memcmp(args.entries[i].key, e->key, 16) == 0) usage_error("--entry %s: key given twice", text);
  args.entry_count++;
}

static void parse_args(int argc, char **argv) {
  if (argc < 2) usage_error("%s", "no command");
  if (strcmp(argv[1], "status") == 0) args.cmd = CMD_STATUS;
  else if (strcmp(argv[1], "set") == 0) args.cmd = CMD_SET;
  else if (strcmp(argv[1], "probe") == 0) args.cmd = CMD_PROBE;
  else usage_error("unknown command %s", argv[1]);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    long long v;
    if (strcmp(a, "--entry") == 0 || strcmp(a, "--timeout-ms") == 0 || strcmp(a, "--stop-after-step") == 0) {
      if (i + 1 >= argc) usage_error("%s needs a value", a);
      const char *value = argv[++i];
      if (strcmp(a, "--entry") == 0) {
        if (args.cmd != CMD_SET) usage_error("%s is for set only", a);
        parse_entry(value);
      } else if (strcmp(a, "--timeout-ms") == 0) {
        if (!parse_int(value, 1, 600000, &v)) usage_error("--timeout-ms %s: want an integer in 1..600000", value);
        args.timeout_ms = (long)v;
      } else {
        if (args.cmd != CMD_SET) usage_error("%s is for set only", a);
        if (!parse_int(value, 1, 6, &v)) usage_error("--stop-after-step %s: want a step 1..6", value);
        args.stop_after_step = (long)v;
      }
    } else if (a[0] == '-') {
      usage_error("unknown option %s", a);
    } else {
      if (!parse_int(a, 1, MAX_PID, &v)) usage_error("pid %s: want an integer in 1..4194304", a);
      if (args.pid_count == MAX_PIDS) usage_error("%s: too many pids", a);
      args.pids[args.pid_count++] = (pid_t)v;
    }
  }
  if (args.pid_count == 0) usage_error("%s: no pid given", argv[1]);
  if (args.cmd == CMD_PROBE && args.pid_count != 1) usage_error("%s: probe takes exactly one pid", argv[1]);
}

/* ---- JSON output ---- */
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

static void print_entries(const struct fl_entry *e, int n) {
  printf(",\"entries\":[");
  for (int i = 0; i < n; i++) {
    printf("%s{\"key\":\"", i ? "," : "");
    for (int j = 0; j < 16; j++) printf("%02x", e[i].key[j]);
    printf("\",\"mask\":%" PRIu64 ",\"sec\":%" PRId64 ",\"nsec\":%" PRId64 "}", e[i].mask, e[i].sec, e[i].nsec);
  }
  printf("]");
}

static void print_state(pid_t pid, const char *state, const struct fl_entry *e, int n, const char *error) {
  printf("{\"pid\":%d,\"state\":\"%s\"", pid, state);
  if (error) {
    printf(",\"error\":");
    json_string(error);
  } else if (strcmp(state, "gone") != 0) {
    print_entries(e, n);
  }
  printf("}\n");
  fflush(stdout);
}

static void print_probe(pid_t pid, const char *reason) {
  printf("{\"pid\":%d,\"ok\":%s", pid, reason ? "false" : "true");
  if (reason) {
    printf(",\"reason\":");
    json_string(reason);
  }
  printf("}\n");
  fflush(stdout);
}

#if !defined(FL_SUPPORTED)
/* Another architecture: the fake code is x86_64 only, so every command refuses. */
int main(int argc, char **argv) {
  parse_args(argc, argv);
  struct utsname u;
  char reason[FL_ERR_LEN];
  snprintf(reason, sizeof reason, "unsupported architecture %s", uname(&u) == 0 ? u.machine : "unknown");
  for (int i = 0; i < args.pid_count; i++) {
    if (args.cmd == CMD_PROBE) print_probe(args.pids[i], reason);
    else print_state(args.pids[i], "error", NULL, 0, reason);
  }
  return 1;
}
#else

#include <sys/ptrace.h>

static struct fl_vdso vdso;
static struct fl_threads threads;

static void on_alarm(int sig) {
  (void)sig;
  fl_deadline_passed = 1;
}

/* The test hook: after step n, say so and wait to be killed (the deadline no longer applies). */
static void reached_step(long step) {
  if (step != args.stop_after_step) return;
  struct itimerval off = {0};
  setitimer(ITIMER_REAL, &off, NULL);
  fprintf(stderr, "step %ld\n", step);
  for (;;) pause();
}

enum outcome { OK, GONE, FAILED };

/* Reads and parses the vDSO and the state in it. */
static enum outcome look(pid_t pid, struct fl_state *s, char *err) {
  int r = fl_read_vdso(pid, &vdso, err);
  if (r > 0) return GONE;
  if (r < 0) {
    /* a process that exited between reading its maps and its memory is gone, not an error */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    if (access(path, F_OK) != 0) return GONE;
    return FAILED;
  }
  if (fl_parse_vdso(&vdso, err) != 0 || fl_read_state(&vdso, s, err) != 0) return FAILED;
  return OK;
}

static void report(pid_t pid, int *failures) {
  struct fl_state s;
  char err[FL_ERR_LEN];
  enum outcome o = look(pid, &s, err);
  if (o == GONE || (o == FAILED && fl_process_ended(pid))) print_state(pid, "gone", NULL, 0, NULL);
  else if (o == FAILED) {
    print_state(pid, "error", NULL, 0, err);
    ++*failures;
  } else {
    const char *name = fl_state_name(&s);
    print_state(pid, name, s.entries, s.entry_count, NULL);
    if (strcmp(name, "partial") == 0) ++*failures;
  }
}

/* Every write of this run, so a deadline can undo them in reverse order. */
static struct {
  uint64_t addr;
  uint8_t old[FL_IMAGE_SIZE];
  size_t len;
} undo[FL_SYMS + 1];
static int undo_count;

static int write_step(pid_t pid, uint64_t off, const void *bytes, size_t len, char *err) {
  undo[undo_count].addr = vdso.base + off;
  memcpy(undo[undo_count].old, vdso.bytes + off, len);
  undo[undo_count].len = len;
  if (fl_mem_write(pid, vdso.base + off, bytes, len, err) != 0) return -1;
  undo_count++;
  return 0;
}

static void roll_back(pid_t pid) {
  char ignored[FL_ERR_LEN];
  while (undo_count > 0) {
    undo_count--;
    fl_mem_write(pid, undo[undo_count].addr, undo[undo_count].old, undo[undo_count].len, ignored);
  }
}

static bool same_entries(const struct fl_state *s) {
  if (s->entry_count != args.entry_count) return false;
  for (int i = 0; i < s->entry_count; i++) {
    const struct fl_entry *a = &s->entries[i], *b = &args.entries[i];
    if (memcmp(a->key, b->key, 16) || a->mask != b->mask || a->sec != b->sec || a->nsec != b->nsec) return false;
  }
  return true;
}

/* Step 1: every thread stopped, none executing bytes this run changes (else let them run 1 ms).
 * After every seize the vDSO is read again (nothing runs now: the writes are based on this read);
 * a process that exec'd while it ran between tries (its vDSO moved, or its image came or went) is
 * refused rather than written at an address of the old program. */
static enum outcome stop_clear_of_patch(pid_t pid, struct fl_state *s, char *err) {
  uint64_t first_base = vdso.base;
  bool first_image = s->has_image;
  for (;;) {
    bool gone;
    threads.pid = pid;
    if (fl_seize_all(&threads, &gone, err) != 0) {
      fl_detach_all(&threads);
      return gone ? GONE : FAILED;
    }
    enum outcome o = look(pid, s, err);
    if (o != OK) {
      fl_detach_all(&threads);
      return o;
    }
    if (vdso.base != first_base || s->has_image != first_image) {
      fl_detach_all(&threads);
      snprintf(err, FL_ERR_LEN, "the process exec'd while the helper waited (its vDSO is new); nothing written, the next run sees the new program");
      return FAILED;
    }
    /* The 5 bytes of every function; and the whole image when its code is not this build's (then
     * rewriting it could change an instruction a thread is executing). This build's code is
     * rewritten with the same bytes, so a thread inside it (often in its syscall) is harmless. */
    uint64_t start[FL_SYMS + 1], end[FL_SYMS + 1];
    int ranges = 0;
    for (int i = 0; i < FL_SYMS; i++, ranges++) {
      start[i] = vdso.base + s->patch_off[i];
      end[i] = start[i] + FL_PATCH_LEN;
    }
    if (s->has_image && !s->code_matches) {
      start[ranges] = vdso.base + s->image_off;
      end[ranges++] = vdso.base + vdso.size;
    }
    bool hit;
    if (fl_any_rip_within(&threads, start, end, ranges, &hit, err) != 0) {
      fl_detach_all(&threads);
      return FAILED;
    }
    if (!hit) return OK;
    fl_detach_all(&threads);
    if (fl_deadline_passed) {
      snprintf(err, FL_ERR_LEN, "deadline passed: a thread kept executing the bytes to patch");
      return FAILED;
    }
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
}

/* Nothing to do: no entries asked and the process clean (no image, or an inert one), or skewed
 * with exactly the entries asked. */
static bool as_asked(const struct fl_state *s) {
  const char *name = fl_state_name(s);
  if (args.entry_count == 0) return strcmp(name, "clean") == 0;
  return strcmp(name, "skewed") == 0 && same_entries(s) && s->code_matches;
}

static enum outcome set_one(pid_t pid, char *err) {
  struct fl_state s;
  enum outcome o = look(pid, &s, err);
  if (o != OK) return o;
  /* Already as asked: nothing to stop (the daemon's watch asks often). */
  if (as_asked(&s)) return OK;

  o = stop_clear_of_patch(pid, &s, err);
  if (o != OK) return o;
  if (as_asked(&s)) {
    fl_detach_all(&threads);
    return OK;
  }
  undo_count = 0;
  reached_step(1);
#define STEP(n)                                                                                                    \
  do {                                                                                                             \
    if (fl_deadline_passed) goto deadline;                                                                         \
    reached_step(n);                                                                                               \
  } while (0)
  static uint8_t image[FL_IMAGE_SIZE];
  if (args.entry_count > 0) {
    /* 2: the image (entries, table, code) in one write; 3..5: each entry redirected, one write each. */
    fl_build_image(&s, args.entries, args.entry_count, image);
    if (write_step(pid, s.image_off, image, FL_IMAGE_SIZE, err) != 0) goto failed;
    STEP(2);
    for (int i = 0; i < FL_SYMS; i++) {
      if (!s.redirected[i]) {
        uint8_t jmp[FL_PATCH_LEN];
        fl_jump_bytes(&s, i, jmp);
        if (write_step(pid, s.patch_off[i], jmp, FL_PATCH_LEN, err) != 0) goto failed;
      }
      STEP(3 + i);
    }
  } else {
    /* 2..4: each entry's original bytes back, one write each: from here no call enters the fake code. */
    for (int i = 0; i < FL_SYMS; i++) {
      if (s.redirected[i] && write_step(pid, s.patch_off[i], s.original[i], FL_PATCH_LEN, err) != 0) goto failed;
      STEP(2 + i);
    }
    /* 5: the image made inert in one write: no entries, a zero table, the code left in place. It is
     * never zeroed: a thread may still be in the fake code, or in a signal handler whose saved frame
     * returns just after the fake code's syscall (Go's SIGURG, SIGPROF, a SIGCHLD), which no RIP
     * check can see; it returns through intact code that reads a zero table: the real time. */
    fl_build_image(&s, NULL, 0, image);
    if (write_step(pid, s.image_off, image, FL_IMAGE_SIZE, err) != 0) goto failed;
    reached_step(5);
  }
  fl_detach_all(&threads);
  reached_step(6);
  return OK;
deadline:
  snprintf(err, FL_ERR_LEN, "deadline of %ld ms passed; this run's writes were undone", args.timeout_ms);
failed:
  roll_back(pid);
  fl_detach_all(&threads);
  return FAILED;
#undef STEP
}

static char *probe_reason(pid_t pid, char *err) {
  struct fl_state s;
  enum outcome o = look(pid, &s, err);
  if (o == GONE || (o == FAILED && fl_process_ended(pid))) return strcpy(err, "no such process");
  if (o == FAILED) return err;
  FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
  if (f) {
    int scope = 0;
    if (fscanf(f, "%d", &scope) == 1 && scope >= 3) {
      fclose(f);
      return strcpy(err, "ptrace is disabled on this node (kernel.yama.ptrace_scope=3)");
    }
    fclose(f);
  }
  /* A seize without an interrupt stops nothing; the kernel releases it when this helper exits. */
  if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) {
    snprintf(err, FL_ERR_LEN, "ptrace(PTRACE_SEIZE) not permitted: %s", strerror(errno));
    return err;
  }
  return NULL;
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm; /* no SA_RESTART: a waitpid blocked past the deadline returns EINTR */
  sigaction(SIGALRM, &sa, NULL);
  /* The deadline is per process: one that cannot be stopped in time fails alone, not every pid after it. */
  struct itimerval deadline = {{0, 0}, {args.timeout_ms / 1000, (args.timeout_ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &deadline, NULL);

  int failures = 0;
  char err[FL_ERR_LEN];
  if (args.cmd == CMD_PROBE) {
    const char *reason = probe_reason(args.pids[0], err);
    print_probe(args.pids[0], reason);
    return reason ? 1 : 0;
  }
  for (int i = 0; i < args.pid_count; i++) {
    pid_t pid = args.pids[i];
    if (i > 0) {
      fl_deadline_passed = 0;
      setitimer(ITIMER_REAL, &deadline, NULL);
    }
    if (args.cmd == CMD_SET) {
      enum outcome o = set_one(pid, err);
      if (o == FAILED && !fl_process_ended(pid)) {
        print_state(pid, "error", NULL, 0, err);
        failures++;
        continue;
      }
    }
    report(pid, &failures);
  }
  return failures ? 1 : 0;
}
#endif
