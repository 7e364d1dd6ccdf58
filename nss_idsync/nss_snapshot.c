/* SPDX-License-Identifier: MIT */
/*
 * Opens the snapshot read-only (MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR),
 * keeps it open, and re-opens it when the publication counter in
 * "<path>.gen" changes (no system call per lookup), when the process forked, or, without
 * a generation file, when a once-a-second stat sees a new inode. Refuses a
 * snapshot of another format or shorter than its own meta page says, so a
 * truncated file never becomes a SIGBUS in the host process.
 *
 * The lookup tables are fetched once per open, in a read transaction that
 * stays open ("pinned") until the environment is closed, so the memory they
 * point to is LMDB's for as long as they are used; lookups then cost no
 * transaction and no B-tree descent. Readers hold the lock shared while they
 * use the tables; re-opening (which closes the old environment) holds it
 * exclusive, so no thread ever reads a closed environment. The lock prefers
 * writers, so a stream of readers cannot starve a re-open.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libidsync/snapshot_format.h"
#include "nss_snapshot.h"

#ifndef IDS_NSS_DEFAULT_SNAPSHOT
#define IDS_NSS_DEFAULT_SNAPSHOT "/var/lib/idsync/nss.mdb"
#endif

static const char *const db_names[NSS_DB_COUNT] = {
	[NSS_DB_PW_UID] = IDS_SNAP_DB_PW_UID,
	[NSS_DB_GR_GID] = IDS_SNAP_DB_GR_GID,
};

/* The open snapshot. Readers hold `lock` shared; (re)opening holds it exclusive. */
static struct {
	MDB_env *env;
	MDB_txn *pin; /* read transaction holding the lookup tables, for the env's life */
	MDB_dbi dbi[NSS_DB_COUNT];
	struct nss_tab pw, gr;
	uint64_t seen_word; /* the generation word when this snapshot was opened */
	int error;          /* why the last open failed (0: it did not) */
	bool enumerate;
	bool tried; /* an open was attempted in this process (cleared in a forked child) */
	dev_t dev;
	ino_t ino;
	const volatile uint64_t *gen_word; /* mapping of <path>.gen, or NULL */
	long checked;                      /* second of the last stat when there is no gen_word */
} snap;
static pthread_rwlock_t lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *
snapshot_path(void)
{
	const char *p = secure_getenv("IDSYNC_NSS_SNAPSHOT");

	return p && *p == '/' ? p : IDS_NSS_DEFAULT_SNAPSHOT;
}

/* After fork(), the child starts clean: the lock may have been held by a thread that is gone. */
static void
atfork_prepare(void)
{
	pthread_rwlock_wrlock(&lock);
}

static void
atfork_parent(void)
{
	pthread_rwlock_unlock(&lock);
}

static void
atfork_child(void)
{
	pthread_rwlockattr_t attr;

	/* Not unlock: glibc would take the child's new thread id for a reader and leave the
	 * lock write-held. A fresh lock; clearing `tried` makes the child re-open. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	snap.tried = false;
}

static void
init_once(void)
{
	(void)pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void
close_locked(void)
{
	/* With MDB_NOLOCK there are no shared locks: closing in a forked child is safe. */
	if (snap.pin)
		mdb_txn_abort(snap.pin);
	if (snap.env)
		mdb_env_close(snap.env);
	if (snap.gen_word)
		munmap((void *)snap.gen_word, IDS_SNAP_GEN_SIZE);
	memset(&snap, 0, sizeof(snap));
}

static void
map_gen_word(const char *path)
{
	char gen_path[4096];
	struct stat st;
	void *m;
	int fd;

	if ((size_t)snprintf(gen_path, sizeof(gen_path), "%s%s", path, IDS_SNAP_GEN_SUFFIX) >=
	    sizeof(gen_path))
		return;
	fd = open(gen_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= IDS_SNAP_GEN_SIZE) {
		m = mmap(NULL, IDS_SNAP_GEN_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED)
			snap.gen_word = m;
	}
	close(fd);
}

static int
from_mdb(int rc)
{
	if (rc == MDB_SUCCESS)
		return 0;
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc == ENOENT || rc == EACCES || rc == ENOMEM)
		return -rc;
	return -EBADMSG;
}

/*
 * Fetches a lookup table from the pinned transaction. liblmdb trusts its own
 * page structure (the open checked that the file holds every page); a value
 * larger than the file is damage all the same.
 */
static int
get_table(MDB_dbi lookup, const char *key, uint32_t magic, struct nss_tab *t, off_t file_size)
{
	MDB_val k = {strlen(key), (void *)key}, v;

	if (mdb_get(snap.pin, lookup, &k, &v) != 0 || v.mv_size > (uint64_t)file_size)
		return -EBADMSG;
	return nss_tab_init(t, magic, v.mv_data, v.mv_size);
}

static int
open_locked(void)
{
	const char *path = snapshot_path();
	MDB_txn *txn = NULL;
	MDB_envinfo info;
	MDB_stat mst;
	MDB_val k, v;
	MDB_dbi meta, lookup;
	struct stat st;
	uint32_t format;
	int fd, r;

	close_locked();
	snap.tried = true;
	map_gen_word(path);
	/* The word first: a publication racing this open makes the next lookup re-open. */
	if (snap.gen_word)
		snap.seen_word = __atomic_load_n(snap.gen_word, __ATOMIC_ACQUIRE);
	r = from_mdb(mdb_env_create(&snap.env));
	if (r == 0)
		r = from_mdb(mdb_env_set_maxdbs(snap.env, 8));
	if (r == 0)
		r = from_mdb(mdb_env_open(snap.env, path,
					  MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR | MDB_NOTLS, 0));
	/* The file must hold every page its meta page claims: a short file would SIGBUS. */
	if (r == 0 && (mdb_env_get_fd(snap.env, &fd) != 0 || fstat(fd, &st) != 0 ||
		       mdb_env_info(snap.env, &info) != 0 || mdb_env_stat(snap.env, &mst) != 0 ||
		       (uint64_t)st.st_size < ((uint64_t)info.me_last_pgno + 1) * mst.ms_psize))
		r = -EBADMSG;
	if (r == 0)
		r = from_mdb(mdb_txn_begin(snap.env, NULL, MDB_RDONLY, &txn));
	if (r == 0)
		r = from_mdb(mdb_dbi_open(txn, IDS_SNAP_DB_META, 0, &meta));
	if (r == 0) {
		/* The format before anything else: an old snapshot lacks the newer databases. */
		k = (MDB_val){6, "format"};
		if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != sizeof(format))
			r = -EBADMSG;
		else if (memcpy(&format, v.mv_data, sizeof(format)), format != IDS_SNAP_FORMAT)
			r = -EBADMSG;
	}
	for (int i = 0; r == 0 && i < NSS_DB_COUNT; i++)
		r = from_mdb(mdb_dbi_open(txn, db_names[i], 0, &snap.dbi[i]));
	if (r == 0)
		r = from_mdb(mdb_dbi_open(txn, IDS_SNAP_DB_LOOKUP, 0, &lookup));
	if (r == 0) {
		k = (MDB_val){10, "generation"};
		if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != sizeof(uint64_t))
			r = -EBADMSG;
	}
	if (r == 0) {
		k = (MDB_val){9, "enumerate"};
		snap.enumerate = mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 1 &&
				 *(const uint8_t *)v.mv_data == 1;
		/* Committing a read-only transaction keeps its database handles for the env. */
		r = from_mdb(mdb_txn_commit(txn));
		txn = NULL;
	}
	if (r == 0)
		r = from_mdb(mdb_txn_begin(snap.env, NULL, MDB_RDONLY, &snap.pin));
	if (r == 0)
		r = get_table(lookup, IDS_SNAP_KEY_PASSWD, IDS_SNAP_TAB_PASSWD, &snap.pw, st.st_size);
	if (r == 0)
		r = get_table(lookup, IDS_SNAP_KEY_GROUP, IDS_SNAP_TAB_GROUP, &snap.gr, st.st_size);
	if (txn)
		mdb_txn_abort(txn);
	if (r < 0) {
		/* Keep the word's mapping: the next publication bumps it and the open is retried
		 * then, not on every lookup. */
		const volatile uint64_t *gw = snap.gen_word;
		uint64_t seen = snap.seen_word;
		long checked = snap.checked;
		snap.gen_word = NULL;
		close_locked();
		snap.gen_word = gw;
		snap.seen_word = seen;
		snap.checked = checked;
		snap.tried = true;
		snap.error = r;
		return r;
	}
	snap.dev = st.st_dev;
	snap.ino = st.st_ino;
	return 0;
}

/*
 * Whether the open snapshot (or its absence) is stale. With rate_limit (the
 * read-locked fast path), a missing generation file means one stat a second
 * at most; the write-locked re-check passes false and always looks.
 */
static bool
stale_locked(bool rate_limit)
{
	struct timespec now;
	struct stat st;

	if (!snap.tried)
		return true;
	if (snap.gen_word)
		return __atomic_load_n(snap.gen_word, __ATOMIC_ACQUIRE) != snap.seen_word;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (rate_limit && __atomic_exchange_n(&snap.checked, (long)now.tv_sec, __ATOMIC_RELAXED) ==
				  (long)now.tv_sec)
		return false;
	if (stat(snapshot_path(), &st) != 0)
		return snap.env != NULL;
	return !snap.env || st.st_ino != snap.ino || st.st_dev != snap.dev;
}

int
nss_snap_begin(struct nss_read *rd)
{
	int r;

	pthread_once(&once, init_once);
	pthread_rwlock_rdlock(&lock);
	if (__builtin_expect(stale_locked(true), 0)) {
		pthread_rwlock_unlock(&lock);
		pthread_rwlock_wrlock(&lock);
		/* Another thread may have re-opened it meanwhile. */
		if (stale_locked(false))
			(void)open_locked();
		pthread_rwlock_unlock(&lock);
		pthread_rwlock_rdlock(&lock);
	}
	if (!snap.env) {
		r = snap.error ? snap.error : -ENOENT;
		pthread_rwlock_unlock(&lock);
		/* No snapshot, or one we refuse: UNAVAIL, so "files" keeps answering. */
		return r == -ENOENT ? -ENODATA : r;
	}
	rd->pw = &snap.pw;
	rd->gr = &snap.gr;
	rd->txn = NULL;
	rd->enumerate = snap.enumerate;
	return 0;
}

void
nss_snap_end(struct nss_read *rd)
{
	if (rd->txn)
		mdb_txn_abort(rd->txn);
	rd->txn = NULL;
	pthread_rwlock_unlock(&lock);
}

int
nss_snap_next(struct nss_read *rd, enum nss_db db, uint32_t from, uint32_t *found, MDB_val *val)
{
	unsigned char be[4] = {(unsigned char)(from >> 24), (unsigned char)(from >> 16),
			       (unsigned char)(from >> 8), (unsigned char)from};
	MDB_val k = {4, be};
	MDB_cursor *c;
	int r = 0;

	if (!rd->txn)
		r = from_mdb(mdb_txn_begin(snap.env, NULL, MDB_RDONLY, &rd->txn));
	if (r < 0) {
		rd->txn = NULL;
		return r == -ENOMEM ? -EAGAIN : r;
	}
	r = from_mdb(mdb_cursor_open(rd->txn, snap.dbi[db], &c));
	if (r < 0)
		return r;
	r = from_mdb(mdb_cursor_get(c, &k, val, MDB_SET_RANGE));
	if (r == 0 && k.mv_size != 4)
		r = -EBADMSG;
	if (r == 0) {
		const unsigned char *p = k.mv_data;
		*found = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
	mdb_cursor_close(c);
	return r;
}
