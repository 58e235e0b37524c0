// Generated from `stress-ng --help` of stress-ng 0.15.06 (Debian bookworm, the daemon image's).
// stress-ng-allowlist.spec.ts reads the installed binary's help and fails, printing the new list,
// when this one differs: regenerate it from that output, then classify the new options.

/** Every long option stress-ng's `--help` lists, without the leading `--` (933 names). */
export const stressNgHelpOptions: readonly string[] = `
abort access access-ops af-alg af-alg-dump af-alg-ops affinity affinity-delay affinity-ops affinity-pin
affinity-rand affinity-sleep aggressive aio aio-ops aio-requests aiol aiol-ops aiol-requests alarm alarm-ops
all apparmor apparmor-ops atomic atomic-ops backoff bad-altstack bad-altstack-ops bad-ioctl bad-ioctl-ops
bigheap bigheap-growth bigheap-ops bind-mount bind-mount-ops binderfs binderfs-ops branch branch-ops brk
brk-mlock brk-notouch brk-ops bsearch bsearch-ops bsearch-size cache cache-cldemote cache-clflushopt
cache-enable-all cache-fence cache-flush cache-level cache-no-affinity cache-ops cache-prefetch cache-sfence
cache-ways cache-wb cacheline cacheline-affinity cacheline-method cacheline-ops cap cap-ops chattr chattr-ops
chdir chdir-dirs chdir-ops chmod chmod-ops chown chown-ops chroot chroot-ops class clock clock-ops clone
clone-max clone-ops close close-ops context context-ops copy-file copy-file-bytes copy-file-ops cpu cpu-load
cpu-load-slice cpu-method cpu-old-metrics cpu-online cpu-online-ops cpu-ops crypt crypt-ops cyclic cyclic-dist
cyclic-method cyclic-ops cyclic-policy cyclic-prio cyclic-samples cyclic-sleep daemon daemon-ops dccp
dccp-domain dccp-if dccp-ops dccp-opts dccp-port dekker dekker-ops dentries dentry dentry-ops dentry-order dev
dev-file dev-ops dev-shm dev-shm-ops dir dir-dirs dir-ops dirdeep dirdeep-bytes dirdeep-dirs dirdeep-files
dirdeep-inodes dirdeep-ops dirmany dirmany-filsize dirmany-ops dnotify dnotify-ops dry-run dup dup-ops dynlib
dynlib-ops efivar efivar-ops enosys enosys-ops env env-ops epoll epoll-domain epoll-ops epoll-port
epoll-sockets eventfd eventfd-ops eventfs-nonblock exclude exec exec-fork-method exec-max exec-method
exec-no-pthread exec-ops exit-group exit-group-ops fallocate fallocate-bytes fallocate-ops fanotify
fanotify-ops far-branch far-branch-ops fault fault-ops fcntl fcntl-ops fiemap fiemap-bytes fiemap-ops fifo
fifo-data-size fifo-ops fifo-readers file-ioctl file-ioctl-ops filename filename-ops filename-opts flock
flock-ops flushcache flushcache-ops fork fork-max fork-ops fork-vm forkheavy forkheavy-allocs forkheavy-ops
forkheavy-procs fp fp-error fp-error-ops fp-method fp-ops fpunch fpunch-ops fsize fsize-ops fstat fstat-dir
fstat-ops ftrace full full-ops funccall funccall-method funccall-ops funcret funcret-method funcret-ops futex
futex-ops get get-ops getdent getdent-ops getrandom getrandom-ops goto goto-direction goto-ops gpu gpu-devnode
gpu-frag gpu-ops gpu-tex-size gpu-upload gpu-xsize gpu-ysize handle handle-ops hash hash-method hash-ops hdd
hdd-bytes hdd-ops hdd-opts hdd-write-size heapsort heapsort-ops heapsort-size help hrtimers hrtimers-adjust
hrtimers-ops hsearch hsearch-ops hsearch-size icache icache-ops icmp-flood icmp-flood-ops idle-page
idle-page-ops ignite-cpu inode-flags inode-flags-ops inotify inotify-ops io io-ops io-uring io-uring-ops iomix
iomix-bytes iomix-ops ionice-class ionice-level ioport ioport-ops ioprio ioprio-ops ipsec-mb ipsec-mb-feature
ipsec-mb-jobs ipsec-mb-method ipsec-mb-ops itimer itimer-ops itimer-rand job jpeg jpeg-height jpeg-image
jpeg-ops jpeg-quality jpeg-width judy judy-ops judy-size kcmp kcmp-ops keep-files keep-name key key-ops kill
kill-ops klog klog-check klog-ops kvm kvm-ops l1cache l1cache-line-size l1cache-method l1cache-sets
l1cache-size l1cache-ways landlock landlock-ops lease lease-breakers lease-ops link link-ops link-sync list
list-method list-ops list-size llc-affinity llc-affinity-ops loadavg loadavg-max loadavg-ops locka locka-ops
lockbus lockbus-nosplit lockbus-ops lockf lockf-nonblock lockf-ops lockofd lockofd-ops log-brief log-file
longjmp longjmp-ops loop loop-ops lsearch lsearch-ops lsearch-size madvise madvise-ops malloc malloc-bytes
malloc-max malloc-ops malloc-pthreads malloc-thresh malloc-touch malloc-zerofree matrix matrix-3d
matrix-3d-method matrix-3d-ops matrix-3d-size matrix-3d-zyx matrix-method matrix-ops matrix-size matrix-yx
max-fd maximize mbind mcontend mcontend-ops membarrier membarrier-ops memcpy memcpy-method memcpy-ops memfd
memfd-bytes memfd-fds memfd-ops memhotplug memhotplug-ops memrate memrate-bytes memrate-flush memrate-ops
memrate-rd-mbs memrate-wr-mbs memthrash memthrash-method memthrash-ops mergesort mergesort-ops mergesort-size
metrics metrics-brief mincore mincore-ops mincore-random minimize misaligned misaligned-method misaligned-ops
mknod mknod-ops mlock mlock-ops mlockmany mlockmany-ops mlockmany-procs mmap mmap-async mmap-bytes mmap-file
mmap-mprotect mmap-odirect mmap-ops mmap-osync mmapaddr mmapaddr-ops mmapfixed mmapfixed-ops mmapfork
mmapfork-ops mmaphuge mmaphuge-mmaps mmaphuge-ops mmapmany mmapmany-ops mprotect mprotect-ops mq mq-ops
mq-size mremap mremap-bytes mremap-lock mremap-ops msg msg-bytes msg-ops msg-types msync msync-bytes msync-ops
msyncmany msyncmany-ops munmap munmap-ops mutex mutex-affinity mutex-ops mutex-procs nanosleep nanosleep-ops
nanosleep-threads netdev netdev-ops netlink-proc netlink-proc-ops netlink-task netlink-task-ops nice nice-ops
no-madvise no-rand-seed nop nop-instr nop-ops null null-ops numa numa-ops oom-avoid oom-pipe oom-pipe-ops
oomable opcode opcode-method opcode-ops open open-fd open-max open-ops page-in pagemove pagemove-bytes
pagemove-ops pageswap pageswap-ops parallel pathological pci pci-ops perf personality personality-ops peterson
peterson-ops physpage physpage-ops pidfd pidfd-ops ping-sock ping-sock-ops pipe pipe-data-size pipe-ops
pipe-size pipeherd pipeherd-ops pipeherd-yield pkey pkey-ops plugin plugin-method plugin-ops plugin-so poll
poll-fds poll-ops prefetch prefetch-l3-size prefetch-method prefetch-ops priv-instr priv-instr-ops procfs
procfs-ops pthread pthread-max pthread-ops ptrace ptrace-ops pty pty-max pty-ops qsort qsort-ops qsort-size
quiet quota quota-ops race-sched race-sched-method race-sched-ops radixsort radixsort-ops radixsort-size ramfs
ramfs-fill ramfs-ops ramfs-size randlist randlist-compact randlist-items randlist-ops randlist-size random
rawdev rawdev-method rawdev-ops rawpkt rawpkt-ops rawpkt-port rawsock rawsock-ops rawsock-port rawudp
rawudp-if rawudp-ops rawudp-port rdrand rdrand-ops rdrand-seed readahead readahead-bytes readahead-ops reboot
reboot-ops regs regs-ops remap remap-ops rename rename-ops resched resched-ops resources resources-ops revio
revio-ops ring-pipe ring-pipe-num ring-pipe-ops ring-pipe-size ring-pipe-splice rmap rmap-ops rotate
rotate-method rotate-ops rseq rseq-ops rtc rtc-ops sched sched-deadline sched-period sched-prio sched-reclaim
sched-runtime schedpolicy schedpolicy-ops sctp sctp-domain sctp-if sctp-ops sctp-port sctp-sched seal seal-ops
seccomp seccomp-ops secretmem secretmem-ops seed seek seek-ops seek-punch seek-size sem sem-ops sem-procs
sem-sysv sem-sysv-ops sem-sysv-procs sendfile sendfile-ops sendfile-size sequential session session-ops set
set-ops shellsort shellsort-ops shellsort-size shm shm-bytes shm-ops shm-segs shm-sysv shm-sysv-bytes
shm-sysv-ops shm-sysv-segs sigabrt sigabrt-ops sigchld sigchld-ops sigfd sigfd-ops sigfpe sigfpe-ops sigio
sigio-ops signal signal-ops signest signest-ops sigpending sigpending-ops sigpipe sigpipe-ops sigq sigq-ops
sigrt sigrt-ops sigsegv sigsegv-ops sigsuspend sigsuspend-ops sigtrap sigtrap-ops skip-silent skiplist
skiplist-ops skiplist-size sleep sleep-max sleep-ops smart smi smi-ops sn sock sock-domain sock-if
sock-nodelay sock-ops sock-opts sock-port sock-protocol sock-type sock-zerocopy sockabuse sockabuse-ops
sockabuse-port sockdiag sockdiag-ops sockfd sockfd-ops sockfd-port sockmany sockmany-if sockmany-ops
sockmany-port sockpair sockpair-ops softlockup softlockup-ops sparsematrix sparsematrix-items
sparsematrix-method sparsematrix-ops sparsematrix-size spawn spawn-ops splice splice-bytes splice-ops stack
stack-fill stack-mlock stack-ops stack-pageout stack-unmap stackmmap stackmmap-ops str str-method str-ops
stream stream-index stream-l3-size stream-madvise stream-ops stressors swap swap-ops switch switch-freq
switch-method switch-ops symlink symlink-ops symlink-sync sync-file sync-file-bytes sync-file-ops syncload
syncload-msbusy syncload-mssleep syncload-ops sysbadaddr sysbadaddr-ops syscall syscall-ops sysfs sysfs-ops
sysinfo sysinfo-ops sysinval sysinval-ops syslog taskset tee tee-ops temp-path thrash timeout timer timer-freq
timer-ops timer-rand timer-slack timerfd timerfd-fds timerfd-freq timerfd-ops timerfd-rand times timestamp
tlb-shootdown tlb-shootdown-ops tmpfs tmpfs-mmap-async tmpfs-mmap-file tmpfs-ops touch touch-method touch-ops
touch-opts tree tree-method tree-ops tree-size tsc tsc-lfence tsc-ops tsearch tsearch-ops tsearch-size tun
tun-ops tun-tap tz udp udp-domain udp-flood udp-flood-domain udp-flood-if udp-flood-ops udp-gro udp-if
udp-lite udp-ops udp-port umount umount-ops unshare unshare-ops uprobe uprobe-ops urandom urandom-ops
userfaultfd userfaultfd-ops usersyscall usersyscall-ops utime utime-fsync utime-ops vdso vdso-func vdso-ops
vecfp vecfp-ops vecmath vecmath-ops vecshuf vecshuf-method vecshuf-ops vecwide vecwide-ops verbose verifiable
verify verity verity-ops version vfork vfork-max vfork-ops vforkmany vforkmany-ops vforkmany-vm vm vm-addr
vm-addr-ops vm-bytes vm-hang vm-keep vm-locked vm-madvise vm-method vm-ops vm-populate vm-rw vm-rw-bytes
vm-rw-ops vm-segv vm-segv-ops vm-splice vm-splice-bytes vm-splice-ops wait wait-ops waitcpu waitcpu-ops
watchdog watchdog-ops wcs wcs-method wcs-ops x86cpuid x86cpuid-ops x86syscall x86syscall-func x86syscall-ops
xattr xattr-ops yaml yield yield-ops zero zero-ops zlib zlib-level zlib-mem-level zlib-method zlib-ops
zlib-strategy zlib-stream-bytes zlib-window-bits zombie zombie-max zombie-ops
`
  .split(/\s+/)
  .filter((name) => name !== "");

/** Options stress-ng takes but its help does not list (the daemon passes `--no-oom-adjust` itself). */
export const stressNgUnlistedOptions: readonly string[] = ["no-oom-adjust"];
