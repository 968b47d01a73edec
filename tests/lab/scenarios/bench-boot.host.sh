# SPDX-License-Identifier: GPL-2.0-only
# Host side of bench/lab/boot (not a test): the same L3 kernel and initramfs
# booted by iovirt, by QEMU -M microvm and by QEMU -M q35 (all -enable-kvm,
# same vCPUs and memory, serial console), in an order that rotates from round
# to round, iovirt.bench_rounds= rounds. For each boot it takes the L2's
# uptime just before the VMM is executed and when each console line arrives,
# and the VMM's peak RSS (busybox time -v: the child's ru_maxrss, i.e. its
# VmHWM, which includes the guest RAM it has touched). Prints one RESULT line
# per boot:
#   RESULT bench-boot-WHO-rN-MACHINE PASS init_s=... ready_s=... rss_kb=...
#     kinit_s=... kready_s=... exit=...
# init_s/ready_s: exec of the VMM -> the guest's /init printing
# IOVIRT-GUEST-INIT (its first action) / IOVIRT-GUEST-READY (drivers loaded);
# kinit_s/kready_s: the same moments by the guest kernel's own clock. Then one
# profile boot per VMM (not measured) prints the guest's dmesg gaps as
# "BOOT-PROFILE WHO-MACHINE ..." lines.
. "$LAB_DIR/scenarios/virtio-common.host.inc"
rounds=$(vio_param iovirt.bench_rounds)
boot_tmo=$(vio_param iovirt.bench_boot_timeout)
qemu_bin=/lab/bin/qemu
[ -x "$qemu_bin" ] || qemu_bin=$(command -v qemu-system-x86_64)

# Busybox's time (1.35) prints ru_maxrss multiplied by the page size in KiB,
# a bug GNU time 1.7 had too: find the factor once, on a shell that reads its
# own VmHWM (a builtin read, no fork), and divide by it.
rss_div=$(time -f 'M %M' sh -c 'while read -r k v _; do
	[ "$k" = VmHWM: ] && echo "H $v"; done </proc/self/status' 2>&1 |
	awk '$1 == "H" { h = $2 } $1 == "M" { m = $2 }
	END { print (h > 0 && m >= 3 * h) ? 4 : 1 }')

# boot_one WHO MACHINE TAG [EXTRA GUEST PARAMETERS]: one boot, its console
# time-stamped (L2 uptime) in $LAB_LOG.
boot_one() {
	_who=$1 _m=$2 _tag=$3
	_cl="$LAB_CMDLINE iovirt.hosttime=$(date +%s) iovirt.bench_tag=$_tag $4"
	case "$_who" in
	iovirt)
		set -- "$LAB_VMM_BIN" run --kernel "$LAB_L3_KERNEL" --initrd "$LAB_INITRD" \
			--cmdline "$_cl" --cpus "$LAB_CPUS" --memory "$LAB_MEMORY" --no-reboot ;;
	qemu)
		set -- "$qemu_bin" -enable-kvm -cpu host -M "$_m" -m "$LAB_MEMORY" \
			-smp "$LAB_CPUS" -nodefaults -no-user-config -display none \
			-serial stdio -no-reboot -kernel "$LAB_L3_KERNEL" -initrd "$LAB_INITRD" \
			-append "$_cl" ;;
	esac
	: >"$LAB_LOG"
	echo "IOVIRT-VMM-START $_who-$_m $_tag t=$(lab_now)"
	# Only shell builtins between the clock reading and the exec, and in the
	# loop that stamps each line (a fork would compete with the guest).
	{
		read -r _t0 _ </proc/uptime
		echo "BOOT-T0 $_t0"
		exec time -v timeout -k 10 "${boot_tmo:-240}" "$@" </dev/null 2>&1
	} | while IFS= read -r _l; do
		read -r _t _ </proc/uptime
		echo "$_t $_l"
	done >>"$LAB_LOG"
	echo "IOVIRT-VMM-END $_tag t=$(lab_now)"
}

# boot_result WHO MACHINE ROUND: the RESULT line of the boot in $LAB_LOG.
boot_result() {
	_r=$(tr -d '\r' <"$LAB_LOG" | awk -v div="${rss_div:-1}" '
		$2 == "BOOT-T0" { t0 = $3 }
		/IOVIRT-GUEST-INIT/ && !init {
			init = $1 - t0
			for (i = 2; i <= NF; i++) if ($i ~ /^uptime=/) kinit = substr($i, 8)
		}
		/IOVIRT-GUEST-READY/ && !ready {
			ready = $1 - t0
			for (i = 2; i <= NF; i++) if ($i ~ /^uptime=/) kready = substr($i, 8)
		}
		/Maximum resident set size/ { rss = int($NF / div) }
		/Exit status:/ { st = $NF }
		/Command terminated by signal/ { st = "sig" $NF }
		END {
			if (!init || !ready || !rss)
				exit 1
			printf "init_s=%.2f ready_s=%.2f rss_kb=%d kinit_s=%s kready_s=%s exit=%s\n",
				init, ready, rss, kinit, kready, st
		}')
	if [ -n "$_r" ]; then
		result "bench-boot-$1-r$3-$2" PASS "$_r"
	else
		result "bench-boot-$1-r$3-$2" FAIL "no init/ready marker or no RSS;" \
			"last lines: $(tr -d '\r' <"$LAB_LOG" | tail -n 3 | cut -c1-80 | tr '\n' '|')"
	fi
}

set -- iovirt:boot qemu:microvm qemu:q35
r=1
while [ "$r" -le "${rounds:-6}" ]; do
	# Rotate the order: each VMM goes first, second and third in turn.
	case $((r % 3)) in
	1) order="$1 $2 $3" ;;
	2) order="$2 $3 $1" ;;
	0) order="$3 $1 $2" ;;
	esac
	for v in $order; do
		boot_one "${v%%:*}" "${v#*:}" "boot-${v%%:*}-${v#*:}-r$r"
		boot_result "${v%%:*}" "${v#*:}" "$r"
	done
	r=$((r + 1))
done
# Profile boots: where the guest kernel's time went, by its own dmesg.
for v in "$@"; do
	boot_one "${v%%:*}" "${v#*:}" "boot-${v%%:*}-${v#*:}-profile" iovirt.bench_dmesg=1
	tr -d '\r' <"$LAB_LOG" | sed -n "s/^[0-9.]* BOOT-GAP /BOOT-PROFILE ${v%%:*}-${v#*:} /p"
done
LAB_STATUS=0
