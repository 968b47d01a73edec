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
#     kinit_s=... kready_s=... exit=... ready_rss_kb=... guest_kb=... own_kb=...
# init_s/ready_s: exec of the VMM -> the guest's /init printing
# IOVIRT-GUEST-INIT (its first action) / IOVIRT-GUEST-READY (drivers loaded);
# kinit_s/kready_s: the same moments by the guest kernel's own clock;
# ready_rss_kb: the VMM's RSS when the guest is ready, guest_kb the part of
# it that is guest RAM, own_kb the rest (the VMM's own memory). Then one
# profile boot per VMM (not measured) prints the guest's dmesg gaps as
# "BOOT-PROFILE WHO-MACHINE ..." lines.
. "$LAB_DIR/scenarios/virtio-common.host.inc"
rounds=$(vio_param iovirt.bench_rounds)
boot_tmo=$(vio_param iovirt.bench_boot_timeout)
# The kernel: the bzImage, or with iovirt.bench_kernel=vmlinux (the
# bench-boot-vmlinux scenario) the same kernel as an ELF vmlinux, which QEMU
# boots through its PVH entry.
kernel=$LAB_L3_KERNEL
[ "$(vio_param iovirt.bench_kernel)" = vmlinux ] && kernel=${LAB_L3_KERNEL%/*}/vmlinux
qemu_bin=/lab/bin/qemu
[ -x "$qemu_bin" ] || qemu_bin=$(command -v qemu-system-x86_64)

# Busybox's time (1.35) prints ru_maxrss multiplied by the page size in KiB,
# a bug GNU time 1.7 had too: find the factor once, on a shell that reads its
# own VmHWM (a builtin read, no fork), and divide by it.
rss_div=$(time -f 'M %M' sh -c 'while read -r k v _; do
	[ "$k" = VmHWM: ] && echo "H $v"; done </proc/self/status' 2>&1 |
	awk '$1 == "H" { h = $2 } $1 == "M" { m = $2 }
	END { print (h > 0 && m >= 3 * h) ? 4 : 1 }')

# The guest's RAM in KiB: the VMM's mapping of at least that size is its RAM.
case $LAB_MEMORY in
*G) mem_kb=$((${LAB_MEMORY%G} * 1048576)) ;;
*M) mem_kb=$((${LAB_MEMORY%M} * 1024)) ;;
*) mem_kb=$((LAB_MEMORY / 1024)) ;;
esac

# boot_mem BINARY TAG: "BOOT-MEM rss_kb=R guest_kb=G" for the VMM whose
# command line holds TAG: its RSS now and how much of it is the guest's RAM
# (the resident part of its guest RAM mapping, from smaps); R - G is the
# VMM's own memory.
boot_mem() {
	for _p in $(pidof "$1"); do
		tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null | grep -q -F -- "bench_tag=$2 " ||
			continue
		awk -v want="$mem_kb" '
			FILENAME ~ /status$/ && $1 == "VmRSS:" { rss = $2 }
			FILENAME ~ /smaps$/ && $1 == "Size:" { size = $2 }
			FILENAME ~ /smaps$/ && $1 == "Rss:" && size >= want { g += $2 }
			END { printf "BOOT-MEM rss_kb=%d guest_kb=%d\n", rss, g }' \
			"/proc/$_p/status" "/proc/$_p/smaps"
	done
}

# boot_one WHO MACHINE TAG [EXTRA GUEST PARAMETERS]: one boot, its console
# time-stamped (L2 uptime) in $LAB_LOG.
boot_one() {
	_who=$1 _m=$2 _tag=$3
	_cl="$LAB_CMDLINE iovirt.hosttime=$(date +%s) iovirt.bench_tag=$_tag $4"
	case "$_who" in
	iovirt)
		set -- "$LAB_VMM_BIN" run --kernel "$kernel" --initrd "$LAB_INITRD" \
			--cmdline "$_cl" --cpus "$LAB_CPUS" --memory "$LAB_MEMORY" --no-reboot ;;
	qemu)
		set -- "$qemu_bin" -enable-kvm -cpu host -M "$_m" -m "$LAB_MEMORY" \
			-smp "$LAB_CPUS" -nodefaults -no-user-config -display none \
			-serial stdio -no-reboot -kernel "$kernel" -initrd "$LAB_INITRD" \
			-append "$_cl" ;;
	esac
	: >"$LAB_LOG"
	_bin=${1##*/} _mem=""
	echo "IOVIRT-VMM-START $_who-$_m $_tag t=$(lab_now)"
	# Only shell builtins between the clock reading and the exec, and in the
	# loop that stamps each line (a fork would compete with the guest) until
	# the guest is ready; then the VMM's memory is sampled once.
	{
		read -r _t0 _ </proc/uptime
		echo "BOOT-T0 $_t0"
		exec time -v timeout -k 10 "${boot_tmo:-240}" "$@" </dev/null 2>&1
	} | while IFS= read -r _l; do
		read -r _t _ </proc/uptime
		echo "$_t $_l"
		case "$_l" in
		*IOVIRT-GUEST-READY*)
			[ -z "$_mem" ] && _mem=$(boot_mem "$_bin" "$_tag") && echo "$_t $_mem" ;;
		esac
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
		$2 == "BOOT-MEM" {
			for (i = 3; i <= NF; i++) {
				split($i, kv, "=")
				mem[kv[1]] = kv[2]
			}
		}
		/Exit status:/ { st = $NF }
		/Command terminated by signal/ { st = "sig" $NF }
		END {
			if (!init || !ready || !rss)
				exit 1
			printf "init_s=%.2f ready_s=%.2f rss_kb=%d kinit_s=%s kready_s=%s exit=%s",
				init, ready, rss, kinit, kready, st
			if (mem["rss_kb"] && mem["guest_kb"])
				printf " ready_rss_kb=%d guest_kb=%d own_kb=%d", mem["rss_kb"],
					mem["guest_kb"], mem["rss_kb"] - mem["guest_kb"]
			printf "\n"
		}')
	if [ -n "$_r" ]; then
		result "bench-boot-$1-r$3-$2" PASS "$_r"
	else
		result "bench-boot-$1-r$3-$2" FAIL "no init/ready marker or no RSS;" \
			"last lines: $(tr -d '\r' <"$LAB_LOG" | tail -n 3 | cut -c1-80 | tr '\n' '|')"
	fi
}

# iovirt:boot4k is iovirt with the host's huge pages for shared memory turned
# off for that boot (Debian's default; the lab's L2 turns them on, see
# l2/init): what the guest RAM's page size costs.
thp=/sys/kernel/mm/transparent_hugepage/shmem_enabled
thp_was=$(sed -n 's/.*\[\(.*\)\].*/\1/p' $thp 2>/dev/null)
# boot_as WHO:MACHINE TAG [EXTRA GUEST PARAMETERS]
boot_as() {
	[ "$1" = iovirt:boot4k ] && echo never >$thp 2>/dev/null
	boot_one "${1%%:*}" "${1#*:}" "$2" "$3"
	[ -n "$thp_was" ] && echo "$thp_was" >$thp 2>/dev/null
}

set -- iovirt:boot qemu:microvm qemu:q35 iovirt:boot4k
r=1
while [ "$r" -le "${rounds:-6}" ]; do
	# Rotate the order: each VMM goes first, second... in turn.
	order="" i=0
	for v in "$@"; do
		[ "$i" -ge $(((r - 1) % $#)) ] && order="$order $v"
		i=$((i + 1))
	done
	i=0
	for v in "$@"; do
		[ "$i" -lt $(((r - 1) % $#)) ] && order="$order $v"
		i=$((i + 1))
	done
	for v in $order; do
		boot_as "$v" "boot-${v%%:*}-${v#*:}-r$r"
		boot_result "${v%%:*}" "${v#*:}" "$r"
	done
	r=$((r + 1))
done
# Profile boots: where the guest kernel's time went, by its own dmesg.
for v in "$@"; do
	boot_as "$v" "boot-${v%%:*}-${v#*:}-profile" iovirt.bench_dmesg=1
	tr -d '\r' <"$LAB_LOG" | sed -n "s/^[0-9.]* BOOT-GAP /BOOT-PROFILE ${v%%:*}-${v#*:} /p"
done
LAB_STATUS=0
