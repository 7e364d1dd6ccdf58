/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: hostile record bytes inside a well-formed snapshot,
 * read by the dump (the admin's view of what NSS serves). liblmdb itself
 * trusts its page format, so the LMDB file is made valid and the records
 * carry the fuzzer's bytes.
 */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libidsync/snapshot.h"
#include "libidsync/snapshot_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static FILE *devnull;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi pw, gr;
	unsigned char k[4] = {0, 0, 0, 1};
	size_t half = size / 2;
	MDB_val key = {4, k}, a = {half, (void *)data}, b = {size - half, (void *)(data + half)};

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz-snap-%d.mdb", (int)getpid());
		devnull = fopen("/dev/null", "w");
	}
	unlink(path);
	if (mdb_env_create(&env) != 0)
		return 0;
	mdb_env_set_maxdbs(env, 8);
	if (mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0600) == 0 &&
	    mdb_txn_begin(env, NULL, 0, &txn) == 0) {
		if (mdb_dbi_open(txn, IDS_SNAP_DB_PW_UID, MDB_CREATE, &pw) == 0 &&
		    mdb_dbi_open(txn, IDS_SNAP_DB_GR_GID, MDB_CREATE, &gr) == 0 &&
		    (a.mv_size == 0 || mdb_put(txn, pw, &key, &a, 0) == 0) &&
		    (b.mv_size == 0 || mdb_put(txn, gr, &key, &b, 0) == 0))
			mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	(void)ids_snapshot_dump(path, devnull, devnull);
	return 0;
}
