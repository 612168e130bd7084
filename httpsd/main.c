/* httpsd — the HTTPS worker: static files over TLS (and plain HTTP when the
 * policy enables it) from a read-only chroot, in one epoll loop.
 *
 * It holds no private key.  During a TLS handshake BoringSSL calls the
 * private-key hooks below; they send the operation to the broker over the
 * IPC channel and park the connection until the answer arrives.
 *
 * Request parsing, paths, ranges and conditionals are in http.c (pure,
 * fuzzed); this file is the thin shell of syscalls around it.
 */
#include "broker/keys.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/net.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "httpsd/cpio.h"
#include "httpsd/http.h"

#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "httpsd is built against BoringSSL (android-libboringssl-dev); see DESIGN.md"
#endif
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pool.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FD_MAX 8192            /* the broker gives workers this RLIMIT_NOFILE */
#define FD_BITS 13             /* key-operation ids: sequence << FD_BITS | fd */
#define OUT_CAP (64 * 1024)    /* one read of a file, written as four TLS records */
#define IN_CAP (HTTP_HEAD_MAX + 1024)
#define CLOSE_LINGER_MS 2000   /* drain a client's leftovers before closing after an error */
#define SWEEP_MS 250           /* how often deadlines are checked */
#define ACCEPT_BATCH 64
#define LISTING_MAX_ENTRIES 10000
#define CHAIN_MAX 8
#define KICKSTART_MAX (1024 * 1024) /* largest kickstart wrapped in a cpio archive */

enum { EV_IPC = 0, EV_LISTEN = 1, EV_CONN = 2 };
#define EV(kind, n) (((uint64_t)(kind) << 32) | (uint32_t)(n))

enum conn_state { C_HANDSHAKE, C_READ, C_BROKER, C_WRITE, C_LINGER }; /* C_BROKER: awaiting a /ks/ answer */

struct conn {
	int fd;
	uint32_t id;                   /* for key-operation results */
	SSL *ssl;                      /* NULL: plain HTTP */
	struct in_addr peer;
	uint16_t peer_port;
	enum conn_state state;
	uint32_t events;               /* epoll interest now registered */
	uint64_t deadline;
	uint64_t req_start;
	bool head_timer;               /* deadline is the header timeout */
	/* key operation in flight */
	bool pk_pending, pk_ready, pk_ok;
	uint16_t pk_len;
	uint8_t *pk_out;
	uint8_t ks_what;               /* enum ipc_ks_what of the request the broker answers */
	/* request */
	uint8_t in[IN_CAP];
	size_t in_len;
	struct http_parser parser;
	/* response */
	uint8_t *out;                  /* OUT_CAP bytes while a response is being sent */
	size_t out_len, out_off;
	uint8_t *body;                 /* a generated body (listing), sent after out */
	size_t body_len, body_off;
	int file;                      /* -1: none */
	uint64_t file_off, file_left;
	bool keep_alive, close_after;
	/* for the access log */
	int status;
	uint64_t sent;
};

struct client_count {
	uint32_t addr; /* network order; 0: empty */
	uint32_t n;
};

static struct {
	struct policy policy;
	const struct policy_https *h;
	SSL_CTX *ctx;
	int epfd;
	int listen[2 * POLICY_MAX_INTERFACES];
	bool listen_tls[2 * POLICY_MAX_INTERFACES];
	size_t n_listen;
	struct conn *by_fd[FD_MAX];
	size_t n_conns;
	struct client_count *clients;
	size_t clients_mask;
	uint32_t seq;
	int conn_idx;                  /* SSL ex_data index of the struct conn */
	struct log_limit lim_refuse, lim_timeout, lim_tls, lim_error;
} H = {
	.lim_refuse = { .name = "refusals-suppressed" },
	.lim_timeout = { .name = "timeouts-suppressed" },
	.lim_tls = { .name = "tls-errors-suppressed" },
	.lim_error = { .name = "errors-suppressed" },
};

static _Noreturn void fatal(const char *what)
{
	worker_fatal(what);
}

/* ---- per-client connection counts (open addressing, backward-shift delete) */

static size_t client_slot(uint32_t addr)
{
	size_t i = (addr * 2654435761u) & H.clients_mask;

	while (H.clients[i].addr && H.clients[i].addr != addr)
		i = (i + 1) & H.clients_mask;
	return i;
}

static bool client_add(struct in_addr a)
{
	size_t i = client_slot(a.s_addr);

	if (H.clients[i].n >= H.h->max_per_client)
		return false;
	H.clients[i].addr = a.s_addr;
	H.clients[i].n++;
	return true;
}

static void client_del(struct in_addr a)
{
	size_t i = client_slot(a.s_addr);

	if (!H.clients[i].addr || --H.clients[i].n > 0)
		return;
	/* Remove, then move back every later entry of the run that can fill the hole. */
	for (size_t j = i;;) {
		H.clients[i].addr = 0;
		for (;;) {
			j = (j + 1) & H.clients_mask;
			if (!H.clients[j].addr)
				return;
			size_t home = (H.clients[j].addr * 2654435761u) & H.clients_mask;
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		H.clients[i] = H.clients[j];
		i = j;
	}
}

/* ---- logging -------------------------------------------------------------- */

static const char *peer_str(const struct conn *c, char *buf, size_t cap)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->peer, a, sizeof a);
	snprintf(buf, cap, "%s:%u", a, (unsigned)c->peer_port);
	return buf;
}

static void log_request(const struct conn *c, uint64_t now)
{
	char peer[32], target[160], method[48];
	const struct http_request *r = &c->parser.req;
	bool parsed = c->parser.result == HTTP_DONE;

	if (!H.h->access_log && c->status < 400)
		return;
	if (!H.h->access_log && !log_limit_pass(&H.lim_error, now))
		return;
	if (parsed || r->target.len) {
		const char *t = (const char *)c->in + r->target.off;
		const char *tok_end = r->target.len > 4 && !memcmp(t, "/ks/", 4) ? memchr(t + 4, '/', r->target.len - 4) : NULL;
		if (tok_end) {
			/* A kickstart token is a credential: not in the log. */
			char redacted[160];
			int k = snprintf(redacted, sizeof redacted, "/ks/*%.*s", (int)(r->target.len - (size_t)(tok_end - t)),
					 tok_end);
			log_quote(target, sizeof target, redacted, k < (int)sizeof redacted ? (size_t)k : sizeof redacted - 1);
		} else {
			log_quote(target, sizeof target, t, r->target.len);
		}
		log_quote(method, sizeof method, (const char *)c->in + r->method_tok.off, r->method_tok.len);
	} else {
		snprintf(target, sizeof target, "-");
		snprintf(method, sizeof method, "-");
	}
	log_rec(c->status >= 400 ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
		"event=http client=%s tls=%s method=%s target=%s status=%d bytes=%llu ms=%llu%s%s%s",
		peer_str(c, peer, sizeof peer), c->ssl ? SSL_get_version(c->ssl) : "off", method, target,
		c->status, (unsigned long long)c->sent, (unsigned long long)(now - c->req_start),
		c->parser.why && c->status >= 400 ? " why=\"" : "",
		c->parser.why && c->status >= 400 ? c->parser.why : "",
		c->parser.why && c->status >= 400 ? "\"" : "");
}

static void log_tls_error(const struct conn *c, const char *what, uint64_t now)
{
	char peer[32], reason[160] = "closed";
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, reason, sizeof reason);
	ERR_clear_error();
	if (log_limit_pass(&H.lim_tls, now))
		log_rec(LOG_LEVEL_INFO, "event=tls-error client=%s during=%s error=\"%s\"",
			peer_str(c, peer, sizeof peer), what, reason);
}

/* ---- connections ---------------------------------------------------------- */

static void set_events(struct conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	struct epoll_event ev = { .events = events, .data.u64 = EV(EV_CONN, c->fd) };
	if (epoll_ctl(H.epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static void response_reset(struct conn *c)
{
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	c->file_left = 0;
	free(c->body);
	c->body = NULL;
	c->body_len = c->body_off = 0;
	c->out_len = c->out_off = 0;
	c->sent = 0;
	c->status = 0;
}

static void conn_close(struct conn *c)
{
	H.by_fd[c->fd] = NULL;
	epoll_ctl(H.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	response_reset(c);
	SSL_free(c->ssl); /* a key result still on its way is dropped by its id */
	free(c->out);
	free(c->pk_out);
	client_del(c->peer);
	H.n_conns--;
	free(c);
}

/* After an error response: stop sending, read and discard what the client
 * still sends for a moment, so that closing does not reset the connection
 * before the client has read the response. */
static void conn_linger(struct conn *c, uint64_t now)
{
	shutdown(c->fd, SHUT_WR);
	c->state = C_LINGER;
	c->deadline = now + CLOSE_LINGER_MS;
	set_events(c, EPOLLIN);
}

/* Read and write through TLS or directly.  Return bytes (> 0), 0 at the end
 * of the stream, or -1 when the caller must wait (c->events set) or -2 on
 * error. */
static ssize_t tls_result(struct conn *c, int r, const char *what, uint64_t now)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		set_events(c, EPOLLIN);
		return -1;
	case SSL_ERROR_WANT_WRITE:
		set_events(c, EPOLLOUT);
		return -1;
	case SSL_ERROR_WANT_PRIVATE_KEY_OPERATION:
		set_events(c, 0); /* nothing to do until the broker answers */
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		/* A client that leaves between requests without close_notify
		 * is common and harmless: not worth a record. */
		if (!(c->state == C_READ && c->in_len == 0 && !c->head_timer))
			log_tls_error(c, what, now);
		ERR_clear_error();
		return -2;
	}
}

static ssize_t conn_read(struct conn *c, void *buf, size_t n, uint64_t now)
{
	if (c->ssl) {
		int r = SSL_read(c->ssl, buf, (int)n);
		return r > 0 ? r : tls_result(c, r, "read", now);
	}
	ssize_t r = read(c->fd, buf, n);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EINTR) {
		set_events(c, EPOLLIN);
		return -1;
	}
	return -2;
}

static ssize_t conn_write(struct conn *c, const void *buf, size_t n, uint64_t now)
{
	if (c->ssl) {
		int r = SSL_write(c->ssl, buf, (int)n);
		return r > 0 ? r : tls_result(c, r, "write", now);
	}
	ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EINTR) {
		set_events(c, EPOLLOUT);
		return -1;
	}
	return -2;
}

/* ---- responses ------------------------------------------------------------ */

static bool out_alloc(struct conn *c)
{
	if (!c->out)
		c->out = malloc(OUT_CAP);
	return c->out != NULL;
}

static void respond_error(struct conn *c, int status, uint64_t size)
{
	bool parsed = c->parser.result == HTTP_DONE;
	bool head = parsed && c->parser.req.method == HTTP_METHOD_HEAD;

	response_reset(c);
	c->status = status;
	if (!parsed || status >= 500)
		c->keep_alive = false; /* after a malformed request, trust nothing that follows */
	c->out_len = http_build_error((char *)c->out, OUT_CAP, status, time(NULL), c->keep_alive, head, size);
	c->close_after = !c->keep_alive;
	c->state = C_WRITE;
}

/* HTML listing of an open directory: names escaped for HTML, hrefs
 * percent-encoded. */
static int build_listing(struct conn *c, int dirfd, const char *target, size_t target_len)
{
	DIR *d = fdopendir(dirfd);
	size_t cap = 4096, len = 0, count = 0;
	char *buf = malloc(cap);
	struct dirent *e;
	char title[HTTP_TARGET_MAX * 6 + 1];
	size_t t = 0;

	if (!d || !buf) {
		if (d)
			closedir(d);
		else
			close(dirfd);
		free(buf);
		return -1;
	}
	for (size_t i = 0; i < target_len && t + 6 < sizeof title; i++) {
		char ch = target[i];
		const char *rep = ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : ch == '&' ? "&amp;" : ch == '"' ? "&quot;" : NULL;
		if (rep) {
			memcpy(title + t, rep, strlen(rep));
			t += strlen(rep);
		} else {
			title[t++] = ch;
		}
	}
	title[t] = '\0';
#define APPEND(...)                                                                      \
	do {                                                                             \
		int n_ = snprintf(buf + len, cap - len, __VA_ARGS__);                     \
		if (n_ < 0)                                                               \
			goto fail;                                                        \
		if ((size_t)n_ >= cap - len) {                                            \
			char *nb_ = realloc(buf, cap * 2 + (size_t)n_);                    \
			if (!nb_)                                                         \
				goto fail;                                                \
			buf = nb_;                                                        \
			cap = cap * 2 + (size_t)n_;                                       \
			snprintf(buf + len, cap - len, __VA_ARGS__);                      \
		}                                                                         \
		len += (size_t)n_;                                                        \
	} while (0)
	APPEND("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of %s</title></head>\n"
	       "<body><h1>Index of %s</h1>\n<ul>\n", title, title);
	while ((e = readdir(d)) != NULL && count < LISTING_MAX_ENTRIES) {
		if (e->d_name[0] == '.')
			continue; /* ".", "..", and hidden files */
		char href[NAME_MAX * 3 + 2], html[NAME_MAX * 6 + 1];
		size_t h = 0, m = 0;
		for (const unsigned char *p = (const unsigned char *)e->d_name; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    strchr("-._~", *p))
				href[h++] = (char)*p;
			else
				h += (size_t)snprintf(href + h, 4, "%%%02X", *p);
			const char *rep = *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : *p == '&' ? "&amp;" : NULL;
			if (rep) {
				memcpy(html + m, rep, strlen(rep));
				m += strlen(rep);
			} else if (*p < 0x20 || *p == 0x7f) {
				html[m++] = '?';
			} else {
				html[m++] = (char)*p;
			}
		}
		href[h] = html[m] = '\0';
		bool dir = e->d_type == DT_DIR;
		APPEND("<li><a href=\"%s%s\">%s%s</a></li>\n", href, dir ? "/" : "", html, dir ? "/" : "");
		count++;
	}
	APPEND("</ul></body></html>\n");
#undef APPEND
	closedir(d);
	c->body = (uint8_t *)buf;
	c->body_len = len;
	return 0;
fail:
	closedir(d);
	free(buf);
	return -1;
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* "F.ks.cpio" or "F.cfg.cpio" that does not exist as a file: the kickstart
 * F.ks or F.cfg wrapped as a newc archive holding /ks.cfg, for firmware and
 * iPXE builds that cannot name an initrd file.  Returns false when the
 * request is not of that kind (the caller then answers 404). */
static bool respond_cpio(struct conn *c, const struct http_path *path)
{
	static char stem[HTTP_PATH_MAX + 1];
	size_t n = path->len - strlen(".cpio");
	struct stat st;
	char etag[HTTP_ETAG_MAX + 8];

	if (!has_suffix(path->path, path->len, ".cpio"))
		return false;
	memcpy(stem, path->path, n);
	stem[n] = '\0';
	if (!has_suffix(stem, n, ".ks") && !has_suffix(stem, n, ".cfg"))
		return false;
	int fd = open(stem, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return false;
	uint8_t *data = NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > KICKSTART_MAX ||
	    !(data = malloc((size_t)st.st_size + 1)) ||
	    pread(fd, data, (size_t)st.st_size, 0) != st.st_size) {
		close(fd);
		free(data);
		respond_error(c, 403, 0);
		return true;
	}
	close(fd);
	response_reset(c);
	size_t cap = cpio_size(strlen("ks.cfg"), (size_t)st.st_size);
	c->body = malloc(cap);
	c->body_len = c->body ? cpio_write(c->body, cap, "ks.cfg", data, (size_t)st.st_size, 0600,
					   (uint32_t)st.st_mtim.tv_sec) : 0;
	free(data);
	if (!c->body_len) {
		respond_error(c, 500, 0);
		return true;
	}
	/* The archive changes exactly when its kickstart does. */
	size_t e = http_etag(etag, sizeof etag - 6, (uint64_t)st.st_size, st.st_mtim.tv_sec,
			     st.st_mtim.tv_nsec, (uint64_t)st.st_ino);
	memcpy(etag + e - 1, "-cpio\"", 7);
	struct http_response resp = {
		.date = time(NULL), .status = http_conditional_status(&c->parser.req, c->in, etag, st.st_mtim.tv_sec),
		.has_last_modified = true, .last_modified = st.st_mtim.tv_sec, .etag = etag,
		.content_type = "application/x-cpio", .content_length = c->body_len,
		.keep_alive = c->keep_alive,
	};
	c->status = resp.status;
	c->out_len = http_build_head((char *)c->out, OUT_CAP, &resp);
	if (resp.status == 304 || c->parser.req.method == HTTP_METHOD_HEAD)
		c->body_len = 0;
	c->state = C_WRITE;
	return true;
}

/* ---- /ks/: boot scripts and kickstarts, answered by the broker ------------ */

/* The Host header, when it is a plain host[:port] (it is written into the
 * boot script's URLs); else "" and the broker uses the address. */
static void ks_host(const struct conn *c, char *out)
{
	const struct http_request *r = &c->parser.req;
	const char *h = (const char *)c->in + r->host.off;

	if (!r->has_host || r->host.len == 0 || r->host.len >= IPC_KS_HOST_MAX)
		return;
	for (size_t i = 0; i < r->host.len; i++)
		if (!((h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') ||
		      h[i] == '-' || h[i] == '.' || h[i] == ':' || h[i] == '[' || h[i] == ']'))
			return;
	memcpy(out, h, r->host.len);
}

static void ks_request(struct conn *c, const struct http_path *path)
{
	struct ipc_ks_req q = { .id = c->id, .peer = c->peer.s_addr };
	struct sockaddr_in local;
	socklen_t sl = sizeof local;

	q.what = (uint8_t)http_ks_path(path, q.token, sizeof q.token);
	if (!q.what) {
		respond_error(c, 404, 0);
		return;
	}
	if (getsockname(c->fd, (struct sockaddr *)&local, &sl) < 0 || local.sin_family != AF_INET) {
		respond_error(c, 500, 0);
		return;
	}
	q.local = local.sin_addr.s_addr;
	q.port = ntohs(local.sin_port);
	q.flags = (uint8_t)((c->ssl ? IPC_KS_TLS : 0) | (c->parser.req.method == HTTP_METHOD_HEAD ? IPC_KS_HEAD : 0));
	ks_host(c, q.host);
	/* Never wait for the broker: when its queue is full, say so. */
	if (ipc_send(IPC_FD, IPC_KS_REQ, &q, sizeof q, NULL, 0, MSG_DONTWAIT) < 0) {
		respond_error(c, 503, 0);
		return;
	}
	c->ks_what = q.what;
	c->state = C_BROKER;
	set_events(c, 0);
}

/* The broker's answer: the body arrives in a sealed memfd. */
static void ks_result(struct conn *c, const struct ipc_ks_result *r, int fd, uint64_t now)
{
	struct stat st;
	const char *type = "text/plain; charset=utf-8"; /* scripts, ks.cfg, .minisig */

	c->state = C_WRITE;
	if (r->status != 200 || fd < 0) {
		respond_error(c, r->status == 200 ? 500 : (int)r->status, 0);
		return;
	}
	response_reset(c);
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > IPC_KS_BODY_MAX ||
	    !(c->body = malloc((size_t)st.st_size)) || pread(fd, c->body, (size_t)st.st_size, 0) != st.st_size) {
		respond_error(c, 500, 0);
		return;
	}
	if (c->ks_what == IPC_KS_CFG_SIG || c->ks_what == IPC_KS_CPIO_SIG)
		type = "application/pkcs7-signature";
	else if (c->ks_what == IPC_KS_CPIO)
		type = "application/x-cpio";
	c->body_len = (size_t)st.st_size;
	struct http_response resp = {
		.date = time(NULL), .status = 200, .content_type = type, .content_length = c->body_len,
		.keep_alive = c->keep_alive, .no_store = true,
	};
	c->status = 200;
	c->out_len = http_build_head((char *)c->out, OUT_CAP, &resp);
	if (!c->out_len)
		respond_error(c, 500, 0);
	else if (c->parser.req.method == HTTP_METHOD_HEAD)
		c->body_len = 0;
	c->deadline = now + H.h->idle_timeout_ms;
}

static void respond(struct conn *c, uint64_t now)
{
	const struct http_request *r = &c->parser.req;
	static struct http_path path; /* single-threaded; large */
	struct http_response resp = { .date = time(NULL) };
	char etag[HTTP_ETAG_MAX];
	struct stat st;

	c->keep_alive = http_keep_alive(r);
	if (r->method == HTTP_METHOD_OTHER) {
		respond_error(c, 405, 0);
		return;
	}
	int bad = http_target_to_path(c->in + r->target.off, r->target.len, &path);
	if (bad) {
		respond_error(c, bad, 0);
		return;
	}
	if ((path.len == 2 || (path.len > 2 && path.path[2] == '/')) && !memcmp(path.path, "ks", 2)) {
		ks_request(c, &path);
		return;
	}
	int fd = open(path.len ? path.path : ".", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && respond_cpio(c, &path))
			return;
		respond_error(c, errno == ENOENT || errno == ENOTDIR ? 404 : 403, 0);
		return;
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		close(fd);
		respond_error(c, 403, 0);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!H.h->listing) {
			close(fd);
			respond_error(c, 403, 0);
			return;
		}
		if (!path.trailing_slash && path.len) {
			/* "/dir" -> "/dir/", so that relative links resolve. */
			static char loc[HTTP_TARGET_MAX + 2];
			size_t n = path.has_query ? path.query.off - 1 : r->target.len;
			close(fd);
			if (n + 2 > sizeof loc) {
				respond_error(c, 414, 0);
				return;
			}
			memcpy(loc, c->in + r->target.off, n);
			loc[n] = '/';
			loc[n + 1] = '\0';
			resp.status = 301;
			resp.location = loc;
			resp.keep_alive = c->keep_alive;
			response_reset(c);
			c->status = 301;
			c->out_len = http_build_head((char *)c->out, OUT_CAP, &resp);
			if (!c->out_len || !http_reason(301))
				respond_error(c, 500, 0);
			c->state = C_WRITE;
			return;
		}
		response_reset(c);
		if (build_listing(c, fd, (const char *)c->in + r->target.off,
				  path.has_query ? path.query.off - 1 : r->target.len) < 0) {
			respond_error(c, 500, 0);
			return;
		}
		resp.status = 200;
		resp.content_type = "text/html; charset=utf-8";
		resp.content_length = c->body_len;
		resp.keep_alive = c->keep_alive;
		c->status = 200;
		c->out_len = http_build_head((char *)c->out, OUT_CAP, &resp);
		if (r->method == HTTP_METHOD_HEAD)
			c->body_len = 0;
		c->state = C_WRITE;
		return;
	}
	response_reset(c);
	http_etag(etag, sizeof etag, (uint64_t)st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		  (uint64_t)st.st_ino);
	uint64_t size = (uint64_t)st.st_size, start, end;
	resp.status = http_file_status(r, c->in, etag, st.st_mtim.tv_sec, size, &start, &end);
	if (resp.status == 416) {
		close(fd);
		respond_error(c, 416, size);
		return;
	}
	if (resp.status == 206) {
		resp.has_content_range = true;
		resp.range_start = start;
		resp.range_end = end;
		resp.range_size = size;
	}
	resp.has_last_modified = true;
	resp.last_modified = st.st_mtim.tv_sec;
	resp.etag = etag;
	resp.content_type = http_mime_type(path.path, path.len);
	resp.accept_ranges = true;
	resp.keep_alive = c->keep_alive;
	resp.content_length = resp.status == 206 ? end - start + 1 : size;
	c->status = resp.status;
	c->out_len = http_build_head((char *)c->out, OUT_CAP, &resp);
	if (!c->out_len) {
		close(fd);
		respond_error(c, 500, 0);
		return;
	}
	if (resp.status == 304 || r->method == HTTP_METHOD_HEAD || resp.content_length == 0) {
		close(fd);
	} else {
		c->file = fd;
		c->file_off = start;
		c->file_left = resp.content_length;
		/* Over TLS the head and the start of the body go out in one
		 * write: a small file is one record and one system call. */
		size_t room = OUT_CAP - c->out_len;
		size_t want = c->file_left < room ? (size_t)c->file_left : room;
		ssize_t n = c->ssl && want ? pread(fd, c->out + c->out_len, want, (off_t)start) : 0;
		if (n > 0) {
			c->out_len += (size_t)n;
			c->file_off += (uint64_t)n;
			c->file_left -= (uint64_t)n;
			c->sent += (uint64_t)n;
		}
	}
	c->state = C_WRITE;
	(void)now;
}

/* ---- the connection state machine ---------------------------------------- */

static void request_done(struct conn *c, uint64_t now)
{
	log_request(c, now);
	if (c->close_after || !c->keep_alive) {
		if (c->ssl)
			SSL_shutdown(c->ssl); /* close_notify; the peer's is not awaited */
		conn_linger(c, now);
		return;
	}
	/* Keep the bytes of a pipelined request; wait for the next one. */
	size_t used = c->parser.head_len;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	http_parser_init(&c->parser);
	response_reset(c);
	free(c->out);
	c->out = NULL;
	c->state = C_READ;
	c->head_timer = false;
	c->deadline = now + H.h->idle_timeout_ms;
	c->req_start = now;
}

/* Move bytes towards the client; false when the connection is gone or must wait. */
static bool send_some(struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n;
		if (c->out_off < c->out_len) {
			n = conn_write(c, c->out + c->out_off, c->out_len - c->out_off, now);
			if (n > 0) {
				c->out_off += (size_t)n;
				c->deadline = now + H.h->idle_timeout_ms;
				continue;
			}
		} else if (c->body_off < c->body_len) {
			n = conn_write(c, c->body + c->body_off, c->body_len - c->body_off, now);
			if (n > 0) {
				c->body_off += (size_t)n;
				c->sent += (uint64_t)n;
				c->deadline = now + H.h->idle_timeout_ms;
				continue;
			}
		} else if (c->file_left > 0 && !c->ssl) {
			/* Plain HTTP: the kernel copies the file. */
			off_t off = (off_t)c->file_off;
			size_t want = c->file_left > (1u << 20) ? (1u << 20) : (size_t)c->file_left;
			n = sendfile(c->fd, c->file, &off, want);
			if (n > 0) {
				c->file_off += (uint64_t)n;
				c->file_left -= (uint64_t)n;
				c->sent += (uint64_t)n;
				c->deadline = now + H.h->idle_timeout_ms;
				continue;
			}
			if (n == 0) {
				n = -2; /* the file shrank under us */
			} else if (errno == EAGAIN || errno == EINTR) {
				set_events(c, EPOLLOUT);
				n = -1;
			} else {
				n = -2;
			}
		} else if (c->file_left > 0) {
			size_t want = c->file_left > OUT_CAP ? OUT_CAP : (size_t)c->file_left;
			n = pread(c->file, c->out, want, (off_t)c->file_off);
			if (n <= 0) {
				n = -2; /* the file shrank or cannot be read: cut the response */
			} else {
				c->file_off += (uint64_t)n;
				c->file_left -= (uint64_t)n;
				c->sent += (uint64_t)n;
				c->out_len = (size_t)n;
				c->out_off = 0;
				continue;
			}
		} else {
			request_done(c, now);
			return c->state == C_READ;
		}
		if (n == -1)
			return false;
		c->keep_alive = false;
		log_request(c, now);
		conn_close(c);
		return false;
	}
}

static void conn_step(struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n;
		switch (c->state) {
		case C_HANDSHAKE: {
			int r = SSL_do_handshake(c->ssl);
			if (r == 1) {
				c->state = C_READ;
				continue;
			}
			n = tls_result(c, r, "handshake", now);
			if (n == -1)
				return;
			if (n == 0)
				log_tls_error(c, "handshake", now);
			conn_close(c);
			return;
		}
		case C_READ: {
			enum http_parse_result pr = c->in_len ? http_parse(&c->parser, c->in, c->in_len) : HTTP_NEED_MORE;
			if (pr == HTTP_NEED_MORE) {
				if (c->in_len == IN_CAP) {
					pr = HTTP_ERROR; /* the parser has already said 431 */
				} else {
					n = conn_read(c, c->in + c->in_len, IN_CAP - c->in_len, now);
					if (n == -1)
						return;
					if (n <= 0) {
						conn_close(c); /* the client left between requests */
						return;
					}
					if (!c->head_timer) {
						c->head_timer = true;
						c->req_start = now;
						c->deadline = now + H.h->header_timeout_ms;
					}
					c->in_len += (size_t)n;
					continue;
				}
			}
			if (!out_alloc(c)) {
				conn_close(c);
				return;
			}
			if (pr == HTTP_ERROR) {
				c->keep_alive = false;
				respond_error(c, c->parser.status ? c->parser.status : 400, 0);
			} else {
				respond(c, now);
			}
			c->deadline = now + H.h->idle_timeout_ms;
			continue;
		}
		case C_BROKER:
			return; /* ipc_readable() moves it on */
		case C_WRITE:
			if (!send_some(c, now))
				return;
			continue;
		case C_LINGER: {
			uint8_t sink[4096];
			n = read(c->fd, sink, sizeof sink);
			if (n > 0)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			conn_close(c);
			return;
		}
		}
	}
}

/* ---- private-key operations through the broker ---------------------------- */

static enum ssl_private_key_result_t key_request(SSL *ssl, uint16_t op, uint16_t sigalg, const uint8_t *in,
						 size_t in_len)
{
	struct conn *c = SSL_get_ex_data(ssl, H.conn_idx);
	struct ipc_key_op k = { .id = c->id, .op = op, .sigalg = sigalg, .len = (uint32_t)in_len };
	uint8_t msg[sizeof(struct ipc_hdr) + sizeof k + IPC_KEY_DATA_MAX];
	struct ipc_hdr h = { .type = IPC_KEY_OP, .len = (uint32_t)(sizeof k + in_len) };

	if (in_len == 0 || in_len > IPC_KEY_DATA_MAX)
		return ssl_private_key_failure;
	memcpy(msg, &h, sizeof h);
	memcpy(msg + sizeof h, &k, sizeof k);
	memcpy(msg + sizeof h + sizeof k, in, in_len);
	/* Never wait for the broker: when its queue is full the handshake fails. */
	if (send(IPC_FD, msg, sizeof h + h.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return ssl_private_key_failure;
	c->pk_pending = true;
	c->pk_ready = false;
	return ssl_private_key_retry;
}

static enum ssl_private_key_result_t key_sign(SSL *ssl, uint8_t *out, size_t *out_len, size_t max_out,
					      uint16_t sigalg, const uint8_t *in, size_t in_len)
{
	return key_request(ssl, IPC_KEY_SIGN, sigalg, in, in_len);
}

static enum ssl_private_key_result_t key_decrypt(SSL *ssl, uint8_t *out, size_t *out_len, size_t max_out,
						 const uint8_t *in, size_t in_len)
{
	return key_request(ssl, IPC_KEY_DECRYPT, 0, in, in_len);
}

static enum ssl_private_key_result_t key_complete(SSL *ssl, uint8_t *out, size_t *out_len, size_t max_out)
{
	struct conn *c = SSL_get_ex_data(ssl, H.conn_idx);

	if (!c->pk_ready)
		return ssl_private_key_retry;
	c->pk_pending = c->pk_ready = false;
	if (!c->pk_ok || c->pk_len > max_out)
		return ssl_private_key_failure;
	memcpy(out, c->pk_out, c->pk_len);
	*out_len = c->pk_len;
	return ssl_private_key_success;
}

static const SSL_PRIVATE_KEY_METHOD key_method = { key_sign, key_decrypt, key_complete };

/* The broker answered (or said something else: then it is gone or broken). */
static void ipc_readable(uint64_t now)
{
	uint8_t buf[IPC_MSG_MAX];

	for (int i = 0; i < 256; i++) {
		int fds[1];
		size_t nfds = 1;
		ssize_t n = ipc_recv(IPC_FD, buf, fds, &nfds, MSG_DONTWAIT);
		const char *why;
		struct ipc_hdr h;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == 0)
			exit(0); /* the broker went away */
		if (n < 0)
			fatal("message from broker");
		int fd = nfds ? fds[0] : -1;
		if (ipc_check(buf, (size_t)n, 0, &why) < 0) {
			errno = EPROTO;
			fatal("message from broker");
		}
		memcpy(&h, buf, sizeof h);
		if (h.type == IPC_KS_RESULT) {
			struct ipc_ks_result r;
			memcpy(&r, buf + sizeof h, sizeof r);
			struct conn *c = H.by_fd[r.id & (FD_MAX - 1)];
			if (c && c->id == r.id && c->state == C_BROKER) {
				ks_result(c, &r, fd, now);
				conn_step(c, now);
			}
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (h.type != IPC_KEY_RESULT) {
			errno = EPROTO;
			fatal("unexpected message from broker");
		}
		struct ipc_key_result r;
		memcpy(&r, buf + sizeof h, sizeof r);
		struct conn *c = H.by_fd[r.id & (FD_MAX - 1)];
		if (!c || c->id != r.id || !c->pk_pending)
			continue; /* that connection has gone */
		if (!c->pk_out && !(c->pk_out = malloc(IPC_KEY_DATA_MAX))) {
			conn_close(c);
			continue;
		}
		c->pk_ready = true;
		c->pk_ok = r.ok;
		c->pk_len = (uint16_t)r.len;
		memcpy(c->pk_out, buf + sizeof h + sizeof r, r.len);
		conn_step(c, now);
	}
}

/* ---- accepting ------------------------------------------------------------ */

static void accept_some(size_t li, uint64_t now)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof sin;
		int fd = accept4(H.listen[li], (struct sockaddr *)&sin, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		const char *refuse = NULL;
		if (fd >= FD_MAX || H.n_conns >= H.h->max_connections)
			refuse = "max-connections";
		else if (sin.sin_family != AF_INET || !client_add(sin.sin_addr))
			refuse = "max-per-client";
		if (refuse) {
			char a[INET_ADDRSTRLEN];
			close(fd);
			if (log_limit_pass(&H.lim_refuse, now))
				log_rec(LOG_LEVEL_WARN, "event=refused client=%s reason=%s",
					inet_ntop(AF_INET, &sin.sin_addr, a, sizeof a) ? a : "?", refuse);
			continue;
		}
		struct conn *c = calloc(1, sizeof *c);
		SSL *ssl = H.listen_tls[li] ? SSL_new(H.ctx) : NULL;
		if (!c || (H.listen_tls[li] && !ssl) || (ssl && !SSL_set_fd(ssl, fd))) {
			free(c);
			SSL_free(ssl);
			close(fd);
			client_del(sin.sin_addr);
			continue;
		}
		c->fd = fd;
		c->file = -1;
		c->ssl = ssl;
		c->peer = sin.sin_addr;
		c->peer_port = ntohs(sin.sin_port);
		c->id = (++H.seq << FD_BITS) | (uint32_t)fd;
		c->state = ssl ? C_HANDSHAKE : C_READ;
		c->deadline = now + H.h->header_timeout_ms;
		c->head_timer = true;
		c->req_start = now;
		http_parser_init(&c->parser);
		if (ssl) {
			SSL_set_accept_state(ssl);
			SSL_set_ex_data(ssl, H.conn_idx, c);
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV(EV_CONN, fd) };
		if (epoll_ctl(H.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			SSL_free(ssl);
			free(c);
			close(fd);
			client_del(sin.sin_addr);
			continue;
		}
		c->events = EPOLLIN;
		H.by_fd[fd] = c;
		H.n_conns++;
		conn_step(c, now);
	}
}

static void sweep(uint64_t now)
{
	for (int fd = 0; fd < FD_MAX; fd++) {
		struct conn *c = H.by_fd[fd];
		if (!c || c->deadline > now)
			continue;
		if (c->state == C_HANDSHAKE || (c->state == C_READ && c->in_len)) {
			char peer[32];
			if (log_limit_pass(&H.lim_timeout, now))
				log_rec(LOG_LEVEL_INFO, "event=timeout client=%s during=%s",
					peer_str(c, peer, sizeof peer),
					c->state == C_HANDSHAKE ? "handshake" : "request-head");
		} else if (c->state == C_WRITE) {
			c->keep_alive = false;
			log_request(c, now);
		}
		conn_close(c);
	}
}

/* ---- start ---------------------------------------------------------------- */

static const char *cipher_list(enum policy_ciphers c)
{
	if (c == POLICY_CIPHERS_FORWARD_SECRET)
		return "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";
	return "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
	       "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";
}

/* The chain the broker sent (PEM, leaf first, root last), sent to clients
 * exactly as it is; the key stays behind the private-key hooks. */
static void setup_tls(int certs_fd)
{
	static char pem[256 * 1024];
	struct stat st;
	CRYPTO_BUFFER *bufs[CHAIN_MAX];
	size_t n = 0;

	if (certs_fd < 0) {
		errno = EPROTO;
		fatal("no certificate chain from the broker");
	}
	if (fstat(certs_fd, &st) < 0 || st.st_size <= 0 || (size_t)st.st_size >= sizeof pem ||
	    pread(certs_fd, pem, (size_t)st.st_size, 0) != st.st_size)
		fatal("certificate chain");
	close(certs_fd);
	BIO *bio = BIO_new_mem_buf(pem, (ssize_t)st.st_size);
	X509 *x;
	while (bio && n < CHAIN_MAX && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		uint8_t *der = NULL;
		int len = i2d_X509(x, &der);
		if (len > 0)
			bufs[n++] = CRYPTO_BUFFER_new(der, (size_t)len, NULL);
		OPENSSL_free(der);
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();

	H.ctx = SSL_CTX_new(TLS_method());
	if (!H.ctx || n == 0 || !SSL_CTX_set_min_proto_version(H.ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(H.ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_strict_cipher_list(H.ctx, cipher_list(H.h->ciphers)) ||
	    !SSL_CTX_set_chain_and_key(H.ctx, bufs, n, NULL, &key_method) ||
	    !SSL_CTX_set_signing_algorithm_prefs(H.ctx, keys_sigalgs, keys_n_sigalgs)) {
		unsigned long e = ERR_get_error();
		char why[160];
		ERR_error_string_n(e, why, sizeof why);
		log_rec(LOG_LEVEL_ERR, "event=fatal what=tls-setup certs=%zu error=\"%s\"", n, why);
		exit(1);
	}
	SSL_CTX_set_options(H.ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	for (size_t i = 0; i < n; i++)
		CRYPTO_BUFFER_free(bufs[i]);
	H.conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	/* The random generator initialises lazily; do it before seccomp. */
	uint8_t seed[16];
	RAND_bytes(seed, sizeof seed);
	SSL *probe = SSL_new(H.ctx);
	SSL_free(probe);
}

static void take_sockets(const struct worker_handover *h)
{
	for (size_t i = 0; i < h->n_socks; i++) {
		const struct worker_socket *s = &h->socks[i];
		if ((s->role != IPC_SOCK_HTTPS && s->role != IPC_SOCK_HTTP) || H.n_listen == sizeof H.listen / sizeof H.listen[0]) {
			errno = EPROTO;
			fatal("unexpected socket from broker");
		}
		H.listen_tls[H.n_listen] = s->role == IPC_SOCK_HTTPS;
		H.listen[H.n_listen++] = s->fd;
	}
	if (!H.n_listen) {
		errno = EPROTO;
		fatal("no listening socket from broker");
	}
}

int main(void)
{
	static struct worker_handover h = { .policy = &H.policy };

	signal(SIGPIPE, SIG_IGN);
	log_to_ipc(IPC_FD);
	worker_receive_handover(WORKER_HTTPSD, &h);
	H.h = &H.policy.https;
	take_sockets(&h);
	setup_tls(h.certs_fd);

	size_t slots = 16;
	while (slots < 2 * (size_t)H.h->max_connections)
		slots *= 2;
	H.clients = calloc(slots, sizeof *H.clients);
	H.clients_mask = slots - 1;
	H.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!H.clients || H.epfd < 0)
		fatal("start");
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV(EV_IPC, 0) };
	if (epoll_ctl(H.epfd, EPOLL_CTL_ADD, IPC_FD, &ev) < 0)
		fatal("epoll_ctl ipc");
	for (size_t i = 0; i < H.n_listen; i++) {
		ev.data.u64 = EV(EV_LISTEN, i);
		if (epoll_ctl(H.epfd, EPOLL_CTL_ADD, H.listen[i], &ev) < 0)
			fatal("epoll_ctl listen");
	}

	uint32_t id = worker_uid(H.policy.uid_base, WORKER_HTTPSD);
	struct sandbox_spec spec = { .kind = WORKER_HTTPSD, .root = h.root, .uid = id, .gid = id };
	if (sandbox_enter(&spec) < 0)
		exit(1);
	log_rec(LOG_LEVEL_INFO,
		"event=ready listen=%zu tls_port=%u plain_port=%u ciphers=%s max_connections=%u max_per_client=%u listing=%s",
		H.n_listen, (unsigned)H.h->port, (unsigned)H.h->plain_port,
		H.h->ciphers == POLICY_CIPHERS_FORWARD_SECRET ? "forward-secret" : "compatible",
		H.h->max_connections, H.h->max_per_client, H.h->listing ? "on" : "off");

	uint64_t next_sweep = mono_ms() + SWEEP_MS;
	for (;;) {
		struct epoll_event evs[128];
		uint64_t now = mono_ms();
		int timeout = next_sweep > now ? (int)(next_sweep - now) : 0;
		int n = epoll_wait(H.epfd, evs, 128, timeout);
		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		now = mono_ms();
		for (int i = 0; i < n; i++) {
			uint32_t kind = (uint32_t)(evs[i].data.u64 >> 32), idx = (uint32_t)evs[i].data.u64;
			if (kind == EV_IPC)
				ipc_readable(now);
			else if (kind == EV_LISTEN)
				accept_some(idx, now);
			else if (idx < FD_MAX && H.by_fd[idx])
				conn_step(H.by_fd[idx], now);
		}
		if (now >= next_sweep) {
			sweep(now);
			next_sweep = now + SWEEP_MS;
		}
	}
}
