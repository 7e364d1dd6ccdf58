/* SPDX-License-Identifier: MIT */
/*
 * SCIM bearer tokens (tokens.h): random secrets shown once, stored as
 * SHA-256 hashes, verified in constant time against every stored hash.
 * Never logs or stores a secret.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/model.h"
#include "libidsync/tokens.h"

#define SECRET_BYTES 32
#define SECRET_MAX   256
#define HASH_HEX     64

static bool
name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* SHA-256 of s as 64 lower-case hex digits. */
static int
hash_hex(const char *s, size_t len, char out[HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return -EIO;
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	explicit_bzero(md, sizeof(md));
	return 0;
}

/* base64url without padding. */
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

int
ids_token_create(struct ids_txn *t, const char *name, int64_t now, char **secret)
{
	unsigned char raw[SECRET_BYTES];
	char *s, hash[HASH_HEX + 1];
	struct ids_val v;
	json_t *rec;
	int r;

	if (!name_ok(name))
		return -EINVAL;
	if (ids_txn_get_str(t, IDS_DB_TOKENS, name, &v) == 0)
		return -EEXIST;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	s = malloc(strlen(IDS_TOKEN_PREFIX) + 4 * SECRET_BYTES / 3 + 4);
	if (!s) {
		explicit_bzero(raw, sizeof(raw));
		return -ENOMEM;
	}
	strcpy(s, IDS_TOKEN_PREFIX);
	b64url(raw, sizeof(raw), s + strlen(IDS_TOKEN_PREFIX));
	explicit_bzero(raw, sizeof(raw));
	r = hash_hex(s, strlen(s), hash);
	rec = r == 0 ? json_pack("{s:i, s:s, s:I, s:I}", "v", 1, "sha256", hash, "created",
				 (json_int_t)now, "last_used", (json_int_t)0)
		     : NULL;
	explicit_bzero(hash, sizeof(hash));
	r = rec ? ids_json_put(t, IDS_DB_TOKENS, name, rec) : (r < 0 ? r : -ENOMEM);
	json_decref(rec);
	if (r == 0)
		r = ids_audit(t, IDS_MSG_CONFIG_CHANGED, "action", "token-created", "token", name,
			      IDS_END);
	if (r < 0) {
		explicit_bzero(s, strlen(s));
		free(s);
		return r;
	}
	*secret = s;
	return 0;
}

int
ids_token_revoke(struct ids_txn *t, const char *name)
{
	int r = ids_txn_del(t, IDS_DB_TOKENS, name, strlen(name), NULL, 0);

	if (r < 0)
		return r;
	return ids_audit(t, IDS_MSG_CONFIG_CHANGED, "action", "token-revoked", "token", name, IDS_END);
}

struct verify_ctx {
	char hash[HASH_HEX + 1];
	char *match; /* the name of the matching token */
	int bad;
};

static int
verify_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct verify_ctx *vc = data;
	json_t *o = NULL;
	const char *stored;

	if (ids_json_decode(v->data, v->size, &o) < 0) {
		vc->bad = 1;
		return 0;
	}
	stored = ids_json_str(o, "sha256");
	/* Every token is compared, match or not: the time taken says nothing about which. */
	if (stored && strlen(stored) == HASH_HEX &&
	    CRYPTO_memcmp(stored, vc->hash, HASH_HEX) == 0 && !vc->match)
		vc->match = strndup(k->data, k->size);
	json_decref(o);
	return 0;
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
	if (r < 0) {
		free(vc.match);
		return r;
	}
	if (!vc.match)
		return -EACCES;
	if (ids_txn_is_write(t)) {
		json_t *o = NULL;
		if (ids_json_get(t, IDS_DB_TOKENS, vc.match, &o) == 0) {
			json_object_set_new(o, "last_used", json_integer((json_int_t)now));
			r = ids_json_put(t, IDS_DB_TOKENS, vc.match, o);
		}
		json_decref(o);
		if (r == 0)
			r = ids_audit(t, IDS_MSG_TOKEN_USED, "token", vc.match, IDS_END);
		if (r < 0) {
			free(vc.match);
			return r;
		}
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
