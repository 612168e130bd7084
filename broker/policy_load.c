/* policy_load.c — read a policy file for the broker and `bootward policy check`. */
#include "broker/broker.h"
#include "broker/template.h"
#include "common/log.h"
#include "policy/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if (st.st_size > POLICY_MAX_SIZE) {
		errno = EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

/* Every kickstart template the policy names must be a readable file of at
 * most POLICY_MAX_SIZE bytes holding only known variables; its errors are
 * reported as TEMPLATE:LINE:COLUMN.  A kernel command line (append) follows
 * the same rules. */
static int check_templates(const struct policy *p, const char *policy_name, bool to_log)
{
	int rc = 0;

	for (size_t i = 0; i < p->n_kickstarts; i++) {
		const struct policy_kickstart *k = &p->kickstarts[i];
		struct template_error err;
		char msg[POLICY_PATH_MAX + 256];
		size_t len;
		char *t = read_file(k->template_path, &len);

		if (!t)
			snprintf(msg, sizeof msg, "%s: %s (the template of kickstart %s in %s)", k->template_path,
				 strerror(errno), k->name, policy_name);
		else if (template_check(t, len, &err) < 0)
			snprintf(msg, sizeof msg, "%s:%u:%u: %s (kickstart %s)", k->template_path, err.line,
				 err.column, err.message, k->name);
		else if (template_check(k->append, strlen(k->append), &err) < 0)
			snprintf(msg, sizeof msg, "%s: kickstart %s: append, column %u: %s", policy_name, k->name,
				 err.column, err.message);
		else
			msg[0] = '\0';
		free(t);
		if (!msg[0])
			continue;
		rc = -1;
		if (to_log) {
			char q[sizeof msg + 64];
			log_rec(LOG_LEVEL_ERR, "event=policy error=%s", log_quote(q, sizeof q, msg, strlen(msg)));
		} else {
			fprintf(stderr, "%s\n", msg);
		}
	}
	return rc;
}

int policy_load(const char *path, struct policy *p, char **text, size_t *len, bool to_log)
{
	static struct policy_errors errs;
	static char report[POLICY_MAX_ERRORS * 256];
	const char *name = path ? path : "(built-in default)";

	if (path) {
		*text = read_file(path, len);
		if (!*text) {
			if (to_log)
				log_rec(LOG_LEVEL_ERR, "event=policy file=%s error=\"%s\"", path, strerror(errno));
			else
				fprintf(stderr, "bootward: %s: %s\n", path, strerror(errno));
			return -1;
		}
	} else {
		*len = strlen(policy_default_text);
		*text = strdup(policy_default_text);
		if (!*text)
			return -1;
	}
	if (policy_parse(*text, *len, name, p, &errs) == 0) {
		if (check_templates(p, name, to_log) == 0)
			return 0;
		free(*text);
		*text = NULL;
		return -1;
	}
	policy_errors_format(&errs, report, sizeof report);
	if (to_log) {
		for (char *line = strtok(report, "\n"); line; line = strtok(NULL, "\n")) {
			char q[320];
			log_rec(LOG_LEVEL_ERR, "event=policy error=%s", log_quote(q, sizeof q, line, strlen(line)));
		}
	} else {
		fputs(report, stderr);
	}
	free(*text);
	*text = NULL;
	return -1;
}
