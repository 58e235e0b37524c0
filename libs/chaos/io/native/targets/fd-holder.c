/*
 * Test target of faultline-fd-swap: holds descriptors and a working directory under --dir and, in
 * a loop, prints what each one reaches as one JSON line on stdout:
 *   reader  dir/read.txt  O_RDONLY at offset 4: fstat's dev/ino, its offset, what a 4-byte read()
 *           there returns (then it seeks back, so the offset stays 4)
 *   writer  dir/write.txt O_WRONLY|O_APPEND|O_CLOEXEC: fstat's dev/ino, what write("w") returns, the size after
 *   cwd     ".": stat's dev/ino and the first 4 bytes of ./cwd.txt
 *   extras  --extra n more files dir/extra-<i> O_RDONLY: each one's dev
 *
 *   fd-holder --dir <dir> [--extra <n>] [--threads <n>] [--block pipe|sleep] [--odd 1]
 *   --odd 1      also holds dir/fifo (a named pipe, O_RDWR) and dir/gone.txt, unlinked after opening
 *   --threads n  n-1 more threads, each looping on pread of the reader and a 1 ms sleep; their
 *                iteration counts are in each line ("counts")
 *   --block pipe   the (single) thread blocks in read(0) between lines; each line says what the
 *                  last read returned ("pipe": {"ret", "errno", "data"})
 *   --block sleep  the (single) thread sleeps 2 s in nanosleep between lines; each line says what
 *                  the last one returned and how long it took ("slept": {"ret", "errno", "ms"})
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
static int reader, writer, extras[1024], extra_count, thread_count = 1;
static atomic_long counts[MAX_THREADS];

static void *worker(void *arg) {
  long i = (long)arg;
  char buf[4];
  struct timespec ms = {0, 1000000};
  for (;;) {
    if (pread(reader, buf, sizeof buf, 0) < 0) abort();
    nanosleep(&ms, NULL);
    atomic_fetch_add(&counts[i], 1);
  }
  return NULL;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1000 + (double)t.tv_nsec / 1e6;
}

static void print_bytes(const char *buf, ssize_t n) {
  putchar('"');
  for (ssize_t i = 0; i < n; i++) putchar(buf[i] >= 0x20 && buf[i] < 0x7f && buf[i] != '"' && buf[i] != '\\' ? buf[i] : '?');
  putchar('"');
}

/* One line; `extra` is printed inside the object (starting with a comma) if not NULL. */
static void report(const char *extra) {
  struct stat st;
  char buf[4];
  printf("{\"pid\":%d", getpid());
  fstat(reader, &st);
  off_t off = lseek(reader, 0, SEEK_CUR);
  ssize_t n = read(reader, buf, sizeof buf);
  if (n > 0) lseek(reader, -n, SEEK_CUR);
  printf(",\"reader\":{\"fd\":%d,\"dev\":%lu,\"ino\":%lu,\"off\":%ld,\"read\":", reader, (unsigned long)st.st_dev, (unsigned long)st.st_ino, (long)off);
  print_bytes(buf, n > 0 ? n : 0);
  printf("}");
  fstat(writer, &st);
  ssize_t w = write(writer, "w", 1);
  struct stat after;
  fstat(writer, &after);
  printf(",\"writer\":{\"fd\":%d,\"dev\":%lu,\"ino\":%lu,\"wrote\":%ld,\"size\":%ld}", writer, (unsigned long)st.st_dev, (unsigned long)st.st_ino, (long)w, (long)after.st_size);
  stat(".", &st);
  int c = open("cwd.txt", O_RDONLY);
  n = c >= 0 ? read(c, buf, sizeof buf) : -1;
  if (c >= 0) close(c);
  printf(",\"cwd\":{\"dev\":%lu,\"ino\":%lu,\"read\":", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
  print_bytes(buf, n > 0 ? n : 0);
  printf("},\"extras\":[");
  for (int i = 0; i < extra_count; i++) {
    fstat(extras[i], &st);
    printf("%s%lu", i ? "," : "", (unsigned long)st.st_dev);
  }
  printf("],\"counts\":[");
  for (int i = 1; i < thread_count; i++) printf("%s%ld", i > 1 ? "," : "", atomic_load(&counts[i]));
  printf("]%s}\n", extra ? extra : "");
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *dir = NULL, *block = NULL;
  bool odd = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    else if (strcmp(argv[i], "--extra") == 0) extra_count = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--threads") == 0) thread_count = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--block") == 0) block = argv[i + 1];
    else if (strcmp(argv[i], "--odd") == 0) odd = strcmp(argv[i + 1], "1") == 0;
  }
  if (!dir || extra_count < 0 || extra_count > 1024 || thread_count < 1 || thread_count > MAX_THREADS) {
    fprintf(stderr, "usage: fd-holder --dir <dir> [--extra n] [--threads n] [--block pipe|sleep]\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/read.txt", dir);
  if ((reader = open(path, O_RDONLY)) < 0 || lseek(reader, 4, SEEK_SET) != 4) return perror(path), 1;
  snprintf(path, sizeof path, "%s/write.txt", dir);
  if ((writer = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) return perror(path), 1;
  for (int i = 0; i < extra_count; i++) {
    snprintf(path, sizeof path, "%s/extra-%d", dir, i);
    if ((extras[i] = open(path, O_RDONLY)) < 0) return perror(path), 1;
  }
  if (odd) {
    snprintf(path, sizeof path, "%s/fifo", dir);
    if (mkfifo(path, 0600) != 0 || open(path, O_RDWR) < 0) return perror(path), 1;
    snprintf(path, sizeof path, "%s/gone.txt", dir);
    if (open(path, O_RDWR | O_CREAT, 0600) < 0 || unlink(path) != 0) return perror(path), 1;
  }
  if (chdir(dir) != 0) return perror(dir), 1;
  for (long i = 1; i < thread_count; i++) {
    pthread_t t;
    pthread_create(&t, NULL, worker, (void *)i);
  }
  char extra[256];
  for (;;) {
    if (block && strcmp(block, "pipe") == 0) {
      report(",\"blocking\":\"read\"");
      char buf[64];
      ssize_t n = read(0, buf, sizeof buf);
      int e = errno;
      int len = snprintf(extra, sizeof extra, ",\"pipe\":{\"ret\":%ld,\"errno\":%d,\"data\":\"", (long)n, n < 0 ? e : 0);
      for (ssize_t i = 0; i < n && len < 200; i++) extra[len++] = buf[i] >= 0x20 && buf[i] < 0x7f && buf[i] != '"' && buf[i] != '\\' ? buf[i] : '?';
      snprintf(extra + len, sizeof extra - (size_t)len, "\"}");
      report(extra);
      if (n == 0) return 0;
    } else if (block && strcmp(block, "sleep") == 0) {
      report(",\"blocking\":\"sleep\"");
      struct timespec two = {2, 0};
      double t0 = now_ms();
      int r = nanosleep(&two, NULL);
      int e = errno;
      snprintf(extra, sizeof extra, ",\"slept\":{\"ret\":%d,\"errno\":%d,\"ms\":%.1f}", r, r ? e : 0, now_ms() - t0);
      report(extra);
    } else {
      report(NULL);
      struct timespec t = {0, 100000000};
      nanosleep(&t, NULL);
    }
  }
}
