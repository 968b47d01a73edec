#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The host side of one lab scenario: boot the L3 guest with the VMM under test
# and report what happened. It runs inside the lab's L2 (busybox sh), or on
# the real host when that host has VMX/SVM (then tests/lab/run calls it
# directly). Usage: scenario.sh NAME CPUS MEMORY|-
#
# Environment (set by tests/lab/l2/init or tests/lab/run):
#   LAB_DIR        directory holding scenarios/ (and lib/)
#   LAB_VMM        iovirt | qemu (qemu: the reference VMM, for comparison)
#   LAB_VMM_BIN    the VMM binary
#   LAB_L3_KERNEL, LAB_L3_INITRD   the guest image; LAB_L3_TOOLS the optional
#                  fio/iperf3 piece, appended for `# lab-tools: yes`
#   LAB_OUT        a writable directory for logs and scratch files
#   LAB_SHARED     optional: a directory for files several scenarios of one
#                  run can share (the L3 initramfs with the tools piece)
#
# Lines printed for tests/lab/run (everything else is the guest's console):
#   IOVIRT-SCENARIO-BEGIN NAME ...
#   IOVIRT-VMM-START      just before the VMM is started (timing)
#   RESULT NAME PASS|FAIL DETAIL   host-side checks (the guest prints its own)
#   IOVIRT-EXIT STATUS expect=E    the VMM's exit status; "timeout" if killed
#   IOVIRT-SCENARIO-END NAME
#
# A scenario is scenarios/NAME.guest.sh (run by the guest's /init) with
# optional header lines:
#   # lab-args: --no-reboot        extra VMM arguments (iovirt's syntax)
#   # lab-expect-exit: 0           the VMM's expected exit status (default 0)
#   # lab-timeout: 240             seconds before the VMM is killed
#   # lab-cmdline: foo=bar         extra guest kernel parameters
#   # lab-tools: yes               needs fio/iperf3 (the tools piece)
#   # lab-memory: 768M             guest memory unless the caller gives one
#   # lab-kernel: bzImage          boot the bzImage (default: the same kernel as
#                                  an ELF vmlinux, when mkimages made one, for
#                                  iovirt: no decompressor run in the guest)
#   # lab-l2: dpdk                 the L2 needs DPDK's testpmd (read by tests/lab/run)
# and optionally scenarios/NAME.host.sh, sourced here instead of the default
# (`lab_vmm_run`); it may print RESULT lines of its own.

LAB_NAME=$1
LAB_CPUS=${2:-1}
LAB_MEMORY=$3
LAB_GUEST=$LAB_DIR/scenarios/$LAB_NAME.guest.sh
LAB_LOG=$LAB_OUT/$LAB_NAME.console
LAB_STATUS=none

# result NAME PASS|FAIL DETAIL...
result() {
	_n=$1 _s=$2
	shift 2
	echo "RESULT $_n $_s $*"
}

# lab_header KEY: the value of "# lab-KEY: value" in the guest script.
lab_header() {
	sed -n "s/^# lab-$1: *//p" "$LAB_GUEST" | head -n 1
}

lab_now() {
	cut -d' ' -f1 /proc/uptime
}

# lab_count PATTERN: how many console lines so far match PATTERN (grep -E).
# A log not yet created (the VMM is started in the background) counts 0: an
# empty count would make a caller's test fail with "bad number" and look true.
lab_count() {
	_n=$(grep -c -E "$1" "$LAB_LOG" 2>/dev/null)
	echo "${_n:-0}"
}

# lab_wait_count PATTERN N SECONDS: wait until N console lines match.
lab_wait_count() {
	_i=0
	while [ "$(lab_count "$1")" -lt "$2" ]; do
		[ "$_i" -ge "$3" ] && return 1
		sleep 1
		_i=$((_i + 1))
	done
}

# Memory: what the caller asked for, else the scenario's, else 256M.
[ -z "$LAB_MEMORY" ] || [ "$LAB_MEMORY" = - ] && LAB_MEMORY=$(lab_header memory)
LAB_MEMORY=${LAB_MEMORY:-256M}
LAB_ARGS=$(lab_header args)
LAB_EXPECT=$(lab_header expect-exit)
LAB_EXPECT=${LAB_EXPECT:-0}
LAB_TIMEOUT=$(lab_header timeout)
LAB_TIMEOUT=${LAB_TIMEOUT:-240}
# The guest checks its clock against iovirt.hosttime (seconds since the epoch
# when the VMM started); quiet keeps the kernel's boot messages off the
# console, where under nested emulation each byte costs a VM exit.
LAB_CMDLINE="console=ttyS0 quiet panic=-1 iovirt.scenario=$LAB_NAME iovirt.cpus=$LAB_CPUS $(lab_header cmdline)"
LAB_INITRD=$LAB_L3_INITRD
# The kernel the VMM under test boots: the vmlinux beside the bzImage spares
# the guest its decompressor (4-5 s of each boot under nested emulation);
# the boot scenarios keep the bzImage path covered. The reference VMM always
# gets the bzImage.
LAB_KERNEL=$LAB_L3_KERNEL
if [ "$LAB_VMM" = iovirt ] && [ "$(lab_header kernel)" != bzImage ] &&
	[ -f "${LAB_L3_KERNEL%/*}/vmlinux" ]; then
	LAB_KERNEL=${LAB_L3_KERNEL%/*}/vmlinux
fi
if [ "$(lab_header tools)" = yes ]; then
	if [ -z "$LAB_L3_TOOLS" ] || [ ! -f "$LAB_L3_TOOLS" ]; then
		echo "lab: scenario $LAB_NAME needs the tools piece, which was not built" >&2
	else
		if [ -n "$LAB_SHARED" ]; then
			LAB_INITRD=$LAB_SHARED/l3-with-tools.cpio
			[ -f "$LAB_INITRD" ] || { cat "$LAB_L3_INITRD" "$LAB_L3_TOOLS" >"$LAB_INITRD.tmp" &&
				mv "$LAB_INITRD.tmp" "$LAB_INITRD"; }
		else
			LAB_INITRD=$LAB_OUT/l3-with-tools.cpio
			cat "$LAB_L3_INITRD" "$LAB_L3_TOOLS" >"$LAB_INITRD"
		fi
	fi
fi

# lab_tap_create NAME ADDR/PREFIX: a tap interface for the guest, up, with
# the host's address on it (busybox has tunctl, a full host has ip tuntap).
lab_tap_create() {
	if command -v tunctl >/dev/null 2>&1; then
		tunctl -t "$1" >/dev/null
	else
		ip tuntap add dev "$1" mode tap
	fi && ip addr add "$2" dev "$1" && ip link set "$1" up
}

lab_tap_delete() {
	if command -v tunctl >/dev/null 2>&1; then
		tunctl -d "$1" >/dev/null
	else
		ip tuntap del dev "$1" mode tap
	fi
}

# lab_vmm_run [--stdin FILE] [--quiet] EXTRA...: run the VMM under timeout with
# its console in $LAB_LOG (and on our stdout unless --quiet); LAB_STATUS gets
# its exit status, or "timeout". EXTRA uses iovirt's syntax; for the
# reference VMM the few common options are translated.
lab_vmm_run() {
	_in=/dev/null
	_tee=1
	while :; do
		case "$1" in
		--stdin) _in=$2; shift 2 ;;
		--quiet) _tee=""; shift ;;
		*) break ;;
		esac
	done
	_cmdline="$LAB_CMDLINE iovirt.hosttime=$(date +%s)"
	case "$LAB_VMM" in
	iovirt)
		# shellcheck disable=SC2086
		set -- "$LAB_VMM_BIN" run --kernel "$LAB_KERNEL" --initrd "$LAB_INITRD" \
			--cmdline "$_cmdline" --cpus "$LAB_CPUS" --memory "$LAB_MEMORY" $LAB_ARGS "$@"
		;;
	qemu)
		# The reference: iovirt's options in QEMU's words, for the simple
		# forms of each (no option values with commas or spaces).
		_q="" _con="-serial stdio" _n=0 _next="" _mem=""
		# shellcheck disable=SC2086
		for _a in $LAB_ARGS "$@"; do
			if [ -n "$_next" ]; then
				_opt=$_next _next=""
				case "$_opt=$_a" in
				--console=virtio)
					_con="-serial none -device virtio-serial-pci -chardev stdio,id=con0"
					_con="$_con -device virtconsole,chardev=con0" ;;
				--console=serial) ;;
				--disk=*) _q="$_q -drive file=${_a%%,*},if=virtio,format=raw" ;;
				--disk=vhost-user=*|--net=vhost-user=*)
					# QEMU's vhost-user devices: its guest memory must
					# be shareable (memfd), and the chardev reconnects
					# to a back-end that was restarted.
					_v=${_a#vhost-user=}
					_mac=$(echo "$_v," | sed -n 's/.*,mac=\([^,]*\),.*/\1/p')
					_qs=$(echo "$_v," | sed -n 's/.*,queues=\([^,]*\),.*/\1/p')
					_q="$_q -chardev socket,id=vu$_n,path=${_v%%,*},reconnect=1"
					if [ "$_opt" = --disk ]; then
						_q="$_q -device vhost-user-blk-pci,chardev=vu$_n,num-queues=${_qs:-1}"
					else
						_q="$_q -netdev vhost-user,id=n$_n,chardev=vu$_n,queues=${_qs:-1}"
						_q="$_q -device virtio-net-pci,netdev=n$_n${_mac:+,mac=$_mac}"
						[ "${_qs:-1}" -gt 1 ] && _q="$_q,mq=on"
					fi
					_mem="-object memory-backend-memfd,id=mem,size=$LAB_MEMORY,share=on"
					_mem="$_mem -machine memory-backend=mem"
					_n=$((_n + 1)) ;;
				--net=tap=*)
					_t=${_a#tap=}
					_q="$_q -netdev tap,id=n$_n,ifname=${_t%%,*},script=no,downscript=no"
					_q="$_q -device virtio-net-pci,netdev=n$_n"
					_n=$((_n + 1)) ;;
				*) echo "lab: the reference VMM ignores $_opt $_a" ;;
				esac
				continue
			fi
			case "$_a" in
			--no-reboot) _q="$_q -no-reboot" ;;
			--rng) _q="$_q -device virtio-rng-pci" ;;
			--console|--disk|--net) _next=$_a ;;
			*) echo "lab: the reference VMM ignores $_a" ;;
			esac
		done
		# shellcheck disable=SC2086
		set -- "$LAB_VMM_BIN" -enable-kvm -cpu host -M q35 -m "$LAB_MEMORY" -smp "$LAB_CPUS" \
			-nodefaults -display none $_con -kernel "$LAB_L3_KERNEL" \
			-initrd "$LAB_INITRD" -append "$_cmdline" $_mem $_q
		;;
	*)
		echo "lab: unknown VMM $LAB_VMM"
		set -- false
		;;
	esac
	: >"$LAB_LOG"
	echo "IOVIRT-VMM-START $LAB_VMM t=$(lab_now)"
	_t0=$(date +%s)
	if [ -n "$_tee" ]; then
		{ timeout -k 10 "$LAB_TIMEOUT" "$@" <"$_in" 2>&1; echo $? >"$LAB_OUT/status"; } |
			tee -a "$LAB_LOG"
	else
		timeout -k 10 "$LAB_TIMEOUT" "$@" <"$_in" >>"$LAB_LOG" 2>&1
		echo $? >"$LAB_OUT/status"
	fi
	LAB_STATUS=$(cat "$LAB_OUT/status")
	_el=$(($(date +%s) - _t0))
	# A VMM may exit 0 on SIGTERM (QEMU does): the clock says it was killed.
	[ "$_el" -ge "$LAB_TIMEOUT" ] && LAB_STATUS=timeout
	echo "IOVIRT-VMM-END status=$LAB_STATUS elapsed=${_el}s t=$(lab_now)"
}

echo "IOVIRT-SCENARIO-BEGIN $LAB_NAME vmm=$LAB_VMM cpus=$LAB_CPUS memory=$LAB_MEMORY" \
	"kernel=${LAB_KERNEL##*/}"
if [ ! -f "$LAB_GUEST" ]; then
	result scenario FAIL "no scenario $LAB_NAME"
elif [ -f "$LAB_DIR/scenarios/$LAB_NAME.host.sh" ]; then
	. "$LAB_DIR/scenarios/$LAB_NAME.host.sh"
else
	lab_vmm_run
	# The guest may not even get to print: say so here, where it is seen.
	if [ "$(lab_count '^IOVIRT-GUEST-READY')" -lt 1 ]; then
		result ready FAIL "the guest never printed IOVIRT-GUEST-READY"
	fi
fi
echo "IOVIRT-EXIT $LAB_STATUS expect=$LAB_EXPECT"
echo "IOVIRT-SCENARIO-END $LAB_NAME"
