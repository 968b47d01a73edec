/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Basic types shared by every subsystem: fixed-width integers, the distinct
 * address types (guest-physical and I/O-virtual), little-endian accessors for
 * guest-endian fields, and the few compiler helpers the code relies on.
 */
#ifndef IOVIRT_TYPES_H
#define IOVIRT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* A guest-physical address: what the guest's CPU puts on its memory bus. */
typedef u64 gpa_t;
/* An I/O-virtual address: what a device puts on the bus (== GPA without IOMMU). */
typedef u64 iova_t;

#define __must_check __attribute__((warn_unused_result))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __packed __attribute__((packed))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define BIT(n) (1u << (n))
#define BIT64(n) (1ull << (n))

#define SZ_4K 0x1000ull
#define SZ_1M 0x100000ull
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull
#define SZ_4G 0x100000000ull

/* Single-copy accesses to memory another agent (guest, peer) writes concurrently. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* x86 is little-endian: these document intent and keep a big-endian port honest. */
static inline u16 le16_to_cpu(u16 v) { return v; }
static inline u32 le32_to_cpu(u32 v) { return v; }
static inline u64 le64_to_cpu(u64 v) { return v; }
static inline u16 cpu_to_le16(u16 v) { return v; }
static inline u32 cpu_to_le32(u32 v) { return v; }
static inline u64 cpu_to_le64(u64 v) { return v; }

/* Read/write a little-endian value of 1, 2, 4 or 8 bytes from/to a byte buffer. */
static inline u64 ldn_le(const void *p, unsigned len)
{
	u64 v = 0;

	memcpy(&v, p, len > 8 ? 8 : len);
	return v;
}

static inline void stn_le(void *p, unsigned len, u64 v)
{
	memcpy(p, &v, len > 8 ? 8 : len);
}

/* True when [a, a+len) does not wrap around the 64-bit space. */
static inline bool range_ok(u64 a, u64 len)
{
	return a + len >= a;
}

/* The value of a hexadecimal digit (either case), or -1 if c is not one. */
static inline int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
