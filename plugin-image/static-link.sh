#!/usr/bin/env bash
# Writes plugin-image/.link/link.rsp: the linker arguments (swiftc syntax, one -Xlinker per argument) that link gRPC
# core (unsecure variant), its dependencies, protobuf-c and the C++ runtime statically, plus the glibc symbol
# wrappers of Sources/CGRPCShim/process/gs_glibc_compat.c. Generated from pkg-config and the installed archives, not
# hard-coded paths.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/.link"
mkdir -p "$out/static-first"

multiarch=$(gcc -print-multiarch)
libdir="/usr/lib/$multiarch"
[ -d "$libdir" ] || libdir=/usr/lib
archive() {  # archive NAME → path of libNAME.a
  local name=$1 path
  for dir in "$libdir" /usr/lib /usr/local/lib; do
    path="$dir/lib$name.a"
    [ -f "$path" ] && { echo "$path"; return; }
  done
  echo "missing static archive lib$name.a (install the -dev package)" >&2
  exit 1
}

# Every -l of gRPC's static link line, deduplicated in first-seen order; grpc → grpc_unsecure (no TLS on the plugin
# socket); OpenSSL and system libraries left out (glibc stays dynamic).
mapfile -t libs < <(pkg-config --static --libs grpc | tr ' ' '\n' | sed -n 's/^-l//p' | awk '!seen[$0]++' \
  | grep -v -x -E 'ssl|crypto|rt|m|pthread|dl|atomic|c')
libs=("${libs[@]/#grpc/grpc_unsecure}")
for i in "${!libs[@]}"; do [ "${libs[$i]}" = "grpc_unsecure_unsecure" ] && libs[$i]=grpc_unsecure; done
libs+=(protobuf-c)

# Libraries the Swift driver or autolinking ask for by -l name (the driver's -lstdc++; -lz from swift-nio-extras'
# zlib module) must resolve to archives too: a -L directory holding only those archives, searched first.
libstdcxx=$(gcc -print-file-name=libstdc++.a)
libgcc_eh=$(gcc -print-file-name=libgcc_eh.a)
rm -rf "$out/stdcxx"
ln -sf "$libstdcxx" "$out/static-first/libstdc++.a"
ln -sf "$(archive z)" "$out/static-first/libz.a"

{
  echo "-L$out/static-first"
  echo "-Xlinker"; echo "--start-group"
  for lib in "${libs[@]}"; do echo "-Xlinker"; archive "$lib"; done
  echo "-Xlinker"; echo "$libstdcxx"
  echo "-Xlinker"; echo "$libgcc_eh"
  echo "-Xlinker"; echo "--end-group"
  for symbol in _dl_find_object arc4random hypotf hypot; do echo "-Xlinker"; echo "--wrap=$symbol"; done
} > "$out/link.rsp"
echo "wrote $out/link.rsp (${#libs[@]} archives + libstdc++/libgcc_eh)"
