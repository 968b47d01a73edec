# SPDX-License-Identifier: GPL-2.0-only
# 1 MiB of text written to the console arrives intact: the guest prints it
# between two markers with its md5sum; console-1m.host.sh checks it. The
# console is virtio-console (hvc0): console-serial does the same through the
# UART, with less text since every byte there is a VM exit.
# lab-args: --console virtio
# lab-cmdline: console=hvc0 iovirt.console_bytes=1048576
# lab-timeout: 300
. /lab/scenarios/console-common.guest.inc
