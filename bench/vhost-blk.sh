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
# only ever lowers a figure). Prints each figure and the ratios iovirt/qsd
# and iovirt/host.
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

# run BACKEND MODE BS DEPTH -> "iops mbps"
run() {
	local out
	backend "$1"
	out=$(taskset -c 0 "$LOAD" "$T/blk.sock" "$2" "$3" "$4" "$SECS")
	kill $BE
	wait $BE 2>/dev/null
	BE=""
	echo "$out" | awk '{print $2, $4}'
}

host() {
	# --invalidate=0: fio drops the file's page cache before a run by default,
	# which would make the host read from the disk and every back-end from
	# memory (the image is on /tmp: a disk here).
	taskset -c 0 fio --name=host --filename="$IMG" --rw="$1" --bs="$2" --iodepth="$3" \
		--ioengine=io_uring --direct=0 --invalidate=0 --runtime="$SECS" --time_based \
		--output-format=terse \
		--terse-version=3 2>/dev/null | awk -F';' '{printf "%s %.1f\n", $8, $7 * 1.024 / 1000}'
}

printf "%-22s %12s %12s %12s %12s %9s %9s\n" test iovirt iovirt-poll qsd host "/qsd" "/host"
for spec in "randread 4096 32 iops" "seqread 131072 8 mbps"; do
	set -- $spec
	mode=$1 bs=$2 depth=$3 unit=$4
	[ "$unit" = iops ] && col=1 || col=2
	a=0 p=0 q=0 h=0
	for round in $(seq "$ROUNDS"); do
		a=$(awk -v x="$a" -v y="$(run iovirt "$mode" "$bs" "$depth" | cut -d' ' -f$col)" 'BEGIN {print (y > x ? y : x)}')
		q=$(awk -v x="$q" -v y="$(run qsd "$mode" "$bs" "$depth" | cut -d' ' -f$col)" 'BEGIN {print (y > x ? y : x)}')
		p=$(awk -v x="$p" -v y="$(run iovirt-poll "$mode" "$bs" "$depth" | cut -d' ' -f$col)" 'BEGIN {print (y > x ? y : x)}')
		hrw=$([ "$mode" = randread ] && echo randread || echo read)
		h=$(awk -v x="$h" -v y="$(host "$hrw" "$bs" "$depth" | cut -d' ' -f$col)" 'BEGIN {print (y > x ? y : x)}')
	done
	awk -v t="$mode ${bs}B qd$depth $unit" -v a="$a" -v p="$p" -v q="$q" -v h="$h" 'BEGIN {
		printf "%-22s %12.0f %12.0f %12.0f %12.0f %9.2f %9.2f\n", t, a, p, q, h,
			(q > 0 ? a / q : 0), (h > 0 ? a / h : 0) }'
done
