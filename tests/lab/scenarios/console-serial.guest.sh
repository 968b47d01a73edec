# SPDX-License-Identifier: GPL-2.0-only
# Text written to the serial console (the 16550 UART) arrives intact: the
# same check as console-1m, with 64 KiB: in the nested lab each byte costs
# a VM exit of about a millisecond.
# lab-cmdline: iovirt.console_bytes=65536
# lab-timeout: 300
. /lab/scenarios/console-common.guest.inc
