/* faultline-time-skew: shared declarations. See README.md for the image layout and the steps. */
#ifndef FAULTLINE_TIME_SKEW_H
#define FAULTLINE_TIME_SKEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The fake code is x86_64 only. FL_FORCE_UNSUPPORTED builds the refusing binary of any other
 * architecture here, so that path is compiled and tested too. */
#if defined(__x86_64__) && !defined(FL_FORCE_UNSUPPORTED)
#define FL_SUPPORTED 1
#endif

#define FL_MAX_ENTRIES 8
#define FL_CLOCKS 16
#define FL_MAX_THREADS 4096
#define FL_MAX_VDSO (64 * 1024)
#define FL_ERR_LEN 256

/* The three vDSO functions redirected, in this order everywhere (image slots, steps). */
enum { FL_SYM_CLOCK_GETTIME, FL_SYM_GETTIMEOFDAY, FL_SYM_TIME, FL_SYMS };
extern const char *const fl_sym_names[FL_SYMS];

struct fl_entry {
  uint8_t key[16];
  uint64_t mask;
  int64_t sec;
  int64_t nsec;
};

/* ---- ptrace.c: seize / detach every thread of a process ---- */
struct fl_threads {
  pid_t pid;
  int count;
  pid_t tid[FL_MAX_THREADS];
  int pending_signal[FL_MAX_THREADS]; /* a signal caught while stopping, given back on detach */
  bool stopped[FL_MAX_THREADS];
};
/* 0 on success; -1 with err set (ESRCH of the whole process: *gone = true). */
int fl_seize_all(struct fl_threads *t, bool *gone, char *err);
void fl_detach_all(struct fl_threads *t);
/* Whether any stopped thread's instruction pointer is within [start, end) (absolute addresses). */
int fl_any_rip_within(struct fl_threads *t, const uint64_t *start, const uint64_t *end, int ranges, bool *hit, char *err);
extern volatile int fl_deadline_passed;
/* Whether the process has ended: no thread left, or only dead/zombie ones (it counts as gone). A
 * process whose main thread exited while others run has a zombie leader but is alive: not ended. */
bool fl_process_ended(pid_t pid);

/* ---- vdso.c: find and parse the target's vDSO ---- */
struct fl_vdso {
  uint64_t base, size;         /* the [vdso] mapping */
  uint8_t bytes[FL_MAX_VDSO];  /* its content as read */
  uint64_t content_end;        /* end of the ELF content (sections, headers), mapping offset */
  uint64_t sym_off[FL_SYMS];   /* mapping offset of each function */
  uint64_t sym_size[FL_SYMS];
};
/* 0 ok; 1 process gone; -1 error (err). */
int fl_read_vdso(pid_t pid, struct fl_vdso *v, char *err);
int fl_parse_vdso(struct fl_vdso *v, char *err);
/* one pwrite / pread on /proc/<pid>/mem */
int fl_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len, char *err);
int fl_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len, char *err);

/* ---- image.c: the image in the vDSO's padding ---- */
#define FL_IMAGE_SIZE 1024
#define FL_PATCH_LEN 5
struct fl_state {
  bool has_image;
  int entry_count;
  struct fl_entry entries[FL_MAX_ENTRIES];
  uint64_t patch_off[FL_SYMS];          /* mapping offset of the 5 patched bytes */
  uint8_t original[FL_SYMS][8];         /* their original content (first 5 used) */
  bool redirected[FL_SYMS];
  uint64_t image_off;                   /* mapping offset of the image */
  uint64_t code_start, code_end;        /* mapping offsets of the fake code */
  bool code_matches;                    /* has_image and its code is this build's, byte for byte */
};
/* Reads the state out of a parsed vDSO. 0 ok, -1 error (err): not ours, no room, foreign patch. */
int fl_read_state(const struct fl_vdso *v, struct fl_state *s, char *err);
/* The image bytes for these entries (keeping s's original bytes). */
void fl_build_image(const struct fl_state *s, const struct fl_entry *e, int n, uint8_t image[FL_IMAGE_SIZE]);
/* The 5 bytes of a jmp from a patched entry to its fake function. */
void fl_jump_bytes(const struct fl_state *s, int sym, uint8_t out[FL_PATCH_LEN]);
/* "clean" (no image, or an inert one: no entries, nothing redirected) | "skewed" | "partial" */
const char *fl_state_name(const struct fl_state *s);

#endif
