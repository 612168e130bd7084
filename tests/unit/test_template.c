/* test_template.c — ${name} substitution in kickstart templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "broker/template.h"

#include <string.h>

static const struct template_values host = { .v = {
	[TV_HOSTNAME] = "web01", [TV_IP] = "10.33.1.20", [TV_MAC] = "00:0c:29:f6:07:ca",
	[TV_SERVER] = "10.33.1.1", [TV_KS_URL] = "https://10.33.1.1/ks/TOKEN/ks.cfg",
	[TV_DOMAIN] = "lab.example", [TV_GATEWAY] = "10.33.1.254", [TV_NETMASK] = "255.255.0.0",
	[TV_DNS] = "10.33.1.1,10.33.1.2",
} };

static char out[4096];

static const char *render(const char *t)
{
	struct template_error err;
	long n = template_render(t, strlen(t), &host, out, sizeof out, &err);

	if (n < 0)
		fail_msg("render failed at %u:%u: %s", err.line, err.column, err.message);
	assert_int_equal((size_t)n, strlen(out));
	return out;
}

static void test_variables(void **state)
{
	(void)state;
	assert_string_equal(render("network --hostname=${hostname}.${domain} --ip=${ip} --gateway=${gateway} "
				   "--netmask=${netmask} --nameserver=${dns}\n"),
			    "network --hostname=web01.lab.example --ip=10.33.1.20 --gateway=10.33.1.254 "
			    "--netmask=255.255.0.0 --nameserver=10.33.1.1,10.33.1.2\n");
	assert_string_equal(render("${mac} ${server} ${ks_url}"),
			    "00:0c:29:f6:07:ca 10.33.1.1 https://10.33.1.1/ks/TOKEN/ks.cfg");
	assert_string_equal(render(""), "");
	assert_string_equal(render("no variables at all\n"), "no variables at all\n");
}

/* Dollar signs that are not "${" are copied: password hashes, $$, $1. */
static void test_dollars(void **state)
{
	(void)state;
	assert_string_equal(render("rootpw --iscrypted $6$salt$hash\n"), "rootpw --iscrypted $6$salt$hash\n");
	assert_string_equal(render("echo $$ $1 $HOME $"), "echo $$ $1 $HOME $");
	assert_string_equal(render("echo $${HOSTNAME} $${x"), "echo ${HOSTNAME} ${x");
	assert_string_equal(render("$$$${ip}"), "$$${ip}");
	assert_string_equal(render("$${ip}${ip}"), "${ip}10.33.1.20");
}

static void expect_error(const char *t, unsigned line, unsigned column, const char *fragment)
{
	struct template_error err;

	assert_int_equal(template_check(t, strlen(t), &err), -1);
	if (err.line != line || err.column != column || !strstr(err.message, fragment))
		fail_msg("%s: got %u:%u %s", t, err.line, err.column, err.message);
	assert_int_equal(template_render(t, strlen(t), &host, out, sizeof out, &err), -1);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("text\n  ${HOSTNAME}\n", 2, 3, "not a variable");
	expect_error("${hostnam}", 1, 1, "unknown variable ${hostnam}");
	expect_error("a ${ip", 1, 3, "unclosed");
	expect_error("a ${ip\n}", 1, 3, "unclosed");
	expect_error("${}", 1, 1, "unknown variable ${}");
	expect_error("${ip;rm -rf /}", 1, 1, "not a variable");
	expect_error("${aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}", 1, 1, "unclosed");
	struct template_error err;
	assert_int_equal(template_check("x\0${ip}", 7, &err), -1);
	assert_non_null(strstr(err.message, "NUL"));
	assert_int_equal(template_check("${hostname} ${ks_url} $${X}", 27, &err), 0);
}

static void test_missing_value_and_overflow(void **state)
{
	(void)state;
	struct template_values partial = host;
	struct template_error err;
	char small[8];

	partial.v[TV_DOMAIN] = NULL;
	assert_int_equal(template_render("x\n${domain}", 11, &partial, out, sizeof out, &err), -1);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, "${domain} has no value"));
	assert_int_equal(template_render("${ks_url}", 9, &host, small, sizeof small, &err), -1);
	assert_non_null(strstr(err.message, "longer than 7 bytes"));
	assert_int_equal(template_render("1234567", 7, &host, small, sizeof small, &err), 7);
	assert_string_equal(small, "1234567");
	assert_int_equal(template_render("12345678", 8, &host, small, sizeof small, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_dollars),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_value_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
