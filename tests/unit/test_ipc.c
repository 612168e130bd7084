/* test_ipc.c — broker/worker message framing, fd passing, validation of what
 * a worker sends, and quoting of untrusted log values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/ipc.h"
#include "common/log.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int pair[2];

static int setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair);
}

static int teardown(void **state)
{
	(void)state;
	close(pair[0]);
	close(pair[1]);
	return 0;
}

static size_t make_msg(uint8_t *buf, uint16_t type, uint16_t flags, uint32_t len_field,
		       const void *payload, size_t plen)
{
	struct ipc_hdr h = { .type = type, .flags = flags, .len = len_field };
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, payload, plen);
	return sizeof h + plen;
}

static void test_send_recv_roundtrip(void **state)
{
	(void)state;
	struct ipc_hello hello = { .version = IPC_VERSION, .kind = 2 };
	uint8_t buf[IPC_MSG_MAX];
	const char *why = NULL;

	assert_int_equal(ipc_send(pair[0], IPC_HELLO, &hello, sizeof hello, NULL, 0, 0), 0);
	size_t nfds = 4;
	int fds[4];
	ssize_t n = ipc_recv(pair[1], buf, fds, &nfds, 0);
	assert_int_equal(n, sizeof(struct ipc_hdr) + sizeof hello);
	assert_int_equal(nfds, 0);
	assert_int_equal(ipc_check(buf, (size_t)n, 0, &why), 0);
	struct ipc_hello got;
	memcpy(&got, buf + sizeof(struct ipc_hdr), sizeof got);
	assert_int_equal(got.version, IPC_VERSION);
	assert_int_equal(got.kind, 2);
}

static void test_fd_passing(void **state)
{
	(void)state;
	int p[2];
	uint8_t buf[IPC_MSG_MAX];
	assert_int_equal(pipe(p), 0);
	struct ipc_sockets m = { .role = IPC_SOCK_TFTP_POOL, .count = 2, .first_port = 4096 };
	int send_fds[2] = { p[0], p[1] };
	assert_int_equal(ipc_send(pair[0], IPC_SOCKETS, &m, sizeof m, send_fds, 2, 0), 0);
	int fds[4];
	size_t nfds = 4;
	ssize_t n = ipc_recv(pair[1], buf, fds, &nfds, 0);
	assert_true(n > 0);
	assert_int_equal(nfds, 2);
	/* The received fds are new descriptors for the same pipe, close-on-exec. */
	assert_int_equal(write(fds[1], "x", 1), 1);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	close(p[0]);
	close(p[1]);
}

static void test_excess_fds_are_closed(void **state)
{
	(void)state;
	int p[2];
	uint8_t buf[IPC_MSG_MAX];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0); /* a leaked writer shows as EAGAIN, not a hang */
	int send_fds[2] = { p[0], p[1] };
	assert_int_equal(ipc_send(pair[0], IPC_START, NULL, 0, send_fds, 2, 0), 0);
	close(p[0]);
	close(p[1]);
	int fds[1];
	size_t nfds = 1;
	ssize_t n = ipc_recv(pair[1], buf, fds, &nfds, 0);
	assert_int_equal(n, sizeof(struct ipc_hdr));
	assert_int_equal(nfds, 1);
	/* fds[0] is the read end; ipc_recv closed the write end it had no room
	 * for, so the pipe has no writer left and a read sees end of file. */
	char c;
	assert_int_equal(read(fds[0], &c, 1), 0);
	close(fds[0]);
}

static void test_oversized_payload_refused(void **state)
{
	(void)state;
	static uint8_t big[IPC_MSG_MAX];
	assert_int_equal(ipc_send(pair[0], IPC_LOG, big, IPC_PAYLOAD_MAX + 1, NULL, 0, 0), -1);
	int many[IPC_FDS_MAX + 1] = { 0 };
	assert_int_equal(ipc_send(pair[0], IPC_START, NULL, 0, many, IPC_FDS_MAX + 1, 0), -1);
}

static void test_check_worker_log(void **state)
{
	(void)state;
	uint8_t buf[IPC_MSG_MAX];
	const char *why = NULL;
	uint8_t rec[] = { LOG_LEVEL_INFO, 'e', 'v', '=', '1' };
	size_t n = make_msg(buf, IPC_LOG, 0, sizeof rec, rec, sizeof rec);
	assert_int_equal(ipc_check(buf, n, 1, &why), 0);
}

static void expect_rejected(const uint8_t *buf, size_t n, int from_worker, const char *reason)
{
	const char *why = NULL;
	assert_int_equal(ipc_check(buf, n, from_worker, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_check_rejects_malformed(void **state)
{
	(void)state;
	uint8_t buf[IPC_MSG_MAX + 16] = { 0 };
	uint8_t rec[] = { LOG_LEVEL_INFO, 'o', 'k' };
	size_t n;

	expect_rejected(buf, 3, 1, "message of bad size");
	expect_rejected(buf, IPC_MSG_MAX + 1, 1, "message of bad size");
	n = make_msg(buf, IPC_LOG, 0, sizeof rec + 1, rec, sizeof rec);
	expect_rejected(buf, n, 1, "length field disagrees with message size");
	n = make_msg(buf, IPC_LOG, 0, UINT32_MAX, rec, sizeof rec);
	expect_rejected(buf, n, 1, "length field disagrees with message size");
	n = make_msg(buf, IPC_LOG, 1, sizeof rec, rec, sizeof rec);
	expect_rejected(buf, n, 1, "nonzero flags");
	/* A worker may only log: it cannot send broker-only messages. */
	struct ipc_hello hello = { .version = IPC_VERSION, .kind = 2 };
	n = make_msg(buf, IPC_HELLO, 0, sizeof hello, &hello, sizeof hello);
	expect_rejected(buf, n, 1, "unknown message type from worker");
	n = make_msg(buf, 999, 0, sizeof rec, rec, sizeof rec);
	expect_rejected(buf, n, 1, "unknown message type from worker");
	uint8_t bad_level[] = { 9, 'x' };
	n = make_msg(buf, IPC_LOG, 0, sizeof bad_level, bad_level, sizeof bad_level);
	expect_rejected(buf, n, 1, "log record with unknown level");
	uint8_t newline[] = { LOG_LEVEL_INFO, 'a', '\n', 'b' };
	n = make_msg(buf, IPC_LOG, 0, sizeof newline, newline, sizeof newline);
	expect_rejected(buf, n, 1, "log record with unprintable byte");
	uint8_t high[] = { LOG_LEVEL_INFO, 'a', 0xc3, 0xa9 };
	n = make_msg(buf, IPC_LOG, 0, sizeof high, high, sizeof high);
	expect_rejected(buf, n, 1, "log record with unprintable byte");
	uint8_t empty[] = { LOG_LEVEL_INFO };
	n = make_msg(buf, IPC_LOG, 0, sizeof empty, empty, sizeof empty);
	expect_rejected(buf, n, 1, "log record of bad length");
	/* Broker direction: exact payload sizes per type. */
	n = make_msg(buf, IPC_HELLO, 0, sizeof hello - 1, &hello, sizeof hello - 1);
	expect_rejected(buf, n, 0, "payload of wrong size for its type");
	n = make_msg(buf, IPC_START, 0, 1, "x", 1);
	expect_rejected(buf, n, 0, "payload of wrong size for its type");
	n = make_msg(buf, IPC_LOG, 0, sizeof rec, rec, sizeof rec);
	expect_rejected(buf, n, 0, "unknown message type from broker");
}

/* Key operations: exact lengths, a known kind, sigalg only with sign. */
static void test_check_key_messages(void **state)
{
	(void)state;
	uint8_t buf[IPC_MSG_MAX], payload[IPC_MSG_MAX];
	const char *why = NULL;
	struct ipc_key_op k = { .id = 7, .op = IPC_KEY_SIGN, .sigalg = 0x0804, .len = 100 };
	size_t n;

	memset(payload, 0xab, sizeof payload);
	memcpy(payload, &k, sizeof k);
	n = make_msg(buf, IPC_KEY_OP, 0, sizeof k + 100, payload, sizeof k + 100);
	assert_int_equal(ipc_check(buf, n, 1, &why), 0);
	assert_int_equal(ipc_check(buf, n, 0, &why), -1); /* never from the broker */
	/* len field disagreeing with the payload */
	n = make_msg(buf, IPC_KEY_OP, 0, sizeof k + 99, payload, sizeof k + 99);
	assert_int_equal(ipc_check(buf, n, 1, &why), -1);
	/* too much data */
	k.len = IPC_KEY_DATA_MAX + 1;
	memcpy(payload, &k, sizeof k);
	n = make_msg(buf, IPC_KEY_OP, 0, sizeof k + k.len, payload, sizeof k + k.len);
	assert_int_equal(ipc_check(buf, n, 1, &why), -1);
	/* empty */
	k.len = 0;
	memcpy(payload, &k, sizeof k);
	n = make_msg(buf, IPC_KEY_OP, 0, sizeof k, payload, sizeof k);
	assert_int_equal(ipc_check(buf, n, 1, &why), -1);
	/* decrypt with a sigalg, sign without one, unknown op */
	struct ipc_key_op bad[] = {
		{ .op = IPC_KEY_DECRYPT, .sigalg = 0x0401, .len = 256 },
		{ .op = IPC_KEY_SIGN, .sigalg = 0, .len = 256 },
		{ .op = 3, .sigalg = 0, .len = 256 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(payload, &bad[i], sizeof bad[i]);
		n = make_msg(buf, IPC_KEY_OP, 0, sizeof bad[i] + 256, payload, sizeof bad[i] + 256);
		assert_int_equal(ipc_check(buf, n, 1, &why), -1);
	}
	k = (struct ipc_key_op){ .op = IPC_KEY_DECRYPT, .len = 256 };
	memcpy(payload, &k, sizeof k);
	n = make_msg(buf, IPC_KEY_OP, 0, sizeof k + 256, payload, sizeof k + 256);
	assert_int_equal(ipc_check(buf, n, 1, &why), 0);

	/* Results, broker -> httpsd only. */
	struct ipc_key_result r = { .id = 7, .ok = 1, .len = 256 };
	memcpy(payload, &r, sizeof r);
	n = make_msg(buf, IPC_KEY_RESULT, 0, sizeof r + 256, payload, sizeof r + 256);
	assert_int_equal(ipc_check(buf, n, 0, &why), 0);
	assert_int_equal(ipc_check(buf, n, 1, &why), -1);
	r = (struct ipc_key_result){ .id = 7, .ok = 0, .len = 0 };
	memcpy(payload, &r, sizeof r);
	n = make_msg(buf, IPC_KEY_RESULT, 0, sizeof r, payload, sizeof r);
	assert_int_equal(ipc_check(buf, n, 0, &why), 0);
	r = (struct ipc_key_result){ .id = 7, .ok = 0, .len = 4 }; /* a failure carries no data */
	memcpy(payload, &r, sizeof r);
	n = make_msg(buf, IPC_KEY_RESULT, 0, sizeof r + 4, payload, sizeof r + 4);
	assert_int_equal(ipc_check(buf, n, 0, &why), -1);
	r = (struct ipc_key_result){ .id = 7, .ok = 2, .len = 4 };
	memcpy(payload, &r, sizeof r);
	n = make_msg(buf, IPC_KEY_RESULT, 0, sizeof r + 4, payload, sizeof r + 4);
	assert_int_equal(ipc_check(buf, n, 0, &why), -1);
	/* The certificate chain message carries no payload. */
	n = make_msg(buf, IPC_CERTS, 0, 0, payload, 0);
	assert_int_equal(ipc_check(buf, n, 0, &why), 0);
	n = make_msg(buf, IPC_CERTS, 0, 1, payload, 1);
	assert_int_equal(ipc_check(buf, n, 0, &why), -1);
}

static void test_log_quote(void **state)
{
	(void)state;
	char out[64];

	assert_string_equal(log_quote(out, sizeof out, "undionly.kpxe", 13), "undionly.kpxe");
	assert_string_equal(log_quote(out, sizeof out, "a b", 3), "\"a b\"");
	assert_string_equal(log_quote(out, sizeof out, "x=1 evil=2", 10), "\"x=1 evil=2\"");
	assert_string_equal(log_quote(out, sizeof out, "q\"\\", 3), "\"q\\\"\\\\\"");
	assert_string_equal(log_quote(out, sizeof out, "a\nb\x01", 4), "\"a\\x0ab\\x01\"");
	assert_string_equal(log_quote(out, sizeof out, "a\0b", 3), "\"a\\x00b\"");
	assert_string_equal(log_quote(out, sizeof out, "", 0), "\"\"");
	char longin[200];
	memset(longin, 'z', sizeof longin);
	log_quote(out, 20, longin, sizeof longin);
	assert_true(strlen(out) < 20);
	assert_non_null(strstr(out, "..."));
	assert_string_equal(log_quote(out, 4, "abc", 3), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_recv_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_passing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_excess_fds_are_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_payload_refused, setup, teardown),
		cmocka_unit_test(test_check_worker_log),
		cmocka_unit_test(test_check_rejects_malformed),
		cmocka_unit_test(test_check_key_messages),
		cmocka_unit_test(test_log_quote),
	};
	return cmocka_run_group_tests_name("ipc", tests, NULL, NULL);
}
