#!/usr/bin/env bash
# Builds the go-plugin host (GOPATH mode against Debian's Go packages) and drives both plugin binaries with it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin="${1:-.build/debug}"
export GO111MODULE=off GOPATH="$root/.tmp/gopath:/usr/share/gocode" GOCACHE="$root/.tmp/go-cache" GOFLAGS=-mod=
mkdir -p "$root/.tmp/gopath"
command -v go >/dev/null || { echo "go not found: apt-get install golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev" >&2; exit 1; }
go build -o .tmp/go-plugin-host ./Tests/GoPluginHost
echo "== kit-test-plugin under hashicorp/go-plugin + grpc-go"
.tmp/go-plugin-host -plugin "$root/$bin/kit-test-plugin" -plugins 11 -echo test.velero.io/echo \
  -fail test.velero.io/fail -fail-prefix "VM cannot be safely backed up: test failure"
echo "== kubevirt-velero-plugin under hashicorp/go-plugin + grpc-go"
.tmp/go-plugin-host -plugin "$root/$bin/kubevirt-velero-plugin" -plugins 22 \
  -echo kubevirt-velero-plugin/backup-pvc-action \
  -echo-item '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"scratch","namespace":"ns"}}' \
  -fail kubevirt-velero-plugin/backup-virtualmachine-action -fail-item '[]' -fail-prefix "VMBackupItemAction: item is not a JSON object"
