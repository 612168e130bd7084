/* test_kickstart.c — the pure parts of broker/kickstart.c: the neighbour
 * table lookup and the generated iPXE boot script; and ipc_check() on
 * kickstart requests and results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "broker/kickstart.h"
#include "common/ipc.h"

#include <arpa/inet.h>
#include <string.h>

static const char arp[] =
	"IP address       HW type     Flags       HW address            Mask     Device\n"
	"10.0.0.7         0x1         0x0         00:00:00:00:00:00     *        eth1\n"
	"10.0.0.8         0x1         0x0         52:54:00:00:00:08     *        eth1\n"
	"10.0.0.9         0x1         0x2         52:54:00:AB:cd:09     *        eth1\n"
	"10.0.0.19        0x1         0x6         52:54:00:00:00:13     *        eth1\n"
	"10.0.0.20        0x1         0x2         52:54:00:00:00:1      *        eth1\n"
	"10.0.0.21        0x1         0x2         52-54-00-00-00-15     *        eth1\n"
	"10.0.0.22        0x1\n"
	"10.0.0.23        0x1         0x2         52:54:00:00:00:17     *        eth2";

static int lookup(const char *ip, uint8_t mac[6])
{
	struct in_addr a;
	inet_pton(AF_INET, ip, &a);
	return ks_arp_lookup(arp, strlen(arp), a, mac);
}

static void test_arp(void **state)
{
	(void)state;
	uint8_t mac[6];
	static const uint8_t m9[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x09 };
	static const uint8_t m19[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x13 };
	static const uint8_t m23[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x17 };

	assert_int_equal(lookup("10.0.0.9", mac), 0);
	assert_memory_equal(mac, m9, 6);
	assert_int_equal(lookup("10.0.0.19", mac), 0); /* complete and permanent */
	assert_memory_equal(mac, m19, 6);
	assert_int_equal(lookup("10.0.0.23", mac), 0); /* last line without a newline */
	assert_memory_equal(mac, m23, 6);
	assert_int_equal(lookup("10.0.0.7", mac), -1);  /* incomplete, zero MAC */
	assert_int_equal(lookup("10.0.0.8", mac), -1);  /* incomplete */
	assert_int_equal(lookup("10.0.0.20", mac), -1); /* short MAC */
	assert_int_equal(lookup("10.0.0.21", mac), -1); /* wrong separators */
	assert_int_equal(lookup("10.0.0.22", mac), -1); /* truncated line */
	assert_int_equal(lookup("10.0.0.2", mac), -1);  /* a prefix of another address */
	assert_int_equal(lookup("10.0.0.90", mac), -1);
	struct in_addr a;
	inet_pton(AF_INET, "10.0.0.9", &a);
	assert_int_equal(ks_arp_lookup("", 0, a, mac), -1);
	assert_int_equal(ks_arp_lookup(arp, 100, a, mac), -1); /* the heading only */
}

static const struct ks_script_in web01 = {
	.base = "https://boot.test",
	.token = "AQAAAAAAUlQAEjRWAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc",
	.kernel = "/c7/vmlinuz", .initrd = "/c7/initrd.img",
	.append = "inst.ks=file:/ks.cfg quiet",
	.host = "web01", .mac = "52:54:00:12:34:56", .kickstart = "c7",
	.expiry = 1800000000, .one_time = 1, .verify = 1,
};

static void test_script(void **state)
{
	(void)state;
	char out[4096];
	const char *want =
		"#!ipxe\n"
		"# bootward boot script for host web01 (52:54:00:12:34:56), kickstart c7.\n"
		"# Its kickstart URLs work until 2027-01-15T08:00:00Z, once.\n"
		"# Every image must be signed by the CA this iPXE trusts.\n"
		"imgtrust --permanent\n"
		"iseq ${platform} efi && goto efi ||\n"
		"kernel --name kernel https://boot.test/c7/vmlinuz inst.ks=file:/ks.cfg quiet\n"
		"imgverify kernel https://boot.test/c7/vmlinuz.sig\n"
		"initrd --name initrd https://boot.test/c7/initrd.img\n"
		"imgverify initrd https://boot.test/c7/initrd.img.sig\n"
		"initrd --name ks.cfg https://boot.test/ks/AQAAAAAAUlQAEjRWAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc/ks.cfg /ks.cfg\n"
		"imgverify ks.cfg https://boot.test/ks/AQAAAAAAUlQAEjRWAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc/ks.cfg.sig\n"
		"boot\n"
		":efi\n"
		"kernel --name kernel https://boot.test/c7/vmlinuz inst.ks=file:/ks.cfg quiet initrd=initrd initrd=ks.cpio\n"
		"imgverify kernel https://boot.test/c7/vmlinuz.sig\n"
		"initrd --name initrd https://boot.test/c7/initrd.img\n"
		"imgverify initrd https://boot.test/c7/initrd.img.sig\n"
		"initrd --name ks.cpio https://boot.test/ks/AQAAAAAAUlQAEjRWAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc/ks.cpio\n"
		"imgverify ks.cpio https://boot.test/ks/AQAAAAAAUlQAEjRWAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc/ks.cpio.sig\n"
		"boot\n";
	long n = ks_script(out, sizeof out, &web01);

	assert_int_equal(n, (long)strlen(want));
	assert_string_equal(out, want);
	/* too small a buffer: refused, never overrun */
	for (size_t cap = 0; cap <= (size_t)n; cap += 97) {
		char small[4096];
		memset(small, 0x5a, sizeof small);
		assert_int_equal(ks_script(small, cap, &web01), -1);
		for (size_t k = cap; k < sizeof small; k++)
			assert_int_equal((unsigned char)small[k], 0x5a);
	}
	assert_int_equal(ks_script(out, (size_t)n, &web01), -1);
	assert_int_equal(ks_script(out, (size_t)n + 1, &web01), n);

	/* no initrd, no append: no initrd lines, the EFI stub gets ks.cpio only */
	struct ks_script_in bare = web01;
	bare.initrd = "";
	bare.append = "";
	bare.one_time = 0;
	n = ks_script(out, sizeof out, &bare);
	assert_true(n > 0);
	assert_null(strstr(out, "--name initrd"));
	assert_non_null(strstr(out, "until 2027-01-15T08:00:00Z.\n"));
	assert_non_null(strstr(out, "\nkernel --name kernel https://boot.test/c7/vmlinuz\n"));
	assert_non_null(strstr(out, "\nkernel --name kernel https://boot.test/c7/vmlinuz initrd=ks.cpio\n"));

	/* verify off: the same fetches, and no imgtrust or imgverify */
	struct ks_script_in plain = web01;
	plain.verify = 0;
	plain.base = "http://10.0.0.1";
	const char *want_plain =
		"#!ipxe\n"
		"# bootward boot script for host web01 (52:54:00:12:34:56), kickstart c7.\n"
		"# Its kickstart URLs work until 2027-01-15T08:00:00Z, once.\n"
		"# Images are not verified: the kickstart says verify off.\n"
		"iseq ${platform} efi && goto efi ||\n"
		"kernel --name kernel http://10.0.0.1/c7/vmlinuz inst.ks=file:/ks.cfg quiet\n"
		"initrd --name initrd http://10.0.0.1/c7/initrd.img\n"
		"initrd --name ks.cfg http://10.0.0.1/ks/AQAAAAAAUlQAEjRWAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc/ks.cfg /ks.cfg\n"
		"boot\n"
		":efi\n"
		"kernel --name kernel http://10.0.0.1/c7/vmlinuz inst.ks=file:/ks.cfg quiet initrd=initrd initrd=ks.cpio\n"
		"initrd --name initrd http://10.0.0.1/c7/initrd.img\n"
		"initrd --name ks.cpio http://10.0.0.1/ks/AQAAAAAAUlQAEjRWAQIDBAUGBwgJCgsMDQ4PEBESExQVFhc/ks.cpio\n"
		"boot\n";
	n = ks_script(out, sizeof out, &plain);
	assert_int_equal(n, (long)strlen(want_plain));
	assert_string_equal(out, want_plain);
}

static size_t ks_msg(uint8_t *buf, const struct ipc_ks_req *r)
{
	struct ipc_hdr h = { .type = IPC_KS_REQ, .len = sizeof *r };
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, r, sizeof *r);
	return sizeof h + sizeof *r;
}

static void test_ipc(void **state)
{
	(void)state;
	uint8_t buf[IPC_MSG_MAX];
	const char *why;
	struct ipc_ks_req ok = { .id = 1, .what = IPC_KS_CFG, .flags = IPC_KS_TLS };
	strcpy(ok.token, web01.token);
	strcpy(ok.host, "boot.test:8443");

	struct ipc_ks_req r = ok;
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), 0);
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 0, &why), -1); /* not from the broker */
	r.what = IPC_KS_SCRIPT;
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1); /* a script takes no token */
	memset(r.token, 0, sizeof r.token);
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), 0);
	r = ok;
	memset(r.token, 0, sizeof r.token);
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1); /* a kickstart needs one */
	r = ok;
	r.what = IPC_KS_WHAT_MAX + 1;
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1);
	r = ok;
	r.flags = 4;
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1);
	r = ok;
	r.token[3] = '/';
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1);
	r = ok;
	memset(r.token, 'A', sizeof r.token); /* no NUL */
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1);
	r = ok;
	r.token[50] = 'x'; /* bytes after the NUL */
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1);
	static const char *bad_hosts[] = { "a b", "a\nb", "a/b", "a\"b", "${x}", "a\\b", "\x80" };
	for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
		r = ok;
		memset(r.host, 0, sizeof r.host);
		strcpy(r.host, bad_hosts[i]);
		assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), -1);
	}
	r = ok;
	memset(r.host, 0, sizeof r.host);
	strcpy(r.host, "[::1]:443");
	assert_int_equal(ipc_check(buf, ks_msg(buf, &r), 1, &why), 0);
	size_t n = ks_msg(buf, &ok);
	struct ipc_hdr h;
	memcpy(&h, buf, sizeof h);
	h.len--;
	memcpy(buf, &h, sizeof h);
	assert_int_equal(ipc_check(buf, n - 1, 1, &why), -1); /* short */

	/* results, from the broker */
	struct ipc_ks_result res = { .id = 1, .status = 200 };
	h = (struct ipc_hdr){ .type = IPC_KS_RESULT, .len = sizeof res };
	static const uint32_t statuses[] = { 200, 404, 500, 503 };
	for (size_t i = 0; i < 4; i++) {
		res.status = statuses[i];
		memcpy(buf, &h, sizeof h);
		memcpy(buf + sizeof h, &res, sizeof res);
		assert_int_equal(ipc_check(buf, sizeof h + sizeof res, 0, &why), 0);
		assert_int_equal(ipc_check(buf, sizeof h + sizeof res, 1, &why), -1);
	}
	res.status = 302;
	memcpy(buf + sizeof h, &res, sizeof res);
	assert_int_equal(ipc_check(buf, sizeof h + sizeof res, 0, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_ipc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
