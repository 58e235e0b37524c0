/*
 * A multi-threaded test target: N threads (argv[1], default 8) each call
 * clock_gettime(CLOCK_REALTIME) in a loop (tight, or every 1 ms with argv[2] = "idle") and keep
 * the last value read; every 100 ms the main thread prints one JSON line with each thread's last
 * value, its call count, and the true time (a raw syscall, never skewed).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 1000
static struct {
  _Alignas(64) long long last_ns;
  unsigned long calls;
} slot[MAX_THREADS];
static int idle;

static void *spin(void *arg) {
  long i = (long)arg;
  for (;;) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    __atomic_store_n(&slot[i].last_ns, (long long)t.tv_sec * 1000000000LL + t.tv_nsec, __ATOMIC_RELAXED);
    __atomic_add_fetch(&slot[i].calls, 1, __ATOMIC_RELAXED);
    if (idle) {
      struct timespec ms = {0, 1000000};
      nanosleep(&ms, NULL);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 8;
  if (n < 1 || n > MAX_THREADS) return 2;
  idle = argc > 2 && strcmp(argv[2], "idle") == 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (long i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, spin, (void *)i) != 0) return 1;
  }
  for (;;) {
    struct timespec nap = {0, 100000000}, raw;
    nanosleep(&nap, NULL);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &raw);
    printf("{\"pid\":%d,\"raw\":%.6f,\"threads\":[", getpid(), (double)raw.tv_sec + (double)raw.tv_nsec / 1e9);
    for (int i = 0; i < n; i++)
      printf("%s{\"last\":%.6f,\"calls\":%lu}", i ? "," : "", (double)__atomic_load_n(&slot[i].last_ns, __ATOMIC_RELAXED) / 1e9,
             __atomic_load_n(&slot[i].calls, __ATOMIC_RELAXED));
    printf("]}\n");
  }
}
