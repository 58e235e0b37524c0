#!/bin/bash
# tools/local-cluster/test/acceptance.sh — issue 3's acceptance, against the real cluster.
#
#   sudo tools/local-cluster/test/acceptance.sh            full: up, Ready node, Deployment, logs, exec,
#                                                          delete pod, handle reuse, down cleans up
#   sudo tools/local-cluster/test/acceptance.sh --api-only only etcd + kube-apiserver (no kubelet)
#
# Prints "N passed, N failed"; exit status 0 only when nothing failed. Uses the same env as the
# script (FAULTLINE_CLUSTER_DIR, …). It ends with `down` (set KEEP_CLUSTER=1 to keep the cluster up).
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LC=$HERE/local-cluster
MODE=full
[ "${1:-}" = --api-only ] && MODE=api-only
NODE_BIN=${NODE_BIN:-$REPO/node_modules/.bin/node}
[ -x "$NODE_BIN" ] || NODE_BIN=node

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else ko "$what"; fi; }
finish() {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" = 0 ]; exit
}

eval "$("$LC" env)"
K() { kubectl "$@"; }
NS=lc-acceptance
UP_ARGS=(); [ "$MODE" = api-only ] && UP_ARGS=(--api-only)

# ---------------------------------------------------------------- up
t0=$(date +%s.%N)
if "$LC" up "${UP_ARGS[@]}"; then ok "up ${UP_ARGS[*]} ($(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN{printf "%.1fs", a-b}'))"
else ko "up ${UP_ARGS[*]} exits 0"; finish; fi
check "status exits 0" "$LC" status
check "kubectl reaches the apiserver" bash -c "kubectl get --raw /readyz >/dev/null"
check "the apiserver is v1.34.4" bash -c "kubectl version -o json | jq -e '.serverVersion.gitVersion == \"v1.34.4\"' >/dev/null"

# the programmatic handle reuses the running cluster
HANDLE_OUT=$(cd "$HERE" && "$NODE_BIN" --input-type=module -e "
  import { ensureCluster } from './handle.mjs';
  const t = Date.now();
  const h = await ensureCluster({ mode: '$MODE', progress: false });
  const again = await ensureCluster({ mode: '$MODE' });
  console.log(JSON.stringify({ ...h, same: again === h, ms: Date.now() - t }));
" 2>&1)
check "handle.ensureCluster reuses the cluster ($HANDLE_OUT)" \
  bash -c "jq -e --arg k \"\$KUBECONFIG\" '.started == false and .kubeconfigPath == \$k and (.server|startswith(\"https://127.0.0.1:\")) and .same' <<< '$HANDLE_OUT' >/dev/null"

K delete namespace "$NS" --ignore-not-found --wait=true >/dev/null 2>&1
check "create namespace" K create namespace "$NS"

if [ "$MODE" = api-only ]; then
  check "a pod object is accepted (no ServiceAccount controller in api-only mode)" \
    K -n "$NS" run api-only-pod --image=docker.io/library/busybox:latest --restart=Never -- sleep 1
  check "the pod stays Pending (no scheduler, no kubelet)" \
    bash -c "[ \"\$(kubectl -n $NS get pod api-only-pod -o jsonpath='{.status.phase}')\" = Pending ]"
  check "a ConfigMap round-trips" bash -c "kubectl -n $NS create configmap c --from-literal=k=v >/dev/null && [ \"\$(kubectl -n $NS get configmap c -o jsonpath='{.data.k}')\" = v ]"
else
  NODE=${FAULTLINE_NODE_NAME:-faultline-node}
  check "the node runs kubelet v1.34.4" \
    bash -c "[ \"\$(kubectl get node $NODE -o 'jsonpath={.status.nodeInfo.kubeletVersion}')\" = v1.34.4 ]"
  check "helm v3.19.5 reaches the cluster (helm list -A)" \
    bash -c "helm version --short | grep -q '^v3.19.5' && helm list -A >/dev/null"
  check "node $NODE is Ready" \
    bash -c "[ \"\$(kubectl get node $NODE -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"

  # ---------------------------------------------------------------- Deployment
  K -n "$NS" apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: busybox}
spec:
  replicas: 2
  selector: {matchLabels: {app: busybox}}
  template:
    metadata: {labels: {app: busybox}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: busybox
        image: docker.io/library/busybox:latest
        imagePullPolicy: Never
        command: ["sh", "-c", "echo hello-from-$(hostname); exec sleep 3600"]
EOF
  check "Deployment rolls out 2 replicas" K -n "$NS" rollout status deployment/busybox --timeout=180s
  pods_running() { K -n "$NS" get pods -l app=busybox --field-selector=status.phase=Running -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'; }
  mapfile -t PODS < <(pods_running)
  check "2 pods Running (${PODS[*]})" [ "${#PODS[@]}" = 2 ]
  IDS=$(K -n "$NS" get pods -l app=busybox -o jsonpath='{range .items[*]}{.status.containerStatuses[0].containerID}{"\n"}{end}')
  check "container ids are containerd:// ($(echo $IDS | cut -c1-40)…)" \
    bash -c "[ \$(grep -cE '^containerd://[0-9a-f]{64}$' <<< '$IDS') = 2 ]"
  IPS=$(K -n "$NS" get pods -l app=busybox -o jsonpath='{.items[*].status.podIP}')
  POD16=$(cut -d. -f1-2 <<< "${FAULTLINE_CLUSTER_CNI_SUBNET:-10.89.0.0/16}")
  check "pod IPs from the faultline CNI network ($IPS)" bash -c "for ip in $IPS; do case \$ip in $POD16.*) ;; *) exit 1 ;; esac; done; [ -n '$IPS' ]"

  P=${PODS[0]:-none}
  check "kubectl logs" bash -c "for i in \$(seq 20); do kubectl -n $NS logs $P 2>/dev/null | grep -qx 'hello-from-$P' && exit 0; sleep 0.5; done; exit 1"
  check "kubectl exec" bash -c "[ \"\$(kubectl -n $NS exec $P -- sh -c 'echo exec-\$((6*7))')\" = exec-42 ]"

  if [ "${FAULTLINE_KUBE_PROXY:-1}" = 1 ]; then
    # kube-proxy: a pod reaches the apiserver the in-cluster way, through the kubernetes Service
    check "a pod reaches the apiserver through the kubernetes Service (kube-proxy)" \
      bash -c "kubectl -n $NS exec $P -- sh -c 'wget -q -O- --no-check-certificate https://\$KUBERNETES_SERVICE_HOST:\$KUBERNETES_SERVICE_PORT/version' | grep -q '\"gitVersion\"'"
  fi
  check "kubectl delete pod $P" K -n "$NS" delete pod "$P" --wait=true --timeout=60s
  recreated() {
    local names; names=$(pods_running)
    [ "$(grep -c . <<< "$names")" = 2 ] && ! grep -qx "$P" <<< "$names"
  }
  check "the ReplicaSet recreates it: 2 Running pods, none named $P" \
    bash -c "$(declare -f K pods_running recreated); NS=$NS P=$P; for i in \$(seq 120); do recreated && exit 0; sleep 1; done; exit 1"

  # what `down` must remove: container processes, pod netns, mounts, cgroups
  eval "$("$LC" env)"
  CRI=(crictl --runtime-endpoint "unix://${FAULTLINE_CLUSTER_RUNTIME_DIR:-${FAULTLINE_CLUSTER_DIR:-$REPO/.cluster}/runtime}/containerd.sock")
  SANDBOXES=$("${CRI[@]}" pods -q --label "io.kubernetes.pod.namespace=$NS" | tr '\n' ' ')
  NETNS=$(for s in $SANDBOXES; do "${CRI[@]}" inspectp -o json "$s" | jq -r '.info.runtimeSpec.linux.namespaces[] | select(.type=="network") | .path'; done | tr '\n' ' ')
  CPIDS=$(for c in $("${CRI[@]}" ps -q --label "io.kubernetes.pod.namespace=$NS"); do "${CRI[@]}" inspect -o json "$c" | jq -r '.info.pid'; done | tr '\n' ' ')
  check "found the pods' sandboxes, netns and processes ($(echo $NETNS | wc -w) netns, $(echo $CPIDS | wc -w) pids)" \
    [ -n "${NETNS// /}" -a -n "${CPIDS// /}" ]
fi

if [ "${KEEP_CLUSTER:-0}" = 1 ]; then echo "# KEEP_CLUSTER=1: leaving the cluster up"; finish; fi

# ---------------------------------------------------------------- down
DIR=${FAULTLINE_CLUSTER_DIR:-$REPO/.cluster}
STARTED_PIDS=$(cat "$DIR"/pids/*.pid 2>/dev/null | tr '\n' ' ')
. "$HERE/test/processes.sh" # none_alive, gone_soon
none_exist() { local f; for f in "$@"; do [ -e "$f" ] && return 1; done; return 0; }
CG_ROOT=${FAULTLINE_CGROUP_ROOT:-faultline}
check "down exits 0" "$LC" down
# shellcheck disable=SC2086
check "every process up started is gone ($STARTED_PIDS)" none_alive $STARTED_PIDS
check "status reports it down" bash -c "! '$LC' status >/dev/null"
check "no mounts left under $DIR" bash -c "! grep -q ' $DIR/' /proc/self/mountinfo"
if [ "$MODE" = full ]; then
  # shellcheck disable=SC2086
  check "pod container processes are gone ($CPIDS)" gone_soon $CPIDS
  # shellcheck disable=SC2086
  check "pod netns are gone" none_exist $NETNS
  check "no cgroups left under /sys/fs/cgroup/*/$CG_ROOT" bash -c "! ls -d /sys/fs/cgroup/*/$CG_ROOT 2>/dev/null | grep -q ."
  if ! pgrep -x kubelet >/dev/null; then
    check "no KUBE-* iptables chains left (kubelet's and kube-proxy's)" \
      bash -c "! { iptables-save; ip6tables-save; } 2>/dev/null | grep -q KUBE-"
  fi
  RT=${FAULTLINE_CLUSTER_RUNTIME_DIR:-${FAULTLINE_CLUSTER_DIR:-$REPO/.cluster}/runtime}
  check "the cluster's own containerd is stopped and its state removed" \
    bash -c "! pgrep -f '[c]ontainerd --config $RT/config.toml' >/dev/null && [ ! -e '$RT/containerd.sock' ] && [ ! -d '$RT/root' ]"
  BR=${FAULTLINE_CLUSTER_CNI_BRIDGE:-flcluster0}
  check "the cluster's bridge $BR is gone" bash -c "! ip link show $BR >/dev/null 2>&1"
fi
finish
