/*
 * A test target: every 100 ms prints one JSON line with what each clock interface returns here:
 * clock_gettime(CLOCK_REALTIME) and (CLOCK_MONOTONIC), gettimeofday, time() (all through the
 * vDSO) and a raw syscall(SYS_clock_gettime, CLOCK_REALTIME) (never through the vDSO).
 * SIGUSR1 makes it fork a child (no exec) that prints the same lines with its own pid.
 * --cost adds "cost_ns": the average cost of one clock_gettime(CLOCK_REALTIME) call.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fork_requested;
static void on_usr1(int sig) {
  (void)sig;
  fork_requested = 1;
}

static double seconds(struct timespec t) { return (double)t.tv_sec + (double)t.tv_nsec / 1e9; }

static double cost_ns(void) {
  enum { CALLS = 200000 };
  struct timespec a, b, t;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
  for (int i = 0; i < CALLS; i++) clock_gettime(CLOCK_REALTIME, &t);
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
  return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / CALLS;
}

int main(int argc, char **argv) {
  int cost = argc > 1 && strcmp(argv[1], "--cost") == 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGUSR1, on_usr1);
  for (;;) {
    if (fork_requested) {
      fork_requested = 0;
      if (fork() == 0) signal(SIGUSR1, SIG_IGN); /* the child prints the same lines, its own pid */
    }
    struct timespec rt, mono, raw;
    struct timeval tv;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &raw);
    printf("{\"pid\":%d,\"realtime\":%.6f,\"monotonic\":%.6f,\"gettimeofday\":%.6f,\"time\":%lld,\"raw\":%.6f", getpid(),
           seconds(rt), seconds(mono), (double)tv.tv_sec + (double)tv.tv_usec / 1e6, (long long)t, seconds(raw));
    if (cost) printf(",\"cost_ns\":%.1f", cost_ns());
    printf("}\n");
    struct timespec nap = {0, 100000000};
    while (nanosleep(&nap, &nap) != 0) {
    }
  }
}
