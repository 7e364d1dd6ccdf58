/* SPDX-License-Identifier: MIT */
/*
 * Deterministic UID/GID allocation with probing and tombstones (idalloc.h).
 * The hash is SHA-256 and must never change: hosts compare ids by it.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/idalloc.h"
#include "libidsync/log_ids.h"
#include "libidsync/model.h"

uint32_t
ids_idalloc_candidate(enum ids_id_kind kind, const char *seed, uint32_t n, uint32_t min, uint32_t max)
{
	unsigned char md[EVP_MAX_MD_SIZE], nbe[4];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t h = 0;
	char k = kind == IDS_ID_USER ? 'u' : 'g';

	ids_be32(n, nbe);
	/* kind, seed, NUL, probe number (big-endian): a stable, documented input. */
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) || !EVP_DigestUpdate(ctx, &k, 1) ||
	    !EVP_DigestUpdate(ctx, seed, strlen(seed) + 1) || !EVP_DigestUpdate(ctx, nbe, 4) ||
	    !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen < 8) {
		/* SHA-256 cannot fail short of memory; a zero hash still yields a valid, probed id. */
		memset(md, 0, sizeof(md));
	}
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 8; i++)
		h = h << 8 | md[i];
	return min + (uint32_t)(h % ((uint64_t)max - min + 1));
}

static const char *
taken_by(struct ids_txn *t, const struct ids_localfiles *lf, enum ids_id_kind kind, uint32_t id)
{
	unsigned char be[4];
	struct ids_val v;
	const char *file;

	if (id == 65534 || id == 65535 || id == 0)
		return "a reserved id";
	ids_be32(id, be);
	if (ids_txn_get(t, IDS_DB_ID_OWNER, be, 4, &v) == 0)
		return "idsync";
	if (!lf)
		return NULL;
	/* A user's uid is also its private group's gid: both must be free. */
	if (kind == IDS_ID_USER && (file = ids_localfiles_id_owner(lf, id, false)))
		return file;
	return ids_localfiles_id_owner(lf, id, true);
}

static int
record(struct ids_txn *t, enum ids_id_kind kind, uint32_t id, const char *seed, const char *owner,
       uint32_t probes)
{
	unsigned char be[4];
	json_t *o;
	_cleanup_free_ char *s = NULL;

	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I}", "v", 1, "kind",
		      kind == IDS_ID_USER ? "user" : "group", "seed", seed, "owner", owner, "state",
		      "active", "probes", (json_int_t)probes, "created", (json_int_t)time(NULL));
	if (!o)
		return ids_txn_fail(t, -ENOMEM);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s)
		return ids_txn_fail(t, -ENOMEM);
	ids_be32(id, be);
	ids_txn_put(t, IDS_DB_ID_OWNER, be, 4, s, strlen(s), false);
	ids_txn_put(t, IDS_DB_ID_SEED, seed, strlen(seed), be, 4, false);
	return ids_txn_error(t);
}

int
ids_idalloc_assign(struct ids_txn *t, const struct ids_config *cfg,
		   const struct ids_localfiles *lf, enum ids_id_kind kind, const char *seed,
		   const char *owner, uint32_t *id, uint32_t *probes)
{
	uint32_t min = kind == IDS_ID_USER ? cfg->uid_min : cfg->gid_min;
	uint32_t max = kind == IDS_ID_USER ? cfg->uid_max : cfg->gid_max;
	struct ids_val v;
	int r;

	/* The same identity asking again gets the id it already holds. */
	r = ids_txn_get_str(t, IDS_DB_ID_SEED, seed, &v);
	if (r == 0 && v.size == 4) {
		*id = ids_from_be32(v.data);
		*probes = 0;
		return 0;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	for (uint32_t n = 0; n < IDS_IDALLOC_MAX_PROBES; n++) {
		uint32_t cand = ids_idalloc_candidate(kind, seed, n, min, max);
		const char *who = taken_by(t, lf, kind, cand);

		if (ids_txn_error(t) < 0)
			return ids_txn_error(t);
		if (who) {
			ids_log_debug("id %u for %s is taken (%s); probing", cand, seed, who);
			continue;
		}
		r = record(t, kind, cand, seed, owner, n);
		if (r < 0)
			return r;
		if (n > 0) {
			char idbuf[16], nbuf[16];
			snprintf(idbuf, sizeof(idbuf), "%u", cand);
			snprintf(nbuf, sizeof(nbuf), "%u", n);
			ids_audit(t, IDS_MSG_ID_COLLISION, "seed", seed, "id", idbuf, "probes", nbuf, IDS_END);
		}
		*id = cand;
		*probes = n;
		return 0;
	}
	ids_log_warnx("no free id for %s after %d candidates in %u-%u: widen the range in "
		      "idsync.conf",
		      seed, IDS_IDALLOC_MAX_PROBES, min, max);
	return -ENOSPC;
}

int
ids_idalloc_claim(struct ids_txn *t, const struct ids_localfiles *lf, enum ids_id_kind kind,
		  uint32_t id, const char *seed, const char *owner)
{
	struct ids_val v;

	if (taken_by(t, lf, kind, id))
		return -EEXIST;
	if (ids_txn_get_str(t, IDS_DB_ID_SEED, seed, &v) == 0)
		return -EEXIST;
	return record(t, kind, id, seed, owner, 0);
}

int
ids_idalloc_release(struct ids_txn *t, uint32_t id)
{
	unsigned char be[4];
	struct ids_val v;
	json_t *o;
	const char *seed;
	_cleanup_free_ char *s = NULL;
	int r;

	ids_be32(id, be);
	r = ids_txn_get(t, IDS_DB_ID_OWNER, be, 4, &v);
	if (r < 0)
		return r;
	o = json_loadb(v.data, v.size, 0, NULL);
	seed = ids_json_str(o, "seed");
	if (!o || !seed) {
		json_decref(o);
		return ids_txn_fail(t, -EBADMSG);
	}
	/* The seed is freed (a re-created identity probes anew); the id never is. */
	(void)ids_txn_del(t, IDS_DB_ID_SEED, seed, strlen(seed), NULL, 0);
	json_object_set_new(o, "state", json_string("tombstone"));
	json_object_set_new(o, "released", json_integer((json_int_t)time(NULL)));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!s)
		return ids_txn_fail(t, -ENOMEM);
	return ids_txn_put(t, IDS_DB_ID_OWNER, be, 4, s, strlen(s), false);
}

int
ids_idalloc_state(struct ids_txn *t, uint32_t id, char *state, size_t size)
{
	unsigned char be[4];
	struct ids_val v;
	json_t *o;
	const char *st;
	int r;

	ids_be32(id, be);
	r = ids_txn_get(t, IDS_DB_ID_OWNER, be, 4, &v);
	if (r < 0)
		return r;
	o = json_loadb(v.data, v.size, 0, NULL);
	st = ids_json_str(o, "state");
	if (!st) {
		json_decref(o);
		return -EBADMSG;
	}
	snprintf(state, size, "%s", st);
	json_decref(o);
	return 0;
}
