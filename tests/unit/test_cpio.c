/* test_cpio.c — one-file newc archives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "httpsd/cpio.h"

#include <stdlib.h>
#include <string.h>

static unsigned long field(const uint8_t *h, int i)
{
	char f[9];
	memcpy(f, h + 6 + 8 * i, 8);
	f[8] = '\0';
	return strtoul(f, NULL, 16);
}

static void test_layout(void **state)
{
	(void)state;
	static const uint8_t ks[] = "text\nrootpw --iscrypted $6$x\n"; /* 29 bytes + NUL */
	uint8_t buf[1024];
	size_t len = sizeof ks - 1;
	size_t n = cpio_write(buf, sizeof buf, "ks.cfg", ks, len, 0600, 1700000000);

	assert_int_equal(n, cpio_size(6, len));
	assert_int_equal(n % 4, 0);
	assert_memory_equal(buf, "070701", 6);
	assert_int_equal(field(buf, 1), 0100600);    /* regular file, 0600 */
	assert_int_equal(field(buf, 2), 0);          /* uid */
	assert_int_equal(field(buf, 5), 1700000000); /* mtime */
	assert_int_equal(field(buf, 6), len);        /* filesize */
	assert_int_equal(field(buf, 11), 7);         /* namesize, NUL included */
	assert_memory_equal(buf + 110, "ks.cfg\0", 7);
	/* name padded: 110 + 7 = 117 -> 120; data at 120, padded to 4 */
	assert_memory_equal(buf + 120, ks, len);
	size_t trailer = 120 + ((len + 3) & ~3u);
	assert_memory_equal(buf + trailer, "070701", 6);
	assert_int_equal(field(buf + trailer, 11), 11);
	assert_memory_equal(buf + trailer + 110, "TRAILER!!!\0", 11);
	assert_int_equal(trailer + 124, n);
}

static void test_refusals(void **state)
{
	(void)state;
	uint8_t buf[256];

	assert_int_equal(cpio_write(buf, sizeof buf, "", (const uint8_t *)"x", 1, 0644, 0), 0);
	assert_int_equal(cpio_write(buf, sizeof buf, "/ks.cfg", (const uint8_t *)"x", 1, 0644, 0), 0);
	/* exactly enough room works, one byte less does not */
	size_t need = cpio_size(6, 1);
	assert_int_equal(cpio_write(buf, need, "ks.cfg", (const uint8_t *)"x", 1, 0644, 0), need);
	assert_int_equal(cpio_write(buf, need - 1, "ks.cfg", (const uint8_t *)"x", 1, 0644, 0), 0);
	/* an empty file is a valid member */
	assert_int_equal(cpio_write(buf, sizeof buf, "ks.cfg", NULL, 0, 0644, 0), cpio_size(6, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
