/* SPDX-License-Identifier: MIT */
/*
 * Audit records: a copy in the store (IDS_DB_AUDIT, keyed by sequence) and a
 * line to the journal (native protocol, with MESSAGE_ID) or syslog after the
 * transaction commits. Values are cleaned of control characters; callers
 * never pass secrets.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/err.h"
#include "libidsync/log.h"
#include "libidsync/strv.h"

#define MAX_PAIRS 16

struct pending {
	struct ids_msgid msg;
	char *line;
	char *kv[2 * MAX_PAIRS + 1];
};

static bool
needs_quotes(const char *v)
{
	return !*v || strpbrk(v, " \t\"=\\") != NULL;
}

char *
ids_audit_format(const char *tag, const char *const *kv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "event=%s", tag);
	for (size_t i = 0; kv[i] && kv[i + 1]; i += 2) {
		const char *v = kv[i + 1];
		if (!needs_quotes(v)) {
			fprintf(f, " %s=%s", kv[i], v);
			continue;
		}
		fprintf(f, " %s=\"", kv[i]);
		for (; *v; v++)
			fprintf(f, "%s%c", (*v == '"' || *v == '\\') ? "\\" : "", *v);
		fputc('"', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Sends one entry to journald's native socket; returns false when there is none. */
static bool
journal_send(const struct pending *p)
{
	static const char sock_path[] = "/run/systemd/journal/socket";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int fd;
	ssize_t n;

	if (access(sock_path, W_OK) < 0)
		return false;
	f = open_memstream(&buf, &len);
	if (!f)
		return false;
	fprintf(f, "MESSAGE=%s\nMESSAGE_ID=%s\nPRIORITY=%d\nSYSLOG_FACILITY=%d\n"
		   "SYSLOG_IDENTIFIER=%s\nIDSYNC_EVENT=%s\n",
		p->line, p->msg.id, LOG_NOTICE, LOG_AUTHPRIV >> 3, ids_log_ident(), p->msg.tag);
	for (size_t i = 0; p->kv[i] && p->kv[i + 1]; i += 2) {
		fputs("IDSYNC_", f);
		for (const char *k = p->kv[i]; *k; k++)
			fputc(*k >= 'a' && *k <= 'z' ? *k - 'a' + 'A' : (*k == '-' ? '_' : *k), f);
		fprintf(f, "=%s\n", p->kv[i + 1]);
	}
	if (fclose(f) != 0)
		return false;
	memcpy(sa.sun_path, sock_path, sizeof(sock_path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	n = sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return n == (ssize_t)len;
}

static void
emit(void *data)
{
	PROTECT_ERRNO;
	struct pending *p = data;

	if ((ids_log_sinks() & IDS_LOG_SYSLOG) && journal_send(p))
		;
	else
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "AUDIT %s msgid=%s", p->line, p->msg.id);
	if (ids_log_sinks() & IDS_LOG_STDERR)
		ids_log_debug("audit: %s", p->line);
}

static void
pending_free(void *data)
{
	struct pending *p = data;

	if (!p)
		return;
	for (size_t i = 0; p->kv[i]; i++)
		free(p->kv[i]);
	free(p->line);
	free(p);
}

/* A copy of v with control characters replaced, so a line can never be split or forged. */
static char *
clean_dup(const char *v)
{
	char *d = strdup(v);

	for (char *c = d; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return d;
}

static int
store_record(struct ids_txn *t, const struct pending *p, int64_t now_us)
{
	unsigned char key[8];
	struct ids_val v;
	uint64_t seq = 0;
	json_t *o, *fields;
	_cleanup_free_ char *s = NULL;
	int r;

	r = ids_txn_get_str(t, IDS_DB_META, "audit_seq", &v);
	if (r == 0 && v.size == 8)
		seq = ids_from_be64(v.data);
	else if (r < 0 && r != -ENOENT)
		return r;
	fields = json_object();
	for (size_t i = 0; fields && p->kv[i] && p->kv[i + 1]; i += 2)
		json_object_set_new(fields, p->kv[i], json_string(p->kv[i + 1]));
	o = json_pack("{s:i, s:I, s:s, s:s, s:o?}", "v", 1, "ts_us", (json_int_t)now_us, "event",
		      p->msg.tag, "msgid", p->msg.id, "fields", fields);
	if (!o)
		return ids_txn_fail(t, -ENOMEM);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s)
		return ids_txn_fail(t, -ENOMEM);
	seq++;
	ids_be64(seq, key);
	ids_txn_put(t, IDS_DB_AUDIT, key, 8, s, strlen(s), false);
	ids_txn_put(t, IDS_DB_META, "audit_seq", 9, key, 8, false);
	return ids_txn_error(t);
}

int
ids_audit(struct ids_txn *t, struct ids_msgid msg, ...)
{
	struct pending *p = calloc(1, sizeof(*p));
	struct timeval tv;
	va_list ap;
	size_t n = 0;
	int r = 0;

	if (!p)
		return t ? ids_txn_fail(t, -ENOMEM) : -ENOMEM;
	p->msg = msg;
	va_start(ap, msg);
	for (;;) {
		const char *k = va_arg(ap, const char *), *v;
		if (!k)
			break;
		v = va_arg(ap, const char *);
		if (!v || n >= 2 * MAX_PAIRS)
			break;
		p->kv[n] = clean_dup(k);
		p->kv[n + 1] = clean_dup(v);
		if (!p->kv[n] || !p->kv[n + 1]) {
			r = -ENOMEM;
			break;
		}
		n += 2;
	}
	va_end(ap);
	if (r == 0) {
		p->line = ids_audit_format(msg.tag, (const char *const *)p->kv);
		if (!p->line)
			r = -ENOMEM;
	}
	if (r < 0) {
		pending_free(p);
		return t ? ids_txn_fail(t, r) : r;
	}
	gettimeofday(&tv, NULL);
	if (t && ids_txn_is_write(t)) {
		r = store_record(t, p, (int64_t)tv.tv_sec * 1000000 + tv.tv_usec);
		if (r < 0) {
			pending_free(p);
			return r;
		}
		return ids_txn_after_commit(t, emit, p, pending_free);
	}
	emit(p);
	pending_free(p);
	return 0;
}

struct audit_iter {
	ids_audit_fn fn;
	void *user;
};

static int
audit_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct audit_iter *it = data;

	if (k->size != 8)
		return -EBADMSG;
	return it->fn(ids_from_be64(k->data), v->data, v->size, it->user);
}

int
ids_audit_foreach(struct ids_txn *t, uint64_t since_seq, ids_audit_fn fn, void *user)
{
	struct audit_iter it = {fn, user};
	unsigned char key[8];

	ids_be64(since_seq, key);
	return ids_txn_iterate_from(t, IDS_DB_AUDIT, key, 8, audit_cb, &it);
}
