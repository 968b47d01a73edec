# SPDX-License-Identifier: GPL-2.0-only
# The demo guest (tools/demo): show what the VM looks like from inside, and
# use each device it was given: the disk gets a file system, the NIC pings
# the host (demo.host.sh made the disk image and the tap), the RNG feeds
# the kernel.
# lab-timeout: 300
echo "== uname -a"
uname -a
echo "== $(nproc) CPUs, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo) of memory"
echo "== lspci"
lspci 2>&1
echo "== consoles"
cat /proc/consoles
echo "== drivers loaded for the devices found"
lsmod | awk 'NR > 1 {print $1}' | sort | tr '\n' ' '
echo
disk=$(ls /sys/class/block 2>/dev/null | grep -E '^(vd|sd)[a-z]$' | head -n 1)
if [ -n "$disk" ]; then
	echo "== disk /dev/$disk: $(($(cat /sys/class/block/$disk/size) / 2048)) MiB"
	if mkfs.ext4 -q -F "/dev/$disk" && mkdir -p /mnt && mount -t ext4 "/dev/$disk" /mnt &&
		echo "hello from the demo guest" >/mnt/hello && sync && df -h /mnt; then
		result disk PASS "/dev/$disk formatted, mounted, written"
	else
		result disk FAIL "/dev/$disk: mkfs/mount/write failed"
	fi
	umount /mnt 2>/dev/null
else
	result disk FAIL "no disk: $(ls /sys/class/block | tr '\n' ' ')"
fi
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -n "$nic" ]; then
	echo "== network $nic ($(cat /sys/class/net/$nic/address), driver $(basename "$(readlink /sys/class/net/$nic/device/driver)"))"
	ip addr add 10.0.2.15/24 dev "$nic" && ip link set "$nic" up
	if ping -c 3 -W 5 10.0.2.1; then
		result net PASS "$nic pings the host at 10.0.2.1"
	else
		result net FAIL "$nic: no answer from the host at 10.0.2.1"
	fi
else
	result net FAIL "no network interface"
fi
echo "== hardware RNG: $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
if head -c 64 /dev/hwrng 2>/dev/null | wc -c | grep -q '^64$'; then
	result rng PASS "$(cat /sys/class/misc/hw_random/rng_current) gave 64 bytes"
else
	result rng FAIL "no bytes from /dev/hwrng"
fi
echo "== the guest was up $(lab_uptime) s"
