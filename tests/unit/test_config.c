/* SPDX-License-Identifier: MIT */
/*
 * Configuration: every documented key parses and is in idsync.conf(5); every
 * kind of bad line is reported with file and line, all at once; the dump
 * reloads to the same configuration.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/config.h"
#include "libidsync/strv.h"

static struct fixture f;

static void
setup(void)
{
	fixture_setup(&f);
}

static void
teardown(void)
{
	fixture_teardown(&f);
}

TestSuite(config, .init = setup, .fini = teardown);

/* A non-default, valid value for every key: a key without one here fails the test. */
static const struct {
	const char *key, *value;
} every_key[] = {
	{"identity.gid_max", "899999"},
	{"identity.gid_min", "800000"},
	{"identity.group_file", "/srv/etc/group"},
	{"identity.home", "/home/users/{login}"},
	{"identity.inactive_shell", "/bin/false"},
	{"identity.login_from", "username"},
	{"identity.passwd_file", "/srv/etc/passwd"},
	{"identity.reserved_names", "build, deploy ci"},
	{"identity.shell", "/bin/zsh"},
	{"identity.subgid_file", "/srv/etc/subgid"},
	{"identity.subuid_file", "/srv/etc/subuid"},
	{"identity.uid_max", "2999999"},
	{"identity.uid_min", "2000000"},
	{"log.level", "debug"},
	{"nss.enumerate", "no"},
	{"nss.enumerate_max", "500"},
	{"nss.snapshot", "/run/idsync/nss.mdb"},
	{"store.map_size_mb", "64"},
	{"store.path", "/srv/idsync/store"},
	{"workspace.directory_root", "/data/ws"},
};

static char *
write_conf(const char *text)
{
	return fixture_write(&f, "idsync.conf", text);
}

/* Loads text; returns the result and, through errors, the messages. */
static int
load(const char *text, struct ids_config **cfg, char **errors)
{
	char *path = write_conf(text);
	int r;

	*cfg = NULL;
	r = ids_config_load(path, cfg, errors);
	free(path);
	return r;
}

Test(config, every_documented_key_parses)
{
	const char *const *keys = ids_config_keys();
	char *text = NULL, *errors = NULL, *cur_section = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	struct ids_config *c;

	for (size_t i = 0; keys[i]; i++) {
		bool covered = false;
		for (size_t j = 0; j < sizeof(every_key) / sizeof(every_key[0]); j++)
			covered = covered || strcmp(every_key[j].key, keys[i]) == 0;
		cr_assert(covered, "key %s has no value in this test", keys[i]);
	}
	for (size_t j = 0; j < sizeof(every_key) / sizeof(every_key[0]); j++) {
		const char *dot = strchr(every_key[j].key, '.');
		char *section = strndup(every_key[j].key, (size_t)(dot - every_key[j].key));
		if (!cur_section || strcmp(section, cur_section) != 0) {
			fprintf(m, "[%s]\n", section);
			free(cur_section);
			cur_section = section;
		} else {
			free(section);
		}
		fprintf(m, "%s = %s\n", dot + 1, every_key[j].value);
	}
	free(cur_section);
	fclose(m);
	cr_assert_eq(load(text, &c, &errors), 0, "%s", errors ? errors : "");
	cr_assert_eq(c->gid_min, 800000);
	cr_assert_eq(c->gid_max, 899999);
	cr_assert_str_eq(c->group_file, "/srv/etc/group");
	cr_assert_str_eq(c->home_template, "/home/users/{login}");
	cr_assert_str_eq(c->inactive_shell, "/bin/false");
	cr_assert_eq(c->login_from, IDS_LOGIN_FROM_USERNAME);
	cr_assert_str_eq(c->passwd_file, "/srv/etc/passwd");
	cr_assert(ids_strv_contains((const char *const *)c->reserved_names, "build"));
	cr_assert(ids_strv_contains((const char *const *)c->reserved_names, "deploy"));
	cr_assert(ids_strv_contains((const char *const *)c->reserved_names, "ci"));
	cr_assert_str_eq(c->shell, "/bin/zsh");
	cr_assert_str_eq(c->subgid_file, "/srv/etc/subgid");
	cr_assert_str_eq(c->subuid_file, "/srv/etc/subuid");
	cr_assert_eq(c->uid_max, 2999999);
	cr_assert_eq(c->uid_min, 2000000);
	cr_assert_eq(c->log_level, IDS_LOG_LEVEL_DEBUG);
	cr_assert_eq(c->enumerate, IDS_ENUMERATE_NO);
	cr_assert_eq(c->enumerate_max, 500);
	cr_assert_str_eq(c->snapshot_path, "/run/idsync/nss.mdb");
	cr_assert_eq(c->map_size_mb, 64);
	cr_assert_str_eq(c->store_path, "/srv/idsync/store");
	cr_assert_str_eq(c->directory_root, "/data/ws");
	cr_assert_not_null(c->source);
	ids_config_free(c);
	free(text);
}

Test(config, every_key_is_in_the_man_page)
{
	const char *root = getenv("IDS_SOURCE_ROOT");
	const char *const *keys = ids_config_keys();
	char path[1024], *page = NULL;
	size_t len = 0;
	FILE *fp;

	cr_assert_not_null(root, "IDS_SOURCE_ROOT is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/docs/man/idsync.conf.5", root);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "no %s", path);
	cr_assert_geq(getdelim(&page, &len, '\0', fp), 0);
	fclose(fp);
	for (size_t i = 0; keys[i]; i++) {
		const char *dot = strchr(keys[i], '.');
		char section[64], needle[128];
		snprintf(section, sizeof(section), "[%.*s]", (int)(dot - keys[i]), keys[i]);
		/* roff escapes '-' and '_' is literal: look for the key's name as a word. */
		snprintf(needle, sizeof(needle), "%s", dot + 1);
		cr_assert_not_null(strstr(page, section), "section %s not documented", section);
		cr_assert_not_null(strstr(page, needle), "key %s not documented in %s", keys[i], path);
	}
	free(page);
}

/* Expects a failure whose messages include want (with the scratch path prefixed to ":"). */
static void
expect_error(const char *text, const char *want)
{
	struct ids_config *c = (struct ids_config *)0x1;
	char *errors = NULL, *path = NULL, *full = NULL;
	int r;

	cr_assert(asprintf(&path, "%s/idsync.conf", f.dir) > 0);
	cr_assert(asprintf(&full, "%s%s", path, want) > 0);
	free(write_conf(text));
	r = ids_config_load(path, &c, &errors);
	cr_assert_eq(r, -EINVAL, "loaded: %s", text);
	cr_assert_eq(c, (struct ids_config *)0x1, "*out written on failure");
	cr_assert_not_null(errors);
	cr_assert_not_null(strstr(errors, full), "errors\n%s\nlack \"%s\"", errors, full);
	free(errors);
	free(path);
	free(full);
}

Test(config, unknown_key_and_section)
{
	expect_error("[store]\npath = /x\nmapsize = 3\n", ":3: unknown key \"mapsize\" in [store]");
	expect_error("[stor]\npath = /x\n", ":2: unknown key \"path\" in [stor]");
}

Test(config, bad_numbers)
{
	expect_error("[store]\nmap_size_mb = 12x\n", ":2: store.map_size_mb: \"12x\" is not a whole number");
	expect_error("[store]\nmap_size_mb = -1\n", ":2: store.map_size_mb: \"-1\"");
	expect_error("[store]\nmap_size_mb = 99999999999\n", ":2: store.map_size_mb");
	expect_error("[store]\nmap_size_mb = 8\n", ":2: store.map_size_mb: \"8\" is not a whole number from 16 to 1048576");
	expect_error("[identity]\nuid_min = \n", ":2: identity.uid_min");
}

Test(config, bad_enum_lists_the_choices)
{
	expect_error("[nss]\nenumerate = sometimes\n", ":2: nss.enumerate: \"sometimes\" is not one of: auto, yes, no");
	expect_error("[log]\nlevel = loud\n", ":2: log.level: \"loud\" is not one of: err, warning, info, debug");
}

Test(config, relative_path)
{
	expect_error("[store]\npath = var/lib/idsync\n", ":2: store.path: \"var/lib/idsync\" is not an absolute path");
}

Test(config, key_outside_a_section)
{
	expect_error("path = /x\n", ":1: \"path\" is outside any [section]");
}

Test(config, key_set_twice_names_the_first_line)
{
	expect_error("[store]\npath = /a\n\nmap_size_mb = 64\npath = /b\n",
		     ":5: store.path set again (first set on line 2)");
}

Test(config, syntax_error)
{
	expect_error("[store]\nthis line has no equals sign\n", ":2: syntax error");
}

Test(config, long_line)
{
	char text[1024];

	snprintf(text, sizeof(text), "[store]\npath = /%0600d\n", 0);
	expect_error(text, ":2: line longer than");
}

Test(config, control_characters)
{
	expect_error("[identity]\nshell = /bin/\x01sh\n", ":2: identity.shell: value contains control characters");
}

Test(config, indented_continuation_refused)
{
	expect_error("[identity]\nshell = /bin/sh\n  /bin/bash\n", ":3: indented line");
}

Test(config, invalid_reserved_name)
{
	expect_error("[identity]\nreserved_names = ok, Bad\n", ":2: identity.reserved_names: \"Bad\" contains an upper-case letter");
}

Test(config, cross_key_problems_name_the_file)
{
	expect_error("[identity]\nuid_min = 5000\nuid_max = 4000\n", ": identity.uid_min (5000) is above identity.uid_max (4000)");
	expect_error("[store]\npath = /var/lib/x\n[nss]\nsnapshot = /var/lib/x/nss.mdb\n", ": nss.snapshot (/var/lib/x/nss.mdb) must not be inside store.path");
	expect_error("[identity]\nhome = /home/users\n", ": identity.home (/home/users) must contain {login}");
}

Test(config, all_problems_reported_at_once)
{
	struct ids_config *c = NULL;
	char *errors = NULL;
	int lines = 0;

	cr_assert_eq(load("[store]\nmap_size_mb = x\nbogus = 1\n[nss]\nenumerate = maybe\n"
			  "[identity]\nuid_min = 9000\nuid_max = 8000\n",
			  &c, &errors),
		     -EINVAL);
	for (char *p = errors; p && *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 4, "expected 4 problems:\n%s", errors);
	free(errors);
}

Test(config, missing_file)
{
	struct ids_config *c = NULL;
	char *errors = NULL, path[512];

	snprintf(path, sizeof(path), "%s/nope.conf", f.dir);
	cr_assert_eq(ids_config_load(path, &c, &errors), -ENOENT);
	cr_assert_null(c);
	cr_assert_not_null(strstr(errors, path));
	free(errors);
}

Test(config, comments_blank_lines_and_defaults)
{
	struct ids_config *c = NULL;
	char *errors = NULL;

	cr_assert_eq(load("; a comment\n# another\n\n[store]\nmap_size_mb = 32 ; inline\n", &c, &errors), 0,
		     "%s", errors ? errors : "");
	cr_assert_eq(c->map_size_mb, 32);
	cr_assert_eq(c->uid_min, 1000000, "untouched keys keep their defaults");
	cr_assert_str_eq(c->store_path, IDS_STATEDIR "/store");
	ids_config_free(c);
}

Test(config, set_overrides_and_rejects_unknown_keys)
{
	struct ids_config *c = ids_config_new_defaults();
	char *err = NULL;

	cr_assert_eq(ids_config_set(c, "store.map_size_mb", "128", "pam args", &err), 0);
	cr_assert_eq(c->map_size_mb, 128);
	cr_assert_eq(ids_config_set(c, "store.nope", "1", "pam args", &err), -ENOENT);
	cr_assert_not_null(strstr(err, "pam args: unknown key \"store.nope\""), "%s", err);
	free(err);
	cr_assert_eq(ids_config_set(c, "store.map_size_mb", "0", "pam args", &err), -EINVAL);
	cr_assert_not_null(strstr(err, "pam args: store.map_size_mb"), "%s", err);
	free(err);
	cr_assert_eq(c->map_size_mb, 128, "a refused value changed the config");
	ids_config_free(c);
}

Test(config, dump_round_trips)
{
	struct ids_config *c = ids_config_new_defaults(), *again = NULL;
	char *first = NULL, *second = NULL, *errors = NULL, *err = NULL, *path;
	size_t n1 = 0, n2 = 0;
	FILE *m;

	cr_assert_eq(ids_config_set(c, "identity.reserved_names", "a, b", "t", &err), 0);
	cr_assert_eq(ids_config_set(c, "nss.enumerate", "yes", "t", &err), 0);
	m = open_memstream(&first, &n1);
	cr_assert_eq(ids_config_dump(c, m), 0);
	fclose(m);
	path = write_conf(first);
	cr_assert_eq(ids_config_load(path, &again, &errors), 0, "%s", errors ? errors : "");
	m = open_memstream(&second, &n2);
	cr_assert_eq(ids_config_dump(again, m), 0);
	fclose(m);
	cr_assert_str_eq(first, second);
	ids_config_free(c);
	ids_config_free(again);
	free(first);
	free(second);
	free(path);
}

Test(config, snapshot_elsewhere_warns)
{
	struct ids_config *c = ids_config_new_defaults();
	char *err = NULL, *w;

	cr_assert_null(ids_config_warnings(c));
	cr_assert_eq(ids_config_set(c, "nss.snapshot", "/tmp/other.mdb", "t", &err), 0);
	w = ids_config_warnings(c);
	cr_assert_not_null(w);
	cr_assert_not_null(strstr(w, "IDSYNC_NSS_SNAPSHOT"));
	free(w);
	ids_config_free(c);
}
