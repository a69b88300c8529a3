#!/usr/bin/env bash
# Verifies the shipped file against what Velero's container offers (glibc ≥ 2.34 and nothing else): DT_NEEDED ⊆
# {libc, libm, ld-linux}, no RPATH/RUNPATH, highest GLIBC_ version ≤ 2.34, no GLIBCXX/CXXABI/GCC needs; then runs it
# in a chroot holding only those three glibc files (+ /proc, a tmpfs /tmp) with a read-only root, as an arbitrary
# UID, and drives it like Velero with `velero-plugin-host check`, including one backup through a local HTTPS
# Kubernetes API whose CA reaches the plugin only through its kubeconfig (no trust store in the root). Needs root
# (chroot, mounts).
set -euo pipefail
binary=$(realpath "${1:-dist/kubevirt-velero-plugin}")
root_dir=$(cd "$(dirname "$0")/.." && pwd)
host="${VELERO_PLUGIN_HOST:-$root_dir/.build/debug/velero-plugin-host}"
uid="${VERIFY_UID:-1000770000:0}"
fail() { echo "verify: FAILED: $*" >&2; exit 1; }

echo "file:        $binary ($(stat -c %s "$binary") bytes, sha256 $(sha256sum "$binary" | cut -c1-16)…)"
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
echo "DT_NEEDED:   $needed"
for lib in $needed; do
  case "$lib" in libc.so.6|libm.so.6|ld-linux-x86-64.so.2) ;; *) fail "unexpected DT_NEEDED $lib";; esac
done
readelf -d "$binary" | grep -q -E 'RPATH|RUNPATH' && fail "RPATH/RUNPATH present"
versions=$(objdump -T "$binary" | grep -o -E 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' | sort -u -V)
highest=$(echo "$versions" | tail -1)
echo "max GLIBC:   $highest"
[ "$(printf '%s\nGLIBC_2.34\n' "$highest" | sort -V | tail -1)" = "GLIBC_2.34" ] || fail "needs $highest (> GLIBC_2.34)"
if objdump -T "$binary" | grep -q -E 'GLIBCXX|CXXABI|\(GCC_'; then fail "needs libstdc++/libgcc_s symbols"; fi
echo "no GLIBCXX/CXXABI/GCC symbol versions"

[ "$(id -u)" = 0 ] || fail "the chroot check needs root"
[ -x "$host" ] || fail "$host missing (run swift build first)"
chroot_dir=$(mktemp -d "${TMPDIR:-/tmp}/verify-root.XXXXXX")
cleanup() {
  umount "$chroot_dir/tmp" 2>/dev/null || true
  umount "$chroot_dir/proc" 2>/dev/null || true
  umount "$chroot_dir" 2>/dev/null || true
  rm -rf "$chroot_dir"
}
trap cleanup EXIT
multiarch=$(gcc -print-multiarch)
mkdir -p "$chroot_dir/lib/$multiarch" "$chroot_dir/lib64" "$chroot_dir/plugins" "$chroot_dir/proc" "$chroot_dir/tmp"
for lib in libc.so.6 libm.so.6; do cp -L "/lib/$multiarch/$lib" "$chroot_dir/lib/$multiarch/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$chroot_dir/lib64/"
install -m 0755 "$binary" "$chroot_dir/plugins/kubevirt-velero-plugin"
chmod 0755 "$chroot_dir" "$chroot_dir/lib" "$chroot_dir/lib/$multiarch" "$chroot_dir/lib64" "$chroot_dir/plugins"
mount --bind "$chroot_dir" "$chroot_dir"
mount -o remount,bind,ro "$chroot_dir"
mount -t proc proc "$chroot_dir/proc"
mount -t tmpfs -o mode=1777 tmpfs "$chroot_dir/tmp"
echo "chroot:      $(find "$chroot_dir" -path "$chroot_dir/proc" -prune -o -type f -print | sed "s|$chroot_dir||" | tr '\n' ' ')(read-only, /tmp tmpfs, user $uid)"

# Without the cookie: go-plugin's message on stderr, nothing on stdout, exit 1.
set +e
out=$(env -i /usr/sbin/chroot --userspec="$uid" "$chroot_dir" /plugins/kubevirt-velero-plugin 2>"$chroot_dir.stderr")
status=$?
set -e
err=$(cat "$chroot_dir.stderr"); rm -f "$chroot_dir.stderr"
[ $status -eq 1 ] || fail "without the cookie: exit $status, expected 1"
[ -z "$out" ] || fail "without the cookie: wrote to stdout"
echo "$err" | head -1 | grep -q "This binary is a plugin" || fail "without the cookie: unexpected stderr: $err"
echo "no cookie:   exit 1 with go-plugin's message"

# The image's entrypoint: copy the plugin into /target (here the tmpfs) as the same arbitrary UID.
/usr/sbin/chroot --userspec="$uid" "$chroot_dir" /plugins/kubevirt-velero-plugin --copy-to /tmp 2>/dev/null \
  || fail "--copy-to failed"
cmp -s "$binary" "$chroot_dir/tmp/kubevirt-velero-plugin" || fail "--copy-to produced a different file"
[ "$(stat -c %a "$chroot_dir/tmp/kubevirt-velero-plugin")" = 755 ] || fail "--copy-to: mode is not 0755"
rm -f "$chroot_dir/tmp/kubevirt-velero-plugin"
echo "copy mode:   --copy-to /tmp wrote an identical 0755 file"

"$host" check /plugins/kubevirt-velero-plugin --chroot "$chroot_dir" --userspec "$uid" --with-api
echo "verify: passed"
