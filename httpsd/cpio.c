/* cpio.c — one-file newc archives (see cpio.h; format: the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst). */
#include "httpsd/cpio.h"

#include <stdio.h>
#include <string.h>

#define HEADER_LEN 110 /* "070701" and 13 fields of 8 hex digits */
#define TRAILER "TRAILER!!!"

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t entry_size(size_t name_len, size_t len)
{
	return pad4(HEADER_LEN + name_len + 1) + pad4(len);
}

size_t cpio_size(size_t name_len, size_t len)
{
	return entry_size(name_len, len) + entry_size(sizeof TRAILER - 1, 0);
}

/* One entry: header, name and its NUL padded, data padded. */
static size_t put_entry(uint8_t *out, uint32_t ino, uint32_t mode, uint32_t nlink, uint32_t mtime,
			const char *name, size_t name_len, const uint8_t *data, size_t len)
{
	char h[HEADER_LEN + 1];
	size_t at;

	/* magic ino mode uid gid nlink mtime filesize devmajor devminor
	 * rdevmajor rdevminor namesize check */
	snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0u,
		 0u, nlink, mtime, (uint32_t)len, 0u, 0u, 0u, 0u, (uint32_t)(name_len + 1), 0u);
	memcpy(out, h, HEADER_LEN);
	memcpy(out + HEADER_LEN, name, name_len);
	at = HEADER_LEN + name_len;
	memset(out + at, 0, pad4(at + 1) - at);
	at = pad4(at + 1);
	if (len)
		memcpy(out + at, data, len);
	memset(out + at + len, 0, pad4(len) - len);
	return at + pad4(len);
}

size_t cpio_write(uint8_t *out, size_t cap, const char *name, const uint8_t *data, size_t len,
		  uint32_t mode, uint32_t mtime)
{
	size_t name_len = strlen(name);

	if (name_len == 0 || name[0] == '/' || len > UINT32_MAX || name_len > 4096 ||
	    cap < cpio_size(name_len, len))
		return 0;
	size_t n = put_entry(out, 1, 0100000 | (mode & 07777), 1, mtime, name, name_len, data, len);
	return n + put_entry(out + n, 0, 0, 1, 0, TRAILER, sizeof TRAILER - 1, NULL, 0);
}
