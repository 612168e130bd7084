/* kickstart.c — per-host boot scripts and kickstarts (see kickstart.h). */
#include "broker/kickstart.h"
#include "broker/keys.h"
#include "broker/sign.h"
#include "broker/template.h"
#include "broker/token.h"
#include "common/log.h"
#include "httpsd/cpio.h"
#include "policy/policy.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define KS_TEXT_MAX (1024 * 1024) /* largest template, and rendered kickstart */
#define USED_MAX 8192             /* one-time tokens remembered until they expire */
#define HOST_NAMES_MAX 16         /* DNS names of server.crt a Host header may use */

struct ks_service {
	struct sign_keys *keys;
	uint8_t token_key[TOKEN_KEY_LEN];
	char *text[POLICY_MAX_KICKSTARTS]; /* the templates, in policy order */
	size_t len[POLICY_MAX_KICKSTARTS];
	char names[HOST_NAMES_MAX][IPC_KS_HOST_MAX]; /* server.crt's DNS names */
	size_t n_names;
};

struct used_token {
	uint8_t nonce[8];
	uint32_t expiry;
};

struct ks_used {
	uint32_t started;
	size_t n;
	struct used_token t[USED_MAX];
};

static const char *const what_name[] = {
	[IPC_KS_SCRIPT] = "boot.ipxe",   [IPC_KS_CFG] = "ks.cfg",
	[IPC_KS_CFG_SIG] = "ks.cfg.sig", [IPC_KS_CFG_MINISIG] = "ks.cfg.minisig",
	[IPC_KS_CPIO] = "ks.cpio",       [IPC_KS_CPIO_SIG] = "ks.cpio.sig",
	[IPC_KS_CPIO_MINISIG] = "ks.cpio.minisig",
};

/* ---- service -------------------------------------------------------------- */

void ks_close(struct ks_service *s)
{
	if (!s)
		return;
	sign_keys_free(s->keys);
	sodium_memzero(s->token_key, sizeof s->token_key);
	for (size_t i = 0; i < POLICY_MAX_KICKSTARTS; i++)
		free(s->text[i]);
	free(s);
}

/* The DNS names of server.crt: a Host header naming one of them is used in
 * the URLs of boot scripts (iPXE checks them against the certificate). */
static int server_names(struct ks_service *s, const char *trust_dir, char *err, size_t cap)
{
	char path[TRUST_PATH_MAX];
	size_t len, n = 0;
	X509 *crt[TRUST_CHAIN_MAX];

	snprintf(path, sizeof path, "%s/server.crt", trust_dir);
	char *text = trust_read_file(path, &len, false, err, cap);
	if (!text || trust_read_certs(text, len, crt, &n, TRUST_CHAIN_MAX, path, err, cap) < 0) {
		free(text);
		return -1;
	}
	free(text);
	GENERAL_NAMES *gens = X509_get_ext_d2i(crt[0], NID_subject_alt_name, NULL, NULL);
	for (size_t i = 0; gens && i < sk_GENERAL_NAME_num(gens) && s->n_names < HOST_NAMES_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		int l = ASN1_STRING_length(g->d.dNSName);
		if (l > 0 && l < IPC_KS_HOST_MAX) {
			memcpy(s->names[s->n_names], ASN1_STRING_get0_data(g->d.dNSName), (size_t)l);
			s->names[s->n_names++][l] = '\0';
		}
	}
	GENERAL_NAMES_free(gens);
	for (size_t i = 0; i < n; i++)
		X509_free(crt[i]);
	return 0;
}

struct ks_service *ks_open(const char *trust_dir, const struct policy *p, int *none, char *err, size_t cap)
{
	char path[TRUST_PATH_MAX], why[512];
	struct ks_service *s;
	size_t len;

	*none = !p->https.enabled || p->n_kickstarts == 0;
	if (*none)
		return NULL;
	if (!(s = calloc(1, sizeof *s))) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	s->keys = sign_keys_load(trust_dir, why, sizeof why);
	if (!s->keys) {
		snprintf(err, cap, "%s", why);
		goto fail;
	}
	snprintf(path, sizeof path, "%s/token.key", trust_dir);
	char *key = trust_read_file(path, &len, true, why, sizeof why);
	if (!key) {
		snprintf(err, cap, "%s", why);
		goto fail;
	}
	if (len != TOKEN_KEY_LEN) {
		snprintf(err, cap, "%s: holds %zu bytes, not %d", path, len, TOKEN_KEY_LEN);
		sodium_memzero(key, len);
		free(key);
		goto fail;
	}
	memcpy(s->token_key, key, TOKEN_KEY_LEN);
	sodium_memzero(key, len);
	free(key);
	if (server_names(s, trust_dir, why, sizeof why) < 0) {
		snprintf(err, cap, "%s", why);
		goto fail;
	}
	for (size_t i = 0; i < p->n_kickstarts; i++) {
		const struct policy_kickstart *k = &p->kickstarts[i];
		struct template_error te;

		s->text[i] = trust_read_file(k->template_path, &s->len[i], false, why, sizeof why);
		if (!s->text[i]) {
			snprintf(err, cap, "kickstart %s: %s", k->name, why);
			goto fail;
		}
		if (s->len[i] > KS_TEXT_MAX || template_check(s->text[i], s->len[i], &te) < 0) {
			snprintf(err, cap, "kickstart %s: %s: not a valid template", k->name, k->template_path);
			goto fail;
		}
	}
	return s;
fail:
	ks_close(s);
	return NULL;
}

struct ks_used *ks_used_new(uint32_t started)
{
	struct ks_used *u = calloc(1, sizeof *u);

	if (u)
		u->started = started;
	return u;
}

void ks_used_free(struct ks_used *u)
{
	free(u);
}

/* Record a one-time token's use.  0 when it was unused, 1 when used
 * before, -1 when no room is left. */
static int use_token(struct ks_used *u, const struct token *t, uint32_t now)
{
	size_t w = 0;

	for (size_t i = 0; i < u->n; i++) {
		if (memcmp(u->t[i].nonce, t->nonce, sizeof t->nonce) == 0)
			return 1;
		if (u->t[i].expiry >= now)
			u->t[w++] = u->t[i]; /* forget the expired */
	}
	u->n = w;
	if (u->n == USED_MAX)
		return -1;
	memcpy(u->t[u->n].nonce, t->nonce, sizeof t->nonce);
	u->t[u->n++].expiry = t->expiry;
	return 0;
}

/* ---- pure parts ----------------------------------------------------------- */

static int parse_mac(const char *s, size_t n, uint8_t mac[6])
{
	if (n != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[i * 3 + k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		if (i < 5 && s[i * 3 + 2] != ':')
			return -1;
		mac[i] = (uint8_t)v;
	}
	return 0;
}

/* Lines of "IP HWTYPE FLAGS MAC MASK DEVICE"; the first is a heading.  An
 * entry counts when it is complete (ATF_COM, 0x2) and not all zeros. */
int ks_arp_lookup(const char *text, size_t len, struct in_addr a, uint8_t mac[6])
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		const char *f[4];
		size_t fl[4], k = 0, i = 0;

		pos += n + 1;
		while (k < 4 && i < n) {
			while (i < n && (line[i] == ' ' || line[i] == '\t'))
				i++;
			if (i == n)
				break;
			f[k] = line + i;
			while (i < n && line[i] != ' ' && line[i] != '\t')
				i++;
			fl[k] = (size_t)(line + i - f[k]);
			k++;
		}
		char ip[INET_ADDRSTRLEN], flags[16];
		struct in_addr got;
		uint8_t m[6];
		if (k < 4 || fl[0] >= sizeof ip || fl[2] >= sizeof flags)
			continue;
		memcpy(ip, f[0], fl[0]);
		ip[fl[0]] = '\0';
		memcpy(flags, f[2], fl[2]);
		flags[fl[2]] = '\0';
		if (inet_pton(AF_INET, ip, &got) != 1 || got.s_addr != a.s_addr)
			continue;
		if (!(strtoul(flags, NULL, 16) & 0x2) || parse_mac(f[3], fl[3], m) < 0 ||
		    !memcmp(m, "\0\0\0\0\0\0", 6))
			continue;
		memcpy(mac, m, 6);
		return 0;
	}
	return -1;
}

struct buf {
	char *p;
	size_t cap, len;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = b->full ? 0 : vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->full = true;
	else
		b->len += (size_t)n;
}

/* One firmware's branch: kernel, initrd, kickstart, each verified unless
 * the kickstart says verify off. */
static void script_branch(struct buf *b, const struct ks_script_in *in, bool efi)
{
	const char *ks = efi ? "ks.cpio" : "ks.cfg";

	put(b, "kernel --name kernel %s%s%s%s", in->base, in->kernel, in->append[0] ? " " : "", in->append);
	if (efi) /* the EFI stub loads its initrds by name */
		put(b, "%s initrd=ks.cpio", in->initrd[0] ? " initrd=initrd" : "");
	put(b, "\n");
	if (in->verify)
		put(b, "imgverify kernel %s%s.sig\n", in->base, in->kernel);
	if (in->initrd[0]) {
		put(b, "initrd --name initrd %s%s\n", in->base, in->initrd);
		if (in->verify)
			put(b, "imgverify initrd %s%s.sig\n", in->base, in->initrd);
	}
	put(b, "initrd --name %s %s/ks/%s/%s%s\n", ks, in->base, in->token, ks, efi ? "" : " /ks.cfg");
	if (in->verify)
		put(b, "imgverify %s %s/ks/%s/%s.sig\n", ks, in->base, in->token, ks);
	put(b, "boot\n");
}

long ks_script(char *out, size_t cap, const struct ks_script_in *in)
{
	struct buf b = { .p = out, .cap = cap };
	char until[32];
	time_t e = (time_t)in->expiry;
	struct tm tm;

	if (!cap)
		return -1;
	strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&e, &tm));
	put(&b, "#!ipxe\n"
		"# bootward boot script for host %s (%s), kickstart %s.\n"
		"# Its kickstart URLs work until %s%s.\n",
	    in->host, in->mac, in->kickstart, until, in->one_time ? ", once" : "");
	put(&b, in->verify ? "# Every image must be signed by the CA this iPXE trusts.\nimgtrust --permanent\n"
			   : "# Images are not verified: the kickstart says verify off.\n");
	put(&b, "iseq ${platform} efi && goto efi ||\n");
	script_branch(&b, in, false);
	put(&b, ":efi\n");
	script_branch(&b, in, true);
	return b.full ? -1 : (long)b.len;
}

/* ---- answering ------------------------------------------------------------ */

static const struct policy_host *host_by_mac(const struct policy *p, const uint8_t mac[6])
{
	for (size_t i = 0; i < p->dhcp.n_hosts; i++)
		if (!memcmp(p->dhcp.hosts[i].mac, mac, 6))
			return &p->dhcp.hosts[i];
	return NULL;
}

static const struct policy_host *host_by_address(const struct policy *p, struct in_addr a)
{
	for (size_t i = 0; i < p->dhcp.n_hosts; i++)
		if (p->dhcp.hosts[i].address.s_addr && p->dhcp.hosts[i].address.s_addr == a.s_addr)
			return &p->dhcp.hosts[i];
	return NULL;
}

static const struct policy_subnet *subnet_of(const struct policy *p, struct in_addr a)
{
	for (size_t i = 0; i < p->dhcp.n_subnets; i++) {
		const struct policy_subnet *s = &p->dhcp.subnets[i];
		uint32_t mask = htonl(0xffffffffu << (32 - s->prefix_len));
		if ((a.s_addr & mask) == s->network.s_addr)
			return s;
	}
	return NULL;
}

static void format_mac(char out[18], const uint8_t m[6])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* What one request is about, as the log record shows it. */
struct req_ctx {
	const struct policy *p;
	const struct ipc_ks_req *r;
	char client[INET_ADDRSTRLEN];
	char base[IPC_KS_HOST_MAX + 16]; /* scheme://host[:port] */
	char server[INET_ADDRSTRLEN];    /* the address the client connected to */
	const char *host;                /* policy host name, or "-" */
	char mac[18];
	char nonce[17];
};

static int refuse(struct req_ctx *c, struct ks_reply *out, int status, enum log_level level, const char *why)
{
	char q[512];

	log_rec(level, "event=kickstart client=%s what=%s host=%s mac=%s token=%s status=%d error=%s",
		c->client, what_name[c->r->what], c->host, c->mac[0] ? c->mac : "-", c->nonce[0] ? c->nonce : "-",
		status, log_quote(q, sizeof q, why, strlen(why)));
	out->status = status;
	return -1;
}

/* Host: NAME or NAME:PORT, where NAME is the address the client connected
 * to or a DNS name of server.crt. */
static bool host_ok(const struct ks_service *s, const char *server, const char *host)
{
	const char *colon = strchr(host, ':');
	size_t n = colon ? (size_t)(colon - host) : strlen(host);

	if (colon && (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5))
		return false;
	if (n == strlen(server) && !strncmp(host, server, n))
		return true;
	for (size_t i = 0; s && i < s->n_names; i++)
		if (n == strlen(s->names[i]) && !strncasecmp(host, s->names[i], n))
			return true;
	return false;
}

/* The URL base the client used: its Host header when it names this server,
 * else the address and port it connected to. */
static void url_base(const struct ks_service *s, struct req_ctx *c)
{
	const struct ipc_ks_req *r = c->r;
	bool tls = r->flags & IPC_KS_TLS;
	struct in_addr local = { .s_addr = r->local };

	inet_ntop(AF_INET, &local, c->server, sizeof c->server);
	if (r->host[0] && host_ok(s, c->server, r->host))
		snprintf(c->base, sizeof c->base, "%s://%s", tls ? "https" : "http", r->host);
	else if (r->port == (tls ? 443 : 80))
		snprintf(c->base, sizeof c->base, "%s://%s", tls ? "https" : "http", c->server);
	else
		snprintf(c->base, sizeof c->base, "%s://%s:%u", tls ? "https" : "http", c->server, (unsigned)r->port);
}

static const struct policy_kickstart *kickstart_of(const struct policy *p, const struct policy_host *h,
						   size_t *index)
{
	for (size_t i = 0; h->kickstart[0] && i < p->n_kickstarts; i++)
		if (!strcmp(p->kickstarts[i].name, h->kickstart)) {
			*index = i;
			return &p->kickstarts[i];
		}
	return NULL;
}

/* Render text for host h at address ip with the token's URL. */
static long render(struct req_ctx *c, const char *t, size_t len, const struct policy_host *h, struct in_addr ip,
		   const char *token, char *out, size_t cap, struct template_error *err)
{
	struct template_values v = { 0 };
	char ipbuf[INET_ADDRSTRLEN], ks_url[sizeof c->base + 96], gw[INET_ADDRSTRLEN] = "", mask[INET_ADDRSTRLEN];
	char dns[POLICY_MAX_DNS * INET_ADDRSTRLEN] = "";
	const struct policy_subnet *sn = subnet_of(c->p, ip);

	inet_ntop(AF_INET, &ip, ipbuf, sizeof ipbuf);
	snprintf(ks_url, sizeof ks_url, "%s/ks/%s/ks.cfg", c->base, token);
	v.v[TV_HOSTNAME] = h->name;
	v.v[TV_IP] = ipbuf;
	v.v[TV_MAC] = c->mac;
	v.v[TV_SERVER] = c->server;
	v.v[TV_KS_URL] = ks_url;
	if (sn) {
		struct in_addr m = { .s_addr = htonl(0xffffffffu << (32 - sn->prefix_len)) };
		inet_ntop(AF_INET, &m, mask, sizeof mask);
		if (sn->router.s_addr)
			inet_ntop(AF_INET, &sn->router, gw, sizeof gw);
		for (size_t i = 0; i < sn->n_dns; i++) {
			size_t n = strlen(dns);
			snprintf(dns + n, sizeof dns - n, "%s", i ? "," : "");
			n = strlen(dns);
			inet_ntop(AF_INET, &sn->dns[i], dns + n, (socklen_t)(sizeof dns - n));
		}
		v.v[TV_DOMAIN] = sn->domain;
		v.v[TV_GATEWAY] = gw;
		v.v[TV_NETMASK] = mask;
		v.v[TV_DNS] = dns;
	}
	return template_render(t, len, &v, out, cap, err);
}

static void reply_script(const struct ks_service *s, struct req_ctx *c, uint32_t now, const char *arp,
			 size_t arp_len, struct ks_reply *out)
{
	const struct policy *p = c->p;
	struct in_addr peer = { .s_addr = c->r->peer };
	uint8_t seen[6];
	bool have_seen = ks_arp_lookup(arp, arp_len, peer, seen) == 0;
	const struct policy_host *h = host_by_address(p, peer);

	if (h && have_seen && memcmp(seen, h->mac, 6)) {
		format_mac(c->mac, seen);
		c->host = h->name;
		refuse(c, out, 404, LOG_LEVEL_WARN, "the client has the host's fixed address but another MAC");
		return;
	}
	if (!h && have_seen && (h = host_by_mac(p, seen)) && h->address.s_addr)
		h = NULL; /* a host with a fixed address boots from that address only */
	if (!h) {
		if (have_seen)
			format_mac(c->mac, seen);
		refuse(c, out, 404, LOG_LEVEL_WARN,
		       have_seen ? "no host in the policy has this MAC"
				 : "unknown client: not a host's fixed address and not in the neighbour table");
		return;
	}
	c->host = h->name;
	format_mac(c->mac, h->mac);
	size_t ki;
	const struct policy_kickstart *k = kickstart_of(p, h, &ki);
	if (!k || !k->kernel[0]) {
		refuse(c, out, 404, LOG_LEVEL_WARN,
		       k ? "the host's kickstart statement names no kernel" : "the host has no kickstart");
		return;
	}
	struct token t = { .expiry = now + k->lifetime_s };
	char token[TOKEN_TEXT_MAX], append[POLICY_APPEND_MAX * 4];
	struct template_error te;
	memcpy(t.mac, h->mac, 6);
	randombytes_buf(t.nonce, sizeof t.nonce);
	sodium_bin2hex(c->nonce, sizeof c->nonce, t.nonce, sizeof t.nonce);
	token_make(s->token_key, &t, token);
	if (render(c, k->append, strlen(k->append), h, peer, token, append, sizeof append, &te) < 0) {
		char why[160];
		snprintf(why, sizeof why, "kickstart %s append, column %u: %s", k->name, te.column, te.message);
		refuse(c, out, 500, LOG_LEVEL_ERR, why);
		return;
	}
	struct ks_script_in in = {
		.base = c->base, .token = token, .kernel = k->kernel, .initrd = k->initrd, .append = append,
		.host = h->name, .mac = c->mac, .kickstart = k->name, .expiry = t.expiry, .one_time = k->one_time,
		.verify = k->verify,
	};
	size_t cap = 4096 + 4 * sizeof append;
	char *body = malloc(cap);
	long n = body ? ks_script(body, cap, &in) : -1;
	if (n < 0) {
		free(body);
		refuse(c, out, 500, LOG_LEVEL_ERR, "boot script too long");
		return;
	}
	out->status = 200;
	out->body = (uint8_t *)body;
	out->len = (size_t)n;
	log_rec(LOG_LEVEL_INFO, "event=kickstart client=%s what=boot.ipxe host=%s mac=%s token=%s status=200 "
		"kickstart=%s expires_in_s=%u one_time=%s verify=%s",
		c->client, c->host, c->mac, c->nonce, k->name, k->lifetime_s, k->one_time ? "on" : "off",
		k->verify ? "on" : "off");
}

static void reply_kickstart(const struct ks_service *s, struct req_ctx *c, struct ks_used *used, uint32_t now,
			    struct ks_reply *out)
{
	const struct policy *p = c->p;
	const struct ipc_ks_req *r = c->r;
	struct token t;
	enum token_result tr = token_check(s->token_key, r->token, strlen(r->token), now, &t);

	if (tr != TOKEN_OK && tr != TOKEN_EXPIRED) {
		refuse(c, out, 404, LOG_LEVEL_WARN, tr == TOKEN_FORGED ? "forged token" : "malformed token");
		return;
	}
	sodium_bin2hex(c->nonce, sizeof c->nonce, t.nonce, sizeof t.nonce);
	format_mac(c->mac, t.mac);
	const struct policy_host *h = host_by_mac(p, t.mac);
	size_t ki;
	const struct policy_kickstart *k = h ? kickstart_of(p, h, &ki) : NULL;
	if (h)
		c->host = h->name;
	if (tr == TOKEN_EXPIRED) {
		refuse(c, out, 404, LOG_LEVEL_WARN, "expired token");
		return;
	}
	if (!k) {
		refuse(c, out, 404, LOG_LEVEL_WARN, h ? "the host no longer has a kickstart" : "no host has the token's MAC");
		return;
	}
	/* The policy may have shortened the lifetime since the token was made. */
	if (t.expiry > now + k->lifetime_s) {
		refuse(c, out, 404, LOG_LEVEL_WARN, "token outlives the kickstart's lifetime");
		return;
	}
	bool content = r->what == IPC_KS_CFG || r->what == IPC_KS_CPIO;
	if (k->one_time && t.expiry - k->lifetime_s < used->started) {
		refuse(c, out, 404, LOG_LEVEL_WARN, "one-time token issued before the broker started");
		return;
	}
	if (k->one_time && content && !(r->flags & IPC_KS_HEAD)) {
		int u = use_token(used, &t, now);
		if (u) {
			refuse(c, out, u > 0 ? 404 : 503, LOG_LEVEL_WARN,
			       u > 0 ? "one-time token already used" : "too many one-time tokens in use");
			return;
		}
	}
	struct in_addr ip = h->address.s_addr ? h->address : (struct in_addr){ .s_addr = r->peer };
	struct template_error te;
	char *ks = malloc(KS_TEXT_MAX + 1);
	long n = ks ? render(c, s->text[ki], s->len[ki], h, ip, r->token, ks, KS_TEXT_MAX + 1, &te) : -1;
	if (n < 0) {
		char why[POLICY_PATH_MAX + 160];
		snprintf(why, sizeof why, "%s:%u:%u: %s", k->template_path, te.line, te.column, te.message);
		free(ks);
		refuse(c, out, 500, LOG_LEVEL_ERR, ks ? why : "out of memory");
		return;
	}
	uint8_t *data = (uint8_t *)ks, *cpio = NULL;
	size_t len = (size_t)n;
	if (r->what >= IPC_KS_CPIO) {
		/* The archive's time is the token's, so its signature matches. */
		size_t cap = cpio_size(strlen("ks.cfg"), len);
		cpio = malloc(cap);
		len = cpio ? cpio_write(cpio, cap, "ks.cfg", data, len, 0600, t.expiry - k->lifetime_s) : 0;
		free(ks);
		data = cpio;
		if (!len) {
			free(cpio);
			refuse(c, out, 500, LOG_LEVEL_ERR, "cannot build the cpio archive");
			return;
		}
	}
	int rc = 0;
	switch (r->what) {
	case IPC_KS_CFG:
	case IPC_KS_CPIO:
		out->body = data;
		out->len = len;
		data = NULL;
		break;
	case IPC_KS_CFG_SIG:
	case IPC_KS_CPIO_SIG:
		rc = sign_cms(s->keys, data, len, &out->body, &out->len);
		break;
	default: {
		char *m = NULL;
		rc = sign_minisig(s->keys, data, len, r->what == IPC_KS_CFG_MINISIG ? "ks.cfg" : "ks.cpio", &m,
				  &out->len);
		out->body = (uint8_t *)m;
		break;
	}
	}
	if (data) {
		sodium_memzero(data, len);
		free(data);
	}
	if (rc < 0) {
		refuse(c, out, 500, LOG_LEVEL_ERR, "signing failed");
		return;
	}
	out->status = 200;
	log_rec(LOG_LEVEL_INFO, "event=kickstart client=%s what=%s host=%s mac=%s token=%s status=200 bytes=%zu%s",
		c->client, what_name[r->what], c->host, c->mac, c->nonce, out->len,
		k->one_time && content && !(r->flags & IPC_KS_HEAD) ? " note=\"one-time token used\"" : "");
}

void ks_answer(const struct ks_service *s, const struct policy *p, struct ks_used *used,
	       const struct ipc_ks_req *r, uint32_t now, const char *arp, size_t arp_len, struct ks_reply *out)
{
	struct req_ctx c = { .p = p, .r = r, .host = "-" };
	struct in_addr peer = { .s_addr = r->peer };

	memset(out, 0, sizeof *out);
	inet_ntop(AF_INET, &peer, c.client, sizeof c.client);
	url_base(s, &c);
	if (!s) {
		refuse(&c, out, 404, LOG_LEVEL_WARN, "the policy serves no kickstarts");
		return;
	}
	if (r->what == IPC_KS_SCRIPT)
		reply_script(s, &c, now, arp, arp_len, out);
	else
		reply_kickstart(s, &c, used, now, out);
}
