#!/usr/bin/env bash
# Pins the Dockerfiles' base images by digest for a release: resolves each default tag (SDK_IMAGE, RUNTIME_IMAGE) to
# the digest of its multi-arch index now, and rewrites the default to NAME:TAG@sha256:DIGEST. Needs registry access
# (docker buildx imagetools). Run it, review the diff, commit; re-run to move to newer patched images.
#   deploy/docker/pin-base-images.sh            rewrite both Dockerfiles
#   deploy/docker/pin-base-images.sh --check    exit 1 while a default is not pinned (for a release pipeline)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
check=false
[ "${1:-}" = "--check" ] && check=true
status=0
for file in cloud.Dockerfile edge.Dockerfile; do
  while IFS= read -r line; do
    arg=${line#ARG }; name=${arg%%=*}; image=${arg#*=}
    if [[ $image == *@sha256:* ]]; then continue; fi
    if $check; then echo "$file: $name=$image is not pinned by digest" >&2; status=1; continue; fi
    digest=$(docker buildx imagetools inspect "$image" --format '{{json .Manifest}}' | sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p')
    [ -n "$digest" ] || { echo "could not resolve $image" >&2; exit 1; }
    sed -i "s|^ARG $name=$image\$|ARG $name=$image@$digest|" "$file"
    echo "$file: $name=$image@$digest"
  done < <(grep -E '^ARG (SDK|RUNTIME)_IMAGE=' "$file")
done
exit $status
