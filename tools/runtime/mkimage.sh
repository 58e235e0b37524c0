#!/bin/bash
# mkimage.sh <image-ref> <rootfs-dir> <entrypoint-json> <cmd-json> <out.tar>
# Builds a deterministic single-layer OCI image-layout tarball from a root filesystem directory,
# without any registry or container engine. Prints the manifest digest.
# Optional config settings, by environment (unset: the config is exactly as before they existed):
#   MKIMAGE_USER="65532:65532"  MKIMAGE_WORKDIR=/app  MKIMAGE_ENV='["K=V"]' (appended to PATH)
#   MKIMAGE_LABELS='{"org.opencontainers.image.version":"0.1.0"}'
set -euo pipefail
REF=$1 ROOTFS=$2 ENTRY=$3 CMD=$4 OUT=$5
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/blobs/sha256"
TARF=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
tar "${TARF[@]}" -C "$ROOTFS" -cf "$W/layer.tar" .
DIFFID=$(sha256sum "$W/layer.tar" | cut -d' ' -f1)
gzip -n -6 "$W/layer.tar"
blob() { # file -> moves it into blobs/ and prints "digest size"
  local d s
  d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1")
  mv "$1" "$W/blobs/sha256/$d"; echo "$d $s"
}
read -r LDIG LSIZE < <(blob "$W/layer.tar.gz")
jq -cn --arg d "sha256:$DIFFID" --argjson e "$ENTRY" --argjson c "$CMD" '{
  architecture:"amd64", os:"linux", created:"1970-01-01T00:00:00Z",
  config:{Env:["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Entrypoint:$e, Cmd:$c, WorkingDir:"/"},
  rootfs:{type:"layers", diff_ids:[$d]},
  history:[{created:"1970-01-01T00:00:00Z", created_by:"faultline tools/runtime/mkimage.sh"}]}' \
  | jq -c --arg user "${MKIMAGE_USER:-}" --arg wd "${MKIMAGE_WORKDIR:-/}" --argjson env "${MKIMAGE_ENV:-[]}" \
      --argjson labels "${MKIMAGE_LABELS:-null}" '
    .config.WorkingDir = $wd | .config.Env += $env
    | if $user != "" then .config.User = $user else . end
    | if $labels != null then .config.Labels = $labels else . end' > "$W/config.json"
read -r CDIG CSIZE < <(blob "$W/config.json")
jq -cn --arg cd "sha256:$CDIG" --argjson cs "$CSIZE" --arg ld "sha256:$LDIG" --argjson ls "$LSIZE" '{
  schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
  config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$cd, size:$cs},
  layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip", digest:$ld, size:$ls}]}' > "$W/manifest.json"
read -r MDIG MSIZE < <(blob "$W/manifest.json")
jq -cn --arg md "sha256:$MDIG" --argjson ms "$MSIZE" --arg ref "$REF" --arg tag "${REF##*:}" '{
  schemaVersion:2, mediaType:"application/vnd.oci.image.index.v1+json",
  manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json", digest:$md, size:$ms,
    platform:{architecture:"amd64", os:"linux"},
    annotations:{"io.containerd.image.name":$ref, "org.opencontainers.image.ref.name":$tag}}]}' > "$W/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$W/oci-layout"
tar "${TARF[@]}" -C "$W" -cf "$OUT" oci-layout index.json blobs
echo "sha256:$MDIG"
