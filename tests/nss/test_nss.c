/* SPDX-License-Identifier: MIT */
/*
 * libnss_idsync.so.2 called directly, as glibc calls it: the shipped .so is
 * dlopen()ed (RTLD_NOW) and its entry points exercised against snapshots
 * made by the real publisher, and against truncated, zeroed and hostile
 * ones. Every ERANGE path, errno preservation, re-open after republication,
 * fork, threads, enumeration on and off.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <lmdb.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/helpers.h"
#include "libidsync/grants.h"
#include "libidsync/model.h"
#include "libidsync/snapshot.h"
#include "libidsync/snapshot_format.h"
#include "libidsync/workspace.h"

typedef enum nss_status (*pwnam_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*pwuid_fn)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*grnam_fn)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*grgid_fn)(gid_t, struct group *, char *, size_t, int *);
typedef enum nss_status (*pwent_fn)(struct passwd *, char *, size_t, int *);
typedef enum nss_status (*grent_fn)(struct group *, char *, size_t, int *);
typedef enum nss_status (*setent_fn)(int);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long *, long *, gid_t **, long, int *);

static struct {
	void *so;
	pwnam_fn getpwnam;
	pwuid_fn getpwuid;
	grnam_fn getgrnam;
	grgid_fn getgrgid;
	pwent_fn getpwent;
	grent_fn getgrent;
	setent_fn setpwent, setgrent;
	initgroups_fn initgroups;
} nss;

static struct fixture f;
static uint32_t ann_uid, ben_uid;

static void *
sym(const char *name)
{
	void *p = dlsym(nss.so, name);

	cr_assert_not_null(p, "%s missing: %s", name, dlerror());
	return p;
}

static void
load_module(void)
{
	const char *path = getenv("IDS_NSS_MODULE");

	cr_assert_not_null(path, "IDS_NSS_MODULE is not set (meson test sets it)");
	nss.so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(nss.so, "dlopen %s: %s", path, dlerror());
	nss.getpwnam = (pwnam_fn)sym("_nss_idsync_getpwnam_r");
	nss.getpwuid = (pwuid_fn)sym("_nss_idsync_getpwuid_r");
	nss.getgrnam = (grnam_fn)sym("_nss_idsync_getgrnam_r");
	nss.getgrgid = (grgid_fn)sym("_nss_idsync_getgrgid_r");
	nss.getpwent = (pwent_fn)sym("_nss_idsync_getpwent_r");
	nss.getgrent = (grent_fn)sym("_nss_idsync_getgrent_r");
	nss.setpwent = (setent_fn)sym("_nss_idsync_setpwent");
	nss.setgrent = (setent_fn)sym("_nss_idsync_setgrent");
	nss.initgroups = (initgroups_fn)sym("_nss_idsync_initgroups_dyn");
	(void)sym("_nss_idsync_endpwent");
	(void)sym("_nss_idsync_endgrent");
}

static void
publish(void)
{
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, false, NULL), 0);
}

static void
publish_forced(void)
{
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, true, NULL), 0);
}

static void
change(int (*fn)(struct ids_txn *, void *), void *arg)
{
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(fn(t, arg), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
}

static int
mk_ws(struct ids_txn *t, void *name)
{
	struct ids_workspace_in in = {.name = name, .managed = true};
	char *why = NULL;
	int r = ids_workspace_create(t, &f.ctx, &in, &why);

	free(why);
	return r;
}

struct grant_arg {
	const char *login, *ws;
};

static int
do_grant(struct ids_txn *t, void *p)
{
	struct grant_arg *a = p;
	struct ids_user *u = NULL;
	struct ids_grant *g;
	char *roles[] = {"member", NULL};
	int r = ids_user_get_by_login(t, a->login, &u);

	if (r < 0)
		return r;
	g = ids_grant_new(u->id, a->ws, 0);
	ids_grant_set_roles(g, roles);
	ids_grant_add_source(g, IDS_SOURCE_MANUAL, "test", "member");
	r = ids_grant_put(t, g);
	ids_grant_free(g);
	ids_user_free(u);
	return r < 0 ? r : ids_txn_bump_generation(t);
}

static void
setup(void)
{
	fixture_setup(&f);
	setenv("IDSYNC_NSS_SNAPSHOT", f.cfg->snapshot_path, 1);
	cr_assert_eq(fixture_provision(&f, "ann@example.com", NULL, &ann_uid), 0);
	cr_assert_eq(fixture_provision(&f, "ben@example.com", NULL, &ben_uid), 0);
	change(mk_ws, "build");
	change(mk_ws, "docs");
	change(do_grant, &(struct grant_arg){"ann", "build"});
	change(do_grant, &(struct grant_arg){"ben", "build"});
	change(do_grant, &(struct grant_arg){"ann", "docs"});
	publish();
	load_module();
}

static void
teardown(void)
{
	fixture_teardown(&f);
}

TestSuite(nss, .init = setup, .fini = teardown, .timeout = 120);

Test(nss, getpwnam_and_getpwuid)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	cr_assert_eq(nss.getpwnam("ann", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_str_eq(pw.pw_name, "ann");
	cr_assert_str_eq(pw.pw_passwd, "x");
	cr_assert_eq(pw.pw_uid, ann_uid);
	cr_assert_eq(pw.pw_gid, ann_uid);
	cr_assert_str_eq(pw.pw_dir, "/home/ann");
	cr_assert_str_eq(pw.pw_shell, "/bin/bash");
	cr_assert_eq(nss.getpwuid(ben_uid, &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_str_eq(pw.pw_name, "ben");
	cr_assert_eq(nss.getpwnam("nobody-here", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	cr_assert_eq(nss.getpwuid(12345, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	cr_assert_eq(nss.getpwnam("", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

Test(nss, getgrnam_getgrgid_with_members)
{
	struct group gr;
	char buf[1024];
	int err = 0;
	gid_t build;

	cr_assert_eq(nss.getgrnam("build", &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_str_eq(gr.gr_name, "build");
	cr_assert_str_eq(gr.gr_mem[0], "ann");
	cr_assert_str_eq(gr.gr_mem[1], "ben");
	cr_assert_null(gr.gr_mem[2]);
	build = gr.gr_gid;
	cr_assert_eq(nss.getgrgid(build, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_str_eq(gr.gr_name, "build");
	/* The private group: named like the user, gid = uid, no members. */
	cr_assert_eq(nss.getgrgid(ann_uid, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_str_eq(gr.gr_name, "ann");
	cr_assert_null(gr.gr_mem[0]);
	cr_assert_eq(nss.getgrnam("nope", &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

Test(nss, initgroups_appends_supplementary_groups_only)
{
	long start = 1, size = 1;
	gid_t *groups = malloc(sizeof(gid_t));
	int err = 0;
	struct group gr;
	char buf[512];
	gid_t build, docs;

	groups[0] = ann_uid;
	cr_assert_eq(nss.getgrnam("build", &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	build = gr.gr_gid;
	cr_assert_eq(nss.getgrnam("docs", &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	docs = gr.gr_gid;
	cr_assert_eq(nss.initgroups("ann", ann_uid, &start, &size, &groups, 0, &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(start, 3);
	cr_assert(groups[1] == build || groups[2] == build);
	cr_assert(groups[1] == docs || groups[2] == docs);
	/* With a limit of 2 only one more fits. */
	start = 1;
	cr_assert_eq(nss.initgroups("ann", ann_uid, &start, &size, &groups, 2, &err), NSS_STATUS_SUCCESS);
	cr_assert_leq(start, 3);
	/* The primary group is never added; a stranger is not found. */
	start = 0;
	cr_assert_eq(nss.initgroups("ben", build, &start, &size, &groups, 0, &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(start, 0);
	cr_assert_eq(nss.initgroups("stranger", 5, &start, &size, &groups, 0, &err), NSS_STATUS_NOTFOUND);
	free(groups);
}

Test(nss, every_short_buffer_is_erange_then_success)
{
	struct passwd pw;
	struct group gr;
	char big[4096];
	size_t n;
	int err;

	for (n = 0; n < sizeof(big); n++) {
		char *buf = malloc(n ? n : 1);
		enum nss_status st;
		err = 0;
		st = nss.getpwnam("ann", &pw, buf, n, &err);
		free(buf);
		if (st == NSS_STATUS_SUCCESS)
			break;
		cr_assert_eq(st, NSS_STATUS_TRYAGAIN, "buflen %zu", n);
		cr_assert_eq(err, ERANGE);
	}
	cr_assert_lt(n, sizeof(big), "never succeeded");
	/* Groups, with an odd buffer address: the member array must still be aligned. */
	for (n = 0; n < sizeof(big) - 1; n++) {
		enum nss_status st;
		err = 0;
		st = nss.getgrnam("build", &gr, big + 1, n, &err);
		if (st == NSS_STATUS_SUCCESS)
			break;
		cr_assert_eq(st, NSS_STATUS_TRYAGAIN, "buflen %zu", n);
		cr_assert_eq(err, ERANGE);
	}
	cr_assert_lt(n, sizeof(big) - 1);
	cr_assert_eq((uintptr_t)gr.gr_mem % alignof(char *), 0, "gr_mem misaligned");
	cr_assert_str_eq(gr.gr_mem[1], "ben");
}

Test(nss, errno_survives_success_and_not_found)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	errno = 4242;
	cr_assert_eq(nss.getpwnam("ann", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(errno, 4242);
	cr_assert_eq(nss.getpwnam("nobody-here", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	cr_assert_eq(errno, 4242);
	cr_assert_eq(nss.getpwuid(7, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	cr_assert_eq(errno, 4242);
}

Test(nss, republished_snapshot_is_seen)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	cr_assert_eq(nss.getpwnam("cat", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	cr_assert_eq(fixture_provision(&f, "cat@example.com", NULL, NULL), 0);
	publish();
	cr_assert_eq(nss.getpwnam("cat", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

Test(nss, republished_snapshot_is_seen_without_generation_file)
{
	struct passwd pw;
	char buf[1024], gen[600];
	int err = 0;

	snprintf(gen, sizeof(gen), "%s%s", f.cfg->snapshot_path, IDS_SNAP_GEN_SUFFIX);
	unlink(gen);
	cr_assert_eq(nss.getpwnam("ann", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(fixture_provision(&f, "cat@example.com", NULL, NULL), 0);
	publish();
	/* The inode check runs at most once a second. */
	sleep(2);
	cr_assert_eq(nss.getpwnam("cat", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

Test(nss, missing_snapshot_is_unavail)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	setenv("IDSYNC_NSS_SNAPSHOT", "/nonexistent/nss.mdb", 1);
	cr_assert_eq(nss.getpwnam("ann", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	cr_assert_eq(err, ENOENT);
}

/* Writes bytes over the snapshot and checks that every entry point answers without crashing. */
static void
expect_refused_snapshot(void)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	int err = 0;
	long start = 0, size = 0;
	gid_t *groups = NULL;
	enum nss_status st;

	st = nss.getpwnam("ann", &pw, buf, sizeof(buf), &err);
	cr_assert(st == NSS_STATUS_UNAVAIL || st == NSS_STATUS_NOTFOUND, "status %d", st);
	st = nss.getgrgid(ann_uid, &gr, buf, sizeof(buf), &err);
	cr_assert(st == NSS_STATUS_UNAVAIL || st == NSS_STATUS_NOTFOUND);
	st = nss.initgroups("ann", 1, &start, &size, &groups, 0, &err);
	cr_assert(st == NSS_STATUS_UNAVAIL || st == NSS_STATUS_NOTFOUND);
	free(groups);
	nss.setpwent(0);
	st = nss.getpwent(&pw, buf, sizeof(buf), &err);
	cr_assert(st == NSS_STATUS_UNAVAIL || st == NSS_STATUS_NOTFOUND);
}

static void
replace_snapshot(const void *bytes, size_t n)
{
	char tmp[600];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.evil", f.cfg->snapshot_path);
	fp = fopen(tmp, "w");
	cr_assert_not_null(fp);
	if (n)
		fwrite(bytes, 1, n, fp);
	fclose(fp);
	cr_assert_eq(rename(tmp, f.cfg->snapshot_path), 0);
	/* Tell readers, as the publisher would. */
	snprintf(tmp, sizeof(tmp), "%s%s", f.cfg->snapshot_path, IDS_SNAP_GEN_SUFFIX);
	fp = fopen(tmp, "r+");
	cr_assert_not_null(fp);
	fwrite(&(uint64_t){0xdeadbeef}, 8, 1, fp);
	fclose(fp);
}

static size_t
read_snapshot(char **out)
{
	FILE *fp = fopen(f.cfg->snapshot_path, "r");
	size_t n;

	cr_assert_not_null(fp);
	*out = malloc(64 << 20);
	n = fread(*out, 1, 64 << 20, fp);
	fclose(fp);
	return n;
}

Test(nss, zeroed_truncated_and_random_snapshots_refused)
{
	char *orig, *zeros, *noise;
	size_t n = read_snapshot(&orig);
	struct passwd pw;
	char buf[1024];
	int err = 0;

	/* Open the good one first: the module must let go of it cleanly. */
	cr_assert_eq(nss.getpwnam("ann", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	zeros = calloc(1, n);
	replace_snapshot(zeros, n);
	expect_refused_snapshot();
	replace_snapshot(orig, n / 2);
	expect_refused_snapshot();
	replace_snapshot(orig, 100);
	expect_refused_snapshot();
	replace_snapshot("", 0);
	expect_refused_snapshot();
	noise = malloc(n);
	srand(7);
	for (size_t i = 0; i < n; i++)
		noise[i] = (char)rand();
	replace_snapshot(noise, n);
	expect_refused_snapshot();
	free(orig);
	free(zeros);
	free(noise);
}

/* ---- hand-made snapshots: valid LMDB, hostile contents ---- */

/* A record for make_table(): its id and name (for the slots) and its bytes. */
struct trec {
	uint32_t id;
	const char *name;
	const void *bytes;
	size_t len;
};

/*
 * Lays out a lookup table (snapshot_format.h) of n records in out (at least
 * 4096 bytes): 8 slots, seed 0, linear probing. Returns its size.
 */
static size_t
make_table(uint32_t magic, const struct trec *r, size_t n, unsigned char *out)
{
	struct ids_snap_tab h = {.magic = magic, .n_records = (uint32_t)n, .n_slots = 8,
				 .max_probe = 8, .slots_off = sizeof(h),
				 .recs_off = sizeof(h) + 16 * 8};
	struct ids_snap_slot slots[16];
	size_t len = 0;

	cr_assert_leq(n, 4);
	for (int i = 0; i < 16; i++)
		slots[i] = (struct ids_snap_slot){0, IDS_SNAP_SLOT_EMPTY};
	for (size_t i = 0; i < n; i++) {
		uint32_t hash = ids_snap_hash_name(0, r[i].name, strlen(r[i].name));
		uint32_t a = hash & 7, b = ids_snap_mix(r[i].id) & 7;
		while (slots[a].rec != IDS_SNAP_SLOT_EMPTY)
			a = (a + 1) & 7;
		while (slots[8 + b].rec != IDS_SNAP_SLOT_EMPTY)
			b = (b + 1) & 7;
		slots[a] = (struct ids_snap_slot){hash, (uint32_t)len};
		slots[8 + b] = (struct ids_snap_slot){r[i].id, (uint32_t)len};
		cr_assert_leq(h.recs_off + len + r[i].len, 4096);
		memcpy(out + h.recs_off + len, r[i].bytes, r[i].len);
		len = (len + r[i].len + 7) & ~(size_t)7;
	}
	h.recs_len = (uint32_t)len;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), slots, sizeof(slots));
	return h.recs_off + len;
}

/* A passwd lookup record for uid/name with n_groups gids; returns its size. */
static size_t
make_pwl(unsigned char *out, uint32_t uid, const char *name, uint32_t n_groups)
{
	struct ids_snap_pwl h = {.uid = uid, .gid = uid, .name_len = (uint16_t)strlen(name),
				 .dir_len = 1, .shell_len = 1, .n_groups = n_groups};
	size_t at = sizeof(h) + (size_t)n_groups * 4;

	memcpy(out, &h, sizeof(h));
	for (uint32_t i = 0; i < n_groups; i++)
		memcpy(out + sizeof(h) + i * 4, &(uint32_t){100 + i}, 4);
	memcpy(out + at, name, h.name_len + 1u);
	at += h.name_len + 1u;
	memcpy(out + at, "\0/\0/", 5);
	return at + 5;
}

/* A group lookup record with the members a\0b\0; returns its size. */
static size_t
make_grl(unsigned char *out, uint32_t gid, const char *name)
{
	struct ids_snap_grl h = {.gid = gid, .n_members = 2, .members_len = 4,
				 .name_len = (uint16_t)strlen(name), .kind = IDS_SNAP_GR_WORKSPACE};
	uint32_t offs[2] = {0, 2};

	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), offs, sizeof(offs));
	memcpy(out + sizeof(h) + 8, name, h.name_len + 1u);
	memcpy(out + sizeof(h) + 8 + h.name_len + 1, "a\0b", 4);
	return sizeof(h) + 8 + h.name_len + 1 + 4;
}

/*
 * Replaces the snapshot with one of this format whose lookup tables are the
 * given bytes (NULL: left out), and whose by-id databases hold `junk` as
 * their one record.
 */
static void
hostile_snapshot(uint32_t format, const void *pw_tab, size_t pw_len, const void *gr_tab,
		 size_t gr_len, const void *junk, size_t junk_len)
{
	char tmp[600];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, d[3];
	const char *names[3] = {IDS_SNAP_DB_PW_UID, IDS_SNAP_DB_GR_GID, IDS_SNAP_DB_LOOKUP};
	unsigned char key[4] = {0, 0, 0, 7};
	uint64_t gen = 99;
	uint8_t one = 1;
	MDB_val k, v;

	snprintf(tmp, sizeof(tmp), "%s.hostile", f.cfg->snapshot_path);
	unlink(tmp);
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	cr_assert_eq(mdb_env_open(env, tmp, MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, IDS_SNAP_DB_META, MDB_CREATE, &meta), 0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mdb_dbi_open(txn, names[i], MDB_CREATE, &d[i]), 0);
#define PUT(dbi, kd, kl, vd, vl)                                                                   \
	do {                                                                                       \
		k = (MDB_val){kl, (void *)(kd)};                                                   \
		v = (MDB_val){vl, (void *)(vd)};                                                   \
		cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);                                     \
	} while (0)
	PUT(meta, "format", 6, &format, 4);
	PUT(meta, "generation", 10, &gen, 8);
	PUT(meta, "enumerate", 9, &one, 1);
	PUT(d[0], key, 4, junk, junk_len);
	PUT(d[1], key, 4, junk, junk_len);
	if (pw_tab)
		PUT(d[2], IDS_SNAP_KEY_PASSWD, 6, pw_tab, pw_len);
	if (gr_tab)
		PUT(d[2], IDS_SNAP_KEY_GROUP, 5, gr_tab, gr_len);
#undef PUT
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cr_assert_eq(rename(tmp, f.cfg->snapshot_path), 0);
	snprintf(tmp, sizeof(tmp), "%s%s", f.cfg->snapshot_path, IDS_SNAP_GEN_SUFFIX);
	FILE *fp = fopen(tmp, "r+");
	static uint64_t bump = 1000;
	bump++;
	fwrite(&bump, 8, 1, fp);
	fclose(fp);
}

/* The status of each lookup by name "evil" and by id 7. */
struct statuses {
	enum nss_status pwnam, pwuid, grnam, grgid, initgroups;
};

static struct statuses
look_up_evil(void)
{
	struct passwd pw;
	struct group gr;
	char buf[4096];
	int err = 0;
	long start = 0, size = 0;
	gid_t *groups = NULL;
	struct statuses st = {
		nss.getpwnam("evil", &pw, buf, sizeof(buf), &err),
		nss.getpwuid(7, &pw, buf, sizeof(buf), &err),
		nss.getgrnam("evil", &gr, buf, sizeof(buf), &err),
		nss.getgrgid(7, &gr, buf, sizeof(buf), &err),
		nss.initgroups("evil", 1, &start, &size, &groups, 0, &err),
	};

	free(groups);
	return st;
}

Test(nss, hand_made_snapshot_is_served)
{
	unsigned char pwr[512], grr[512], pwt[4096], grt[4096];
	struct trec p = {7, "evil", pwr, make_pwl(pwr, 7, "evil", 3)};
	struct trec g = {7, "evil", grr, make_grl(grr, 7, "evil")};
	size_t pl = make_table(IDS_SNAP_TAB_PASSWD, &p, 1, pwt), gl = make_table(IDS_SNAP_TAB_GROUP, &g, 1, grt);
	struct passwd pw;
	struct group gr;
	char buf[1024];
	int err = 0;
	long start = 0, size = 0;
	gid_t *groups = NULL;

	/* The test's own tables are what the module reads: the negative tests below mean something. */
	hostile_snapshot(IDS_SNAP_FORMAT, pwt, pl, grt, gl, "", 0);
	cr_assert_eq(nss.getpwnam("evil", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(pw.pw_uid, 7);
	cr_assert_str_eq(pw.pw_dir, "/");
	cr_assert_eq(nss.getpwuid(7, &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(nss.getgrnam("evil", &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_str_eq(gr.gr_mem[0], "a");
	cr_assert_str_eq(gr.gr_mem[1], "b");
	cr_assert_null(gr.gr_mem[2]);
	cr_assert_eq(nss.getgrgid(7, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(nss.initgroups("evil", 1, &start, &size, &groups, 0, &err), NSS_STATUS_SUCCESS);
	cr_assert_eq(start, 3);
	cr_assert_eq(groups[2], 102);
	free(groups);
	cr_assert_eq(nss.getpwnam("good", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	cr_assert_eq(nss.getgrgid(8, &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

Test(nss, hostile_records_refused)
{
	unsigned char pwr[512], grr[512], pwt[4096], grt[4096];
	struct trec p = {7, "evil", pwr, make_pwl(pwr, 7, "evil", 0)};
	struct trec g = {7, "evil", grr, make_grl(grr, 7, "evil")};
	struct ids_snap_pwl ph;
	struct ids_snap_grl gh;
	struct statuses st;
	size_t pl, gl;

	/* A passwd record whose shell runs past the record area; a group whose second
	 * member starts past its member area. */
	memcpy(&ph, pwr, sizeof(ph));
	ph.shell_len = 60000;
	memcpy(pwr, &ph, sizeof(ph));
	memcpy(grr + sizeof(gh) + 4, &(uint32_t){4}, 4);
	pl = make_table(IDS_SNAP_TAB_PASSWD, &p, 1, pwt);
	gl = make_table(IDS_SNAP_TAB_GROUP, &g, 1, grt);
	hostile_snapshot(IDS_SNAP_FORMAT, pwt, pl, grt, gl, "abc", 3);
	st = look_up_evil();
	cr_assert_eq(st.pwnam, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.pwuid, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.grnam, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.grgid, NSS_STATUS_UNAVAIL);
	/* initgroups reads only the gid list, which is whole: it may answer. */
	cr_assert(st.initgroups == NSS_STATUS_SUCCESS || st.initgroups == NSS_STATUS_UNAVAIL);

	/* An unterminated name; a member area without its final NUL; more gids than the limit. */
	make_pwl(pwr, 7, "evil", 0);
	pwr[sizeof(ph) + 4] = 'X';
	make_grl(grr, 7, "evil");
	grr[make_grl(grr, 7, "evil") - 1] = 'Z';
	pl = make_table(IDS_SNAP_TAB_PASSWD, &p, 1, pwt);
	gl = make_table(IDS_SNAP_TAB_GROUP, &g, 1, grt);
	hostile_snapshot(IDS_SNAP_FORMAT, pwt, pl, grt, gl, "", 0);
	st = look_up_evil();
	cr_assert_eq(st.pwnam, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.pwuid, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.grnam, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.grgid, NSS_STATUS_UNAVAIL);
	p.len = make_pwl(pwr, 7, "evil", 0);
	memcpy(&ph, pwr, sizeof(ph));
	ph.n_groups = IDS_SNAP_GROUPS_MAX + 1;
	memcpy(pwr, &ph, sizeof(ph));
	pl = make_table(IDS_SNAP_TAB_PASSWD, &p, 1, pwt);
	hostile_snapshot(IDS_SNAP_FORMAT, pwt, pl, grt, gl, "", 0);
	st = look_up_evil();
	cr_assert_neq(st.initgroups, NSS_STATUS_SUCCESS);
	cr_assert_neq(st.pwuid, NSS_STATUS_SUCCESS);
	/* A record claiming more members than its area could hold. */
	g.len = make_grl(grr, 7, "evil");
	memcpy(&gh, grr, sizeof(gh));
	gh.n_members = 0x40000000;
	memcpy(grr, &gh, sizeof(gh));
	gl = make_table(IDS_SNAP_TAB_GROUP, &g, 1, grt);
	hostile_snapshot(IDS_SNAP_FORMAT, pwt, pl, grt, gl, "", 0);
	st = look_up_evil();
	cr_assert_eq(st.grnam, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.grgid, NSS_STATUS_UNAVAIL);
}

Test(nss, hostile_tables_refused)
{
	unsigned char pwr[512], grr[512], pwt[4096], grt[4096];
	struct trec p = {7, "evil", pwr, make_pwl(pwr, 7, "evil", 2)};
	struct trec g = {7, "evil", grr, make_grl(grr, 7, "evil")};
	size_t pl = make_table(IDS_SNAP_TAB_PASSWD, &p, 1, pwt), gl = make_table(IDS_SNAP_TAB_GROUP, &g, 1, grt);
	struct ids_snap_tab h;
	struct ids_snap_slot full[16];
	struct statuses st;
	unsigned char bad[4096];

	/* Tables missing, or a passwd table where the group table belongs. */
	hostile_snapshot(IDS_SNAP_FORMAT, pwt, pl, NULL, 0, "", 0);
	cr_assert_eq(look_up_evil().pwnam, NSS_STATUS_UNAVAIL);
	hostile_snapshot(IDS_SNAP_FORMAT, pwt, pl, pwt, pl, "", 0);
	cr_assert_eq(look_up_evil().pwnam, NSS_STATUS_UNAVAIL);
	/* Headers that lie: slots past the end, records past the end, a slot count that is
	 * not a power of two, more probes than slots, a truncated header. */
	for (int c = 0; c < 5; c++) {
		memcpy(bad, pwt, pl);
		memcpy(&h, bad, sizeof(h));
		if (c == 0)
			h.slots_off = 4000;
		if (c == 1)
			h.recs_len = 0x7fffffff;
		if (c == 2)
			h.n_slots = 12;
		if (c == 3)
			h.max_probe = 9;
		memcpy(bad, &h, sizeof(h));
		hostile_snapshot(IDS_SNAP_FORMAT, bad, c == 4 ? 20 : pl, grt, gl, "", 0);
		cr_assert_eq(look_up_evil().pwnam, NSS_STATUS_UNAVAIL, "case %d", c);
	}
	/* A table with no empty slot, every slot pointing past the records: no endless probe, and
	 * every hash match is checked. */
	memcpy(bad, pwt, pl);
	for (int i = 0; i < 16; i++)
		full[i] = (struct ids_snap_slot){0x12345678, 0x7ffffff0};
	memcpy(bad + sizeof(h), full, sizeof(full));
	hostile_snapshot(IDS_SNAP_FORMAT, bad, pl, grt, gl, "", 0);
	st = look_up_evil();
	cr_assert_eq(st.pwnam, NSS_STATUS_NOTFOUND);
	cr_assert_eq(st.pwuid, NSS_STATUS_NOTFOUND);
	for (int i = 0; i < 16; i++)
		full[i] = (struct ids_snap_slot){i < 8 ? ids_snap_hash_name(0, "evil", 4) : 7, 0x7ffffff0};
	memcpy(bad + sizeof(h), full, sizeof(full));
	hostile_snapshot(IDS_SNAP_FORMAT, bad, pl, grt, gl, "", 0);
	st = look_up_evil();
	cr_assert_eq(st.pwnam, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.pwuid, NSS_STATUS_UNAVAIL);
	cr_assert_eq(st.initgroups, NSS_STATUS_UNAVAIL);
	/* A by-id slot naming a record of another id. */
	memcpy(bad, pwt, pl);
	memcpy(bad + sizeof(h) + 16 * 8, &(uint32_t){8}, 4);
	hostile_snapshot(IDS_SNAP_FORMAT, bad, pl, grt, gl, "", 0);
	cr_assert_eq(look_up_evil().pwuid, NSS_STATUS_UNAVAIL);
}

Test(nss, other_format_refused)
{
	unsigned char pwr[512], pwt[4096];
	struct trec p = {7, "evil", pwr, make_pwl(pwr, 7, "evil", 0)};
	size_t pl = make_table(IDS_SNAP_TAB_PASSWD, &p, 1, pwt);
	struct passwd pw;
	char buf[1024];
	int err = 0;

	/* The next format, and the previous one (whose name databases this module no longer
	 * reads): refused, until the daemon republishes. */
	hostile_snapshot(IDS_SNAP_FORMAT + 1, pwt, pl, pwt, pl, "", 0);
	cr_assert_eq(nss.getpwnam("evil", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	cr_assert_eq(err, EBADMSG);
	hostile_snapshot(1, pwt, pl, pwt, pl, "", 0);
	err = 0;
	cr_assert_eq(nss.getpwnam("evil", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	cr_assert_eq(err, EBADMSG);
	/* Republished: served again. */
	publish_forced();
	cr_assert_eq(nss.getpwnam("ann", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
}

static int
count_pw(void)
{
	struct passwd pw;
	char buf[1024];
	int err = 0, n = 0;

	nss.setpwent(0);
	while (nss.getpwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		n++;
	return n;
}

Test(nss, enumeration_on_and_off)
{
	struct group gr;
	char buf[1024];
	int err = 0, groups = 0;

	cr_assert_eq(count_pw(), 2);
	nss.setgrent(0);
	while (nss.getgrent(&gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		groups++;
	cr_assert_eq(groups, 2 + 6, "2 private groups and 3 groups in each of 2 workspaces");
	f.cfg->enumerate = IDS_ENUMERATE_NO;
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, true, NULL), 0);
	cr_assert_eq(count_pw(), 0);
	f.cfg->enumerate = IDS_ENUMERATE_AUTO;
	f.cfg->enumerate_max = 1;
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, true, NULL), 0);
	cr_assert_eq(count_pw(), 0, "auto with more users than enumerate_max");
}

Test(nss, enumeration_retries_the_same_entry_after_erange)
{
	struct passwd pw;
	char buf[1024], tiny[4];
	int err = 0;

	nss.setpwent(0);
	cr_assert_eq(nss.getpwent(&pw, tiny, sizeof(tiny), &err), NSS_STATUS_TRYAGAIN);
	cr_assert_eq(nss.getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	cr_assert(pw.pw_uid == (ann_uid < ben_uid ? ann_uid : ben_uid), "an entry was skipped");
}

Test(nss, large_group_of_20000_members)
{
	struct ids_txn *t;
	struct group gr;
	size_t buflen = 1 << 20;
	char *buf = malloc(buflen);
	int err = 0;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	for (int i = 0; i < 20000; i++) {
		char un[64];
		struct ids_identity_in in = {.user_name = un, .active = true};
		struct ids_user *u = NULL;
		char *why = NULL;
		snprintf(un, sizeof(un), "m%05d@example.com", i);
		cr_assert_eq(ids_identity_create(t, &f.ctx, &in, &u, &why), 0);
		struct ids_grant *g = ids_grant_new(u->id, "docs", 0);
		char *roles[] = {"member", NULL};
		ids_grant_set_roles(g, roles);
		ids_grant_add_source(g, IDS_SOURCE_MANUAL, "t", "member");
		cr_assert_eq(ids_grant_put(t, g), 0);
		ids_grant_free(g);
		ids_user_free(u);
	}
	cr_assert_eq(ids_txn_commit(t), 0);
	publish();
	cr_assert_eq(nss.getgrnam("docs", &gr, buf, buflen, &err), NSS_STATUS_SUCCESS);
	size_t n = 0;
	while (gr.gr_mem[n])
		n++;
	cr_assert_eq(n, 20001);
	free(buf);
}

Test(nss, child_after_fork_reopens)
{
	struct passwd pw;
	char buf[1024];
	int err = 0, status;
	pid_t pid;

	cr_assert_eq(nss.getpwnam("ann", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	pid = fork();
	if (pid == 0) {
		int ok = nss.getpwnam("ben", &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS;
		_exit(ok ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static atomic_bool stop_readers;
static atomic_long reader_errors, reader_hits;

static void *
reader(void *arg)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	while (!atomic_load(&stop_readers)) {
		enum nss_status st = nss.getpwnam("ann", &pw, buf, sizeof(buf), &err);
		if (st != NSS_STATUS_SUCCESS || strcmp(pw.pw_name, "ann") != 0)
			atomic_fetch_add(&reader_errors, 1);
		else
			atomic_fetch_add(&reader_hits, 1);
	}
	return NULL;
}

Test(nss, threads_read_while_republishing)
{
	pthread_t th[4];
	struct passwd pw;
	char buf[1024];
	int err = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	for (int i = 0; i < 100; i++) {
		char un[64];
		snprintf(un, sizeof(un), "t%03d@example.com", i);
		cr_assert_eq(fixture_provision(&f, un, NULL, NULL), 0);
		publish();
	}
	atomic_store(&stop_readers, true);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(atomic_load(&reader_errors), 0);
	cr_assert_gt(atomic_load(&reader_hits), 100);
	cr_assert_eq(nss.getpwnam("t099", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS,
		     "new data not seen");
}
