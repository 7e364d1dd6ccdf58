/* SPDX-License-Identifier: MIT */
/*
 * SCIM bearer tokens (tokens.h), for idsyncctl (create, revoke, list) and
 * idsyncd (verify): random secrets shown once, stored as SHA-256 hashes,
 * checked in constant time against every stored hash. Never logs or stores
 * a secret; wipes the secrets and hashes it holds before freeing them.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/log.h"
#include "libidsync/model.h"
#include "libidsync/tokens.h"

#define SECRET_BYTES 32
#define SECRET_B64   43 /* base64url of 32 bytes, without padding */
#define SECRET_MAX   256
#define HASH_BYTES   32
#define HASH_HEX     (2 * HASH_BYTES)
#define NAME_MAX_LEN 64

static bool
name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* SHA-256 of s as 64 lower-case hex digits. */
static int
hash_hex(const char *s, size_t len, char out[HASH_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != HASH_BYTES) {
		explicit_bzero(md, sizeof(md));
		return -EIO;
	}
	for (unsigned int i = 0; i < HASH_BYTES; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[HASH_HEX] = '\0';
	explicit_bzero(md, sizeof(md));
	return 0;
}

/* base64url without padding; out holds 4 * ceil(n / 3) + 1 bytes. */
static void
b64url(const unsigned char *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = a[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
}

/* Fills buf from the kernel's CSPRNG (getrandom blocks only until it is seeded). */
static int
random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}

/* A new secret: IDS_TOKEN_PREFIX and 43 characters of base64url (malloc'd). */
static int
new_secret(char **out)
{
	const size_t plen = strlen(IDS_TOKEN_PREFIX);
	unsigned char raw[SECRET_BYTES];
	char *s;
	int r;

	r = random_bytes(raw, sizeof(raw));
	if (r < 0) {
		explicit_bzero(raw, sizeof(raw));
		return r;
	}
	s = malloc(plen + 4 * ((SECRET_BYTES + 2) / 3) + 1);
	if (!s) {
		explicit_bzero(raw, sizeof(raw));
		return -ENOMEM;
	}
	memcpy(s, IDS_TOKEN_PREFIX, plen);
	b64url(raw, sizeof(raw), s + plen);
	explicit_bzero(raw, sizeof(raw));
	*out = s;
	return 0;
}

static void
wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int
ids_token_create(struct ids_txn *t, const char *name, int64_t now, char **secret)
{
	char *s = NULL, *text = NULL, hash[HASH_HEX + 1];
	json_t *rec = NULL;
	int r;

	if (!name_ok(name))
		return -EINVAL;
	r = new_secret(&s);
	if (r < 0)
		return r;
	r = hash_hex(s, strlen(s), hash);
	if (r == 0) {
		rec = json_pack("{s:i, s:s, s:I, s:I}", "v", 1, "sha256", hash, "created",
				(json_int_t)now, "last_used", (json_int_t)0);
		text = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		r = text ? 0 : ids_txn_fail(t, -ENOMEM);
	}
	explicit_bzero(hash, sizeof(hash));
	json_decref(rec);
	/* no_overwrite: a name in use is -EEXIST, which leaves the transaction usable. */
	if (r == 0)
		r = ids_txn_put(t, IDS_DB_TOKENS, name, strlen(name), text, strlen(text), true);
	wipe_free(text);
	if (r == 0)
		r = ids_audit(t, IDS_MSG_CONFIG_CHANGED, "action", "token-created", "token", name,
			      IDS_END);
	if (r < 0) {
		wipe_free(s);
		return r;
	}
	*secret = s;
	return 0;
}

int
ids_token_revoke(struct ids_txn *t, const char *name)
{
	int r;

	if (!name_ok(name))
		return -ENOENT;
	r = ids_txn_del(t, IDS_DB_TOKENS, name, strlen(name), NULL, 0);
	if (r < 0)
		return r;
	return ids_audit(t, IDS_MSG_CONFIG_CHANGED, "action", "token-revoked", "token", name,
			 IDS_END);
}

struct verify_ctx {
	char hash[HASH_HEX + 1]; /* of the presented secret */
	char *match;             /* the name of the matching token */
	int err;
};

static int
verify_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct verify_ctx *vc = data;
	json_t *o = NULL;
	const char *stored = NULL;
	int r;

	r = ids_json_decode(v->data, v->size, &o);
	if (r == 0)
		stored = ids_json_str(o, "sha256");
	if (!stored || strlen(stored) != HASH_HEX) {
		/*
		 * A damaged record cannot match anything; skipping it keeps the other
		 * tokens working, and the log says which one to recreate.
		 */
		ids_log_warnx("SCIM token \"%.*s\": unreadable record, skipped (revoke and "
			      "create it again)",
			      (int)(k->size > NAME_MAX_LEN ? NAME_MAX_LEN : k->size),
			      (const char *)k->data);
		json_decref(o);
		return 0;
	}
	/*
	 * Every token is compared, match or not, in time independent of the
	 * contents: how long this takes says nothing about which token matched,
	 * or how much of a hash did.
	 */
	if (CRYPTO_memcmp(stored, vc->hash, HASH_HEX) == 0 && !vc->match && !vc->err) {
		vc->match = strndup(k->data, k->size);
		if (!vc->match)
			vc->err = -ENOMEM;
	}
	json_decref(o);
	return 0;
}

/* Records the time of use of token name in write transaction t. */
static int
mark_used(struct ids_txn *t, const char *name, int64_t now)
{
	json_t *o = NULL;
	int r;

	r = ids_json_get(t, IDS_DB_TOKENS, name, &o);
	if (r < 0)
		return ids_txn_fail(t, r);
	if (json_object_set_new(o, "last_used", json_integer((json_int_t)now)) < 0)
		r = ids_txn_fail(t, -ENOMEM);
	else
		r = ids_json_put(t, IDS_DB_TOKENS, name, o);
	json_decref(o);
	if (r == 0)
		r = ids_audit(t, IDS_MSG_TOKEN_USED, "token", name, IDS_END);
	return r;
}

int
ids_token_verify(struct ids_txn *t, const char *secret, int64_t now, char **name)
{
	struct verify_ctx vc = {0};
	size_t len = secret ? strnlen(secret, SECRET_MAX + 1) : 0;
	int r;

	if (len == 0 || len > SECRET_MAX)
		return -EACCES;
	r = hash_hex(secret, len, vc.hash);
	if (r == 0)
		r = ids_txn_iterate(t, IDS_DB_TOKENS, NULL, 0, verify_cb, &vc);
	explicit_bzero(vc.hash, sizeof(vc.hash));
	if (r == 0)
		r = vc.err;
	if (r == 0 && !vc.match)
		r = -EACCES;
	if (r == 0 && ids_txn_is_write(t))
		r = mark_used(t, vc.match, now);
	if (r < 0) {
		free(vc.match);
		return r;
	}
	*name = vc.match;
	return 0;
}

struct token_iter {
	ids_token_fn fn;
	void *user;
};

static int
list_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct token_iter *it = data;
	_cleanup_free_ char *name = strndup(k->data, k->size);
	json_t *o = NULL;
	struct ids_token_info info;
	int r;

	if (!name)
		return -ENOMEM;
	r = ids_json_decode(v->data, v->size, &o);
	if (r < 0)
		return r;
	info = (struct ids_token_info){name, json_integer_value(json_object_get(o, "created")),
				       json_integer_value(json_object_get(o, "last_used"))};
	r = it->fn(&info, it->user);
	json_decref(o);
	return r;
}

int
ids_token_foreach(struct ids_txn *t, ids_token_fn fn, void *user)
{
	struct token_iter it = {fn, user};

	return ids_txn_iterate(t, IDS_DB_TOKENS, NULL, 0, list_cb, &it);
}
