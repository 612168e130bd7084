/* log.c — key=value log records to the broker, stderr or syslog. */
#include "common/log.h"
#include "common/ipc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static int log_ipc_fd = -1;
static bool log_foreground = true;
static const char *log_source = "bootward";

void log_to_ipc(int ipc_fd)
{
	log_ipc_fd = ipc_fd;
}

void log_to_local(bool foreground, const char *source)
{
	log_ipc_fd = -1;
	log_foreground = foreground;
	log_source = source;
	if (!foreground)
		openlog("bootward", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

const char *log_level_name(enum log_level level)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };
	return (unsigned)level < 4 ? names[level] : "unknown";
}

void log_emit(enum log_level level, const char *source, int pid, const char *text)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if ((unsigned)level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_ERR;
	if (!log_foreground) {
		syslog(prio[level], "%s[%d] level=%s %s", source, pid, log_level_name(level), text);
		return;
	}
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s[%d] level=%s %s\n", stamp, ts.tv_nsec / 1000000,
		source, pid, log_level_name(level), text);
	fflush(stderr);
}

void log_rec(enum log_level level, const char *fmt, ...)
{
	uint8_t rec[1 + IPC_LOG_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf((char *)rec + 1, sizeof rec - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = strlen((char *)rec + 1);
	/* Whatever the caller formatted, a record stays one printable line. */
	for (size_t i = 1; i <= len; i++)
		if (rec[i] < 0x20 || rec[i] > 0x7e)
			rec[i] = '?';
	if (log_ipc_fd >= 0) {
		rec[0] = (uint8_t)level;
		if (ipc_send(log_ipc_fd, IPC_LOG, rec, len + 1, NULL, 0, 0) == 0)
			return;
	}
	log_emit(level, log_source, (int)getpid(), (char *)rec + 1);
}

bool log_limit_pass(struct log_limit *l, uint64_t now_ms)
{
	if (now_ms - l->window_ms >= 1000) {
		if (l->suppressed)
			log_rec(LOG_LEVEL_WARN, "event=%s count=%u", l->name, l->suppressed);
		l->window_ms = now_ms;
		l->logged = l->suppressed = 0;
	}
	if (l->logged >= LOG_LIMIT_PER_S) {
		l->suppressed++;
		return false;
	}
	l->logged++;
	return true;
}

static int plain_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._/:@+-", c) != NULL;
}

char *log_quote(char *out, size_t cap, const char *in, size_t len)
{
	size_t o = 0;
	bool plain = len > 0;

	if (cap < 8) {
		if (cap)
			out[0] = '\0';
		return out;
	}
	for (size_t i = 0; i < len; i++)
		if (!in[i] || !plain_byte((unsigned char)in[i]))
			plain = false;
	if (!plain)
		out[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		char esc[5];
		size_t k;
		if (c == '"' || c == '\\')
			k = (size_t)snprintf(esc, sizeof esc, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			k = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
		else
			esc[0] = (char)c, k = 1;
		if (o + k + 5 > cap) { /* room for `..."` and NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, esc, k);
		o += k;
	}
	if (!plain)
		out[o++] = '"';
	out[o] = '\0';
	return out;
}
