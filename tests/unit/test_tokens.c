/* SPDX-License-Identifier: MIT */
/*
 * SCIM bearer tokens (tokens.c): the secret is shown once and never stored
 * (not whole, not in part, not decoded), only the exact secret is accepted,
 * names are checked and unique, revocation is final, and use is recorded.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/audit.h"
#include "libidsync/tokens.h"

#define PREFIX_LEN strlen(IDS_TOKEN_PREFIX)
#define T_CREATED  1700000000
#define T_USED     1700000100

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

/* Creates a token in its own transaction; returns the secret (NULL unless expect is 0). */
static char *
create(const char *name, int expect)
{
	struct ids_txn *t;
	char *secret = NULL;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_token_create(t, name, T_CREATED, &secret), expect, "create %s",
		     name ? name : "(null)");
	cr_assert_eq(ids_txn_commit(t), 0, "a refused create spoiled the transaction");
	if (expect != 0)
		cr_assert_null(secret);
	return secret;
}

/* Verifies in a write (or read) transaction; *name is set only on success. */
static int
verify_in(bool write, const char *secret, char **name)
{
	struct ids_txn *t;
	int r;

	cr_assert_eq(ids_txn_begin(f.store, write, &t), 0);
	r = ids_token_verify(t, secret, T_USED, name);
	if (write)
		cr_assert_eq(ids_txn_commit(t), 0);
	else
		ids_txn_abort(t);
	return r;
}

/* Expects secret to be refused and *name left alone. */
static void
refused(const char *secret, const char *what)
{
	char *sentinel = "untouched", *name = sentinel;

	cr_assert_eq(verify_in(true, secret, &name), -EACCES, "accepted: %s", what);
	cr_assert_eq(name, sentinel, "*name was set for a refused secret (%s)", what);
	cr_assert_eq(verify_in(false, secret, &name), -EACCES, "accepted read-only: %s", what);
}

static void
accepted(const char *secret, const char *want)
{
	char *name = NULL;

	cr_assert_eq(verify_in(true, secret, &name), 0, "refused the secret of %s", want);
	cr_assert_str_eq(name, want);
	free(name);
}

static void
wipe_free(char *s)
{
	explicit_bzero(s, strlen(s));
	free(s);
}

static int
b64url_value(char c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

/* The 32 random bytes behind a secret. */
static void
secret_bytes(const char *secret, unsigned char raw[32])
{
	const char *b = secret + PREFIX_LEN;
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (int i = 0; i < 43; i++) {
		int v = b64url_value(b[i]);
		cr_assert_geq(v, 0, "secret character %d is not base64url", i);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n < 32)
				raw[n++] = (unsigned char)(acc >> bits);
		}
	}
	cr_assert_eq(n, 32);
}

struct scan {
	const char *secret;
	unsigned char raw[32];
	const char *db;
};

static void
scan_bytes(const struct scan *s, const void *data, size_t size, const char *what)
{
	const char *b64 = s->secret + PREFIX_LEN;

	cr_assert_null(memmem(data, size, s->secret, strlen(s->secret)), "%s %s holds the secret",
		       s->db, what);
	cr_assert_null(memmem(data, size, b64, 43), "%s %s holds the secret's base64", s->db, what);
	/* Nor any 10 characters of it, nor any 8 of its bytes (a chance match is ~2^-60). */
	for (size_t i = 0; i + 10 <= 43; i++)
		cr_assert_null(memmem(data, size, b64 + i, 10), "%s %s holds part of the secret",
			       s->db, what);
	for (size_t i = 0; i + 8 <= 32; i++)
		cr_assert_null(memmem(data, size, s->raw + i, 8),
			       "%s %s holds the secret's bytes", s->db, what);
}

static int
scan_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	scan_bytes(data, k->data, k->size, "key");
	scan_bytes(data, v->data, v->size, "value");
	return 0;
}

/* No database of the store, keys or values, holds any of the secret. */
static void
store_holds_no_part_of(const char *secret)
{
	struct scan s = {.secret = secret};
	struct ids_txn *t;

	secret_bytes(secret, s.raw);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	for (int db = 0; db < IDS_DB_COUNT; db++) {
		char label[32];
		snprintf(label, sizeof(label), "database %d", db);
		s.db = label;
		cr_assert_eq(ids_txn_iterate(t, (enum ids_db)db, NULL, 0, scan_cb, &s), 0);
	}
	ids_txn_abort(t);
}

/* The stored record of token name, decoded. */
static json_t *
record(const char *name)
{
	struct ids_txn *t;
	struct ids_val v;
	json_t *o;

	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_get_str(t, IDS_DB_TOKENS, name, &v), 0, "no record for %s", name);
	o = json_loadb(v.data, v.size, 0, NULL);
	ids_txn_abort(t);
	cr_assert_not_null(o);
	return o;
}

struct audit_count {
	const char *event, *action, *token;
	int n;
};

static int
audit_cb(uint64_t seq, const char *text, size_t len, void *data)
{
	struct audit_count *c = data;
	json_t *o = json_loadb(text, len, 0, NULL), *fields;
	const char *action, *token;

	(void)seq;
	cr_assert_not_null(o);
	fields = json_object_get(o, "fields");
	action = json_string_value(json_object_get(fields, "action"));
	token = json_string_value(json_object_get(fields, "token"));
	if (strcmp(json_string_value(json_object_get(o, "event")), c->event) == 0 &&
	    (!c->action || (action && strcmp(action, c->action) == 0)) && token &&
	    strcmp(token, c->token) == 0)
		c->n++;
	json_decref(o);
	return 0;
}

static int
audit_count(const char *event, const char *action, const char *token)
{
	struct audit_count c = {event, action, token, 0};
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_audit_foreach(t, 0, audit_cb, &c), 0);
	ids_txn_abort(t);
	return c.n;
}

Test(tokens, secret_has_prefix_and_43_base64url_characters)
{
	char *a = create("okta", 0), *b = create("entra", 0);
	unsigned char raw[32];

	cr_assert_not_null(a);
	cr_assert_eq(strncmp(a, IDS_TOKEN_PREFIX, PREFIX_LEN), 0, "%s", a);
	cr_assert_eq(strlen(a), PREFIX_LEN + 43, "%s", a);
	secret_bytes(a, raw); /* every character is base64url */
	cr_assert_eq(strlen(b), PREFIX_LEN + 43);
	cr_assert_str_neq(a, b, "two tokens got the same secret");
	wipe_free(a);
	wipe_free(b);
}

Test(tokens, store_holds_only_the_hash)
{
	char *s = create("okta", 0), *other = create("jumpcloud", 0);
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];
	json_t *o = record("okta");

	store_holds_no_part_of(s);
	store_holds_no_part_of(other);
	/* What is kept is the SHA-256 of the whole secret, and the times. */
	cr_assert(EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL));
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	cr_assert_str_eq(json_string_value(json_object_get(o, "sha256")), hex);
	cr_assert_eq(json_integer_value(json_object_get(o, "created")), T_CREATED);
	cr_assert_eq(json_integer_value(json_object_get(o, "last_used")), 0);
	cr_assert_eq(json_integer_value(json_object_get(o, "v")), 1);
	cr_assert_eq(json_object_size(o), 4, "unexpected fields in the record");
	json_decref(o);
	/* Creation is audited, by name. */
	cr_assert_eq(audit_count("config-changed", "token-created", "okta"), 1);
	/* Still nothing after a use. */
	accepted(s, "okta");
	store_holds_no_part_of(s);
	wipe_free(s);
	wipe_free(other);
}

Test(tokens, verify_accepts_the_exact_secret_only)
{
	char *a = create("entra", 0), *b = create("okta", 0), *bad, *big;
	size_t len = strlen(a);

	accepted(a, "entra");
	accepted(b, "okta");
	bad = strdup(a);
	bad[len - 1] = bad[len - 1] == 'A' ? 'B' : 'A';
	refused(bad, "last character changed");
	strcpy(bad, a);
	bad[PREFIX_LEN] = bad[PREFIX_LEN] == 'A' ? 'B' : 'A';
	refused(bad, "first secret character changed");
	strcpy(bad, a);
	bad[0] = 'I';
	refused(bad, "prefix changed");
	strcpy(bad, a);
	bad[len - 1] = '\0';
	refused(bad, "last character dropped");
	refused(a + PREFIX_LEN, "without the prefix");
	free(bad);
	cr_assert(asprintf(&bad, "%s=", a) > 0);
	refused(bad, "a character added");
	free(bad);
	cr_assert(asprintf(&bad, " %s", a) > 0);
	refused(bad, "leading space");
	free(bad);
	refused(IDS_TOKEN_PREFIX "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"well-formed, wrong");
	refused("", "empty");
	refused(NULL, "NULL");
	refused(IDS_TOKEN_PREFIX, "the prefix alone");
	/* Over 256 bytes, up to 1 MB, with a real secret at the start. */
	big = malloc(1 << 20);
	cr_assert_not_null(big);
	memset(big, 'a', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	memcpy(big, a, len);
	refused(big, "1 MB");
	big[257] = '\0';
	refused(big, "257 bytes");
	free(big);
	/* The good ones still work. */
	accepted(a, "entra");
	accepted(b, "okta");
	wipe_free(a);
	wipe_free(b);
}

Test(tokens, every_token_maps_to_its_own_name)
{
	char *secrets[20], name[16];

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "idp-%02d", i);
		secrets[i] = create(name, 0);
	}
	for (int i = 19; i >= 0; i--) {
		snprintf(name, sizeof(name), "idp-%02d", i);
		accepted(secrets[i], name);
		wipe_free(secrets[i]);
	}
}

Test(tokens, revoked_token_refused)
{
	char *s = create("ci", 0), *keep = create("okta", 0);
	struct ids_txn *t;

	accepted(s, "ci");
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_token_revoke(t, "ci"), 0);
	cr_assert_eq(ids_token_revoke(t, "ci"), -ENOENT);
	cr_assert_eq(ids_token_revoke(t, "never-made"), -ENOENT);
	cr_assert_eq(ids_token_revoke(t, "bad name"), -ENOENT);
	cr_assert_eq(ids_txn_commit(t), 0, "-ENOENT spoiled the transaction");
	refused(s, "revoked");
	accepted(keep, "okta");
	cr_assert_eq(audit_count("config-changed", "token-revoked", "ci"), 1);
	/* The name can be used again, with a new secret; the old one stays refused. */
	wipe_free(keep);
	keep = create("ci", 0);
	refused(s, "revoked, then the name reused");
	accepted(keep, "ci");
	wipe_free(s);
	wipe_free(keep);
}

Test(tokens, names_checked_and_unique)
{
	char *first = create("okta", 0);
	char sixty_four[65], sixty_five[66];

	/* A duplicate is refused and does not replace the first token. */
	cr_assert_null(create("okta", -EEXIST));
	accepted(first, "okta");
	cr_assert_eq(audit_count("config-changed", "token-created", "okta"), 1);
	cr_assert_null(create("", -EINVAL));
	cr_assert_null(create(NULL, -EINVAL));
	cr_assert_null(create("has space", -EINVAL));
	cr_assert_null(create("a/b", -EINVAL));
	cr_assert_null(create("tab\t", -EINVAL));
	cr_assert_null(create("new\nline", -EINVAL));
	cr_assert_null(create("caf\xc3\xa9", -EINVAL));
	cr_assert_null(create("semi;colon", -EINVAL));
	memset(sixty_four, 'x', 64);
	sixty_four[64] = '\0';
	memset(sixty_five, 'x', 65);
	sixty_five[65] = '\0';
	cr_assert_null(create(sixty_five, -EINVAL));
	free(create(sixty_four, 0));
	free(create("Okta_prod-2.scim", 0));
	free(create("OKTA", 0)); /* names are case-sensitive */
	wipe_free(first);
}

struct seen {
	const char *name;
	int64_t created, last_used;
	int n;
};

static int
info_cb(const struct ids_token_info *info, void *data)
{
	struct seen *s = data;

	if (strcmp(info->name, s->name) == 0) {
		s->created = info->created;
		s->last_used = info->last_used;
		s->n++;
	}
	return 0;
}

static struct seen
seen(const char *name)
{
	struct seen s = {.name = name, .created = -1, .last_used = -1};
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_token_foreach(t, info_cb, &s), 0);
	ids_txn_abort(t);
	cr_assert_eq(s.n, 1, "%s listed %d times", name, s.n);
	return s;
}

Test(tokens, use_recorded_in_a_write_transaction_only)
{
	char *s = create("jc", 0), *name = NULL;
	struct seen before = seen("jc"), after;

	cr_assert_eq(before.created, T_CREATED);
	cr_assert_eq(before.last_used, 0, "never used yet");
	/* Read-only: accepted, nothing written. */
	cr_assert_eq(verify_in(false, s, &name), 0);
	cr_assert_str_eq(name, "jc");
	free(name);
	cr_assert_eq(seen("jc").last_used, 0);
	cr_assert_eq(audit_count("token-used", NULL, "jc"), 0);
	/* Write: last_used set, and audited. */
	accepted(s, "jc");
	after = seen("jc");
	cr_assert_eq(after.last_used, T_USED);
	cr_assert_eq(after.created, T_CREATED);
	cr_assert_eq(audit_count("token-used", NULL, "jc"), 1);
	/* A refused secret records nothing. */
	refused(IDS_TOKEN_PREFIX "nope", "wrong");
	cr_assert_eq(audit_count("token-used", NULL, "jc"), 1);
	wipe_free(s);
}

Test(tokens, damaged_record_does_not_lock_out_the_others)
{
	char *s = create("okta", 0);
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_TOKENS, "broken", "not json"), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_TOKENS, "nohash", "{\"v\":1,\"created\":1}"), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_TOKENS, "short", "{\"v\":1,\"sha256\":\"ab\"}"), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	accepted(s, "okta");
	/* Listing reports the damage instead of hiding it. */
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_token_foreach(t, info_cb, &(struct seen){.name = "okta"}), -EBADMSG);
	ids_txn_abort(t);
	wipe_free(s);
}

Test(tokens, store_errors_are_passed_on)
{
	char *secret = NULL, *name = NULL, *s = create("okta", 0);
	struct ids_txn *t;

	/* A read-only transaction cannot create or revoke. */
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_token_create(t, "ro", T_CREATED, &secret), -EROFS);
	cr_assert_null(secret);
	ids_txn_abort(t);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_token_revoke(t, "okta"), -EROFS);
	ids_txn_abort(t);
	/* A transaction that already failed does nothing and says why. */
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	(void)ids_txn_fail(t, -EIO); /* returns -EIO */
	cr_assert_eq(ids_token_create(t, "late", T_CREATED, &secret), -EIO);
	cr_assert_null(secret);
	cr_assert_eq(ids_token_verify(t, s, T_USED, &name), -EIO);
	cr_assert_null(name);
	cr_assert_eq(ids_txn_commit(t), -EIO);
	accepted(s, "okta");
	wipe_free(s);
}

/* A token record as tokens.c writes it, with a hash chosen by the test. */
#define REC_FMT "{\"created\":1,\"last_used\":0,\"sha256\":\"%s\",\"v\":1}"

Test(tokens, every_hex_digit_of_the_hash_counts)
{
	const char *secret = IDS_TOKEN_PREFIX "chosen-by-the-test-not-random-0123456789abc";
	const int positions[] = {0, 1, 31, 32, 62, 63};
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65], rec[128], name[16];
	struct ids_txn *t;

	cr_assert(EVP_Digest(secret, strlen(secret), md, &mdlen, EVP_sha256(), NULL));
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	/* Records whose hash differs from the secret's in one digit: none may match. */
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
		char near[65];
		memcpy(near, hex, sizeof(near));
		near[positions[i]] = near[positions[i]] == '0' ? '1' : '0';
		snprintf(rec, sizeof(rec), REC_FMT, near);
		snprintf(name, sizeof(name), "near-%d", positions[i]);
		cr_assert_eq(ids_txn_put_str(t, IDS_DB_TOKENS, name, rec), 0);
	}
	cr_assert_eq(ids_txn_commit(t), 0);
	refused(secret, "a hash one digit off");
	/* The exact hash does match: the records above were well-formed. */
	snprintf(rec, sizeof(rec), REC_FMT, hex);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_TOKENS, "exact", rec), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	accepted(secret, "exact");
}
