#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run-tiny.sh IOVIRT GUEST_DIR: end-to-end checks of iovirt with tiny guests
# on this machine's /dev/kvm, and of every bad-input path of the command line.
# Each check prints PASS/FAIL; the script fails if any check failed.
set -u
iovirt=$1
g=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect NAME STATUS STDERR-REGEX -- iovirt args...
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	timeout 30 "$iovirt" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	if [ "$st" -ne "$want" ]; then
		fail "$name: exit status $st, expected $want; stderr: $(head -c 400 "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -q -E -e "$pat" "$tmp/err"; then
		fail "$name: stderr lacks /$pat/: $(head -c 400 "$tmp/err")"
	else
		pass "$name"
	fi
}

# Bad input: one line, nonzero status, before anything runs.
expect "no arguments" 2 "" -- 
expect "unknown command" 2 "unknown command 'fly'" -- fly
expect "unknown option" 2 "unknown option '--frobnicate'" -- run --kernel x --frobnicate
expect "missing value" 2 "needs a value" -- run --kernel
expect "no kernel" 2 "--kernel is required" -- run --memory 1G
expect "bad memory" 2 "--memory 12Q" -- run --kernel x --memory 12Q
expect "bad cpus" 2 "--cpus 0" -- run --kernel x --cpus 0
expect "missing kernel" 2 "cannot open kernel" -- run --kernel /nonexistent/bzImage
printf 'not a kernel\n%.0s' $(seq 1 400) > "$tmp/text"
expect "not a bzImage" 2 "not a bzImage" -- run --kernel "$tmp/text"
expect "missing initrd" 2 "cannot open initrd '/nonexistent/initrd'" -- run --kernel "$g/poweroff.bzimage" --initrd /nonexistent/initrd
expect "kernel is a directory" 2 "not a regular file" -- run --kernel /tmp
expect "too much memory" 2 "more than this host has" -- run --kernel "$g/poweroff.bzimage" --memory 1T

# Errors the kernel file itself causes show exactly one error line.
n=$(grep -c . "$tmp/err")
[ "$n" -eq 1 ] && pass "one error line" || fail "one error line: got $n"

if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIPPED: /dev/kvm is missing or not accessible: the tiny-guest runs need KVM"
	[ $fails -eq 0 ] || exit 1
	exit 77
fi

expect "poweroff exits 0" 0 "" -- run --kernel "$g/poweroff.bzimage"
expect "poweroff with 4 vCPUs" 0 "" -- run --kernel "$g/poweroff.bzimage" --cpus 4 --memory 4G
expect "reset with --no-reboot exits 0" 0 "" -- run --kernel "$g/acpi_reset.bzimage" --no-reboot
expect "triple fault exits 1 with registers" 1 "triple fault" -- run --kernel "$g/triple_fault.bzimage"
grep -q "rbx 00000000deadbeef" "$tmp/err" && pass "register dump shows rbx" || fail "register dump: $(cat "$tmp/err")"

# Without --no-reboot a reset boots the machine again (the guest resets forever):
# wait for two reboots however long a loaded machine takes (60 s: a hang), then stop it.
"$iovirt" run --kernel "$g/acpi_reset.bzimage" --log-level info >/dev/null 2>"$tmp/err" </dev/null &
pid=$!
i=0
while [ "$(grep -c "rebooting" "$tmp/err")" -lt 2 ] && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill $pid 2>/dev/null
wait $pid 2>/dev/null
n=$(grep -c "rebooting" "$tmp/err")
[ "$n" -ge 2 ] && pass "reset reboots ($n reboots seen)" || fail "reset reboots: $n reboots"

# The loader's hand-over: boot_params, command line, initrd, RSDP.
printf 'INRD-initrd-payload' > "$tmp/initrd"
expect "boot_params, cmdline and initrd reach the guest" 0 "" -- run --kernel "$g/bootparams.bzimage" --cmdline "test cmdline" --initrd "$tmp/initrd"
expect "bad cmdline is caught by the guest" 1 "triple fault" -- run --kernel "$g/bootparams.bzimage" --cmdline "nope" --initrd "$tmp/initrd"
head -c 20000000 /dev/zero > "$tmp/big"
expect "initrd too big for memory" 2 "too small for the kernel and initrd" -- run --kernel "$g/poweroff.bzimage" --memory 16M --initrd "$tmp/big"

# The ACPI tables as a guest walks them, ending in S5 through the FADT's sleep register.
expect "guest walks the ACPI tables and powers off" 0 "" -- run --kernel "$g/acpi_tables.bzimage"
expect "ACPI tables with 8 vCPUs and high memory" 0 "" -- run --kernel "$g/acpi_tables.bzimage" --cpus 8 --memory 5G

# The serial console reaches stdout.
expect "serial output" 0 "" -- run --kernel "$g/serial_hello.bzimage"
grep -q "hello from the guest" "$tmp/out" && pass "serial output on stdout" || fail "serial output: '$(cat "$tmp/out")'"
expect "no serial output with --console none" 0 "" -- run --kernel "$g/serial_hello.bzimage" --console none
[ ! -s "$tmp/out" ] && pass "--console none is silent" || fail "--console none printed '$(cat "$tmp/out")'"
expect "i8042 reset with --no-reboot exits 0" 0 "" -- run --kernel "$g/i8042_reset.bzimage" --no-reboot

# Host input reaches the guest through the UART's RX FIFO with backpressure:
# 20000 bytes echoed back, in order, none lost (the guest stops at 'q').
head -c 15000 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 20000 > "$tmp/in"
printf 'q' >> "$tmp/in"
mkfifo "$tmp/fifo"
timeout 60 "$iovirt" run --kernel "$g/serial_echo.bzimage" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/fifo"
i=0
while [ "$(head -c 1 "$tmp/out")" != R ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
cat "$tmp/in" >&3
exec 3>&-
wait $pid
st=$?
{ printf R; head -c 20000 "$tmp/in"; } > "$tmp/want"
if [ $st -eq 0 ] && cmp -s "$tmp/want" "$tmp/out"; then
	pass "serial input echoed intact (20000 bytes)"
else
	fail "serial echo: status $st, $(wc -c <"$tmp/out") bytes back; stderr: $(head -c 400 "$tmp/err")"
fi

# The CMOS clock the guest reads is the host's UTC time: between the host's
# time before the run and after it (a second either way for the truncation),
# however long a loaded machine takes to run it.
before=$(date -u +%s)
expect "rtc read" 0 "" -- run --kernel "$g/rtc_read.bzimage"
after=$(date -u +%s)
got=$(sed -n 's/^RTC \([0-9][0-9]\):\([0-9][0-9]\):\([0-9][0-9]\)$/\1 \2 \3/p' "$tmp/out")
if [ -n "$got" ]; then
	set -- $got
	g_s=$(( $(expr "$1" + 0) * 3600 + $(expr "$2" + 0) * 60 + $(expr "$3" + 0) ))
	d=$(( (g_s - before % 86400 + 86400 + 1) % 86400 ))	# guest - before + 1, mod a day
	span=$((after - before + 2))
	[ $d -le $span ] && pass "guest RTC within the run's ${span} s window of host UTC" ||
		fail "guest RTC $1:$2:$3 outside host $(date -u -d @$before +%T)..$(date -u -d @$after +%T)"
else
	fail "rtc read printed '$(cat "$tmp/out")'"
fi

echo "$fails failed"
[ $fails -eq 0 ]
