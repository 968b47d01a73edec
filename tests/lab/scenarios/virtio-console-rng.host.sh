# SPDX-License-Identifier: GPL-2.0-only
# Host side of virtio-console-rng: the VMM's stdin is a FIFO we hold open;
# 64 KiB of text go into it when the guest prints CONSOLE-INPUT-READY.
fifo=$LAB_OUT/console-in.fifo
rm -f "$fifo"
mkfifo "$fifo"
head -c 49152 /dev/urandom | base64 | tr -d '\n' | head -c 65536 >"$LAB_OUT/console-in"
want=$(md5sum <"$LAB_OUT/console-in" | cut -d' ' -f1)
_cmdline0=$LAB_CMDLINE
LAB_CMDLINE="$_cmdline0 iovirt.want=$want"
# Open both ends ourselves so that neither the VMM's open nor ours blocks.
exec 5<>"$fifo"
lab_vmm_run --stdin "$fifo" &
runner=$!
if lab_wait_count '^CONSOLE-INPUT-READY' 1 "$LAB_TIMEOUT"; then
	cat "$LAB_OUT/console-in" >&5
else
	result console-input FAIL "the guest never asked for input"
fi
wait "$runner"
LAB_STATUS=$(cat "$LAB_OUT/status")
exec 5>&-
LAB_CMDLINE=$_cmdline0
rm -f "$fifo" "$LAB_OUT/console-in"
