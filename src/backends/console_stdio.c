// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's stdio console: the fd console over stdin/stdout on the VM's main
 * event loop, destroyed with the VM. main.c puts a terminal in raw mode.
 */
#include <unistd.h>

#include "iovirt/console.h"
#include "iovirt/devices.h"
#include "iovirt/vm.h"

static void console_stdio_destroy(void *dev)
{
	console_destroy(dev);
}

static const struct vm_device_ops console_stdio_dev_ops = {
	.name = "console-stdio",
	.destroy = console_stdio_destroy,
};

int console_stdio_create(struct vm *vm, struct console **out)
{
	struct console *con;
	int ret;

	ret = console_fd_create(&vm->loop, STDIN_FILENO, STDOUT_FILENO, "console", &con);
	if (ret)
		return ret;
	ret = vm_add_device(vm, &console_stdio_dev_ops, con);
	if (ret) {
		console_destroy(con);
		return ret;
	}
	*out = con;
	return 0;
}
