#!/bin/bash
# tools/runtime/setup.sh — start Faultline's private container runtime (idempotent).
#
#   1. installs containerd, runc, the CNI plugins, busybox-static, iptables, ipset, iproute2, stress-ng, jq, and gcc, make and libfuse3-dev for the C helpers and test targets (Debian)
#   2. starts containerd on a private socket ($FAULTLINE_RUNTIME_DIR/containerd.sock) with the CRI
#      plugin, the cgroupfs driver and a bridge CNI network "faultline" (bridge faultline0, 10.88.0.0/16)
#   3. builds, without any registry, and imports into containerd's k8s.io namespace:
#        docker.io/library/busybox:latest  (Debian's busybox-static with its applet links)
#        registry.k8s.io/pause:3.6         (the CRI sandbox image: a static C pause)
#
# Env: FAULTLINE_RUNTIME_DIR (default <repo>/.runtime); FAULTLINE_CNI_BRIDGE (default faultline0) and
# FAULTLINE_CNI_SUBNET (default 10.88.0.0/16), so that a second runtime (the local cluster's kubelet
# has its own) can run beside this one. Safe to run again: a running containerd
# with the same configuration is kept, and images already imported are not imported again.
# Needs root. tools/runtime/teardown.sh undoes all of it.
set -euo pipefail
umask 022
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
D=${FAULTLINE_RUNTIME_DIR:-$REPO/.runtime}
SOCK=$D/containerd.sock
BRIDGE=${FAULTLINE_CNI_BRIDGE:-faultline0}
SUBNET=${FAULTLINE_CNI_SUBNET:-10.88.0.0/16}
NS=k8s.io
BUSYBOX_REF=docker.io/library/busybox:latest
PAUSE_REF=registry.k8s.io/pause:3.6
CTR=(ctr --address "$SOCK")
T_START=$(date +%s.%N)
log() { echo "[runtime $(date +%T)] $*"; }
elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN{printf "%.1fs", a-b}'; }
fail() { echo "[runtime] error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (containerd, runc and nsenter need it)"

# ------------------------------------------------------------------ 1. packages
PKGS="containerd runc busybox-static containernetworking-plugins iptables ipset iproute2 jq util-linux procps stress-ng gcc libc6-dev make libfuse3-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  log "installing Debian packages:$missing"
  apt_install() {
    local target=()
    # these machines may list bookworm and trixie at equal priority: prefer bookworm's versions
    if apt-cache policy 2>/dev/null | grep -q 'n=bookworm,'; then target=(-t bookworm); fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${target[@]}" "$@"
  }
  # shellcheck disable=SC2086
  apt_install $missing >/dev/null || { apt-get update -q >/dev/null; apt_install $missing >/dev/null; } \
    || fail "apt-get install$missing failed"
fi
log "packages ok: containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}')"

# ------------------------------------------------------------------ 2. containerd
mkdir -p "$D"/{root,state,opt,logs,cni/net.d,cni/ipam,images,build,podlogs}
CNI_BIN=/usr/lib/cni
[ -x $CNI_BIN/bridge ] || CNI_BIN=/opt/cni/bin
[ -x $CNI_BIN/bridge ] || fail "CNI bridge plugin not found in /usr/lib/cni or /opt/cni/bin"
CONFIG=$(cat <<CFG
version = 2
root = "$D/root"
state = "$D/state"

[grpc]
  address = "$SOCK"

[ttrpc]
  address = ""

[debug]
  address = "$D/containerd-debug.sock"
  level = "info"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_REF"
    # These VMs deny root CAP_SYS_RESOURCE: runc cannot give the sandbox oom_score_adj=-998
    # ("can't get final child's PID from pipe: EOF"), so cap it at containerd's own value.
    restrict_oom_score_adj = true
    # pod netns bind mounts live under the state dir, where teardown finds them
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          # PID 1 is not systemd here: only the cgroupfs driver works
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "$CNI_BIN"
      conf_dir = "$D/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "$D/opt"
CFG
)
CHANGED=0
if [ ! -f "$D/config.toml" ] || [ "$(cat "$D/config.toml")" != "$CONFIG" ]; then
  printf '%s\n' "$CONFIG" > "$D/config.toml"; CHANGED=1
fi
cat > "$D/cni/net.d/10-faultline.conflist" <<CNI
{
  "cniVersion": "0.4.0",
  "name": "faultline",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{"subnet": "$SUBNET"}]],
                "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$D/cni/ipam" }
    },
    { "type": "portmap", "capabilities": {"portMappings": true} }
  ]
}
CNI

# the pid of the containerd running with our config: pidfile first, then an exact cmdline match
our_containerd() {
  local p f
  if [ -f "$D/containerd.pid" ]; then
    p=$(cat "$D/containerd.pid")
    if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "--config $D/config.toml"; then echo "$p"; return; fi
  fi
  for f in /proc/[0-9]*/cmdline; do
    if [ "$(tr '\0' ' ' 2>/dev/null < "$f")" = "containerd --config $D/config.toml " ]; then
      p=${f#/proc/}; echo "${p%/cmdline}"; return
    fi
  done
}

PID=$(our_containerd || true)
if [ -n "$PID" ] && [ "$CHANGED" = 1 ]; then
  log "configuration changed: restarting containerd (pid $PID)"
  kill "$PID"
  for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$PID" 2>/dev/null && kill -9 "$PID"
  PID=""
fi
if [ -n "$PID" ] && "${CTR[@]}" version >/dev/null 2>&1; then
  log "containerd already running (pid $PID)"
else
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; sleep 1; }
  rm -f "$SOCK" "$SOCK.ttrpc"
  T=$(date +%s.%N)
  # setsid: its own session, so it outlives the shell that started it
  setsid containerd --config "$D/config.toml" >> "$D/logs/containerd.log" 2>&1 < /dev/null &
  for _ in $(seq 150); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
  "${CTR[@]}" version >/dev/null 2>&1 || { tail -20 "$D/logs/containerd.log" >&2; fail "containerd did not start (log: $D/logs/containerd.log)"; }
  PID=$(our_containerd)
  log "containerd started (pid $PID) in $(elapsed "$T")"
fi
echo "$PID" > "$D/containerd.pid"
CRI_STATUS=$("${CTR[@]}" plugins ls | awk '$1=="io.containerd.grpc.v1" && $2=="cri"{print $4}')
[ "$CRI_STATUS" = ok ] || fail "containerd's CRI plugin is '$CRI_STATUS' (log: $D/logs/containerd.log)"

# ------------------------------------------------------------------ 3. images
T=$(date +%s.%N)
B=$D/build
# an image is rebuilt only when its tarball is missing or older than what it is made from
fresh() { # tarball inputs...
  local out=$1 f; shift
  [ -s "$out" ] || return 1
  for f in "$@"; do [ "$f" -nt "$out" ] && return 1; done
  return 0
}
manifest_digest() { tar -xOf "$1" index.json | jq -r '.manifests[0].digest'; }

if fresh "$D/images/busybox.oci.tar" /bin/busybox "$HERE/mkimage.sh" "$0"; then
  BUSYBOX_DIGEST=$(manifest_digest "$D/images/busybox.oci.tar")
else
  R=$B/rootfs-busybox
  rm -rf "$R"; mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,var/run}
  cp /bin/busybox "$R/bin/busybox"
  for a in $(/bin/busybox --list-full); do
    [ "$a" = bin/busybox ] && continue
    mkdir -p "$R/$(dirname "$a")"; ln -sf /bin/busybox "$R/$a"
  done
  chmod 1777 "$R/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$R/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
  BUSYBOX_DIGEST=$("$HERE/mkimage.sh" "$BUSYBOX_REF" "$R" 'null' '["sh"]' "$D/images/busybox.oci.tar")
fi

if fresh "$D/images/pause.oci.tar" "$HERE/pause.c" "$HERE/mkimage.sh" "$0"; then
  PAUSE_DIGEST=$(manifest_digest "$D/images/pause.oci.tar")
else
  P=$B/rootfs-pause
  rm -rf "$P"; mkdir -p "$P"
  gcc -static -Os -s -o "$P/pause" "$HERE/pause.c" || fail "could not build the pause binary (gcc -static)"
  PAUSE_DIGEST=$("$HERE/mkimage.sh" "$PAUSE_REF" "$P" '["/pause"]' 'null' "$D/images/pause.oci.tar")
fi

import_image() { # ref digest tarball
  if "${CTR[@]}" -n $NS images ls "name==$1" 2>/dev/null | awk 'NR==2{print $3}' | grep -qx "$2"; then
    log "image $1 present ($2)"
  else
    "${CTR[@]}" -n $NS images import "$3" >/dev/null
    log "image $1 imported ($2)"
  fi
}
import_image "$BUSYBOX_REF" "$BUSYBOX_DIGEST" "$D/images/busybox.oci.tar"
import_image "$PAUSE_REF" "$PAUSE_DIGEST" "$D/images/pause.oci.tar"
log "images ok in $(elapsed "$T")"
log "ready in $(elapsed "$T_START"): socket $SOCK, namespace $NS"
