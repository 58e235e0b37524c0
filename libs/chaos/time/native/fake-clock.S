/*
 * The fake clock code that faultline-time-skew copies into a target's vDSO padding.
 *
 * The helper copies the bytes between fl_blob_start and fl_blob_end into the image: first the
 * per-clock table (zero here, filled by the helper), then the three entry points. Everything is
 * position independent and reaches the table RIP-relative, so the bytes work wherever the image
 * lands. The functions are leaves: no stack use beyond the return address (safe on any stack,
 * shadow-stack friendly, nothing for a signal handler to trip over).
 *
 * Each function makes the real system call (the vDSO fast path is what we replaced) and then adds
 * the table's offset for that clock. The table holds normalised values: 0 <= nsec < 1e9.
 */
#if defined(__x86_64__) && !defined(FL_FORCE_UNSUPPORTED)

#define NR_GETTIMEOFDAY 96
#define NR_CLOCK_GETTIME 228
#define FL_CLOCKS 16

	.section .rodata.fl_blob, "a"
	.balign 16
	.globl fl_blob_start, fl_blob_end, fl_fake_clock_gettime, fl_fake_gettimeofday, fl_fake_time
fl_blob_start:
/* table[clock] = { int64 sec; int64 nsec } for clock ids 0..15 */
fl_table:
	.zero FL_CLOCKS * 16

/* int clock_gettime(clockid_t clk (edi), struct timespec *ts (rsi)) */
fl_fake_clock_gettime:
	mov $NR_CLOCK_GETTIME, %eax
	syscall                         /* clobbers rcx, r11 */
	test %rax, %rax
	jnz 1f                          /* failed: return the error as the vDSO would */
	cmp $FL_CLOCKS, %edi
	jae 1f                          /* unsigned: negative (CPU-time) clocks and ids >= 16 untouched */
	mov %edi, %ecx
	shl $4, %rcx
	lea fl_table(%rip), %rdx
	add %rcx, %rdx
	mov (%rdx), %r8                 /* sec */
	mov 8(%rdx), %r9                /* nsec */
	mov %r8, %rcx
	or %r9, %rcx
	jz 1f                           /* this clock is not skewed */
	add %r8, (%rsi)
	mov 8(%rsi), %rcx
	add %r9, %rcx                   /* both in [0, 1e9): the sum is below 2e9 */
	cmp $1000000000, %rcx
	jl 2f
	sub $1000000000, %rcx
	incq (%rsi)
2:	mov %rcx, 8(%rsi)
	xor %eax, %eax
1:	ret

/* int gettimeofday(struct timeval *tv (rdi), struct timezone *tz (rsi)) */
fl_fake_gettimeofday:
	mov $NR_GETTIMEOFDAY, %eax
	syscall
	test %rax, %rax
	jnz 1f
	test %rdi, %rdi
	jz 1f
	mov fl_table(%rip), %r8         /* CLOCK_REALTIME's row */
	mov fl_table+8(%rip), %rax
	mov %r8, %rcx
	or %rax, %rcx
	jz 3f
	xor %edx, %edx
	mov $1000, %ecx
	div %rcx                        /* rax = usec of the offset, in [0, 1e6) */
	add %r8, (%rdi)
	mov 8(%rdi), %rcx
	add %rax, %rcx
	cmp $1000000, %rcx
	jl 2f
	sub $1000000, %rcx
	incq (%rdi)
2:	mov %rcx, 8(%rdi)
3:	xor %eax, %eax
1:	ret

/* time_t time(time_t *t (rdi)): the whole seconds of the skewed CLOCK_REALTIME, so that time()
 * agrees with clock_gettime (adding only the offset's seconds would be off by one half the time).
 * The timespec goes in the red zone below rsp, which a leaf function may use (SysV ABI). */
fl_fake_time:
	mov %rdi, %r8                   /* keep t */
	xor %edi, %edi                  /* CLOCK_REALTIME */
	lea -16(%rsp), %rsi
	mov $NR_CLOCK_GETTIME, %eax
	syscall
	test %rax, %rax
	jnz 1f                          /* cannot fail on our own buffer; return the error if it did */
	mov -16(%rsp), %rax
	mov -8(%rsp), %rcx
	add fl_table(%rip), %rax
	add fl_table+8(%rip), %rcx
	cmp $1000000000, %rcx
	jl 2f
	inc %rax
2:	test %r8, %r8
	jz 1f
	mov %rax, (%r8)
1:	ret
	.balign 16
fl_blob_end:

#endif
	/* no executable stack */
	.section .note.GNU-stack, "", %progbits
