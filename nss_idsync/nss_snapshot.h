/* SPDX-License-Identifier: MIT */
/*
 * The NSS module's view of the snapshot: one read-only LMDB environment kept
 * open across calls, re-opened when the publisher bumps the generation word,
 * after fork(), or (without a generation file) when the file was replaced.
 * Lookups read the lookup tables in place (nss_table.h); enumeration walks
 * the by-id databases in a read transaction of its own.
 */
#ifndef NSS_SNAPSHOT_H
#define NSS_SNAPSHOT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "nss_table.h"

enum nss_db { NSS_DB_PW_UID, NSS_DB_GR_GID, NSS_DB_COUNT };

/* A read of the current snapshot; the read lock is held until nss_snap_end(). */
struct nss_read {
	const struct nss_tab *pw, *gr; /* the lookup tables, valid until nss_snap_end() */
	MDB_txn *txn;                  /* enumeration only, begun by nss_snap_next() */
	bool enumerate;
};

/*
 * Begins a read: 0, or -errno (-ENODATA: no snapshot; -EBADMSG: a snapshot
 * we will not read; -EAGAIN: transient). On success nss_snap_end() must
 * follow. Costs no system call while the snapshot in place is the one open.
 */
int nss_snap_begin(struct nss_read *rd);
void nss_snap_end(struct nss_read *rd);
/* The first entry of db whose key is >= key (enumeration by id): 0, -ENOENT, -EBADMSG. */
int nss_snap_next(struct nss_read *rd, enum nss_db db, uint32_t from, uint32_t *found, MDB_val *val);

#endif
