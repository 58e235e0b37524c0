#!/bin/bash
# tools/runtime/teardown.sh — undo setup.sh: remove every container of our containerd, stop it and
# its shims (by pid, matched on our socket), unmount and delete the state under
# $FAULTLINE_RUNTIME_DIR, delete the pod network namespaces, the bridge ($FAULTLINE_CNI_BRIDGE) and the
# container cgroups. Safe to run again, also when nothing is running. Packages stay installed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
D=${FAULTLINE_RUNTIME_DIR:-$REPO/.runtime}
SOCK=$D/containerd.sock
BRIDGE=${FAULTLINE_CNI_BRIDGE:-faultline0}
CTR=(ctr --address "$SOCK")
log() { echo "[runtime-teardown $(date +%T)] $*"; }
cmdline() { tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline"; }

# 1. every container of our containerd, in every containerd namespace
if [ -S "$SOCK" ] && timeout 5 "${CTR[@]}" version >/dev/null 2>&1; then
  for ns in $("${CTR[@]}" namespaces ls -q); do
    ids=$("${CTR[@]}" -n "$ns" containers ls -q)
    for id in $ids; do "${CTR[@]}" -n "$ns" task kill -s SIGKILL "$id" >/dev/null 2>&1; done
    for id in $ids; do
      for _ in $(seq 50); do
        st=$("${CTR[@]}" -n "$ns" task ls 2>/dev/null | awk -v id="$id" '$1==id{print $3}')
        { [ -z "$st" ] || [ "$st" = STOPPED ]; } && break
        sleep 0.1
      done
      "${CTR[@]}" -n "$ns" task rm -f "$id" >/dev/null 2>&1
      "${CTR[@]}" -n "$ns" containers rm "$id" >/dev/null 2>&1 && log "removed container $ns/$id"
    done
  done
fi

# 2. our containerd: pidfile, else an exact cmdline match
PIDS=""
if [ -f "$D/containerd.pid" ]; then
  p=$(cat "$D/containerd.pid")
  cmdline "$p" | grep -qF -- "--config $D/config.toml" && PIDS=$p
fi
for f in /proc/[0-9]*; do
  p=${f#/proc/}
  [ "$(cmdline "$p")" = "containerd --config $D/config.toml " ] && PIDS="$PIDS $p"
done
for p in $(echo "$PIDS" | tr ' ' '\n' | sort -u); do
  log "stopping containerd (pid $p)"; kill "$p" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && { log "containerd $p did not stop: SIGKILL"; kill -9 "$p"; }
done

# 3. shims still serving our socket: their container processes first, then the shim
for f in /proc/[0-9]*; do
  p=${f#/proc/}
  case "$(cmdline "$p")" in *containerd-shim*" -address $SOCK "*|*containerd-shim*" -address $SOCK") ;; *) continue ;; esac
  for child in $(awk -v pp="$p" '$4==pp{print $1}' /proc/[0-9]*/stat 2>/dev/null); do
    log "killing container process $child (child of shim $p)"; kill -9 "$child" 2>/dev/null
  done
  log "killing shim $p"; kill -9 "$p" 2>/dev/null
done

# 4. mounts under $D (deepest first): overlay rootfs, shm, pod netns bind mounts
awk -v d="$D/" 'index($5, d)==1 {print $5}' /proc/self/mountinfo | awk '{print length, $0}' | sort -rn | cut -d' ' -f2- |
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; log "unmounted $m"; done
if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE" && log "deleted bridge $BRIDGE"; fi

# 5. what killed shims leave behind, only when no other containerd runs on this machine
others=0
for f in /proc/[0-9]*; do
  [ "$(cat "$f/comm" 2>/dev/null)" = containerd ] || continue
  [ "$(awk '{print $3}' "$f/stat" 2>/dev/null)" = Z ] || others=1
done
if [ "$others" = 0 ]; then
  for st in /run/containerd/runc/*/*/state.json; do
    [ -f "$st" ] || continue
    dir=${st%/state.json}; id=${dir##*/}; root=${dir%/*}
    init=$(jq -r '.init_process_pid // 0' "$st" 2>/dev/null || echo 0)
    if [ "$init" = 0 ] || ! kill -0 "$init" 2>/dev/null; then
      runc --root "$root" delete --force "$id" >/dev/null 2>&1 || rm -rf "$dir"
      log "removed stale runc state $id"
    fi
  done
  rm -rf /run/containerd/fifo/* 2>/dev/null
  for s in /run/containerd/s/*; do
    [ -S "$s" ] || continue
    ss -xl 2>/dev/null | grep -qF "$s" || rm -f "$s"
  done
  for ns in k8s.io default; do
    for cg in /sys/fs/cgroup/*/"$ns" /sys/fs/cgroup/"$ns"; do
      [ -d "$cg" ] || continue
      find "$cg" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
      rmdir "$cg" 2>/dev/null
    done
  done
  rmdir /run/containerd/runc/k8s.io /run/containerd/runc/default /run/containerd/runc \
        /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
fi

# 6. state
rm -rf "$D"/{root,state,opt,logs,cni,images,build,podlogs} "$D/config.toml" "$D/containerd.pid" \
       "$SOCK" "$SOCK.ttrpc" "$D/containerd-debug.sock"
rmdir "$D" 2>/dev/null
log "done"
