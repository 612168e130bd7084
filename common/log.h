/* log.h — one record per line, key=value fields, no secrets.
 *
 * In a worker, records travel to the broker over the IPC socket; the broker
 * tags them with the worker's name and pid and writes them to stderr
 * (foreground) or syslog.  Values that come from the network must go through
 * log_quote() so a client cannot forge fields or lines.
 */
#ifndef BOOTWARD_LOG_H
#define BOOTWARD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_LEVEL_ERR = 0, LOG_LEVEL_WARN = 1, LOG_LEVEL_INFO = 2, LOG_LEVEL_DEBUG = 3 };

/* Records go to the broker over this IPC socket (worker side). */
void log_to_ipc(int ipc_fd);
/* Records go to stderr (foreground) or syslog (daemon), tagged `source`. */
void log_to_local(bool foreground, const char *source);

/* Emit a record: `fmt` gives key=value fields, e.g. "event=start port=69". */
void log_rec(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Broker side: write a record that arrived from worker `source`/`pid`. */
void log_emit(enum log_level level, const char *source, int pid, const char *text);

/* Quote an untrusted value for a key=value record: left as is when it is made
 * only of [A-Za-z0-9._/:@+-], otherwise in double quotes with ", \ and
 * non-printable bytes escaped (\" \\ \xNN).  Always NUL-terminates out;
 * truncates with "..." when it does not fit.  Returns out. */
char *log_quote(char *out, size_t cap, const char *in, size_t len);

const char *log_level_name(enum log_level level);

/* A budget of LOG_LIMIT_PER_S records a second for one noisy kind of event
 * (refusals, drops), so a flood cannot fill the log.  When a new second
 * starts, the count suppressed in the last one is logged as `event=NAME`. */
#define LOG_LIMIT_PER_S 20
struct log_limit {
	const char *name;          /* e.g. "refusals-suppressed" */
	uint64_t window_ms;
	unsigned logged, suppressed;
};
bool log_limit_pass(struct log_limit *l, uint64_t now_ms);

#endif
