# SPDX-License-Identifier: GPL-2.0-only
# User-mode Linux helpers for the interop tests (sourced after lib.sh). A
# guest boots Debian's linux.uml with the host's root directory as its
# read-only root (hostfs), so it runs the host's own fio, mkfs.ext4 and
# busybox without an image to build; its init is a script in $T; it talks
# to our back-ends through virtio_uml (the real Linux virtio drivers over
# vhost-user).

UML=${UML:-/usr/bin/linux.uml}

uml_check() {
	[ -x "$UML" ] || skip "user-mode Linux not installed (apt-get install user-mode-linux)"
	UML_VER=$("$UML" --version 2>/dev/null | awk '{print $NF; exit}')
	UML_MODS=/usr/lib/uml/modules/$UML_VER/kernel
	[ -f "$UML_MODS/drivers/block/virtio_blk.ko" ] ||
		skip "no UML virtio_blk module under /usr/lib/uml/modules/$UML_VER"
	command -v busybox >/dev/null || skip "busybox not installed (apt-get install busybox-static)"
}

# The start of every guest init: pseudo file systems and a writable /run.
uml_init_head() {
	cat <<EOF
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /run
cd /run
M=$UML_MODS
say() { echo "GUEST: \$*"; }
EOF
}

# uml_boot NAME INIT_SCRIPT TIMEOUT DEVICE... : boot a guest in the background, log in $T/NAME.log.
# Each DEVICE is SOCKET:VIRTIO_ID. Sets UML_PID.
uml_boot() {
	local name=$1 init=$2 tmo=$3 devs="" d
	shift 3
	for d in "$@"; do
		devs="$devs virtio_uml.device=$d"
	done
	chmod +x "$init"
	# shellcheck disable=SC2086
	TMPDIR=$T timeout -s KILL "$tmo" "$UML" mem=256M root=/dev/root rootfstype=hostfs \
		rootflags=/ ro init="$init" $devs con0=fd:0,fd:1 con=null ssl=null \
		umid="iovirt-$name-$$" < /dev/null > "$T/$name.log" 2>&1 &
	UML_PID=$!
	track $UML_PID
}
