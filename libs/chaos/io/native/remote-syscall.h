/* remote-syscall: making a stopped (seized) thread run one system call, its registers restored after.
 * x86_64 only (FL_SUPPORTED, from ../../time/native/time-skew.h). See README.md ("faultline-fd-swap"). */
#ifndef FAULTLINE_REMOTE_SYSCALL_H
#define FAULTLINE_REMOTE_SYSCALL_H

#include "time-skew.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fl_remote {
  pid_t pid;           /* the process */
  pid_t tid;           /* the stopped (seized) thread that makes the calls */
  int mem_fd;          /* /proc/<pid>/mem, read-write */
  uint64_t syscall_at; /* address of a `syscall` instruction (0f 05) in the process's [vdso] */
  int *pending_signal; /* the thread's slot in fl_threads: a signal arriving during a call is kept there */
};

/* Opens /proc/<pid>/mem and finds a `syscall` instruction in the process's [vdso].
 * 0 ok; 1 the process is gone; -1 error (err). */
int fl_remote_open(struct fl_remote *r, pid_t pid, pid_t tid, int *pending_signal, char *err);
void fl_remote_close(struct fl_remote *r);

/* Runs syscall nr(a0..a5) in the thread: saves its registers, points rip at syscall_at with rax and
 * the arguments set (orig_rax -1), single-steps over the instruction, reads rax, restores the saved
 * registers, and brings the thread back to a ptrace interrupt stop (which also clears the trap flag,
 * so a helper killed afterwards leaves nothing that traps). A syscall the thread was stopped in
 * (interrupted: -ERESTARTSYS and the like in the saved rax) restarts as it would have when the thread
 * resumes. *result is the raw return (-errno on failure). The call is always finished, even past the
 * deadline. 0 ok (the call ran, whatever it returned); -1 it could not be made (err; the registers
 * are restored whenever the thread still exists). */
int fl_remote_syscall(struct fl_remote *r, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                      long *result, char *err);

/* Writes `len` bytes into the thread's stack below its red zone (16-aligned, under rsp - 128),
 * keeping what was there in `saved` (len <= FL_SCRATCH_MAX); *addr is where they went.
 * fl_scratch_restore puts the saved bytes back. 0 ok, -1 error (err). */
#define FL_SCRATCH_MAX 4352
int fl_scratch_write(struct fl_remote *r, const void *bytes, size_t len, uint64_t *addr, uint8_t *saved, char *err);
int fl_scratch_restore(struct fl_remote *r, uint64_t addr, const uint8_t *saved, size_t len, char *err);

#endif
