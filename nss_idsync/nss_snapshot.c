/* SPDX-License-Identifier: MIT */
/*
 * Opens the snapshot read-only (MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR),
 * keeps it open, and re-opens it when the publication counter in
 * "<path>.gen" changes (no system call per lookup), when the process forked, or, without
 * a generation file, when a once-a-second stat sees a new inode. Refuses a
 * snapshot of another format or shorter than its own meta page says, so a
 * truncated file never becomes a SIGBUS in the host process.
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
	[NSS_DB_PW_UID] = IDS_SNAP_DB_PW_UID,   [NSS_DB_PW_NAME] = IDS_SNAP_DB_PW_NAME,
	[NSS_DB_GR_GID] = IDS_SNAP_DB_GR_GID,   [NSS_DB_GR_NAME] = IDS_SNAP_DB_GR_NAME,
	[NSS_DB_INITGROUPS] = IDS_SNAP_DB_INITGROUPS,
};

/* The open snapshot. Readers hold `lock` shared; (re)opening holds it exclusive. */
static struct {
	MDB_env *env;
	MDB_dbi dbi[NSS_DB_COUNT];
	uint64_t seen_word; /* the generation word when this snapshot was opened */
	int error;          /* why the last open failed (0: it did not) */
	bool enumerate;
	dev_t dev;
	ino_t ino;
	pid_t pid;
	const volatile uint64_t *gen_word; /* mapping of <path>.gen, or NULL */
	long checked;                      /* second of the last stat when there is no gen_word */
} snap;
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
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
	/* Not unlock: glibc would take the child's new thread id for a reader and leave the
	 * lock write-held. A fresh lock; the pid check re-opens the snapshot. */
	pthread_rwlock_init(&lock, NULL);
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

static int
open_locked(void)
{
	const char *path = snapshot_path();
	MDB_txn *txn = NULL;
	MDB_envinfo info;
	MDB_stat mst;
	MDB_val k, v;
	MDB_dbi meta;
	struct stat st;
	uint32_t format;
	int fd, r;

	close_locked();
	snap.pid = getpid();
	map_gen_word(path);
	/* The word first: a publication racing this open makes the next lookup re-open. */
	if (snap.gen_word)
		snap.seen_word = __atomic_load_n(snap.gen_word, __ATOMIC_ACQUIRE);
	r = from_mdb(mdb_env_create(&snap.env));
	if (r == 0)
		r = from_mdb(mdb_env_set_maxdbs(snap.env, 8));
	if (r == 0)
		r = from_mdb(mdb_env_open(snap.env, path, MDB_RDONLY | MDB_NOLOCK | MDB_NOSUBDIR, 0));
	/* The file must hold every page its meta page claims: a short file would SIGBUS. */
	if (r == 0 && (mdb_env_get_fd(snap.env, &fd) != 0 || fstat(fd, &st) != 0 ||
		       mdb_env_info(snap.env, &info) != 0 || mdb_env_stat(snap.env, &mst) != 0 ||
		       (uint64_t)st.st_size < ((uint64_t)info.me_last_pgno + 1) * mst.ms_psize))
		r = -EBADMSG;
	if (r == 0)
		r = from_mdb(mdb_txn_begin(snap.env, NULL, MDB_RDONLY, &txn));
	if (r == 0)
		r = from_mdb(mdb_dbi_open(txn, IDS_SNAP_DB_META, 0, &meta));
	for (int i = 0; r == 0 && i < NSS_DB_COUNT; i++)
		r = from_mdb(mdb_dbi_open(txn, db_names[i], 0, &snap.dbi[i]));
	if (r == 0) {
		k = (MDB_val){6, "format"};
		if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size != sizeof(format))
			r = -EBADMSG;
		else if (memcpy(&format, v.mv_data, sizeof(format)), format != IDS_SNAP_FORMAT)
			r = -EBADMSG;
	}
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
		snap.pid = getpid();
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

	if (snap.pid != getpid())
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
	if (stale_locked(true)) {
		pthread_rwlock_unlock(&lock);
		pthread_rwlock_wrlock(&lock);
		/* Another thread may have re-opened it meanwhile. */
		r = stale_locked(false) ? open_locked() : 0;
		pthread_rwlock_unlock(&lock);
		pthread_rwlock_rdlock(&lock);
		(void)r;
	}
	if (!snap.env || snap.pid != getpid()) {
		r = snap.error ? snap.error : -ENOENT;
		pthread_rwlock_unlock(&lock);
		/* No snapshot, or one we refuse: UNAVAIL, so "files" keeps answering. */
		return r == -ENOENT ? -ENODATA : r;
	}
	r = from_mdb(mdb_txn_begin(snap.env, NULL, MDB_RDONLY, &rd->txn));
	if (r < 0) {
		pthread_rwlock_unlock(&lock);
		return r == -ENOMEM ? -EAGAIN : r;
	}
	rd->enumerate = snap.enumerate;
	return 0;
}

void
nss_snap_end(struct nss_read *rd)
{
	mdb_txn_abort(rd->txn);
	rd->txn = NULL;
	pthread_rwlock_unlock(&lock);
}

int
nss_snap_get(struct nss_read *rd, enum nss_db db, const void *key, size_t klen, MDB_val *val)
{
	MDB_val k = {klen, (void *)key};

	if (klen == 0 || klen > 511)
		return -ENOENT;
	return from_mdb(mdb_get(rd->txn, snap.dbi[db], &k, val));
}

int
nss_snap_next(struct nss_read *rd, enum nss_db db, uint32_t from, uint32_t *found, MDB_val *val)
{
	unsigned char be[4] = {(unsigned char)(from >> 24), (unsigned char)(from >> 16),
			       (unsigned char)(from >> 8), (unsigned char)from};
	MDB_val k = {4, be};
	MDB_cursor *c;
	int r;

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
