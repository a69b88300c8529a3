#!/usr/bin/env bash
# The Containerfile cannot be built here (no container engine); this keeps it consistent with the Makefile: the
# builder stage must run `make dist` and must not carry its own copy of the build flags.
set -euo pipefail
file="$(dirname "$0")/Containerfile"
fail() { echo "check-containerfile: $*" >&2; exit 1; }
grep -q -E '^RUN make dist$' "$file" || fail "the builder stage must run 'make dist'"
if grep -v '^#' "$file" | grep -q -E 'swift build|static-swift-stdlib|GS_STATIC|link\.rsp'; then
  fail "build flags belong in the Makefile (plugin-image/build-dist.sh), not in the Containerfile"
fi
grep -q -E '^FROM .*swift:6\.3-bookworm AS builder$' "$file" || fail "the builder must be Swift 6.3 on Debian bookworm"
grep -q -F 'ENTRYPOINT ["/plugins/kubevirt-velero-plugin", "--copy-to", "/target"]' "$file" || fail "the entrypoint must copy the plugin into /target"
grep -q -E '^USER [0-9]+' "$file" || fail "the final stage must run as a non-root user"
# One list of Debian packages (tools/install-deps.sh), used by the builder, CI and the Makefile.
grep -q -E 'tools/install-deps\.sh build' "$file" || fail "the builder must install its packages with tools/install-deps.sh build"
grep -q -E '^tools/install-deps\.sh ci$' "$(dirname "$0")/../.ci/run" || fail ".ci/run must install its packages with tools/install-deps.sh ci"
for package in libgrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler; do
  grep -q -E "^build_packages=\(.*\b$package\b" "$(dirname "$0")/../tools/install-deps.sh" || fail "tools/install-deps.sh misses $package"
done
echo "check-containerfile: Containerfile builds with make dist"
