#!/usr/bin/env bash
# The shipping build: release, static Swift stdlib, gRPC core and the C++ runtime linked statically through the
# generated response file, glibc left dynamic (≥ 2.34). Output: dist/kubevirt-velero-plugin. Why one static file:
# Sources/CGRPCShim/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export TMPDIR="${TMPDIR:-$root/.tmp}"
mkdir -p "$TMPDIR" dist
plugin-image/static-link.sh
# The response file is not a build input SwiftPM tracks: force the final link.
rm -f .build-dist/release/kubevirt-velero-plugin
GS_STATIC=1 GS_LINK_RSP="$root/plugin-image/.link/link.rsp" \
  swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path .build-dist \
    --product kubevirt-velero-plugin
cp .build-dist/release/kubevirt-velero-plugin dist/kubevirt-velero-plugin
strip dist/kubevirt-velero-plugin
chmod 0755 dist/kubevirt-velero-plugin
(cd dist && sha256sum kubevirt-velero-plugin > kubevirt-velero-plugin.sha256)
ls -l dist/kubevirt-velero-plugin
