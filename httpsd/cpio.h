/* cpio.h — a one-file "newc" cpio archive, as Linux unpacks into its
 * initramfs (and iPXE appends to an initrd).
 *
 * httpsd serves a kickstart F (F.ks, F.cfg) also as F.cpio: an archive
 * holding /ks.cfg, which firmware and iPXE builds that cannot name an
 * initrd file can still pass to the installer as an extra initrd.
 * Pure code: no syscalls, no allocation.
 */
#ifndef BOOTWARD_CPIO_H
#define BOOTWARD_CPIO_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the archive for a member called `name` (no leading '/')
 * holding `len` bytes, trailer included. */
size_t cpio_size(size_t name_len, size_t len);

/* Write the archive: the member (regular file, `mode` permission bits,
 * uid/gid 0, mtime), then the TRAILER!!! entry, every part padded to four
 * bytes.  Returns the bytes written, or 0 when cap is too small, the name
 * is empty, holds a '/' at its start or a NUL, or len exceeds 32 bits. */
size_t cpio_write(uint8_t *out, size_t cap, const char *name, const uint8_t *data, size_t len,
		  uint32_t mode, uint32_t mtime);

#endif
