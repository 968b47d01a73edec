#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mkguest.sh CODE.inc OUT: assemble a tiny bzImage whose 64-bit entry runs CODE.inc.
set -eu
dir=$(dirname "$0")
obj="$2.o"
cc -c -x assembler-with-cpp -I"$dir" -DGUEST_CODE="\"$(basename "$1")\"" "$dir/bzimage.S" -o "$obj"
objcopy -O binary "$obj" "$2"
rm -f "$obj"
