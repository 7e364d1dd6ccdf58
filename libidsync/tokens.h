/* SPDX-License-Identifier: MIT */
/*
 * SCIM bearer tokens: created by idsyncctl (the secret is shown once),
 * stored as SHA-256 hashes only, checked in constant time by idsyncd.
 */
#ifndef IDS_TOKENS_H
#define IDS_TOKENS_H

#include <stdint.h>

#include "libidsync/store.h"

#define IDS_TOKEN_PREFIX "idsync_"

struct ids_token_info {
	char *name;
	int64_t created;
	int64_t last_used; /* 0: never */
};

/*
 * Creates token name (1-64 characters of [A-Za-z0-9_.-]) and returns its
 * secret in *secret (malloc'd; the caller shows it once and wipes it with
 * explicit_bzero). -EEXIST for a name in use, -EINVAL for a bad name.
 */
int ids_token_create(struct ids_txn *t, const char *name, int64_t now, char **secret);
/* Revokes (deletes) a token: 0 or -ENOENT. */
int ids_token_revoke(struct ids_txn *t, const char *name);
/*
 * Checks a presented secret against every stored hash in constant time per
 * token. Returns 0 and the token's name in *name (malloc'd), or -EACCES.
 * With a write transaction, records the time of use.
 */
int ids_token_verify(struct ids_txn *t, const char *secret, int64_t now, char **name);
typedef int (*ids_token_fn)(const struct ids_token_info *info, void *user);
int ids_token_foreach(struct ids_txn *t, ids_token_fn fn, void *user);

#endif
