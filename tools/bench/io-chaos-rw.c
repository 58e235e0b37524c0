// io-chaos-rw: a sequential writer/reader for `npm run bench:io`, run inside a container (static, so
// busybox images need nothing). Times itself from open to close (a write includes its fsync), so
// starting the process and entering the container's namespaces are not counted.
//   io-chaos-rw write <file> <block bytes> <blocks>    io-chaos-rw read <file> <block bytes>
// Prints one line: <bytes> <nanoseconds>.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  int writing = argc == 5 && strcmp(argv[1], "write") == 0;
  if (!writing && !(argc == 4 && strcmp(argv[1], "read") == 0)) {
    fprintf(stderr, "usage: io-chaos-rw write <file> <block bytes> <blocks> | read <file> <block bytes>\n");
    return 2;
  }
  size_t bs = strtoul(argv[3], NULL, 10);
  long blocks = writing ? strtol(argv[4], NULL, 10) : 0;
  char *buf = malloc(bs);
  if (bs == 0 || buf == NULL) return 2;
  memset(buf, 0xa5, bs);
  long long bytes = 0, t0 = now_ns();
  int fd = writing ? open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : open(argv[2], O_RDONLY | O_CLOEXEC);
  if (fd < 0) { perror(argv[2]); return 1; }
  if (writing) {
    for (long i = 0; i < blocks; i++) {
      ssize_t n = write(fd, buf, bs);
      if (n != (ssize_t)bs) { perror("write"); return 1; }
      bytes += n;
    }
    if (fsync(fd) != 0) { perror("fsync"); return 1; }
  } else {
    for (;;) {
      ssize_t n = read(fd, buf, bs);
      if (n < 0) { perror("read"); return 1; }
      if (n == 0) break;
      bytes += n;
    }
  }
  if (close(fd) != 0) { perror("close"); return 1; }
  printf("%lld %lld\n", bytes, now_ns() - t0);
  return 0;
}
