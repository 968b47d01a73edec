# SPDX-License-Identifier: GPL-2.0-only
# virtio-console as the guest's console (hvc0) in both directions, and
# virtio-rng as the kernel's hardware RNG. virtio-console-rng.host.sh feeds
# 64 KiB of text into the console once the guest asks for it; the guest
# checks its md5 (iovirt.want=). /dev/hwrng must give data that is not
# constant and does not compress.
# lab-args: --console virtio --rng
# lab-cmdline: console=hvc0
# lab-timeout: 200
. /lab/scenarios/virtio-common.guest.inc
if grep -q '^hvc0 ' /proc/consoles; then
	result console PASS "the kernel console is hvc0: $(grep '^hvc0' /proc/consoles | tr -s ' ')"
else
	result console FAIL "/proc/consoles: $(tr '\n' '|' </proc/consoles)"
fi
# Input: raw and without echo, so the bytes arrive as sent and are not sent back.
want=$(lab_param iovirt.want)
stty -F /dev/console raw -echo
echo "CONSOLE-INPUT-READY"
got=$(timeout 60 head -c 65536 </dev/console | md5sum | cut -d' ' -f1)
stty -F /dev/console sane
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	result console-input PASS "64 KiB typed into hvc0 arrived intact (md5 $got)"
else
	result console-input FAIL "read md5 $got from hvc0, the host sent ${want:-nothing}"
fi

cur=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)
case "$cur" in
virtio_rng*) result rng-current PASS "rng_current is $cur" ;;
*) result rng-current FAIL "rng_current is '${cur:-none}' (available:" \
	"$(cat /sys/class/misc/hw_random/rng_available 2>/dev/null))" ;;
esac
if timeout 30 dd if=/dev/hwrng of=/tmp/rng bs=4096 count=16 iflag=fullblock 2>/tmp/dd.out; then
	n=$(wc -c </tmp/rng)
	z=$(gzip -c </tmp/rng | wc -c)
	distinct=$(od -An -v -tx1 /tmp/rng | tr ' ' '\n' | grep . | sort -u | wc -l)
	if [ "$n" = 65536 ] && [ "$z" -gt 65000 ] && [ "$distinct" = 256 ]; then
		result rng-read PASS "64 KiB from /dev/hwrng: all 256 byte values, gzip to $z bytes"
	else
		result rng-read FAIL "$n bytes, $distinct byte values, gzip to $z bytes"
	fi
else
	result rng-read FAIL "$(tr '\n' ' ' </tmp/dd.out)"
fi
vio_dmesg_clean dmesg
