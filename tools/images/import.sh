#!/bin/bash
# tools/images/import.sh [containerd-socket] [tarball...] — load the images built by
# tools/images/build.sh into a containerd, so pods with imagePullPolicy: Never run them.
#
#   socket:    the first argument if it is a socket, else $FAULTLINE_CONTAINERD_SOCKET, else the local
#              cluster's kubelet runtime ${FAULTLINE_CLUSTER_DIR:-<repo>/.cluster}/runtime/containerd.sock
#   tarballs:  default <repo>/.images/faultline-manager.oci.tar, faultline-daemon.oci.tar and
#              faultline-dashboard.oci.tar
#              (${FAULTLINE_IMAGES_OUT:-<repo>/.images})
#   namespace: $FAULTLINE_CONTAINERD_NAMESPACE, default k8s.io (the one the CRI plugin serves)
#
# An image already present under its name with the same manifest digest is not imported again.
# Prints "<ref> <digest>" per image on stdout. Needs access to the socket (root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${FAULTLINE_IMAGES_OUT:-$REPO/.images}
NS=${FAULTLINE_CONTAINERD_NAMESPACE:-k8s.io}
log() { echo "[images $(date +%T)] $*" >&2; }
fail() { echo "[images] error: $*" >&2; exit 1; }

SOCK=${FAULTLINE_CONTAINERD_SOCKET:-${FAULTLINE_CLUSTER_DIR:-$REPO/.cluster}/runtime/containerd.sock}
if [ $# -gt 0 ] && [ -S "$1" ]; then SOCK=$1; shift; fi
TARBALLS=("$@")
[ ${#TARBALLS[@]} -gt 0 ] || TARBALLS=("$OUT/faultline-manager.oci.tar" "$OUT/faultline-daemon.oci.tar" "$OUT/faultline-dashboard.oci.tar")

command -v ctr >/dev/null || fail "ctr (Debian package containerd) is not installed"
command -v jq >/dev/null || fail "jq is not installed"
[ -S "$SOCK" ] || fail "no containerd socket at $SOCK (start the local cluster: tools/local-cluster/local-cluster up, or pass a socket)"
CTR=(ctr --address "$SOCK" --namespace "$NS")
"${CTR[@]}" version >/dev/null 2>&1 || fail "containerd does not answer on $SOCK"

for t in "${TARBALLS[@]}"; do
  [ -f "$t" ] || fail "$t does not exist: build it with tools/images/build.sh"
  index=$(tar -xOf "$t" index.json) || fail "$t is not an OCI image-layout tarball (no index.json)"
  ref=$(jq -r '.manifests[0].annotations["io.containerd.image.name"] // empty' <<< "$index")
  digest=$(jq -r '.manifests[0].digest' <<< "$index")
  [ -n "$ref" ] || fail "$t names no image (annotation io.containerd.image.name)"
  present=$("${CTR[@]}" images ls "name==$ref" 2>/dev/null | awk 'NR==2{print $3}')
  if [ "$present" = "$digest" ]; then
    log "$ref present in $NS ($digest)"
  else
    T=$(date +%s)
    "${CTR[@]}" images import "$t" >/dev/null || fail "ctr images import $t failed"
    present=$("${CTR[@]}" images ls "name==$ref" 2>/dev/null | awk 'NR==2{print $3}')
    [ "$present" = "$digest" ] || fail "$ref: imported, but containerd lists digest '${present:-none}', expected $digest"
    log "$ref imported into $NS at $SOCK ($digest, $(($(date +%s) - T))s)"
  fi
  echo "$ref $digest"
done
