/* SPDX-License-Identifier: MIT */
/*
 * Login names: derivation from userName, the portable pattern, reserved
 * names, collisions with the host's files, and the reasons given.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/names.h"

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

TestSuite(names, .init = setup, .fini = teardown);

static void
expect_login(const char *user_name, const char *login)
{
	char *out = NULL, *why = NULL;

	cr_assert_eq(ids_login_derive(f.cfg, f.lf, user_name, &out, &why), 0, "%s: %s", user_name,
		     why ? why : "?");
	cr_assert_str_eq(out, login);
	free(out);
}

/* Expects a refusal whose reason contains fragment. */
static void
expect_refused(const char *user_name, int err, const char *fragment)
{
	char *out = NULL, *why = NULL;
	int r = ids_login_derive(f.cfg, f.lf, user_name, &out, &why);

	cr_assert_eq(r, err, "%s: got %d (%s)", user_name, r, out ? out : "");
	cr_assert_null(out);
	cr_assert_not_null(why);
	cr_assert_not_null(strstr(why, fragment), "reason for %s: \"%s\" lacks \"%s\"", user_name,
			   why, fragment);
	free(why);
}

Test(names, local_part_lowercased)
{
	expect_login("Ada.Lovelace@Example.com", "ada.lovelace");
	expect_login("bob_smith@example.com", "bob_smith");
	expect_login("carol-1@x.org", "carol-1");
	expect_login("dave", "dave");
}

Test(names, whole_username_when_configured)
{
	f.cfg->login_from = IDS_LOGIN_FROM_USERNAME;
	expect_refused("ada@example.com", -EINVAL, "outside a-z 0-9");
	expect_login("Ada", "ada");
}

Test(names, reserved_names_refused)
{
	expect_refused("root@example.com", -EEXIST, "reserved");
	expect_refused("daemon@example.com", -EEXIST, "reserved");
	expect_refused("sshd@example.com", -EEXIST, "reserved");
	expect_refused("systemd-network@example.com", -EEXIST, "reserved");
	expect_refused("Sudo@example.com", -EEXIST, "reserved");
}

Test(names, configured_reserved_names_refused)
{
	char *err = NULL;

	cr_assert_eq(ids_config_set(f.cfg, "identity.reserved_names", "builder, ci", "t", &err), 0);
	expect_refused("ci@example.com", -EEXIST, "reserved");
	expect_refused("builder@example.com", -EEXIST, "reserved");
	expect_login("cib@example.com", "cib");
}

Test(names, local_files_collisions_refused)
{
	/* alice is in the scratch passwd file, devs only in its group file. */
	expect_refused("alice@example.com", -EEXIST, "/passwd on this host");
	expect_refused("devs@example.com", -EEXIST, "/group on this host");
}

Test(names, unicode_refused)
{
	expect_refused("jos\xc3\xa9@example.com", -EINVAL, "non-ASCII");
	expect_refused("\xe5\xbc\xa0\xe4\xb8\x89@example.com", -EINVAL, "non-ASCII");
}

Test(names, control_characters_refused)
{
	expect_refused("ev\til@example.com", -EINVAL, "control character");
	expect_refused("ev\nil@example.com", -EINVAL, "control character");
	expect_refused("ev\x7fil@example.com", -EINVAL, "control character");
}

Test(names, oversized_refused)
{
	char name[300];

	memset(name, 'a', 33);
	strcpy(name + 33, "@example.com");
	expect_refused(name, -EINVAL, "longer than 32");
	memset(name, 'a', 32);
	strcpy(name + 32, "@example.com");
	name[32] = '@';
	{
		char expect[33];
		memset(expect, 'a', 32);
		expect[32] = '\0';
		expect_login(name, expect);
	}
	memset(name, 'b', 299);
	name[299] = '\0';
	expect_refused(name, -EINVAL, "too long");
}

Test(names, shapes_refused)
{
	expect_refused("@example.com", -EINVAL, "empty");
	expect_refused("1234@example.com", -EINVAL, "start with a letter");
	expect_refused("9lives@example.com", -EINVAL, "start with a letter");
	expect_refused("-rf@example.com", -EINVAL, "start with a letter");
	expect_refused("dot.@example.com", -EINVAL, "ends with");
	expect_refused("a b@example.com", -EINVAL, "outside a-z");
	expect_refused("a:b@example.com", -EINVAL, "outside a-z");
	expect_refused("a/b@example.com", -EINVAL, "outside a-z");
	expect_refused("..@example.com", -EINVAL, "start with a letter");
}

Test(names, gecos_cleaned)
{
	char *g = ids_gecos_clean("Smith: John\n\tthe 2nd");

	cr_assert_str_eq(g, "Smith  John  the 2nd");
	free(g);
}

Test(names, gecos_long_utf8_not_cut_in_half)
{
	char in[400], *g;

	memset(in, 'x', 254);
	strcpy(in + 254, "\xc3\xa9\xc3\xa9"); /* é straddles byte 255 */
	g = ids_gecos_clean(in);
	cr_assert_leq(strlen(g), 255);
	cr_assert_eq(strlen(g), 254, "a split UTF-8 sequence was kept");
	free(g);
}
