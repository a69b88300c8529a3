#!/usr/bin/env bash
# Installs the Debian packages a goal needs, and only those that are missing. The one place that names them:
# `make demo`/`make build` ask for `build`, `make test` for `test`, `.ci/run` for `ci`.
#
#   tools/install-deps.sh build|test|ci
#
# As root it runs apt-get (an `apt-get update` first, once, since a fresh machine has no package lists); as
# another user it prints the one command to run and exits 1. Detection asks dpkg-query, so a stand-in on PATH can
# hide installed packages (Tests/EndToEndTests/InstallDepsTests.swift does). Nothing outside the Debian registry is
# fetched and nothing under HOME is read or written.
set -euo pipefail

# The gRPC core and protobuf-c shim (Sources/CGRPCShim) and the regeneration check of its protoc-c output
# (libprotobuf-dev: the well-known .proto files, e.g. google/protobuf/any.proto, that proto/generate.sh reads).
build_packages=(libgrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev)
# Tests/GoPluginHost drives both plugins with the real hashicorp/go-plugin and grpc-go (Debian's Go, GOPATH mode).
test_packages=(golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev)

goal="${1:-}"
case "$goal" in
  build) wanted=("${build_packages[@]}") ;;
  test|ci) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 build|test|ci" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages for '$goal'. Run this once, then the make target again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
