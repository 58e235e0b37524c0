#!/bin/sh
# faultline-iofs's numbers on this machine (root): the time from `serve` to its ready line (median of
# 10), and dd throughput through the mount with no action in force against the tmpfs directly.
# Runs in a throw-away mount namespace; usage: sh bench-iofs.sh [MiB, default 256]
set -eu
if [ "${IOFS_BENCH_INSIDE:-}" != 1 ]; then
  exec env IOFS_BENCH_INSIDE=1 unshare --mount --propagation private -- sh "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
make -s -C "$here" build/faultline-iofs 2>/dev/null
bin="$here/build/faultline-iofs"
mib=${1:-256}
dir=$(mktemp -d)
mkdir "$dir/data"
mount -t tmpfs tmpfs "$dir/data"
: > "$dir/config"
sleep 1000 & target=$!
ms() { date +%s%N; }

times=""
for i in 1 2 3 4 5 6 7 8 9 10; do
  t0=$(ms)
  line=$("$bin" serve --pid $target --volume "$dir/data" --config "$dir/config" --key 0123456789abcdef0123456789abcdef)
  t1=$(ms)
  times="$times $(( (t1 - t0) / 1000 ))"
  server=$(echo "$line" | sed 's/.*"pid":\([0-9]*\).*/\1/')
  kill -TERM "$server"
  while grep -q fuse.faultline-iofs /proc/self/mountinfo; do sleep 0.01; done
  while kill -0 "$server" 2>/dev/null; do sleep 0.01; done
done
echo "serve to ready line, us (10 runs):$times"
echo "median us: $(echo $times | tr ' ' '\n' | sort -n | sed -n 5,6p | paste -sd+ | sed 's/^/(/;s/$/)\/2/' | bc)"

rate() { # label, dd args...: MiB/s from dd's own line
  label=$1; shift
  out=$(dd "$@" 2>&1 | tail -1)
  echo "$label: $out"
}
run() { # where
  rate "  write $1" if=/dev/zero of="$2/f" bs=1M count="$mib" conv=fsync
  rate "  read  $1" if="$2/f" of=/dev/null bs=1M
  rate "  write 4k $1" if=/dev/zero of="$2/g" bs=4k count=$((mib * 64))
  rate "  read  4k $1" if="$2/g" of=/dev/null bs=4k
  rm -f "$2/f" "$2/g"
}
echo "tmpfs directly ($mib MiB):"
run tmpfs "$dir/data"
line=$("$bin" serve --pid $target --volume "$dir/data" --config "$dir/config" --key 0123456789abcdef0123456789abcdef)
server=$(echo "$line" | sed 's/.*"pid":\([0-9]*\).*/\1/')
echo "through faultline-iofs, no action ($mib MiB):"
run fuse "$dir/data"
kill -TERM "$server"
while kill -0 "$server" 2>/dev/null; do sleep 0.01; done
kill "$target"
umount "$dir/data"
rm -rf "$dir"
