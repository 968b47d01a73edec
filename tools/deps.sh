#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install what iovirt needs to build and test, from Debian 12's archive only.
# Idempotent: does nothing when every package is already there.
set -eu
PKGS="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev llvm
 liburing-dev acpica-tools qemu-system-x86 qemu-utils busybox-static cpio xz-utils zstd kmod
 fio iperf3 ethtool pciutils iproute2 e2fsprogs dpdk dpdk-dev user-mode-linux python3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "iovirt: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
