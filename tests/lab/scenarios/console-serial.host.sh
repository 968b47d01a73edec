# SPDX-License-Identifier: GPL-2.0-only
# Host side of console-serial: see console-common.host.inc.
. "$LAB_DIR/scenarios/console-common.host.inc"
