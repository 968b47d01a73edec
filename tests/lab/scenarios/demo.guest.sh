# SPDX-License-Identifier: GPL-2.0-only
# The demo guest (tools/demo): show what the VM looks like from inside.
echo "== uname -a"
uname -a
echo "== CPUs: $(nproc), memory: $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
echo "== lspci"
lspci 2>&1
echo "== block devices"
ls /sys/class/block 2>/dev/null | tr '\n' ' '
echo
echo "== network interfaces"
ls /sys/class/net | tr '\n' ' '
echo
echo "== consoles and ttys with a driver"
cat /proc/consoles
echo "== modules loaded"
lsmod | awk 'NR > 1 {print $1}' | sort | tr '\n' ' '
echo
echo "== boot time: $(lab_uptime) s since the kernel started"
result demo PASS "the guest ran"
