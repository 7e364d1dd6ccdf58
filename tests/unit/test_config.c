/* SPDX-License-Identifier: MIT */
/*
 * Configuration (config.c): every key of ids_config_keys() parses into its
 * field and is documented in idsync.conf(5); each kind of bad line is reported
 * as "path:line: message", all of them in one run, with *out untouched; module
 * arguments override the file; the dump reloads to the same configuration.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libidsync/config.h"
#include "libidsync/strv.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static char dir[] = "/tmp/idsync-config-XXXXXX";
static char conf[sizeof(dir) + 16];

/* Stands for "not written": ids_config_load must leave *out alone on failure. */
static struct ids_config sentinel_cfg;
#define UNTOUCHED (&sentinel_cfg)

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/idsync.conf", dir);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
teardown(void)
{
	(void)nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS); /* best effort: only a scratch dir */
}

TestSuite(config, .init = setup, .fini = teardown);

/*
 * Present only under -Db_sanitize=address. Criterion counts a test whose
 * worker leaks as passed (LeakSanitizer only prints, and a failure in .fini
 * is only a warning), so each test checks for leaks at its end itself.
 */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

#define CONFIG_TEST(name)                                                                          \
	static void name##_body(void);                                                             \
	Test(config, name)                                                                         \
	{                                                                                          \
		name##_body();                                                                     \
		if (__lsan_do_recoverable_leak_check)                                              \
			cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,                        \
				     "memory leaked: see the LeakSanitizer report");               \
	}                                                                                          \
	static void name##_body(void)

/* Writes len bytes (NUL bytes included) to the scratch idsync.conf. */
static void
write_conf_n(const char *text, size_t len)
{
	FILE *fp = fopen(conf, "w");

	cr_assert_not_null(fp, "cannot write %s", conf);
	cr_assert_eq(fwrite(text, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
}

/* Loads text from the scratch file. *cfg is set to the sentinel first. */
static int
load_n(const char *text, size_t len, struct ids_config **cfg, char **errors)
{
	write_conf_n(text, len);
	*cfg = UNTOUCHED;
	*errors = (char *)"not written";
	return ids_config_load(conf, cfg, errors);
}

static int
load(const char *text, struct ids_config **cfg, char **errors)
{
	return load_n(text, strlen(text), cfg, errors);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Loads text, expects -EINVAL with *out untouched; returns the messages (caller frees). */
static char *
load_failing_n(const char *text, size_t len)
{
	struct ids_config *c;
	char *errors;
	int r = load_n(text, len, &c, &errors);

	if (r == 0)
		ids_config_free(c);
	cr_assert_eq(r, -EINVAL, "load returned %d for:\n%.*s", r, (int)len, text);
	cr_assert_eq(c, UNTOUCHED, "*out was written on failure");
	cr_assert_not_null(errors, "no message for:\n%s", text);
	cr_assert(count_lines(errors) > 0 && errors[strlen(errors) - 1] == '\n',
		  "messages are not newline-terminated lines: \"%s\"", errors);
	/* Every message names the file. */
	for (const char *p = errors; *p; p = strchr(p, '\n') + 1)
		cr_assert(strncmp(p, conf, strlen(conf)) == 0 && p[strlen(conf)] == ':',
			  "message without \"%s:\" in:\n%s", conf, errors);
	return errors;
}

static char *
load_failing(const char *text)
{
	return load_failing_n(text, strlen(text));
}

/* Asserts errors hold "PATH:LINE: want" (line 0: "PATH: want", a cross-key problem). */
static void
assert_has(const char *errors, unsigned line, const char *want)
{
	char *full = NULL;

	if (line)
		cr_assert(asprintf(&full, "%s:%u: %s", conf, line, want) > 0);
	else
		cr_assert(asprintf(&full, "%s: %s", conf, want) > 0);
	cr_assert_not_null(strstr(errors, full), "messages:\n%slack \"%s\"", errors, full);
	free(full);
}

/* One bad file, one problem at line (0: cross-key), whose message contains want. */
static void
expect_one(const char *text, unsigned line, const char *want)
{
	char *errors = load_failing(text);

	assert_has(errors, line, want);
	cr_assert_eq(count_lines(errors), 1, "expected one problem for:\n%s\ngot:\n%s", text,
		     errors);
	free(errors);
}

static void
expect_ok(const char *text)
{
	struct ids_config *c;
	char *errors;

	cr_assert_eq(load(text, &c, &errors), 0, "refused:\n%s\n%s", text, errors ? errors : "");
	cr_assert_null(errors, "messages on success: %s", errors);
	ids_config_free(c);
}

/*
 * A valid, non-default value for every key, and where it lands. A key of
 * ids_config_keys() missing here fails every_key_parses_into_its_field.
 */
enum kind { K_U32, K_STR, K_ENUM, K_NAMES };

static const struct keyval {
	const char *key, *value;
	enum kind kind;
	size_t off;
	uint32_t num;       /* K_U32, K_ENUM: the expected value */
	const char *joined; /* K_STR, K_NAMES: expected text (names joined by ",") */
} every_key[] = {
#define U32(k, v, field) {k, #v, K_U32, offsetof(struct ids_config, field), v, NULL}
#define STR(k, v, field) {k, v, K_STR, offsetof(struct ids_config, field), 0, v}
#define ENUM(k, v, field, e) {k, v, K_ENUM, offsetof(struct ids_config, field), e, NULL}
#define NAMES(k, v, field, j) {k, v, K_NAMES, offsetof(struct ids_config, field), 0, j}
	/* Not in table order, and [store] twice: sections may repeat. */
	STR("store.path", "/srv/idsync/store", store_path),
	U32("identity.uid_min", 2000000, uid_min),
	U32("identity.uid_max", 2999999, uid_max),
	U32("identity.gid_min", 800000, gid_min),
	U32("identity.gid_max", 899999, gid_max),
	ENUM("identity.login_from", "username", login_from, IDS_LOGIN_FROM_USERNAME),
	STR("identity.home", "/home/users/{login}", home_template),
	STR("identity.shell", "/bin/zsh", shell),
	STR("identity.inactive_shell", "/bin/false", inactive_shell),
	NAMES("identity.reserved_names", "build, deploy ci,,x_1", reserved_names,
	      "build,deploy,ci,x_1"),
	STR("identity.passwd_file", "/srv/etc/passwd", passwd_file),
	STR("identity.group_file", "/srv/etc/group", group_file),
	STR("identity.subuid_file", "/srv/etc/subuid", subuid_file),
	STR("identity.subgid_file", "/srv/etc/subgid", subgid_file),
	STR("nss.snapshot", "/run/idsync/nss.mdb", snapshot_path),
	ENUM("nss.enumerate", "no", enumerate, IDS_ENUMERATE_NO),
	U32("nss.enumerate_max", 500, enumerate_max),
	STR("workspace.directory_root", "/data/ws", directory_root),
	ENUM("log.level", "debug", log_level, IDS_LOG_LEVEL_DEBUG),
	U32("store.map_size_mb", 64, map_size_mb),
	STR("scim.listen", "::1", scim_listen),
	U32("scim.port", 9443, scim_port),
	STR("scim.tls_cert", "/srv/tls/c.pem", scim_tls_cert),
	STR("scim.tls_key", "/srv/tls/k.pem", scim_tls_key),
	U32("scim.http_redirect_port", 8080, scim_http_redirect_port),
	U32("scim.max_body_kb", 64, scim_max_body_kb),
	U32("scim.max_header_kb", 8, scim_max_header_kb),
	U32("scim.max_connections", 32, scim_max_connections),
	U32("scim.request_timeout_s", 5, scim_request_timeout_s),
	U32("scim.filter_max_length", 1024, scim_filter_max_length),
	U32("scim.filter_max_depth", 4, scim_filter_max_depth),
	U32("scim.page_size_max", 50, scim_page_size_max),
	U32("scim.publish_delay_ms", 10, scim_publish_delay_ms),
	U32("scim.batch_max", 8, scim_batch_max),
#undef U32
#undef STR
#undef ENUM
#undef NAMES
};

static const struct keyval *
find_keyval(const char *key)
{
	for (size_t i = 0; i < N_ELEMS(every_key); i++)
		if (strcmp(every_key[i].key, key) == 0)
			return &every_key[i];
	return NULL;
}

static bool
is_config_key(const char *key)
{
	for (const char *const *k = ids_config_keys(); *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/* The field's value as text ("2000000", "/bin/zsh", "build,deploy"). Caller frees. */
static char *
field_text(const struct ids_config *c, const struct keyval *kv)
{
	const char *field = (const char *)c + kv->off;
	char *s = NULL;

	switch (kv->kind) {
	case K_U32:
		cr_assert(asprintf(&s, "%u", *(const uint32_t *)field) > 0);
		break;
	case K_ENUM:
		cr_assert(asprintf(&s, "%d", *(const int *)field) > 0);
		break;
	case K_STR:
		cr_assert_not_null(*(char *const *)field, "%s is NULL", kv->key);
		s = strdup(*(char *const *)field);
		break;
	case K_NAMES:
		cr_assert_not_null(*(char **const *)field, "%s is NULL", kv->key);
		s = ids_strv_join((const char *const *)*(char **const *)field, ",");
		break;
	}
	cr_assert_not_null(s);
	return s;
}

static char *
expected_text(const struct keyval *kv)
{
	char *s = NULL;

	if (kv->kind == K_U32)
		cr_assert(asprintf(&s, "%u", kv->num) > 0);
	else if (kv->kind == K_ENUM)
		cr_assert(asprintf(&s, "%d", (int)kv->num) > 0);
	else
		s = strdup(kv->joined);
	cr_assert_not_null(s);
	return s;
}

/* A file setting every key of every_key[], a section header before each change of section. */
static char *
every_key_file(void)
{
	char *text = NULL;
	size_t len = 0, slen = 0;
	const char *section = "";
	FILE *m = open_memstream(&text, &len);

	cr_assert_not_null(m);
	fputs("; every key, non-default\n", m);
	for (size_t i = 0; i < N_ELEMS(every_key); i++) {
		const char *key = every_key[i].key, *dot = strchr(key, '.');

		cr_assert_not_null(dot);
		if ((size_t)(dot - key) != slen || strncmp(section, key, slen) != 0) {
			section = key;
			slen = (size_t)(dot - key);
			fprintf(m, "\n[%.*s]\n", (int)slen, key);
		}
		fprintf(m, "%s = %s\n", dot + 1, every_key[i].value);
	}
	cr_assert_eq(fclose(m), 0);
	return text;
}

static char *
dump_text(const struct ids_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	cr_assert_not_null(m);
	cr_assert_eq(ids_config_dump(c, m), 0);
	cr_assert_eq(fclose(m), 0);
	return text;
}

CONFIG_TEST(every_key_has_a_test_value)
{
	size_t n = 0;

	for (const char *const *k = ids_config_keys(); *k; k++, n++)
		cr_assert_not_null(find_keyval(*k),
				   "key %s has no value in every_key[]: add one (and a man page entry)", *k);
	for (size_t i = 0; i < N_ELEMS(every_key); i++) {
		cr_assert(is_config_key(every_key[i].key), "%s is not a key of ids_config_keys()",
			  every_key[i].key);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(every_key[i].key, every_key[j].key, "%s listed twice",
					  every_key[i].key);
	}
	cr_assert_eq(n, N_ELEMS(every_key));
}

CONFIG_TEST(every_key_parses_into_its_field)
{
	struct ids_config *c, *defaults = ids_config_new_defaults();
	char *text = every_key_file(), *errors;
	size_t covered = 0;

	cr_assert_not_null(defaults);
	cr_assert_eq(load(text, &c, &errors), 0, "%s\n%s", text, errors ? errors : "");
	cr_assert_null(errors);
	cr_assert_str_eq(c->source, conf);
	for (const char *const *k = ids_config_keys(); *k; k++) {
		const struct keyval *kv = find_keyval(*k);
		char *got, *want, *dflt;

		cr_assert_not_null(kv, "the generated file does not set %s", *k);
		cr_assert_not_null(strstr(text, strchr(*k, '.') + 1));
		got = field_text(c, kv);
		want = expected_text(kv);
		dflt = field_text(defaults, kv);
		cr_assert_str_neq(want, dflt, "%s: the test value is the default, so proves nothing", *k);
		cr_assert_str_eq(got, want, "%s = %s gave %s", *k, kv->value, got);
		free(got);
		free(want);
		free(dflt);
		covered++;
	}
	cr_assert_eq(covered, N_ELEMS(every_key));
	ids_config_free(c);
	ids_config_free(defaults);
	free(text);
}

CONFIG_TEST(defaults_without_a_file_setting_them)
{
	struct ids_config *c;
	char *errors;

	cr_assert_eq(load("", &c, &errors), 0, "%s", errors ? errors : "");
	cr_assert_eq(c->map_size_mb, 1024);
	cr_assert_eq(c->enumerate, IDS_ENUMERATE_AUTO);
	cr_assert_eq(c->enumerate_max, 10000);
	cr_assert_eq(c->login_from, IDS_LOGIN_FROM_LOCAL_PART);
	cr_assert_eq(c->uid_min, 1000000);
	cr_assert_eq(c->uid_max, 1999999999);
	cr_assert_eq(c->gid_min, 500000);
	cr_assert_eq(c->gid_max, 999999);
	cr_assert_eq(c->log_level, IDS_LOG_LEVEL_INFO);
	cr_assert_str_eq(c->store_path, IDS_STATEDIR "/store");
	cr_assert_str_eq(c->snapshot_path, IDS_STATEDIR "/nss.mdb");
	cr_assert_str_eq(c->home_template, "/home/{login}");
	cr_assert_str_eq(c->shell, "/bin/bash");
	cr_assert_str_eq(c->inactive_shell, "/usr/sbin/nologin");
	cr_assert_not_null(c->reserved_names);
	cr_assert_null(c->reserved_names[0]);
	ids_config_free(c);
}

/* The man page, read whole; the test fails (never skips) when it is missing. */
static char *
read_man_page(char *path, size_t size)
{
	const char *root = getenv("IDS_SOURCE_ROOT");
	char *page = NULL;
	size_t len = 0;
	FILE *fp;

	cr_assert_not_null(root, "IDS_SOURCE_ROOT is not set (meson test sets it to the source root)");
	snprintf(path, size, "%s/docs/man/idsync.conf.5", root);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "cannot read %s: %s", path, strerror(errno));
	cr_assert_geq(getdelim(&page, &len, '\0', fp), 0, "cannot read %s", path);
	fclose(fp);
	return page;
}

/* Does the roff text at s start with name, "\-" standing for '-'? Returns the end or NULL. */
static const char *
roff_prefix(const char *s, const char *name)
{
	while (*name) {
		if (s[0] == '\\' && s[1] == '-' && *name == '-') {
			s += 2;
			name++;
		} else if (*s == *name) {
			s++;
			name++;
		} else {
			return NULL;
		}
	}
	return s;
}

/*
 * Is key documented under its section? The section is a ".SH" heading holding
 * "[section]"; the key is a bold macro line (.B, .BI, .BR) in it whose first
 * word is the key name followed by " =" (as in .BI "path = " path).
 */
static bool
documented(const char *page, const char *key)
{
	const char *dot = strchr(key, '.');
	char heading[64];
	const char *sec = NULL, *end;

	snprintf(heading, sizeof(heading), "[%.*s]", (int)(dot - key), key);
	for (const char *p = page; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *eol = strchrnul(p, '\n');
		const char *h = strstr(p, heading);
		if (strncmp(p, ".SH", 3) == 0 && h && h < eol) {
			sec = eol;
			break;
		}
	}
	if (!sec)
		return false;
	end = strstr(sec, "\n.SH");
	if (!end)
		end = sec + strlen(sec);
	/* sec and p point at the newline before a line. */
	for (const char *p = sec; p && p < end; p = strchr(p + 1, '\n')) {
		const char *q;
		if (strncmp(p + 1, ".B", 2) != 0)
			continue;
		q = p + 3;
		q += strcspn(q, " \n"); /* the rest of the macro name */
		q += strspn(q, " \"");
		q = roff_prefix(q, dot + 1);
		if (q && (*q == ' ' || *q == '=' || *q == '"'))
			return true;
	}
	return false;
}

CONFIG_TEST(every_key_is_in_the_man_page)
{
	char path[4096], *page = read_man_page(path, sizeof(path));

	for (const char *const *k = ids_config_keys(); *k; k++)
		cr_expect(documented(page, *k),
			  "%s is not documented in %s (a .B/.BI/.BR line \"%s = ...\" under the "
			  ".SH heading of [%.*s])",
			  *k, path, strchr(*k, '.') + 1, (int)(strchr(*k, '.') - *k), *k);
	/* The check itself: a made-up key is not found. */
	cr_assert_not(documented(page, "store.no_such_key"));
	cr_assert_not(documented(page, "no_such_section.path"));
	free(page);
}

/* --- one kind of bad line at a time; the line numbers count comments and blank lines --- */

CONFIG_TEST(unknown_key_in_a_known_section)
{
	expect_one("; comment\n\n[store]\npath = /x\nmapsize = 3\n", 5,
		   "unknown key \"mapsize\" in [store]");
	expect_one("[identity]\nShell = /bin/sh\n", 2, "unknown key \"Shell\" in [identity]");
}

CONFIG_TEST(unknown_section)
{
	expect_one("[store]\nmap_size_mb = 32\n\n[stor]\npath = /x\n", 5,
		   "unknown key \"path\" in [stor]");
	expect_one("[Store]\npath = /x\n", 2, "unknown key \"path\" in [Store]");
}

CONFIG_TEST(bad_integers)
{
	static const char *const bad[] = {"12x", "-1", "99999999999", "+64", "0x40", "6 4",
					  "18446744073709551680", "4294967296", "64.0"};

	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		char *text = NULL, *want = NULL;
		cr_assert(asprintf(&text, "[store]\n\nmap_size_mb = %s\n", bad[i]) > 0);
		cr_assert(asprintf(&want, "store.map_size_mb: \"%s\" is not a whole number from 16 to 1048576",
				   bad[i]) > 0);
		expect_one(text, 3, want);
		free(text);
		free(want);
	}
	expect_one("[identity]\nuid_min =\n", 2, "identity.uid_min: \"\" is not a whole number");
}

CONFIG_TEST(integers_out_of_range)
{
	expect_one("[store]\nmap_size_mb = 15\n", 2,
		   "store.map_size_mb: \"15\" is not a whole number from 16 to 1048576");
	expect_one("[store]\nmap_size_mb = 1048577\n", 2, "store.map_size_mb: \"1048577\"");
	expect_one("[nss]\nenumerate_max = 100000001\n", 2,
		   "nss.enumerate_max: \"100000001\" is not a whole number from 0 to 100000000");
	expect_one("[identity]\nuid_min = 999\n", 2, "identity.uid_min: \"999\" is not a whole number from 1000 to 2147483646");
	expect_one("[identity]\ngid_max = 2147483647\n", 2, "identity.gid_max: \"2147483647\"");
	expect_one("[identity]\nuid_max = 0\n", 2, "identity.uid_max: \"0\"");
}

CONFIG_TEST(integer_bounds_are_included)
{
	expect_ok("[store]\nmap_size_mb = 16\n");
	expect_ok("[store]\nmap_size_mb = 1048576\n");
	expect_ok("[nss]\nenumerate_max = 0\n");
	expect_ok("[nss]\nenumerate_max = 100000000\n");
	expect_ok("[identity]\nuid_min = 1000\nuid_max = 2147483646\ngid_min = 1000\ngid_max = 2147483646\n");
	expect_ok("[identity]\nuid_min = 5000\nuid_max = 5000\n");
	expect_ok("[store]\nmap_size_mb = 0000064\n");
}

CONFIG_TEST(enum_value_not_in_the_list)
{
	expect_one("[nss]\nenumerate = sometimes\n", 2,
		   "nss.enumerate: \"sometimes\" is not one of: auto, yes, no");
	expect_one("[nss]\nenumerate = Yes\n", 2, "nss.enumerate: \"Yes\" is not one of: auto, yes, no");
	expect_one("[log]\nlevel = loud\n", 2, "log.level: \"loud\" is not one of: err, warning, info, debug");
	expect_one("[identity]\nlogin_from = email\n", 2,
		   "identity.login_from: \"email\" is not one of: local-part, username");
	expect_one("[log]\nlevel =\n", 2, "log.level: \"\" is not one of");
}

CONFIG_TEST(relative_or_empty_path)
{
	expect_one("[store]\npath = var/lib/idsync\n", 2,
		   "store.path: \"var/lib/idsync\" is not an absolute path");
	expect_one("[identity]\nhome = ~/{login}\n", 2, "identity.home: \"~/{login}\" is not an absolute path");
	expect_one("[workspace]\ndirectory_root = ./ws\n", 2, "workspace.directory_root: \"./ws\"");
	expect_one("[nss]\nsnapshot =\n", 2, "nss.snapshot: empty value");
}

CONFIG_TEST(key_before_any_section)
{
	expect_one("; comment\npath = /x\n[store]\n", 2, "\"path\" is outside any [section]");
}

CONFIG_TEST(key_set_twice_names_the_first_line)
{
	expect_one("[store]\npath = /a\n\nmap_size_mb = 64\npath = /b\n", 5,
		   "store.path set again (first set on line 2)");
	/* Also across two blocks of the same section, and when the first value was bad. */
	char *errors = load_failing("[nss]\nenumerate = no\n[store]\npath = /a\n[nss]\nenumerate = yes\n"
				    "[log]\nlevel = x\nlevel = info\n");
	assert_has(errors, 6, "nss.enumerate set again (first set on line 2)");
	assert_has(errors, 8, "log.level: \"x\"");
	assert_has(errors, 9, "log.level set again (first set on line 8)");
	cr_assert_eq(count_lines(errors), 3, "%s", errors);
	free(errors);
}

CONFIG_TEST(syntax_error_line)
{
	expect_one("[store]\n\nthis line has no equals sign\n", 3,
		   "syntax error (expected [section] or key = value)");
	expect_one("[store]\n[nss\nmap_size_mb = 32\n", 2, "syntax error");
}

static char *
line_of(size_t len, const char *prefix, char fill)
{
	char *s = malloc(len + 2);

	cr_assert_not_null(s);
	memset(s, fill, len);
	memcpy(s, prefix, strlen(prefix));
	s[len] = '\n';
	s[len + 1] = '\0';
	return s;
}

CONFIG_TEST(line_longer_than_the_reader_limit)
{
	/* inih reads 200-byte lines: 198 characters, the newline and the NUL fit. */
	char *fits = line_of(198, "path = /", 'a'), *too_long = line_of(199, "path = /", 'a');
	char *huge = line_of(5000, "path = /", 'b'), *text = NULL;
	char *errors;

	cr_assert(asprintf(&text, "[store]\n%s", fits) > 0);
	expect_ok(text);
	free(text);
	/* The line after the long one keeps its number, and the tail is not read as a line. */
	cr_assert(asprintf(&text, "[store]\n%smap_size_mb = 1\n", too_long) > 0);
	errors = load_failing(text);
	assert_has(errors, 2, "line longer than 198 characters");
	assert_has(errors, 3, "store.map_size_mb: \"1\"");
	cr_assert_eq(count_lines(errors), 2, "%s", errors);
	free(errors);
	free(text);
	cr_assert(asprintf(&text, "[store]\n%s%s[nss]\nenumerate = x\n", huge, huge) > 0);
	errors = load_failing(text);
	assert_has(errors, 2, "line longer than 198 characters");
	assert_has(errors, 3, "line longer than 198 characters");
	assert_has(errors, 5, "nss.enumerate: \"x\"");
	cr_assert_eq(count_lines(errors), 3, "%s", errors);
	free(errors);
	free(text);
	free(fits);
	free(too_long);
	free(huge);
}

CONFIG_TEST(control_characters_in_a_value)
{
	expect_one("[identity]\nshell = /bin/\x01sh\n", 2,
		   "identity.shell: value contains control characters");
	expect_one("[identity]\nshell = /bin/s\x7fh\n", 2, "identity.shell: value contains control characters");
	expect_one("[identity]\nhome = /home/\x1b[31m{login}\n", 2, "identity.home: value contains control characters");
	expect_one("[identity]\nreserved_names = a\tb\n", 2,
		   "identity.reserved_names: value contains control characters");
	expect_one("[log]\nlevel = in\rfo\n", 2, "log.level: value contains control characters");
}

CONFIG_TEST(indented_line_is_refused)
{
	expect_one("[identity]\nshell = /bin/sh\n  /bin/bash\n", 3, "indented line");
	/* Indented comments and blank lines are fine. */
	expect_ok("[identity]\n  ; note\n\t# note\n   \nshell = /bin/sh\n");
}

CONFIG_TEST(invalid_reserved_name)
{
	expect_one("[identity]\nreserved_names = ok, Bad\n", 2,
		   "identity.reserved_names: \"Bad\"");
}

CONFIG_TEST(all_problems_of_a_file_are_reported)
{
	static const char text[] = "early = 1\n"            /* 1: outside any section */
				   "[store]\n"              /* 2 */
				   "map_size_mb = 12x\n"    /* 3: bad integer */
				   "bogus = 1\n"            /* 4: unknown key */
				   "[nss]\n"                /* 5 */
				   "enumerate = maybe\n"    /* 6: bad enum */
				   "snapshot = relative\n"  /* 7: relative path */
				   "this is not a pair\n"   /* 8: syntax error */
				   "[identity]\n"           /* 9 */
				   "shell = /bin/\x01sh\n"  /* 10: control character */
				   "uid_min = 5\n"          /* 11: out of range */
				   "[store]\n"              /* 12 */
				   "map_size_mb = 64\n"     /* 13: set again */
				   "[nowhere]\n"            /* 14 */
				   "x = 1\n";               /* 15: unknown section */
	static const unsigned bad_lines[] = {1, 3, 4, 6, 7, 8, 10, 11, 13, 15};
	char *errors = load_failing(text);

	for (size_t i = 0; i < N_ELEMS(bad_lines); i++)
		assert_has(errors, bad_lines[i], "");
	assert_has(errors, 13, "store.map_size_mb set again (first set on line 3)");
	cr_assert_eq(count_lines(errors), N_ELEMS(bad_lines), "expected %zu problems, got:\n%s",
		     N_ELEMS(bad_lines), errors);
	free(errors);
}

CONFIG_TEST(cross_key_problems_name_the_file)
{
	expect_one("[identity]\nuid_min = 5000\nuid_max = 4000\n", 0,
		   "identity.uid_min (5000) is above identity.uid_max (4000)");
	expect_one("[identity]\ngid_min = 5001\ngid_max = 5000\n", 0,
		   "identity.gid_min (5001) is above identity.gid_max (5000)");
	expect_one("[store]\npath = /var/lib/x\n[nss]\nsnapshot = /var/lib/x/nss.mdb\n", 0,
		   "nss.snapshot (/var/lib/x/nss.mdb) must not be inside store.path (/var/lib/x)");
	expect_one("[store]\npath = /var/lib/x/\n[nss]\nsnapshot = /var/lib/x/sub/nss.mdb\n", 0,
		   "nss.snapshot (/var/lib/x/sub/nss.mdb) must not be inside store.path");
	expect_one("[store]\npath = /var/lib/x\n[nss]\nsnapshot = /var/lib/x\n", 0,
		   "nss.snapshot (/var/lib/x) must not be inside store.path (/var/lib/x)");
	expect_one("[identity]\nhome = /home/users\n", 0, "identity.home (/home/users) must contain {login}");
	/* A sibling whose name starts like the store is not inside it. */
	expect_ok("[store]\npath = /var/lib/x\n[nss]\nsnapshot = /var/lib/x-nss.mdb\n");
	expect_ok("[store]\npath = /var/lib/x\n[nss]\nsnapshot = /var/lib/xy/nss.mdb\n");
}

/* Every path is inside "/": a store at the root must refuse any snapshot. */
CONFIG_TEST(snapshot_inside_a_store_at_the_root)
{
	expect_one("[store]\npath = /\n", 0,
		   "nss.snapshot (" IDS_STATEDIR "/nss.mdb) must not be inside store.path (/)");
}

CONFIG_TEST(check_alone)
{
	struct ids_config *c = ids_config_new_defaults();
	char *err = (char *)"not written";

	cr_assert_not_null(c);
	cr_assert_eq(ids_config_check(c, &err), 0);
	cr_assert_null(err);
	c->uid_min = c->uid_max + 1;
	cr_assert_eq(ids_config_check(c, &err), -EINVAL);
	cr_assert_not_null(err);
	cr_assert_not_null(strstr(err, "identity.uid_min"), "%s", err);
	free(err);
	ids_config_free(c);
}

CONFIG_TEST(missing_file)
{
	struct ids_config *c = UNTOUCHED;
	char *errors = NULL, *path = NULL, *want = NULL;

	cr_assert(asprintf(&path, "%s/nope.conf", dir) > 0);
	cr_assert(asprintf(&want, "%s: cannot read: ", path) > 0);
	cr_assert_eq(ids_config_load(path, &c, &errors), -ENOENT);
	cr_assert_eq(c, UNTOUCHED, "*out was written on failure");
	cr_assert_not_null(errors);
	cr_assert(strncmp(errors, want, strlen(want)) == 0, "\"%s\" does not start with \"%s\"", errors,
		  want);
	cr_assert_eq(count_lines(errors), 1, "%s", errors);
	free(errors);
	free(path);
	free(want);
}

/* A directory given as the file (config=/etc/idsync) is not an empty file. */
CONFIG_TEST(directory_is_not_a_config_file)
{
	struct ids_config *c = UNTOUCHED;
	char *errors = NULL;
	int r = ids_config_load(dir, &c, &errors);

	if (r == 0)
		ids_config_free(c);
	free(errors);
	cr_assert_lt(r, 0, "ids_config_load(\"%s\") (a directory) returned %d", dir, r);
	cr_assert_eq(c, UNTOUCHED);
}

/* A NUL byte in a line must not shift the line numbers of what follows. */
CONFIG_TEST(nul_byte_keeps_line_numbers)
{
	static const char text[] = "[identity]\nshell = /bin/sh\0x\nuid_min = 5\n[log]\nlevel = x\n";
	char *errors = load_failing_n(text, sizeof(text) - 1);

	assert_has(errors, 2, "");
	assert_has(errors, 3, "identity.uid_min: \"5\"");
	assert_has(errors, 5, "log.level: \"x\"");
	free(errors);
}

/* A line starting with a NUL byte is not silently ignored. */
CONFIG_TEST(nul_byte_at_line_start_is_reported)
{
	static const char text[] = "[identity]\n\0shell = relative\n";
	char *errors = load_failing_n(text, sizeof(text) - 1);

	assert_has(errors, 2, "");
	free(errors);
}

/* An indented line longer than the reader's buffer is one line, not two. */
CONFIG_TEST(long_indented_line_keeps_line_numbers)
{
	char *text = NULL, *pad = line_of(300, "  x", 'x'), *errors;

	cr_assert(asprintf(&text, "[identity]\n%sshell = relative\n", pad) > 0);
	errors = load_failing(text);
	assert_has(errors, 2, "");
	assert_has(errors, 3, "identity.shell: \"relative\" is not an absolute path");
	cr_assert_eq(count_lines(errors), 2, "%s", errors);
	free(errors);
	free(text);
	free(pad);
}

CONFIG_TEST(documented_syntax_is_accepted)
{
	struct ids_config *c;
	char *errors;

	cr_assert_eq(load("\xef\xbb\xbf; BOM, then a comment\n"
			  "# another comment\n"
			  "\n"
			  "[store]\n"
			  "map_size_mb = 32 ; inline comment\n"
			  "[identity]\n"
			  "shell: /bin/sh#x\n"
			  "  home   =   /home/{login}/x   \n"
			  "[store]\n"
			  "path=/srv/s\n",
			  &c, &errors),
		     -EINVAL, "an indented key line is refused");
	free(errors);
	cr_assert_eq(load("\xef\xbb\xbf; BOM, then a comment\n"
			  "# another comment\n"
			  "\n"
			  "[store]\n"
			  "map_size_mb = 32 ; inline comment\n"
			  "[identity]\n"
			  "shell: /bin/sh#x\n"
			  "home   =   /home/{login}/x   \n"
			  "reserved_names =\n"
			  "[store]\n"
			  "path=/srv/s\n",
			  &c, &errors),
		     0, "%s", errors ? errors : "");
	cr_assert_null(errors);
	cr_assert_eq(c->map_size_mb, 32);
	cr_assert_str_eq(c->shell, "/bin/sh#x");
	cr_assert_str_eq(c->home_template, "/home/{login}/x");
	cr_assert_str_eq(c->store_path, "/srv/s");
	cr_assert_null(c->reserved_names[0]);
	cr_assert_eq(c->uid_min, 1000000, "untouched keys keep their defaults");
	ids_config_free(c);
}

/* --- module arguments --- */

CONFIG_TEST(set_overrides_the_file)
{
	struct ids_config *c;
	char *errors, *err = (char *)"not written";

	cr_assert_eq(load("[identity]\nshell = /bin/zsh\nuid_min = 2000000\n[nss]\nenumerate = no\n", &c,
			  &errors),
		     0, "%s", errors ? errors : "");
	cr_assert_eq(ids_config_set(c, "identity.shell", "/bin/sh", "pam_idsync", &err), 0);
	cr_assert_null(err);
	cr_assert_str_eq(c->shell, "/bin/sh");
	cr_assert_eq(ids_config_set(c, "identity.uid_min", "3000000", "pam_idsync", &err), 0);
	cr_assert_eq(c->uid_min, 3000000);
	cr_assert_eq(ids_config_set(c, "nss.enumerate", "yes", "pam_idsync", &err), 0);
	cr_assert_eq(c->enumerate, IDS_ENUMERATE_YES);
	cr_assert_eq(ids_config_set(c, "identity.reserved_names", "ci build", "pam_idsync", &err), 0);
	cr_assert(ids_strv_contains((const char *const *)c->reserved_names, "ci"));
	cr_assert(ids_strv_contains((const char *const *)c->reserved_names, "build"));
	cr_assert_eq(ids_config_set(c, "identity.reserved_names", "", "pam_idsync", &err), 0);
	cr_assert_null(c->reserved_names[0]);
	cr_assert_str_eq(c->source, conf, "the file stays the source");
	ids_config_free(c);
}

CONFIG_TEST(set_every_key)
{
	struct ids_config *c = ids_config_new_defaults();
	char *err;

	cr_assert_not_null(c);
	for (size_t i = 0; i < N_ELEMS(every_key); i++) {
		char *got, *want;
		err = (char *)"not written";
		cr_assert_eq(ids_config_set(c, every_key[i].key, every_key[i].value, "t", &err), 0,
			     "%s: %s", every_key[i].key, err ? err : "");
		cr_assert_null(err);
		got = field_text(c, &every_key[i]);
		want = expected_text(&every_key[i]);
		cr_assert_str_eq(got, want, "%s", every_key[i].key);
		free(got);
		free(want);
	}
	cr_assert_eq(ids_config_check(c, &err), 0, "%s", err ? err : "");
	ids_config_free(c);
}

CONFIG_TEST(set_rejects_unknown_keys)
{
	static const char *const unknown[] = {"store.nope", "shell", "identity", "", "store.",
					      ".path", "STORE.PATH", "store.path.x"};
	struct ids_config *c = ids_config_new_defaults();
	char *err;

	cr_assert_not_null(c);
	for (size_t i = 0; i < N_ELEMS(unknown); i++) {
		char *want = NULL;
		err = NULL;
		cr_assert_eq(ids_config_set(c, unknown[i], "/x", "pam args", &err), -ENOENT, "key \"%s\"",
			     unknown[i]);
		cr_assert(asprintf(&want, "pam args: unknown key \"%s\"", unknown[i]) > 0);
		cr_assert_not_null(err);
		cr_assert_not_null(strstr(err, want), "\"%s\" lacks \"%s\"", err, want);
		free(err);
		free(want);
	}
	cr_assert_str_eq(c->store_path, IDS_STATEDIR "/store");
	ids_config_free(c);
}

CONFIG_TEST(set_rejects_bad_values_and_keeps_the_old_one)
{
	static const struct {
		const char *key, *value, *want;
	} bad[] = {
		{"store.map_size_mb", "0", "pam args: store.map_size_mb: \"0\" is not a whole number"},
		{"store.map_size_mb", "12x", "pam args: store.map_size_mb"},
		{"nss.enumerate", "maybe", "pam args: nss.enumerate: \"maybe\" is not one of: auto, yes, no"},
		{"store.path", "relative", "pam args: store.path: \"relative\" is not an absolute path"},
		{"identity.shell", "", "pam args: identity.shell: empty value"},
		{"identity.shell", "/bin/\nsh", "pam args: identity.shell: value contains control characters"},
		{"identity.reserved_names", "ok Bad", "pam args: identity.reserved_names: \"Bad\""},
	};
	struct ids_config *c = ids_config_new_defaults();
	char *before, *after, *err;

	cr_assert_not_null(c);
	before = dump_text(c);
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		err = NULL;
		cr_assert_eq(ids_config_set(c, bad[i].key, bad[i].value, "pam args", &err), -EINVAL,
			     "%s = %s", bad[i].key, bad[i].value);
		cr_assert_not_null(err);
		cr_assert_not_null(strstr(err, bad[i].want), "\"%s\" lacks \"%s\"", err, bad[i].want);
		free(err);
	}
	after = dump_text(c);
	cr_assert_str_eq(before, after, "a refused value changed the config");
	free(before);
	free(after);
	ids_config_free(c);
}

/* --- dump --- */

/* Dumps c, loads the dump, dumps again: both texts and every field must agree. */
static void
assert_round_trip(const struct ids_config *c)
{
	struct ids_config *again;
	char *first = dump_text(c), *second, *errors;

	cr_assert_eq(load(first, &again, &errors), 0, "the dump does not load:\n%s\n%s", first,
		     errors ? errors : "");
	second = dump_text(again);
	cr_assert_str_eq(first, second);
	for (size_t i = 0; i < N_ELEMS(every_key); i++) {
		char *a = field_text(c, &every_key[i]), *b = field_text(again, &every_key[i]);
		cr_assert_str_eq(a, b, "%s: \"%s\" came back as \"%s\"", every_key[i].key, a, b);
		free(a);
		free(b);
	}
	free(first);
	free(second);
	ids_config_free(again);
}

CONFIG_TEST(dump_round_trips_defaults)
{
	struct ids_config *c = ids_config_new_defaults();
	char *text;

	cr_assert_not_null(c);
	assert_round_trip(c);
	text = dump_text(c);
	for (const char *const *k = ids_config_keys(); *k; k++) {
		char *line = NULL;
		cr_assert(asprintf(&line, "\n%s = ", strchr(*k, '.') + 1) > 0);
		cr_assert_not_null(strstr(text, line), "the dump lacks %s:\n%s", *k, text);
		free(line);
	}
	free(text);
	ids_config_free(c);
}

CONFIG_TEST(dump_round_trips_every_key)
{
	struct ids_config *c;
	char *text = every_key_file(), *errors;

	cr_assert_eq(load(text, &c, &errors), 0, "%s", errors ? errors : "");
	assert_round_trip(c);
	ids_config_free(c);
	free(text);
}

/*
 * Whatever ids_config_set accepts must come back from the dump unchanged: inih
 * strips blanks around a value and cuts it at " ;", so such a value must be
 * either refused (-EINVAL, with a message) or stored in a form that survives.
 */
CONFIG_TEST(dump_round_trips_every_accepted_value)
{
	static const struct {
		const char *key, *value;
	} awkward[] = {
		{"identity.shell", "/opt/my ;shell"},
		{"identity.shell", "/opt/my\t;shell"},
		{"identity.inactive_shell", "/bin/false "},
		{"identity.home", "/home/#{login}"},
		{"identity.home", "/home/{login};x"},
		{"identity.home", "/home/{login} x"},
		{"store.path", "/srv/a=b:c"},
		{"workspace.directory_root", "/srv/\"quoted\""},
		{"workspace.directory_root", "/srv/caf\xc3\xa9"},
		{"identity.reserved_names", " a , b ;c"},
	};

	for (size_t i = 0; i < N_ELEMS(awkward); i++) {
		struct ids_config *c = ids_config_new_defaults();
		char *err = NULL;
		int r;

		cr_assert_not_null(c);
		r = ids_config_set(c, awkward[i].key, awkward[i].value, "t", &err);
		if (r == 0) {
			cr_assert_null(err);
			assert_round_trip(c);
		} else {
			cr_assert_eq(r, -EINVAL, "%s = \"%s\": %d", awkward[i].key, awkward[i].value, r);
			cr_assert_not_null(err);
			cr_assert_not_null(strstr(err, awkward[i].key), "%s", err);
			free(err);
		}
		ids_config_free(c);
	}
}

CONFIG_TEST(snapshot_elsewhere_warns)
{
	struct ids_config *c = ids_config_new_defaults();
	char *err = NULL, *w;

	cr_assert_not_null(c);
	cr_assert_null(ids_config_warnings(c));
	cr_assert_eq(ids_config_set(c, "nss.snapshot", "/tmp/other.mdb", "t", &err), 0);
	w = ids_config_warnings(c);
	cr_assert_not_null(w);
	cr_assert_not_null(strstr(w, "IDSYNC_NSS_SNAPSHOT"));
	free(w);
	ids_config_free(c);
}
