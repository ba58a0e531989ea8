#!/usr/bin/env bash
# Builds the container image from Containerfile (what `make image` runs):
# a static CGO_ENABLED=0 binary built here, outside the image, as
# GoReleaser's images are, since the image starts FROM scratch and needs no
# base image to pull. The build context is a fresh folder under _build/
# holding only what the Containerfile copies, removed afterwards.
#
# Usage: scripts/image.sh [image name, default mockdingtalk]
# Settings (environment): VERSION (default: git describe), the image's tag;
#   CONTAINER_ENGINE (default: scripts/container-engine picks podman or docker);
#   LICENSES, the SPDX expression for the licence label (default NOASSERTION:
#   the repository has no licence file yet).
# Tags NAME:VERSION and NAME:latest, and prints the image's size.
set -euo pipefail
cd "$(dirname "$0")/.."

name="${1:-mockdingtalk}"
version="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
engine="$(scripts/container-engine)" # word-split on purpose below: "podman --runtime runc"
certs="${CA_CERTIFICATES:-/etc/ssl/certs/ca-certificates.crt}"

[ -r "$certs" ] || { echo "image: no CA bundle at $certs (Debian: apt-get install -y ca-certificates; or set CA_CERTIFICATES)" >&2; exit 1; }

# A fresh context per build, so two builds from one checkout do not mix.
mkdir -p _build
ctx=$(mktemp -d _build/image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir "$ctx/data"
# -buildvcs=true: the machine's GOFLAGS may turn VCS stamping off, and
# `mockdingtalk version` reads the revision from it.
# mockdingtalk-conform beside it: `mockdingtalk conform` runs it.
CGO_ENABLED=0 go build -trimpath -buildvcs=true -ldflags='-s -w' -o "$ctx/" ./cmd/mockdingtalk ./cmd/mockdingtalk-conform
cp "$certs" "$ctx/ca-certificates.crt"
echo 'mockdingtalk:x:65532:65532:mockdingtalk:/data:/sbin/nologin' >"$ctx/passwd"
echo 'mockdingtalk:x:65532:' >"$ctx/group"

# --no-cache: the build is only COPY steps, and buildah 1.28 reuses a
# cached LABEL step even when the build args in it changed.
args=(build --no-cache --file Containerfile
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision"
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --build-arg "LICENSES=${LICENSES:-NOASSERTION}"
  --tag "$name:$version" --tag "$name:latest")
# podman writes OCI images by default, which have no HEALTHCHECK; and
# keeps an image per step unless told not to.
case "$engine" in podman*) args+=(--format docker --layers=false) ;; esac
echo "+ $engine ${args[*]} $ctx"
# shellcheck disable=SC2086
$engine "${args[@]}" "$ctx"
# shellcheck disable=SC2086
size=$($engine image inspect --format '{{.Size}}' "$name:$version")
echo "built $name:$version ($name:latest), $((size / 1024 / 1024)) MiB ($size bytes)"
