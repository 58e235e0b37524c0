#!/bin/bash
# tools/local-cluster/test/multinode.sh — `local-cluster up --nodes N` (issue 13's multi-node test
# ground), against the real cluster the env selects (FAULTLINE_CLUSTER_DIR, …, as the script reads).
#
#   sudo tools/local-cluster/test/multinode.sh [--nodes N]   (default 3; N >= 2)
#
# Checks: up exits 0, status shows every node Ready, up again is reused and another node count is
# refused; the nodes are <name>, <name>-2, … with distinct node IPs; a Deployment spread over every
# node (topologySpreadConstraints, maxSkew 1) runs one busybox httpd per node with pod IPs from that
# node's /24, in that node's own containerd; every pod fetches every other node's httpd by pod IP and
# through a ClusterIP Service; every pod reaches the apiserver through the kubernetes Service (its
# node's kube-proxy); kubectl logs/exec reach every kubelet; then `down` leaves nothing behind: no
# process, netns, veth, bridge, route, mount, cgroup, containerd or host iptables rule of ours.
# Prints one ok/FAIL line per check and "N passed, N failed"; exit 0 only when nothing failed.
# KEEP_CLUSTER=1 skips `down` (and its checks). The cluster must not be up with another node count.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LC=$HERE/local-cluster
N=3
[ "${1:-}" = --nodes ] && N=${2:?--nodes N}
[ "$N" -ge 2 ] || { echo "--nodes N needs N >= 2"; exit 2; }

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else ko "$what"; fi; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; exit; }
secs() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN{printf "%.1fs", a-b}'; }

eval "$("$LC" env)"
DIR=${FAULTLINE_CLUSTER_DIR:-$REPO/.cluster}
NODE=${FAULTLINE_NODE_NAME:-faultline-node}
BRIDGE=${FAULTLINE_NODES_BRIDGE:-flnodes0}
NODES_SUBNET=${FAULTLINE_NODES_SUBNET:-10.87.0.0/24}
POD16=$(cut -d. -f1-2 <<< "${FAULTLINE_CLUSTER_CNI_SUBNET:-10.89.0.0/16}")
CG_ROOT=${FAULTLINE_CGROUP_ROOT:-faultline}
NS=lc-multinode
K() { kubectl --request-timeout 20s "$@"; }
NAMES=("$NODE"); for i in $(seq 2 "$N"); do NAMES+=("$NODE-$i"); done
# host iptables rules naming our pod /16 or the nodes' subnet (there must be none, before or after)
host_rules() { { iptables-save; ip6tables-save; } 2>/dev/null | grep -cE "$POD16\.|${NODES_SUBNET%.*}\." || true; }
RULES_BEFORE=$(host_rules)

# ---------------------------------------------------------------- up
t0=$(date +%s.%N)
if "$LC" up --nodes "$N"; then ok "up --nodes $N ($(secs "$t0"))"; else ko "up --nodes $N exits 0"; finish; fi
eval "$("$LC" env)"
STATUS=$("$LC" status); rc=$?
check "status exits 0 and shows $N nodes Ready" bash -c "[ $rc = 0 ] && [ \$(grep -c '^node .*: Ready' <<< '$STATUS') = $N ]"
t1=$(date +%s.%N)
check "up --nodes $N again reuses the cluster" bash -c "'$LC' up --nodes $N | grep -q 'already up'"
check "up again without --nodes reuses it too ($(secs "$t1") for both)" bash -c "'$LC' up | grep -q 'already up (full, $N nodes)'"
check "up --nodes $((N + 1)) is refused while $N run" bash -c "! '$LC' up --nodes $((N + 1)) 2>/dev/null"

HAVE=$(K get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort | tr '\n' ' ')
check "the nodes are ${NAMES[*]} ($HAVE)" [ "$HAVE" = "$(printf '%s\n' "${NAMES[@]}" | sort | tr '\n' ' ')" ]
for n in "${NAMES[@]}"; do
  check "node $n is Ready and runs kubelet v1.34.4" bash -c "
    [ \"\$(kubectl get node $n -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].status}')\" = True ] &&
    [ \"\$(kubectl get node $n -o 'jsonpath={.status.nodeInfo.kubeletVersion}')\" = v1.34.4 ]"
done
IPS=$(K get nodes -o jsonpath='{range .items[*]}{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' | sort -u | grep -c .)
check "$N distinct node IPs" [ "$IPS" = "$N" ]

# ---------------------------------------------------------------- pods on every node
K delete namespace "$NS" --ignore-not-found --wait=true >/dev/null 2>&1
K create namespace "$NS" >/dev/null
K -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: $N
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      containers:
      - name: httpd
        image: docker.io/library/busybox:latest
        imagePullPolicy: Never
        env: [{name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]
        command: ["sh", "-c", "mkdir -p /www && echo \"web on \$NODE\" > /www/index.html && echo serving on \$NODE && exec httpd -f -p 8080 -h /www"]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
EOF
check "the Deployment rolls out $N replicas" K -n "$NS" rollout status deployment/web --timeout=120s
declare -A POD_OF IP_OF
while read -r pod node ip; do POD_OF[$node]=$pod; IP_OF[$node]=$ip; done < <(
  K -n "$NS" get pods -l app=web --field-selector=status.phase=Running \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{"\n"}{end}')
check "one pod on every node (${!POD_OF[*]})" [ "${#POD_OF[@]}" = "$N" ]
for i in $(seq "$N"); do
  n=${NAMES[$((i - 1))]}
  check "the pod on $n has an IP of $n's pod /24 $POD16.$i.0/24 (${IP_OF[$n]:-none})" bash -c "[[ '${IP_OF[$n]:-}' == $POD16.$i.* ]]"
  SOCK=$(awk -v n="$n" '$1=="node" && $2==n":" {for (i=1;i<NF;i++) if ($i=="containerd") print $(i+1)}' <<< "$STATUS" | tr -d ')')
  check "… and runs in $n's own containerd" bash -c "
    crictl --runtime-endpoint unix://$SOCK pods -q --namespace $NS --name '${POD_OF[$n]:-none}' | grep -q . &&
    for s in \$FAULTLINE_CLUSTER_CONTAINERD_SOCKETS; do [ \$s = $SOCK ] && continue
      crictl --runtime-endpoint unix://\$s pods -q --namespace $NS --name '${POD_OF[$n]:-none}' | grep -q . && exit 1; done; true"
done
# busybox wget's -T segfaults in Debian's busybox-static: timeout(1) bounds it instead
get() { K -n "$NS" exec "$1" -- timeout 10 wget -q -O- "$2" 2>/dev/null; }
for a in "${NAMES[@]}"; do
  for b in "${NAMES[@]}"; do
    [ "$a" = "$b" ] && continue
    check "the pod on $a fetches the httpd on $b (${IP_OF[$b]:-none})" bash -c "[ \"\$($(declare -f K get); NS=$NS; get '${POD_OF[$a]:-none}' http://${IP_OF[$b]:-none}:8080/)\" = 'web on $b' ]"
  done
done
SVC=$(K -n "$NS" get service web -o jsonpath='{.spec.clusterIP}')
for a in "${NAMES[@]}"; do
  check "the pod on $a reaches every node's httpd through the Service $SVC (kube-proxy on $a)" bash -c "
    $(declare -f K get); NS=$NS; seen=''
    for t in \$(seq 60); do seen=\$(printf '%s\n' \"\$seen\" \"\$(get '${POD_OF[$a]:-none}' http://$SVC/)\" | grep . | sort -u)
      [ \$(grep -c '^web on' <<< \"\$seen\") = $N ] && exit 0; done; echo \"seen: \$seen\" >&2; exit 1"
  check "the pod on $a reaches the apiserver through the kubernetes Service" bash -c "
    kubectl -n $NS exec '${POD_OF[$a]:-none}' -- sh -c 'timeout 10 wget -q -O- --no-check-certificate https://\$KUBERNETES_SERVICE_HOST:\$KUBERNETES_SERVICE_PORT/version' | grep -q '\"gitVersion\": \"v1.34.4\"'"
  check "kubectl logs and exec reach $a's kubelet" bash -c "
    kubectl -n $NS logs '${POD_OF[$a]:-none}' | grep -qx 'serving on $a' &&
    [ \"\$(kubectl -n $NS exec '${POD_OF[$a]:-none}' -- sh -c 'echo \$NODE')\" = $a ]"
done

if [ "${KEEP_CLUSTER:-0}" = 1 ]; then echo "# KEEP_CLUSTER=1: leaving the cluster up"; finish; fi

# ---------------------------------------------------------------- down leaves nothing behind
STARTED_PIDS=$(cat "$DIR"/pids/*.pid 2>/dev/null | tr '\n' ' ')
CPIDS=$(for s in $FAULTLINE_CLUSTER_CONTAINERD_SOCKETS; do
  for c in $(crictl --runtime-endpoint "unix://$s" ps -q); do crictl --runtime-endpoint "unix://$s" inspect -o json "$c" | jq -r '.info.pid'; done
done | tr '\n' ' ')
CTRD=$(for s in $FAULTLINE_CLUSTER_CONTAINERD_SOCKETS; do cat "$(dirname "$s")/containerd.pid"; done | tr '\n' ' ')
. "$HERE/test/processes.sh" # none_alive, gone_soon
t2=$(date +%s.%N)
check "down exits 0" "$LC" down
echo "# down took $(secs "$t2")"
# shellcheck disable=SC2086
check "every process up started is gone ($(echo $STARTED_PIDS | wc -w))" none_alive $STARTED_PIDS
# shellcheck disable=SC2086
check "every node's containerd is gone ($CTRD)" bash -c "[ -n '${CTRD// /}' ] && $(declare -f none_alive); none_alive $CTRD"
# shellcheck disable=SC2086
check "every pod's container process is gone ($(echo $CPIDS | wc -w))" bash -c "[ -n '${CPIDS// /}' ] && $(declare -f gone_soon); gone_soon $CPIDS"
check "status reports it down" bash -c "! '$LC' status >/dev/null"
check "no netns fl-$NODE* left" bash -c "! ip netns list | grep -qE '^fl-$NODE(-[0-9]+)?( |\$)'"
check "no bridge $BRIDGE nor veth $BRIDGE-* left" bash -c "! ip -o link show | grep -qE ': $BRIDGE(-[0-9]+)?[@:]'"
check "no route to the pod /24s or via the nodes' subnet left" bash -c "! ip route show | grep -qE '^$POD16\.|via ${NODES_SUBNET%.*}\.'"
check "no mounts left under $DIR" bash -c "! grep -q ' $DIR/' /proc/self/mountinfo"
check "no cgroups left under /sys/fs/cgroup/*/$CG_ROOT" bash -c "! ls -d /sys/fs/cgroup/*/$CG_ROOT 2>/dev/null | grep -q ."
check "no node state left ($DIR/nodes)" [ ! -e "$DIR/nodes" ]
check "no host iptables rule names our subnets ($RULES_BEFORE before, $(host_rules) after)" [ "$(host_rules)" = 0 ]
check "no container log link into $DIR left in /var/log/containers" bash -c "! find /var/log/containers -maxdepth 1 -lname '$DIR/*' 2>/dev/null | grep -q ."
finish
