/*
 * A test target that cannot be stopped in time: it vforks a child that sleeps argv[1] seconds
 * (default 2) before exiting,
 * and the parent waits for it in the kernel (a vfork parent cannot be ptrace-stopped until its
 * child exits or execs). After each round it prints one JSON line: its clock and the true time.
 * Used to show the helper's own deadline: it gives up, leaves the process as it was, and exits.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const long nap_s = argc > 1 ? strtol(argv[1], NULL, 10) : 2;
  for (;;) {
    struct timespec rt, raw;
    clock_gettime(CLOCK_REALTIME, &rt);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &raw);
    printf("{\"pid\":%d,\"realtime\":%.6f,\"raw\":%.6f}\n", getpid(), (double)rt.tv_sec + (double)rt.tv_nsec / 1e9,
           (double)raw.tv_sec + (double)raw.tv_nsec / 1e9);
    pid_t child = vfork();
    if (child == 0) {
      /* only async-signal-safe system calls here: the child shares the parent's memory */
      struct timespec nap = {nap_s > 0 ? nap_s : 2, 0};
      /* dies with the parent (a test's SIGKILL), not left holding the test's stdout pipe */
      syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
      syscall(SYS_nanosleep, &nap, NULL);
      _exit(0);
    }
    if (child > 0) waitpid(child, NULL, 0);
  }
}
