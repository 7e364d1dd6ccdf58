/* SPDX-License-Identifier: MIT */
/*
 * The NSS snapshot: what it serves (users, private and workspace groups,
 * initgroups, deactivated and deleted users), and that readers never see a
 * torn file while publishers race.
 */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "libidsync/model.h"
#include "libidsync/snapshot.h"
#include "libidsync/snapshot_format.h"
#include "libidsync/workspace.h"

static struct fixture f;

static void
setup(void)
{
	fixture_setup(&f);
}

static void
teardown(void)
{
	fixture_teardown(&f);
}

TestSuite(snapshot, .init = setup, .fini = teardown);

static void
publish(void)
{
	struct ids_snapshot_stats st;

	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, false, &st), 0);
}

/* The snapshot as "passwd lines\n--\ngroup lines" (malloc'd). */
static char *
dump(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	cr_assert_eq(ids_snapshot_dump(f.cfg->snapshot_path, m, NULL), 0);
	fputs("--\n", m);
	cr_assert_eq(ids_snapshot_dump(f.cfg->snapshot_path, NULL, m), 0);
	fclose(m);
	return buf;
}

static void
change(int (*fn)(struct ids_txn *t, void *arg), void *arg)
{
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(fn(t, arg), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
}

struct grant_arg {
	const char *login, *ws;
	char **roles;
};

static int
do_grant(struct ids_txn *t, void *p)
{
	struct grant_arg *a = p;
	struct ids_user *u;
	struct ids_grant *g;
	int r = ids_user_get_by_login(t, a->login, &u);

	if (r < 0)
		return r;
	g = ids_grant_new(u->id, a->ws, 0);
	cr_assert_eq(ids_grant_set_roles(g, a->roles), 0);
	cr_assert_eq(ids_grant_add_source(g, IDS_SOURCE_MANUAL, "test", a->roles[0]), 0);
	r = ids_grant_put(t, g);
	ids_grant_free(g);
	ids_user_free(u);
	return r < 0 ? r : ids_txn_bump_generation(t);
}

static int
do_ws(struct ids_txn *t, void *p)
{
	struct ids_workspace_in in = {.name = p, .gid = 0, .managed = true};
	char *why = NULL;
	int r = ids_workspace_create(t, &f.ctx, &in, &why);

	free(why);
	return r;
}

static int
do_set_inactive(struct ids_txn *t, void *p)
{
	struct ids_user *u;
	int r = ids_user_get_by_login(t, p, &u);

	if (r == 0)
		r = ids_identity_set_active(t, &f.ctx, u->id, false);
	ids_user_free(u);
	return r;
}

static int
do_delete(struct ids_txn *t, void *p)
{
	struct ids_user *u;
	int r = ids_user_get_by_login(t, p, &u);

	if (r == 0)
		r = ids_identity_delete(t, &f.ctx, u->id);
	ids_user_free(u);
	return r;
}

static uint32_t
gid_of(const char *name)
{
	struct ids_txn *t;
	struct ids_unix_group *g;
	uint32_t gid;

	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_unix_group_get(t, name, &g), 0);
	gid = g->gid;
	ids_unix_group_free(g);
	ids_txn_abort(t);
	return gid;
}

/*
 * Finds login's record in a passwd lookup table by walking the record area
 * (independently of the hash slots): the record, or NULL.
 */
static const unsigned char *
find_pwl(const unsigned char *blob, size_t size, const char *login)
{
	struct ids_snap_tab h;
	size_t off = 0;

	cr_assert_geq(size, sizeof(h));
	memcpy(&h, blob, sizeof(h));
	cr_assert_eq(h.magic, IDS_SNAP_TAB_PASSWD);
	cr_assert_leq((uint64_t)h.recs_off + h.recs_len, size);
	while (off + sizeof(struct ids_snap_pwl) <= h.recs_len) {
		const unsigned char *rec = blob + h.recs_off + off;
		struct ids_snap_pwl r;
		size_t len;

		memcpy(&r, rec, sizeof(r));
		len = sizeof(r) + (size_t)r.n_groups * 4 + r.name_len + r.gecos_len + r.dir_len +
		      r.shell_len + 4;
		cr_assert_leq(off + len, h.recs_len);
		if (r.name_len == strlen(login) &&
		    memcmp(rec + sizeof(r) + (size_t)r.n_groups * 4, login, r.name_len) == 0)
			return rec;
		off = (off + len + IDS_SNAP_REC_ALIGN - 1) & ~(size_t)(IDS_SNAP_REC_ALIGN - 1);
	}
	return NULL;
}

/* Reads the initgroups list of login straight from the snapshot file. */
static size_t
initgroups(const char *login, uint32_t *gids, size_t max)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {6, "passwd"}, v;
	const unsigned char *rec;
	struct ids_snap_pwl h;
	size_t n = 0;

	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	cr_assert_eq(mdb_env_open(env, f.cfg->snapshot_path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, IDS_SNAP_DB_LOOKUP, 0, &dbi), 0);
	cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0);
	rec = find_pwl(v.mv_data, v.mv_size, login);
	if (rec) {
		memcpy(&h, rec, sizeof(h));
		n = h.n_groups;
		cr_assert_leq(n, max);
		memcpy(gids, rec + sizeof(h), n * 4);
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return n;
}

Test(snapshot, serves_users_private_and_workspace_groups)
{
	uint32_t ua, ub, uc, gids[8];
	char *roles_member[] = {"member", NULL}, *roles_admin[] = {"admin", NULL},
	     *roles_ro_and_member[] = {"read-only", "member", NULL}, *roles_ro[] = {"read-only", NULL};
	char *text, expect[256];
	struct stat st;

	cr_assert_eq(fixture_provision(&f, "ann@example.com", NULL, &ua), 0);
	cr_assert_eq(fixture_provision(&f, "ben@example.com", NULL, &ub), 0);
	cr_assert_eq(fixture_provision(&f, "cat@example.com", NULL, &uc), 0);
	change(do_ws, "build");
	change(do_ws, "docs");
	change(do_grant, &(struct grant_arg){"ann", "build", roles_member});
	change(do_grant, &(struct grant_arg){"ann", "docs", roles_admin});
	change(do_grant, &(struct grant_arg){"ben", "build", roles_ro_and_member});
	change(do_grant, &(struct grant_arg){"cat", "docs", roles_ro});
	publish();
	text = dump();
	snprintf(expect, sizeof(expect), "ann:x:%u:%u:ann:/home/ann:/bin/bash\n", ua, ua);
	cr_assert_not_null(strstr(text, expect), "%s", text);
	snprintf(expect, sizeof(expect), "\nann:x:%u:\n", ua);
	cr_assert_not_null(strstr(text, expect), "private group missing:\n%s", text);
	snprintf(expect, sizeof(expect), "build:x:%u:ann,ben\n", gid_of("build"));
	cr_assert_not_null(strstr(text, expect), "%s", text);
	/* Read-only never combines with another role: ben is not in build-ro. */
	snprintf(expect, sizeof(expect), "build-ro:x:%u:\n", gid_of("build-ro"));
	cr_assert_not_null(strstr(text, expect), "%s", text);
	snprintf(expect, sizeof(expect), "docs:x:%u:ann\n", gid_of("docs"));
	cr_assert_not_null(strstr(text, expect), "%s", text);
	snprintf(expect, sizeof(expect), "docs-admin:x:%u:ann\n", gid_of("docs-admin"));
	cr_assert_not_null(strstr(text, expect), "%s", text);
	snprintf(expect, sizeof(expect), "docs-ro:x:%u:cat\n", gid_of("docs-ro"));
	cr_assert_not_null(strstr(text, expect), "%s", text);
	free(text);
	/* initgroups: supplementary gids only, ascending. */
	size_t n = initgroups("ann", gids, 8);
	cr_assert_eq(n, 3);
	cr_assert(gids[0] < gids[1] && gids[1] < gids[2]);
	cr_assert_eq(initgroups("ben", gids, 8), 1);
	cr_assert_eq(gids[0], gid_of("build"));
	cr_assert_eq(stat(f.cfg->snapshot_path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "snapshot mode %o", st.st_mode & 07777);
}

Test(snapshot, deactivated_user_resolves_without_groups)
{
	uint32_t uid, gids[4];
	char *roles[] = {"member", NULL}, *text, expect[256];

	cr_assert_eq(fixture_provision(&f, "dan@example.com", NULL, &uid), 0);
	change(do_ws, "build");
	change(do_grant, &(struct grant_arg){"dan", "build", roles});
	publish();
	cr_assert_eq(initgroups("dan", gids, 4), 1);
	change(do_set_inactive, "dan");
	publish();
	text = dump();
	snprintf(expect, sizeof(expect), "dan:x:%u:%u:dan:/home/dan:/usr/sbin/nologin\n", uid, uid);
	cr_assert_not_null(strstr(text, expect), "%s", text);
	snprintf(expect, sizeof(expect), "build:x:%u:\n", gid_of("build"));
	cr_assert_not_null(strstr(text, expect), "%s", text);
	cr_assert_eq(initgroups("dan", gids, 4), 0);
	free(text);
}

Test(snapshot, deleted_user_resolves_until_login_taken)
{
	uint32_t old_uid, new_uid;
	char *text, expect[256];

	cr_assert_eq(fixture_provision(&f, "fay@example.com", "F-1", &old_uid), 0);
	change(do_delete, "fay");
	publish();
	text = dump();
	snprintf(expect, sizeof(expect), "fay:x:%u:", old_uid);
	cr_assert_not_null(strstr(text, expect), "files of a deleted user keep an owner name");
	free(text);
	cr_assert_eq(fixture_provision(&f, "fay@example.com", "F-2", &new_uid), 0);
	publish();
	text = dump();
	cr_assert_null(strstr(text, expect), "old uid still named fay:\n%s", text);
	snprintf(expect, sizeof(expect), "fay:x:%u:", new_uid);
	cr_assert_not_null(strstr(text, expect));
	free(text);
}

Test(snapshot, publish_skips_when_current_and_generation_file_follows)
{
	struct ids_snapshot_stats st;
	uint64_t gen, word;
	char path[512];
	FILE *g;

	cr_assert_eq(fixture_provision(&f, "gil@example.com", NULL, NULL), 0);
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, false, &st), 0);
	cr_assert(st.published);
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, false, &st), 0);
	cr_assert(!st.published, "republished an unchanged store");
	cr_assert_eq(ids_snapshot_generation(f.cfg->snapshot_path, &gen), 0);
	snprintf(path, sizeof(path), "%s%s", f.cfg->snapshot_path, IDS_SNAP_GEN_SUFFIX);
	g = fopen(path, "r");
	cr_assert_not_null(g);
	cr_assert_eq(fread(&word, sizeof(word), 1, g), 1);
	fclose(g);
	cr_assert_eq(word, 1, "the word counts publications: one so far");
	cr_assert_eq(gen, st.generation);
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, true, &st), 0);
	g = fopen(path, "r");
	cr_assert_eq(fread(&word, sizeof(word), 1, g), 1);
	fclose(g);
	cr_assert_eq(word, 2, "a forced publication must tell readers too");
}

/* ---- readers against publishers ---- */

struct reader {
	const char *path;
	atomic_bool stop;
	unsigned long opens, torn;
	uint64_t last_gen, regressions;
	char failure[256];
};

/* Opens the snapshot and checks it whole; returns its generation, or 0 when absent. */
static uint64_t
check_once(struct reader *rd)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, pw_uid, lookup;
	MDB_val k, v;
	MDB_stat st;
	uint64_t gen = 0;
	uint32_t users = 0;

	if (mdb_env_create(&env) != 0)
		return 0;
	mdb_env_set_maxdbs(env, 8);
	if (mdb_env_open(env, rd->path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0) != 0) {
		mdb_env_close(env);
		return 0;
	}
	if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
	    mdb_dbi_open(txn, IDS_SNAP_DB_META, 0, &meta) != 0 ||
	    mdb_dbi_open(txn, IDS_SNAP_DB_PW_UID, 0, &pw_uid) != 0 ||
	    mdb_dbi_open(txn, IDS_SNAP_DB_LOOKUP, 0, &lookup) != 0) {
		snprintf(rd->failure, sizeof(rd->failure), "snapshot without its databases");
		rd->torn++;
		goto out;
	}
	k = (MDB_val){10, "generation"};
	if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 8)
		memcpy(&gen, v.mv_data, 8);
	k = (MDB_val){5, "users"};
	if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 4)
		memcpy(&users, v.mv_data, 4);
	mdb_stat(txn, pw_uid, &st);
	/* Each change provisions one user: generation, count and entries must agree. */
	if (st.ms_entries != users || users != gen) {
		snprintf(rd->failure, sizeof(rd->failure), "gen %lu users %u entries %zu",
			 (unsigned long)gen, users, st.ms_entries);
		rd->torn++;
	}
	/* The lookup table holds exactly the users the by-uid database holds. */
	k = (MDB_val){6, "passwd"};
	struct ids_snap_tab tab = {0};
	if (mdb_get(txn, lookup, &k, &v) == 0 && v.mv_size >= sizeof(tab))
		memcpy(&tab, v.mv_data, sizeof(tab));
	if (tab.magic != IDS_SNAP_TAB_PASSWD || tab.n_records != users) {
		snprintf(rd->failure, sizeof(rd->failure), "lookup table disagrees with pw_uid");
		rd->torn++;
	}
out:
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return gen;
}

static void *
reader_main(void *p)
{
	struct reader *rd = p;

	while (!atomic_load(&rd->stop)) {
		uint64_t gen = check_once(rd);
		rd->opens++;
		if (gen && gen < rd->last_gen)
			rd->regressions++;
		if (gen > rd->last_gen)
			rd->last_gen = gen;
	}
	return NULL;
}

Test(snapshot, reader_never_sees_torn_snapshot_over_1000_republications, .timeout = 240)
{
	struct reader rd = {.path = f.cfg->snapshot_path};
	pthread_t th;

	cr_assert_eq(pthread_create(&th, NULL, reader_main, &rd), 0);
	for (int i = 0; i < 1000; i++) {
		char un[64];
		snprintf(un, sizeof(un), "r%04d@example.com", i);
		cr_assert_eq(fixture_provision(&f, un, NULL, NULL), 0);
		publish();
	}
	atomic_store(&rd.stop, true);
	pthread_join(th, NULL);
	cr_assert_eq(rd.torn, 0, "%lu torn reads: %s", rd.torn, rd.failure);
	cr_assert_eq(rd.regressions, 0, "generation went backwards %lu times", (unsigned long)rd.regressions);
	cr_assert_gt(rd.opens, 100, "the reader barely ran (%lu opens)", rd.opens);
	cr_assert_eq(check_once(&rd), 1000);
}

Test(snapshot, racing_publishers_never_go_back, .timeout = 240)
{
	struct reader rd = {.path = f.cfg->snapshot_path};
	pthread_t th;
	pid_t kids[2];
	uint64_t gen;
	struct ids_txn *t;

	int go[2];
	char byte = 0;

	/*
	 * The publishers are forked before the reader thread starts and wait for
	 * it: a fork while another thread is inside malloc can leave the child's
	 * allocator locked (it hung every run under ASan).
	 */
	cr_assert_eq(pipe(go), 0);
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		cr_assert_neq(kids[k], -1);
		if (kids[k] == 0) {
			struct ids_store *s = NULL;
			close(go[1]);
			if (read(go[0], &byte, 1) != 0)
				_exit(5);
			if (ids_store_open(f.cfg->store_path, 64, 0, &s) < 0)
				_exit(3);
			f.store = s;
			for (int i = 0; i < 200; i++) {
				char un[64];
				snprintf(un, sizeof(un), "p%d-%03d@example.com", k, i);
				if (fixture_provision(&f, un, NULL, NULL) < 0 ||
				    ids_snapshot_publish(s, f.cfg, false, NULL) < 0)
					_exit(4);
			}
			_exit(0);
		}
	}
	cr_assert_eq(pthread_create(&th, NULL, reader_main, &rd), 0);
	close(go[0]);
	close(go[1]); /* both publishers start now, with the reader running */
	for (int k = 0; k < 2; k++) {
		int status;
		cr_assert_eq(waitpid(kids[k], &status, 0), kids[k]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	atomic_store(&rd.stop, true);
	pthread_join(th, NULL);
	cr_assert_eq(rd.torn, 0, "%s", rd.failure);
	cr_assert_eq(rd.regressions, 0, "an older snapshot replaced a newer one");
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_generation(t, &gen), 0);
	ids_txn_abort(t);
	cr_assert_eq(gen, 400);
	cr_assert_eq(check_once(&rd), 400, "the last publication is not the newest state");
}

/* After an upgrade the snapshot in place may be of an older format: a publication replaces it
 * even when its generation is current (the module would refuse it until then). */
Test(snapshot, older_format_is_republished)
{
	struct ids_snapshot_stats st;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	uint32_t old = 1, format = 0;
	MDB_val k = {6, "format"}, v = {4, &old};

	cr_assert_eq(fixture_provision(&f, "ann@example.com", NULL, NULL), 0);
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, false, &st), 0);
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, false, &st), 0);
	cr_assert_not(st.published, "an up-to-date snapshot is left alone");
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	cr_assert_eq(mdb_env_open(env, f.cfg->snapshot_path, MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, IDS_SNAP_DB_META, 0, &meta), 0);
	cr_assert_eq(mdb_put(txn, meta, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, false, &st), 0);
	cr_assert(st.published, "a snapshot of format 1 was kept");
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	cr_assert_eq(mdb_env_open(env, f.cfg->snapshot_path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, IDS_SNAP_DB_META, 0, &meta), 0);
	cr_assert_eq(mdb_get(txn, meta, &k, &v), 0);
	memcpy(&format, v.mv_data, 4);
	cr_assert_eq(format, IDS_SNAP_FORMAT);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}
