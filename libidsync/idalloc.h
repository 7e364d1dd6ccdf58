/* SPDX-License-Identifier: MIT */
/*
 * UID/GID allocation. An id is derived from the identity it is for (a hash of
 * the seed into the configured range), so hosts fed the same pushes agree
 * without talking. A taken candidate is probed deterministically. Every id
 * ever given stays recorded: a released id becomes a tombstone and is never
 * handed to anyone again.
 */
#ifndef IDS_IDALLOC_H
#define IDS_IDALLOC_H

#include <stdint.h>

#include "libidsync/config.h"
#include "libidsync/localfiles.h"
#include "libidsync/store.h"

enum ids_id_kind {
	IDS_ID_USER,  /* a uid, which is also the gid of the user's private group */
	IDS_ID_GROUP, /* a gid of a workspace's Unix group */
};

#define IDS_IDALLOC_MAX_PROBES 10000

/*
 * The candidate for seed at probe number n (0 first): pure, for tests and docs.
 */
uint32_t ids_idalloc_candidate(enum ids_id_kind kind, const char *seed, uint32_t n, uint32_t min,
			       uint32_t max);

/*
 * Allocates an id for seed (for users "u:<externalId or userName>", for
 * groups "g:<group name>") owned by owner (user id or group name). The
 * first candidate that is free in the store (active or tombstoned), in the
 * local files (as uid and gid for users, as gid for groups) and not 65534 or
 * 65535 wins. *probes receives how many candidates were taken. Returns 0,
 * -ENOSPC when IDS_IDALLOC_MAX_PROBES candidates were all taken, or -errno.
 */
int ids_idalloc_assign(struct ids_txn *t, const struct ids_config *cfg,
		       const struct ids_localfiles *lf, enum ids_id_kind kind, const char *seed,
		       const char *owner, uint32_t *id, uint32_t *probes);

/* Records an id chosen by an admin. -EEXIST when taken (store or local files). */
int ids_idalloc_claim(struct ids_txn *t, const struct ids_localfiles *lf, enum ids_id_kind kind,
		      uint32_t id, const char *seed, const char *owner);

/* Turns an allocation into a tombstone: the id resolves to no one new, ever. */
int ids_idalloc_release(struct ids_txn *t, uint32_t id);

/* Reads the record of id: state "active" or "tombstone". -ENOENT when never given. */
int ids_idalloc_state(struct ids_txn *t, uint32_t id, char *state, size_t size);

#endif
