/* SPDX-License-Identifier: MIT */
/*
 * Parses /etc/idsync/idsync.conf (INI, through inih) into struct ids_config.
 * Owns the key table: name, type, field, bounds. No globals: a config can be
 * loaded any number of times. Never exits; every problem names file and line.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <strings.h>

#include "libidsync/cleanup.h"
#include "libidsync/config.h"
#include "libidsync/err.h"
#include "libidsync/names.h"
#include "libidsync/strv.h"

enum key_type {
	KEY_PATH,   /* absolute path */
	KEY_STRING, /* any non-empty string without control characters */
	KEY_U32,
	KEY_ENUM,
	KEY_NAMES, /* comma- or space-separated list of names */
};

struct key_def {
	const char *name; /* "section.key"; the table is sorted by it */
	enum key_type type;
	size_t offset;
	uint32_t min, max;          /* KEY_U32 */
	const char *const *choices; /* KEY_ENUM: index is the enum value */
};

static const char *const enumerate_choices[] = {"auto", "yes", "no", NULL};
static const char *const login_from_choices[] = {"local-part", "username", NULL};
static const char *const level_choices[] = {"err", "warning", "info", "debug", NULL};

#define F(field) offsetof(struct ids_config, field)
/* Sorted by name: looked up with bsearch(). */
static const struct key_def keys[] = {
	{"identity.gid_max", KEY_U32, F(gid_max), 1000, 2147483646, NULL},
	{"identity.gid_min", KEY_U32, F(gid_min), 1000, 2147483646, NULL},
	{"identity.group_file", KEY_PATH, F(group_file), 0, 0, NULL},
	{"identity.home", KEY_PATH, F(home_template), 0, 0, NULL},
	{"identity.inactive_shell", KEY_PATH, F(inactive_shell), 0, 0, NULL},
	{"identity.login_from", KEY_ENUM, F(login_from), 0, 0, login_from_choices},
	{"identity.passwd_file", KEY_PATH, F(passwd_file), 0, 0, NULL},
	{"identity.reserved_names", KEY_NAMES, F(reserved_names), 0, 0, NULL},
	{"identity.shell", KEY_PATH, F(shell), 0, 0, NULL},
	{"identity.subgid_file", KEY_PATH, F(subgid_file), 0, 0, NULL},
	{"identity.subuid_file", KEY_PATH, F(subuid_file), 0, 0, NULL},
	{"identity.uid_max", KEY_U32, F(uid_max), 1000, 2147483646, NULL},
	{"identity.uid_min", KEY_U32, F(uid_min), 1000, 2147483646, NULL},
	{"log.level", KEY_ENUM, F(log_level), 0, 0, level_choices},
	{"nss.enumerate", KEY_ENUM, F(enumerate), 0, 0, enumerate_choices},
	{"nss.enumerate_max", KEY_U32, F(enumerate_max), 0, 100000000, NULL},
	{"nss.snapshot", KEY_PATH, F(snapshot_path), 0, 0, NULL},
	{"scim.batch_max", KEY_U32, F(scim_batch_max), 1, 10000, NULL},
	{"scim.filter_max_depth", KEY_U32, F(scim_filter_max_depth), 1, 256, NULL},
	{"scim.filter_max_length", KEY_U32, F(scim_filter_max_length), 16, 1048576, NULL},
	{"scim.http_redirect_port", KEY_U32, F(scim_http_redirect_port), 0, 65535, NULL},
	{"scim.listen", KEY_STRING, F(scim_listen), 0, 0, NULL},
	{"scim.max_body_kb", KEY_U32, F(scim_max_body_kb), 1, 65536, NULL},
	{"scim.max_connections", KEY_U32, F(scim_max_connections), 1, 100000, NULL},
	{"scim.max_header_kb", KEY_U32, F(scim_max_header_kb), 1, 1024, NULL},
	{"scim.page_size_max", KEY_U32, F(scim_page_size_max), 1, 100000, NULL},
	{"scim.port", KEY_U32, F(scim_port), 1, 65535, NULL},
	{"scim.publish_delay_ms", KEY_U32, F(scim_publish_delay_ms), 0, 60000, NULL},
	{"scim.request_timeout_s", KEY_U32, F(scim_request_timeout_s), 1, 3600, NULL},
	{"scim.tls_cert", KEY_PATH, F(scim_tls_cert), 0, 0, NULL},
	{"scim.tls_key", KEY_PATH, F(scim_tls_key), 0, 0, NULL},
	{"store.map_size_mb", KEY_U32, F(map_size_mb), 16, 1048576, NULL},
	{"store.path", KEY_PATH, F(store_path), 0, 0, NULL},
	{"workspace.directory_root", KEY_PATH, F(directory_root), 0, 0, NULL},
};
#undef F

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(a, ((const struct key_def *)b)->name);
}

static const struct key_def *
key_lookup(const char *name)
{
	return bsearch(name, keys, IDS_ARRAY_SIZE(keys), sizeof(keys[0]), key_cmp);
}

const char *const *
ids_config_keys(void)
{
	static const char *names[IDS_ARRAY_SIZE(keys) + 1];

	for (size_t i = 0; i < IDS_ARRAY_SIZE(keys); i++)
		names[i] = keys[i].name;
	return names;
}

static int
set_default_str(char **field, const char *value)
{
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

struct ids_config *
ids_config_new_defaults(void)
{
	struct ids_config *c = calloc(1, sizeof(*c));
	int r = 0;

	if (!c)
		return NULL;
	c->map_size_mb = 1024;
	c->enumerate = IDS_ENUMERATE_AUTO;
	c->enumerate_max = 10000;
	c->login_from = IDS_LOGIN_FROM_LOCAL_PART;
	c->uid_min = 1000000;
	c->uid_max = 1999999999;
	c->gid_min = 500000;
	c->gid_max = 999999;
	c->log_level = IDS_LOG_LEVEL_INFO;
	c->scim_port = 8443;
	c->scim_max_body_kb = 1024;
	c->scim_max_header_kb = 16;
	c->scim_max_connections = 512;
	c->scim_request_timeout_s = 30;
	c->scim_filter_max_length = 8192;
	c->scim_filter_max_depth = 16;
	c->scim_page_size_max = 1000;
	c->scim_publish_delay_ms = 200;
	c->scim_batch_max = 256;
	r |= set_default_str(&c->store_path, IDS_STATEDIR "/store");
	r |= set_default_str(&c->snapshot_path, IDS_STATEDIR "/nss.mdb");
	r |= set_default_str(&c->home_template, "/home/{login}");
	r |= set_default_str(&c->shell, "/bin/bash");
	r |= set_default_str(&c->inactive_shell, "/usr/sbin/nologin");
	r |= set_default_str(&c->passwd_file, "/etc/passwd");
	r |= set_default_str(&c->group_file, "/etc/group");
	r |= set_default_str(&c->subuid_file, "/etc/subuid");
	r |= set_default_str(&c->subgid_file, "/etc/subgid");
	r |= set_default_str(&c->directory_root, "/srv/idsync");
	r |= set_default_str(&c->scim_listen, "127.0.0.1");
	r |= set_default_str(&c->scim_tls_cert, IDS_SYSCONFDIR "/tls/scim.crt");
	r |= set_default_str(&c->scim_tls_key, IDS_SYSCONFDIR "/tls/scim.key");
	c->reserved_names = calloc(1, sizeof(char *));
	if (r || !c->reserved_names)
		return ids_config_free(c);
	return c;
}

struct ids_config *
ids_config_free(struct ids_config *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < IDS_ARRAY_SIZE(keys); i++) {
		void *field = (char *)c + keys[i].offset;
		if (keys[i].type == KEY_PATH || keys[i].type == KEY_STRING)
			free(*(char **)field);
		else if (keys[i].type == KEY_NAMES)
			ids_strv_free(*(char ***)field);
	}
	free(c->source);
	free(c);
	return NULL;
}

static bool
has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Parses a decimal without sign, spaces or trailing junk. */
static int
parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
fail(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(char **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(error, fmt, ap) < 0)
		*error = NULL;
	va_end(ap);
	return -EINVAL;
}

static int
apply_value(struct ids_config *c, const struct key_def *k, const char *value, char **error)
{
	void *field = (char *)c + k->offset;
	uint32_t u;
	int r;

	if (has_control_chars(value))
		return fail(error, "%s: value contains control characters", k->name);
	/* What idsync.conf could not hold (inih strips blanks and cuts at " ;") is refused, so
	 * that every configuration can be written back as a file. */
	if (*value == ' ' || (*value && value[strlen(value) - 1] == ' ') || strstr(value, " ;"))
		return fail(error, "%s: \"%s\" has surrounding blanks or \" ;\", which "
				   "idsync.conf cannot hold",
			    k->name, value);
	switch (k->type) {
	case KEY_PATH:
	case KEY_STRING: {
		char *copy;
		if (!*value)
			return fail(error, "%s: empty value", k->name);
		if (k->type == KEY_PATH && value[0] != '/')
			return fail(error, "%s: \"%s\" is not an absolute path", k->name, value);
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case KEY_U32:
		r = parse_u32(value, &u);
		if (r < 0 || u < k->min || u > k->max)
			return fail(error, "%s: \"%s\" is not a whole number from %u to %u", k->name,
				    value, k->min, k->max);
		*(uint32_t *)field = u;
		return 0;
	case KEY_ENUM:
		for (size_t i = 0; k->choices[i]; i++)
			if (strcmp(value, k->choices[i]) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
		{
			_cleanup_free_ char *list = ids_strv_join(k->choices, ", ");
			return fail(error, "%s: \"%s\" is not one of: %s", k->name, value,
				    list ? list : "?");
		}
	case KEY_NAMES: {
		char **v;
		const char *problem;
		r = ids_strv_split(value, ", ", &v);
		if (r < 0)
			return r;
		for (size_t i = 0; v[i]; i++)
			if (ids_name_check(v[i], &problem) < 0) {
				r = fail(error, "%s: \"%s\" %s", k->name, v[i], problem);
				ids_strv_free(v);
				return r;
			}
		ids_strv_free(*(char ***)field);
		*(char ***)field = v;
		return 0;
	}
	}
	return -EINVAL;
}

int
ids_config_set(struct ids_config *c, const char *key, const char *value, const char *origin,
	       char **error)
{
	const struct key_def *k = key_lookup(key);
	_cleanup_free_ char *inner = NULL;
	int r;

	*error = NULL;
	if (!k) {
		(void)fail(error, "%s: unknown key \"%s\"", origin, key);
		return -ENOENT;
	}
	r = apply_value(c, k, value, &inner);
	if (r == -EINVAL)
		(void)fail(error, "%s: %s", origin, inner ? inner : key);
	return r;
}

/* State of one ids_config_load() call, shared by the inih callbacks. */
struct load_ctx {
	struct ids_config *cfg;
	const char *path;
	const char *data; /* the whole file */
	size_t size, pos; /* and how far the reader got */
	unsigned line;      /* line most recently read */
	bool line_too_long; /* that line did not fit the reader's buffer */
	unsigned seen_line[IDS_ARRAY_SIZE(keys)];
	char *errors;
	size_t errors_len;
	int failed;
};

static void
add_error(struct load_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add_error(struct load_ctx *ctx, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	size_t n;
	char *grown;

	ctx->failed = ctx->failed ? ctx->failed : -EINVAL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0) {
		va_end(ap);
		ctx->failed = -ENOMEM;
		return;
	}
	va_end(ap);
	n = strlen(msg);
	grown = realloc(ctx->errors, ctx->errors_len + n + 2);
	if (!grown) {
		ctx->failed = -ENOMEM;
		return;
	}
	memcpy(grown + ctx->errors_len, msg, n);
	grown[ctx->errors_len + n] = '\n';
	grown[ctx->errors_len + n + 1] = '\0';
	ctx->errors = grown;
	ctx->errors_len += n + 1;
}

/*
 * inih reader over the file in memory: counts lines so that the handler can
 * name the line at fault, and refuses what inih would silently misread (a NUL
 * byte, an over-long line, an indented continuation line), keeping the line
 * numbers of everything after it right.
 */
static char *
read_line(char *buf, int size, void *stream)
{
	struct load_ctx *ctx = stream;
	const char *start = ctx->data + ctx->pos, *nl;
	size_t len, indent;

	if (ctx->pos >= ctx->size)
		return NULL;
	nl = memchr(start, '\n', ctx->size - ctx->pos);
	len = nl ? (size_t)(nl - start) + 1 : ctx->size - ctx->pos;
	ctx->pos += len;
	ctx->line++;
	buf[0] = '\n';
	buf[1] = '\0';
	if (memchr(start, '\0', len)) {
		add_error(ctx, "%s:%u: NUL byte in the line", ctx->path, ctx->line);
		return buf;
	}
	indent = strspn(start, " \t");
	if (indent && indent < len && !strchr("\r\n;#", start[indent])) {
		add_error(ctx, "%s:%u: indented line (continuation lines are not supported)",
			  ctx->path, ctx->line);
		return buf;
	}
	if (len + 1 > (size_t)size) {
		add_error(ctx, "%s:%u: line longer than %d characters", ctx->path, ctx->line,
			  size - 2);
		return buf;
	}
	memcpy(buf, start, len);
	buf[len] = '\0';
	return buf;
}

static int
on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *ctx = user;
	_cleanup_free_ char *key = NULL;
	_cleanup_free_ char *msg = NULL;
	const struct key_def *k;
	int r;

	if (!*section) {
		add_error(ctx, "%s:%u: \"%s\" is outside any [section]", ctx->path, ctx->line, name);
		return 1;
	}
	if (asprintf(&key, "%s.%s", section, name) < 0) {
		ctx->failed = -ENOMEM;
		return 0;
	}
	k = key_lookup(key);
	if (!k) {
		add_error(ctx, "%s:%u: unknown key \"%s\" in [%s]", ctx->path, ctx->line, name,
			  section);
		return 1;
	}
	if (ctx->seen_line[k - keys]) {
		add_error(ctx, "%s:%u: %s set again (first set on line %u)", ctx->path, ctx->line,
			  key, ctx->seen_line[k - keys]);
		return 1;
	}
	ctx->seen_line[k - keys] = ctx->line;
	r = apply_value(ctx->cfg, k, value, &msg);
	if (r == -ENOMEM) {
		ctx->failed = r;
		return 0;
	}
	if (r < 0)
		add_error(ctx, "%s:%u: %s", ctx->path, ctx->line, msg ? msg : key);
	/* Keep going: every problem is reported in one run. */
	return 1;
}

/* Reads a whole regular file of at most 1 MiB. */
static int
slurp(const char *path, char **data, size_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EISDIR;
	if (st.st_size > 1024 * 1024)
		return -EFBIG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	*data = TAKE_PTR(buf);
	*size = got;
	return 0;
}

int
ids_config_load(const char *path, struct ids_config **out, char **errors)
{
	struct load_ctx ctx = {.path = path};
	_cleanup_free_ char *check_msg = NULL, *data = NULL;
	int r;

	*errors = NULL;
	ctx.cfg = ids_config_new_defaults();
	if (!ctx.cfg)
		return -ENOMEM;
	r = slurp(path, &data, &ctx.size);
	if (r < 0) {
		add_error(&ctx, "%s: cannot read: %s", path,
			  r == -EISDIR ? "not a regular file"
				       : r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		*errors = ctx.errors;
		ids_config_free(ctx.cfg);
		return r == -EISDIR || r == -EFBIG ? -EINVAL : r;
	}
	ctx.data = data;
	r = ini_parse_stream(read_line, &ctx, on_pair, &ctx);
	if (r > 0)
		/* inih's own syntax errors: a line that is neither [section] nor key = value. */
		add_error(&ctx, "%s:%d: syntax error (expected [section] or key = value)", path, r);
	else if (r < 0 && !ctx.failed)
		ctx.failed = -ENOMEM;
	/* Relations between keys are checked even after other problems: all are reported at once. */
	if (ctx.failed != -ENOMEM && ids_config_check(ctx.cfg, &check_msg) < 0)
		add_error(&ctx, "%s: %s", path, check_msg ? check_msg : "invalid");
	if (ctx.failed) {
		*errors = ctx.errors;
		ids_config_free(ctx.cfg);
		return ctx.failed;
	}
	ctx.cfg->source = strdup(path);
	if (!ctx.cfg->source) {
		ids_config_free(ctx.cfg);
		free(ctx.errors);
		return -ENOMEM;
	}
	*out = ctx.cfg;
	return 0;
}

static bool
path_is_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	/* n == 0: the directory is "/", which holds every path. */
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int
ids_config_check(const struct ids_config *c, char **error)
{
	*error = NULL;
	if (c->uid_min > c->uid_max)
		return fail(error, "identity.uid_min (%u) is above identity.uid_max (%u)", c->uid_min,
			    c->uid_max);
	if (c->gid_min > c->gid_max)
		return fail(error, "identity.gid_min (%u) is above identity.gid_max (%u)", c->gid_min,
			    c->gid_max);
	if (path_is_inside(c->snapshot_path, c->store_path))
		return fail(error,
			    "nss.snapshot (%s) must not be inside store.path (%s): the store is "
			    "private to root and every process must read the snapshot",
			    c->snapshot_path, c->store_path);
	if (c->scim_http_redirect_port && c->scim_http_redirect_port == c->scim_port)
		return fail(error, "scim.http_redirect_port (%u) must differ from scim.port",
			    c->scim_http_redirect_port);
	if (!strstr(c->home_template, "{login}"))
		return fail(error, "identity.home (%s) must contain {login}", c->home_template);
	return 0;
}

char *
ids_config_warnings(const struct ids_config *c)
{
	char *out = NULL;

	if (strcmp(c->snapshot_path, IDS_STATEDIR "/nss.mdb") != 0 &&
	    asprintf(&out,
		     "nss.snapshot is %s, but libnss_idsync.so.2 reads %s (its build default) unless "
		     "IDSYNC_NSS_SNAPSHOT is set in the process's environment: getent and logins "
		     "will not see what idsync publishes\n",
		     c->snapshot_path, IDS_STATEDIR "/nss.mdb") < 0)
		out = NULL;
	return out;
}

int
ids_config_dump(const struct ids_config *c, FILE *f)
{
	const char *section = "";
	size_t slen = 0;

	for (size_t i = 0; i < IDS_ARRAY_SIZE(keys); i++) {
		const struct key_def *k = &keys[i];
		const char *dot = strchr(k->name, '.');
		const void *field = (const char *)c + k->offset;

		if ((size_t)(dot - k->name) != slen || strncmp(section, k->name, slen) != 0) {
			section = k->name;
			slen = (size_t)(dot - k->name);
			fprintf(f, "%s[%.*s]\n", i ? "\n" : "", (int)slen, section);
		}
		fprintf(f, "%s = ", dot + 1);
		switch (k->type) {
		case KEY_PATH:
		case KEY_STRING:
			fprintf(f, "%s\n", *(char *const *)field);
			break;
		case KEY_U32:
			fprintf(f, "%u\n", *(const uint32_t *)field);
			break;
		case KEY_ENUM:
			fprintf(f, "%s\n", k->choices[*(const int *)field]);
			break;
		case KEY_NAMES: {
			_cleanup_free_ char *s = ids_strv_join((const char *const *)*(char **const *)field, ", ");
			fprintf(f, "%s\n", s ? s : "");
			break;
		}
		}
	}
	return ferror(f) ? -EIO : 0;
}
