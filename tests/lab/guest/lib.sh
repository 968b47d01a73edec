# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the lab's guest scenarios (sourced by /init before a scenario).

# result NAME PASS|FAIL DETAIL...: one line the host collects.
result() {
	_name=$1 _st=$2
	shift 2
	echo "RESULT $_name $_st $*"
}

# check NAME DETAIL COMMAND...: PASS when COMMAND succeeds.
check() {
	_name=$1 _detail=$2
	shift 2
	if "$@" >/tmp/check.out 2>&1; then
		result "$_name" PASS "$_detail"
	else
		result "$_name" FAIL "$_detail: $(tr '\n' ' ' </tmp/check.out | cut -c1-200)"
	fi
}

# lab_param KEY: the value of KEY= on the kernel command line.
lab_param() {
	for _w in $(cat /proc/cmdline); do
		case "$_w" in "$1="*) echo "${_w#*=}"; return 0 ;; esac
	done
	return 1
}

lab_uptime() {
	cut -d' ' -f1 /proc/uptime
}

# lab_wait_file PATH [SECONDS]: device nodes can appear a moment after the
# driver loads.
lab_wait_file() {
	_n=$((${2:-10} * 10))
	while [ ! -e "$1" ] && [ "$_n" -gt 0 ]; do
		usleep 100000
		_n=$((_n - 1))
	done
	[ -e "$1" ]
}
