/* The frames between the daemon and faultline-spawn, on the helper's stdin (requests) and stdout
 * (answers). Every integer is a 32-bit little-endian word; every frame starts with the byte length
 * of what follows it. The TypeScript side is ../spawn-helper-protocol.ts: change both together. */
#ifndef FAULTLINE_SPAWN_PROTOCOL_H
#define FAULTLINE_SPAWN_PROTOCOL_H

#include <stdint.h>

/* request: len, type, id, then per type:
 *   RUN:    timeout_ms, max_output_bytes, argc, input_len (NO_INPUT: stdin is /dev/null),
 *           argc NUL-terminated strings, input_len bytes of stdin
 *   CANCEL: nothing more */
enum { REQ_RUN = 1, REQ_CANCEL = 2 };
#define NO_INPUT 0xffffffffu

/* answer: len, id, outcome, value, duration_us, stdout_len, stderr_len, stdout, stderr */
enum {
  OUT_EXITED = 0,        /* value: the exit status */
  OUT_SIGNALED = 1,      /* value: the signal that ended it */
  OUT_SPAWN_FAILED = 2,  /* value: errno of fork, pipe or exec */
  OUT_TIMEOUT = 3,       /* the process group was SIGKILLed at timeout_ms */
  OUT_CANCELLED = 4,     /* the process group was SIGKILLed on a CANCEL */
  OUT_OUTPUT_TOO_LARGE = 5, /* the process group was SIGKILLed past max_output_bytes */
};
#define ANSWER_HEADER_WORDS 7

/* the largest request frame accepted (stdin of ipset/iptables restores included) */
#define MAX_REQUEST_BYTES (64u << 20)
/* the most processes running at once (`serve --max-jobs N` lowers it); a RUN past it is answered
 * SPAWN_FAILED with EAGAIN, and the daemon starts that one itself */
#define MAX_JOBS 1024

#endif
