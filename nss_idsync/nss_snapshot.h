/* SPDX-License-Identifier: MIT */
/*
 * The NSS module's view of the snapshot: one read-only LMDB environment kept
 * open across calls, re-opened when the publisher bumps the generation word,
 * after fork(), or (without a generation file) when the file was replaced.
 * Every record is validated before it is handed to nss_pack.c.
 */
#ifndef NSS_SNAPSHOT_H
#define NSS_SNAPSHOT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

enum nss_db { NSS_DB_PW_UID, NSS_DB_PW_NAME, NSS_DB_GR_GID, NSS_DB_GR_NAME, NSS_DB_INITGROUPS, NSS_DB_COUNT };

/* A read transaction on the current snapshot; the read lock is held until nss_snap_end(). */
struct nss_read {
	MDB_txn *txn;
	bool enumerate;
};

/*
 * Begins a read: 0, or -errno (-ENOENT: no snapshot; -EBADMSG: a snapshot we
 * will not read; -EAGAIN: transient). On success nss_snap_end() must follow.
 */
int nss_snap_begin(struct nss_read *rd);
void nss_snap_end(struct nss_read *rd);
/* Looks up key in db: 0 and *val (valid until nss_snap_end), -ENOENT, or -EBADMSG. */
int nss_snap_get(struct nss_read *rd, enum nss_db db, const void *key, size_t klen, MDB_val *val);
/* The first entry of db whose key is >= key (enumeration by id): 0, -ENOENT, -EBADMSG. */
int nss_snap_next(struct nss_read *rd, enum nss_db db, uint32_t from, uint32_t *found, MDB_val *val);

#endif
