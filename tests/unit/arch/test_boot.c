// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for bzimage_check() in src/arch/x86/boot.c: hostile and old kernel headers. */
#include <errno.h>

#include "check.h"
#include "iovirt/x86.h"

static u8 img[0x4000];

static void make_valid(void)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);

	memset(img, 0, sizeof(img));
	h->setup_sects = 4;
	h->boot_flag = 0xaa55;
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
}

int main(void)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);
	const char *why = NULL;

	make_valid();
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), 0);
	CHECK_EQ(bzimage_check(img, 100, &why), -ENOEXEC);
	make_valid();
	h->header = 0;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	CHECK(why && strstr(why, "HdrS"));
	make_valid();
	h->version = 0x0204;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	CHECK(why && strstr(why, "2.12"));
	make_valid();
	h->xloadflags = 0;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	CHECK(why && strstr(why, "64-bit"));
	make_valid();
	h->loadflags = 0;
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	make_valid();
	h->setup_sects = 255; /* setup larger than the file */
	CHECK_EQ(bzimage_check(img, sizeof(img), &why), -ENOEXEC);
	return check_done();
}
