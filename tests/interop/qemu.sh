# SPDX-License-Identifier: GPL-2.0-only
# QEMU helpers for the interop tests (sourced after lib.sh): a Debian kernel
# and a busybox initramfs holding the virtio modules, built once into a
# cache from Debian's own packages (apt-get download), and a QEMU TCG guest
# whose memory is a shared memfd, so vhost-user back-ends can map it.
#
# The guest's init runs $T/guest.sh (put in the initramfs) and reports on
# the serial console with lines "GUEST: ...".

QEMU=${QEMU:-qemu-system-x86_64}
CACHE=${IOVIRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iovirt-interop}
QEMU_MODULES="virtio_pci virtio_blk virtio_net"

qemu_check() {
	command -v "$QEMU" >/dev/null || skip "qemu-system-x86_64 not installed"
	command -v busybox >/dev/null || skip "busybox not installed (apt-get install busybox-static)"
	command -v cpio >/dev/null || skip "cpio not installed"
	command -v depmod >/dev/null || skip "kmod (depmod) not installed"
}

# The kernel package linux-image-amd64 points at today: vmlinuz and modules in $CACHE/kernel.
qemu_kernel() {
	local pkg deb
	if [ -n "${IOVIRT_GUEST_KERNEL:-}" ] && [ -n "${IOVIRT_GUEST_MODULES:-}" ]; then
		KERNEL=$IOVIRT_GUEST_KERNEL
		MODROOT=$IOVIRT_GUEST_MODULES
		return 0
	fi
	KERNEL=$(ls "$CACHE"/kernel/boot/vmlinuz-* 2>/dev/null | head -1)
	if [ -z "$KERNEL" ]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
		[ -n "$pkg" ] || skip "no Debian kernel package known to apt (run apt-get update)"
		mkdir -p "$CACHE/debs"
		(cd "$CACHE/debs" && apt-get download "$pkg" > /dev/null 2>&1) ||
			skip "cannot download $pkg (no network to Debian's archive?)"
		deb=$(ls "$CACHE"/debs/"$pkg"_*.deb | head -1)
		rm -rf "$CACHE/kernel.tmp"
		dpkg-deb -x "$deb" "$CACHE/kernel.tmp" || fail "cannot unpack $deb"
		# Debian ships no modules.dep: make one (LAB-NOTES).
		depmod -b "$CACHE/kernel.tmp" "$(ls "$CACHE/kernel.tmp/lib/modules")" || fail "depmod"
		mv "$CACHE/kernel.tmp" "$CACHE/kernel"
		KERNEL=$(ls "$CACHE"/kernel/boot/vmlinuz-* | head -1)
	fi
	MODROOT=$CACHE/kernel
}

# Modules of $QEMU_MODULES and their dependencies, in load order (one path per line).
qemu_module_list() {
	local ver dep
	ver=$(ls "$MODROOT/lib/modules")
	dep="$MODROOT/lib/modules/$ver/modules.dep"
	for m in $QEMU_MODULES; do
		awk -v m="$m" '
			{ n = $1; sub(":", "", n); base = n; sub(".*/", "", base); sub("\\.ko.*", "", base)
			  gsub("-", "_", base) }
			base == m { for (i = NF; i >= 2; i--) print $i; print n; exit }' "$dep"
	done | awk '!seen[$0]++' | sed "s|^|$MODROOT/lib/modules/$ver/|"
}

# Build $T/initrd.cpio.gz: busybox, the modules (decompressed), init, and guest.sh.
qemu_initrd() {
	local guest=$1 root=$T/initrd m n=0
	rm -rf "$root"
	mkdir -p "$root"/bin "$root"/mod "$root"/proc "$root"/sys "$root"/dev "$root"/tmp
	cp "$(command -v busybox)" "$root/bin/busybox"
	for m in $(qemu_module_list); do
		n=$((n + 1))
		case "$m" in
		*.xz) xz -dc "$m" > "$root/mod/$(printf %02d $n).ko" ;;
		*.zst) zstd -qdc "$m" > "$root/mod/$(printf %02d $n).ko" ;;
		*) cp "$m" "$root/mod/$(printf %02d $n).ko" ;;
		esac
	done
	[ $n -ge 3 ] || fail "virtio modules not found under $MODROOT"
	cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in /mod/*.ko; do insmod $m 2>/dev/null; done
say() { echo "GUEST: $*"; }
. /guest.sh
sync
poweroff -f
EOF
	chmod +x "$root/init"
	cp "$guest" "$root/guest.sh"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$T/initrd.cpio.gz")
}

# qemu_boot NAME TIMEOUT ARGS...: a TCG guest with 512 MiB of shared memfd memory; log in $T/NAME.log.
qemu_boot() {
	local name=$1 tmo=$2
	shift 2
	timeout -s KILL "$tmo" "$QEMU" -accel tcg -cpu qemu64 -m 512 -smp 1 \
		-object memory-backend-memfd,id=mem,size=512M,share=on -machine pc,memory-backend=mem \
		-nodefaults -display none -no-reboot -serial stdio \
		-kernel "$KERNEL" -initrd "$T/initrd.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 tsc_early_khz=2000000" \
		"$@" < /dev/null > "$T/$name.log" 2>&1 &
	QEMU_PID=$!
	track $QEMU_PID
}
