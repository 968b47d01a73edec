#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iovirt-vhost-blk against qemu-storage-daemon's vhost-user-blk export on
# the same raw image (io_uring for both, page cache warm), driven by the
# same front-end (bench-vhost-blk-load: the project's own busy-polling
# vhost-user driver on one core, the back-end on the other), alternating in
# one run, and fio on the host file itself as the limit:
#   4 KiB random reads at iodepth 32 (IOPS) and 128 KiB sequential reads at
#   iodepth 8 (MB/s).
# Each figure is the best of ROUNDS runs (the machine is shared; other load
# only ever lowers a figure); a run during which other processes took more
# than LOADMAX% (default 10) of the two CPUs does not count (up to 3 x
# ROUNDS tries; a figure with no clean run is marked *). Prints each figure
# and the ratios of iovirt-vhost-blk (event mode, then --poll) to
# qemu-storage-daemon and to the host.
# Usage: vhost-blk.sh IOVIRT_VHOST_BLK BENCH_VHOST_BLK_LOAD [SECONDS] [ROUNDS]
set -u
BLK=${1:?usage: $0 IOVIRT_VHOST_BLK BENCH_VHOST_BLK_LOAD [SECONDS] [ROUNDS]}
LOAD=${2:?usage: $0 IOVIRT_VHOST_BLK BENCH_VHOST_BLK_LOAD [SECONDS] [ROUNDS]}
SECS=${3:-3}
ROUNDS=${4:-3}
QSD=$(command -v qemu-storage-daemon) || { echo "SKIPPED: qemu-storage-daemon not installed"; exit 77; }
command -v fio >/dev/null || { echo "SKIPPED: fio not installed"; exit 77; }
T=$(mktemp -d /tmp/iovirt-bench-XXXXXX)
BE=""
trap '[ -n "$BE" ] && kill $BE 2>/dev/null; rm -rf "$T"' EXIT
trap "exit 1" INT TERM

IMG=$T/disk.img
dd if=/dev/urandom of="$IMG" bs=1M count=512 status=none
cat "$IMG" > /dev/null # page cache warm for everyone

backend() {
	rm -f "$T/blk.sock"
	case $1 in
	iovirt)
		taskset -c 1 "$BLK" --socket "$T/blk.sock" --disk "$IMG" 2> "$T/be.err" &
		;;
	iovirt-poll)
		taskset -c 1 "$BLK" --socket "$T/blk.sock" --disk "$IMG" --poll 2> "$T/be.err" &
		;;
	qsd)
		taskset -c 1 "$QSD" \
			--blockdev driver=file,node-name=file,filename="$IMG",cache.direct=off,aio=io_uring \
			--blockdev driver=raw,node-name=disk,file=file \
			--export type=vhost-user-blk,id=exp,node-name=disk,addr.type=unix,addr.path="$T/blk.sock",writable=on,num-queues=1 \
			2> "$T/be.err" &
		;;
	esac
	BE=$!
	for i in $(seq 100); do [ -S "$T/blk.sock" ] && break; sleep 0.05; done
}

# CPU time (ticks) of the whole machine, busy, and of the given processes.
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
proc_ticks() {
	local p
	for p in "$@"; do cat /proc/"$p"/stat 2>/dev/null; done |
		sed 's/.*) //' | awk '{ s += $12 + $13 } END { print s + 0 }'
}
HZ=$(getconf CLK_TCK)
LOADMAX=${LOADMAX:-10}

# The others' share of both CPUs (percent) while PIDS... run, sampled over
# the middle of a SECS-long run that started just now: sets LOAD_PCT.
others() {
	local c0 c1 p0 p1
	sleep 0.3
	c0=$(cpu_busy)
	p0=$(proc_ticks "$@")
	sleep "$(awk -v s="$SECS" 'BEGIN { print s - 0.6 }')"
	c1=$(cpu_busy)
	p1=$(proc_ticks "$@")
	LOAD_PCT=$(awk -v c="$((c1 - c0))" -v p="$((p1 - p0))" -v hz="$HZ" -v s="$SECS" \
		'BEGIN { l = (c - p) * 100 / (2 * hz * (s - 0.6)); printf "%d", l < 0 ? 0 : l }')
}

# run BACKEND MODE BS DEPTH -> "iops mbps load%"
run() {
	local lp
	backend "$1"
	taskset -c 0 "$LOAD" "$T/blk.sock" "$2" "$3" "$4" "$SECS" > "$T/load.out" &
	lp=$!
	others "$BE" "$lp"
	wait "$lp"
	kill $BE
	wait $BE 2>/dev/null
	BE=""
	awk -v l="$LOAD_PCT" '{print $2, $4, l}' "$T/load.out"
}

host() {
	local fp
	# --invalidate=0: fio drops the file's page cache before a run by default,
	# which would make the host read from the disk and every back-end from
	# memory (the image is on /tmp: a disk here). --thread: the job runs in
	# fio's own process, whose CPU time the load accounting can see.
	taskset -c 0 fio --name=host --filename="$IMG" --rw="$1" --bs="$2" --iodepth="$3" \
		--ioengine=io_uring --direct=0 --invalidate=0 --thread --runtime="$SECS" --time_based \
		--output-format=terse --terse-version=3 > "$T/fio.out" 2>/dev/null &
	fp=$!
	others "$fp"
	wait "$fp"
	awk -F';' -v l="$LOAD_PCT" '{printf "%s %.1f %d\n", $8, $7 * 1.024 / 1000, l}' "$T/fio.out"
}

# best NAME "IOPS MBPS LOAD" COLUMN: the best clean figure, and the best of all.
best() {
	local n=$1 v l
	v=$(echo "$2" | cut -d' ' -f"$3")
	l=$(echo "$2" | cut -d' ' -f3)
	[ -n "$v" ] || return
	[ -n "${VERBOSE:-}" ] && echo "# $n $mode: $v (others: $l% of the CPUs)" >&2
	if [ "$l" -le "$LOADMAX" ]; then
		eval "clean_$n=\$((clean_$n + 1))"
		eval "best_$n=\$(awk -v x=\"\$best_$n\" -v y=\"$v\" 'BEGIN {print (y > x ? y : x)}')"
	fi
	eval "any_$n=\$(awk -v x=\"\$any_$n\" -v y=\"$v\" 'BEGIN {print (y > x ? y : x)}')"
}

# fig NAME: the figure to print (marked * when no run was clean)
fig() {
	local c b a
	eval "c=\$clean_$1 b=\$best_$1 a=\$any_$1"
	if [ "$c" -gt 0 ]; then echo "$b"; else echo "$a*"; fi
}

echo "# $(date -u '+%F %T') UTC; $SECS s per figure, best of $ROUNDS"
printf "%-22s %10s %10s %10s %10s %6s %6s %6s %6s\n" test iovirt iovirt-poll qsd host \
	"ev/qsd" "pl/qsd" "ev/hst" "pl/hst"
for spec in "randread 4096 32 iops" "seqread 131072 8 mbps"; do
	set -- $spec
	mode=$1 bs=$2 depth=$3 unit=$4
	[ "$unit" = iops ] && col=1 || col=2
	hrw=$([ "$mode" = randread ] && echo randread || echo read)
	for n in a p q h; do eval "best_$n=0 any_$n=0 clean_$n=0"; done
	for round in $(seq $((3 * ROUNDS))); do
		[ "$clean_a" -ge "$ROUNDS" ] && [ "$clean_p" -ge "$ROUNDS" ] &&
			[ "$clean_q" -ge "$ROUNDS" ] && [ "$clean_h" -ge "$ROUNDS" ] && break
		[ "$clean_a" -lt "$ROUNDS" ] && best a "$(run iovirt "$mode" "$bs" "$depth")" $col
		[ "$clean_q" -lt "$ROUNDS" ] && best q "$(run qsd "$mode" "$bs" "$depth")" $col
		[ "$clean_p" -lt "$ROUNDS" ] && best p "$(run iovirt-poll "$mode" "$bs" "$depth")" $col
		[ "$clean_h" -lt "$ROUNDS" ] && best h "$(host "$hrw" "$bs" "$depth")" $col
	done
	awk -v t="$mode ${bs}B qd$depth $unit" -v a="$(fig a)" -v p="$(fig p)" -v q="$(fig q)" \
		-v h="$(fig h)" 'function r(x, y) { return y + 0 > 0 ? sprintf("%.2f", x / y) : "-" }
		BEGIN { printf "%-22s %10s %10s %10s %10s %6s %6s %6s %6s\n", t, a, p, q, h,
			r(a, q), r(p, q), r(a, h), r(p, h) }'
done
