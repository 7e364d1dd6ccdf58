/* SPDX-License-Identifier: MIT */
/*
 * SCIM bearer tokens: shown once, stored only as hashes, checked exactly.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/tokens.h"

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

TestSuite(tokens, .init = setup, .fini = teardown);

static char *
create(const char *name, int expect)
{
	struct ids_txn *t;
	char *secret = NULL;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_token_create(t, name, 1700000000, &secret), expect, "create %s", name);
	cr_assert_eq(ids_txn_commit(t), 0);
	return secret;
}

static int
verify(const char *secret, char **name)
{
	struct ids_txn *t;
	int r;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	r = ids_token_verify(t, secret, 1700000100, name);
	cr_assert_eq(ids_txn_commit(t), 0);
	return r;
}

static int
find_secret(const struct ids_val *k, const struct ids_val *v, void *data)
{
	const char *secret = data, *b64 = secret + strlen(IDS_TOKEN_PREFIX);

	cr_assert_null(memmem(v->data, v->size, secret, strlen(secret)), "the secret is stored");
	cr_assert_null(memmem(v->data, v->size, b64, 16), "part of the secret is stored");
	return 0;
}

Test(tokens, created_secret_is_shown_not_stored)
{
	char *s = create("okta", 0);
	struct ids_txn *t;

	cr_assert_not_null(s);
	cr_assert_eq(strncmp(s, IDS_TOKEN_PREFIX, strlen(IDS_TOKEN_PREFIX)), 0);
	cr_assert_eq(strlen(s), strlen(IDS_TOKEN_PREFIX) + 43);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_iterate(t, IDS_DB_TOKENS, NULL, 0, find_secret, s), 0);
	cr_assert_eq(ids_txn_iterate(t, IDS_DB_AUDIT, NULL, 0, find_secret, s), 0);
	ids_txn_abort(t);
	free(s);
}

Test(tokens, verify_accepts_only_the_exact_secret)
{
	char *a = create("entra", 0), *b = create("okta", 0), *name = NULL, *bad;
	char big[1 << 20];

	cr_assert_eq(verify(a, &name), 0);
	cr_assert_str_eq(name, "entra");
	free(name);
	cr_assert_eq(verify(b, &name), 0);
	cr_assert_str_eq(name, "okta");
	free(name);
	bad = strdup(a);
	bad[strlen(bad) - 1] ^= 1;
	cr_assert_eq(verify(bad, &name), -EACCES);
	bad[strlen(bad) - 1] = '\0';
	cr_assert_eq(verify(bad, &name), -EACCES, "a prefix of the secret was accepted");
	cr_assert_eq(verify("", &name), -EACCES);
	cr_assert_eq(verify(IDS_TOKEN_PREFIX, &name), -EACCES);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(verify(big, &name), -EACCES);
	free(bad);
	free(a);
	free(b);
}

Test(tokens, revoked_token_refused)
{
	char *s = create("ci", 0), *name = NULL;
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_token_revoke(t, "ci"), 0);
	cr_assert_eq(ids_token_revoke(t, "ci"), -ENOENT);
	cr_assert_eq(ids_txn_commit(t), 0);
	cr_assert_eq(verify(s, &name), -EACCES);
	free(s);
}

Test(tokens, names_checked_and_unique)
{
	free(create("okta", 0));
	cr_assert_null(create("okta", -EEXIST));
	cr_assert_null(create("", -EINVAL));
	cr_assert_null(create("has space", -EINVAL));
	cr_assert_null(create("a/b", -EINVAL));
	cr_assert_null(create("0123456789012345678901234567890123456789012345678901234567890123456789", -EINVAL));
}

static int
last_used_cb(const struct ids_token_info *info, void *data)
{
	*(int64_t *)data = info->last_used;
	return 0;
}

Test(tokens, use_is_recorded)
{
	char *s = create("jc", 0), *name = NULL;
	struct ids_txn *t;
	int64_t last = -1;

	cr_assert_eq(verify(s, &name), 0);
	free(name);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_token_foreach(t, last_used_cb, &last), 0);
	ids_txn_abort(t);
	cr_assert_eq(last, 1700000100);
	free(s);
}
