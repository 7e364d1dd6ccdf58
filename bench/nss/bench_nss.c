/* SPDX-License-Identifier: MIT */
/*
 * NSS benchmark, run on demand by bench/nss/run.sh (not a test).
 *   bench_nss build DIR USERS   store + snapshot with USERS users, 1000
 *                               workspaces, a 10k-member group, users in
 *                               20 groups; the same data as passwd/group
 *                               files for nss_files, and for libnss-cache
 *                               with its sorted indexes (.ixname, .ixuid,
 *                               .ixgid) so that it binary-searches
 *   bench_nss direct DIR USERS MODULE [idsync-only]  entry points called directly, side by side
 *   bench_nss glibc LABEL USERS        the same lookups through glibc
 * Prints the median time per call of 5 rounds.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libidsync/grants.h"
#include "libidsync/identity.h"
#include "libidsync/model.h"
#include "libidsync/snapshot.h"
#include "libidsync/workspace.h"

#define BIG_GROUP_MEMBERS 10000
#define USER_GROUPS 20

typedef enum nss_status (*pwnam_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*pwuid_fn)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*grnam_fn)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*grgid_fn)(gid_t, struct group *, char *, size_t, int *);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long *, long *, gid_t **, long, int *);

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_nss: %s: %d\n", what, r);
	exit(1);
}

static int
grant(struct ids_txn *t, const char *user_id, const char *ws)
{
	struct ids_grant *g = ids_grant_new(user_id, ws, 0);
	char *roles[] = {"member", NULL};
	int r;

	ids_grant_set_roles(g, roles);
	ids_grant_add_source(g, IDS_SOURCE_MANUAL, "bench", "member");
	r = ids_grant_put(t, g);
	ids_grant_free(g);
	return r;
}

/* One key of a libnss-cache index: the key text and the byte offset of its line. */
struct ix_entry {
	char key[40];
	long offset;
};

static int
cmp_ix(const void *a, const void *b)
{
	return strcmp(((const struct ix_entry *)a)->key, ((const struct ix_entry *)b)->key);
}

/*
 * Writes FILE.SUFFIX as libnss-cache reads it (its scripts/index.sh): one
 * fixed-width entry per line, "key\0offset\0" padded with NULs, sorted by
 * strcmp(), so that _nss_cache_bsearch2() can bisect it. column 0 is the
 * name, 2 the id.
 */
static void
write_index(const char *file, const char *suffix, int column)
{
	char path[600], line[1 << 17];
	struct ix_entry *e = NULL;
	size_t n = 0, cap = 0, width = 0;
	long off = 0;
	FILE *in = fopen(file, "r"), *out;

	if (!in)
		die(file, 0);
	while (fgets(line, sizeof(line), in)) {
		const char *p = line;
		size_t len;
		if (n == cap)
			e = realloc(e, (cap = cap ? cap * 2 : 1024) * sizeof(*e));
		for (int c = 0; c < column; c++)
			p = strchr(p, ':') + 1;
		len = strcspn(p, ":");
		snprintf(e[n].key, sizeof(e[n].key), "%.*s", (int)len, p);
		e[n].offset = off;
		len = strlen(e[n].key) + 1 + (size_t)snprintf(NULL, 0, "%ld", off) + 1;
		if (len > width)
			width = len;
		off += (long)strlen(line);
		n++;
	}
	fclose(in);
	qsort(e, n, sizeof(*e), cmp_ix);
	snprintf(path, sizeof(path), "%s%s", file, suffix);
	out = fopen(path, "w");
	for (size_t i = 0; i < n; i++) {
		char entry[128] = {0};
		snprintf(entry, sizeof(entry), "%s", e[i].key);
		snprintf(entry + strlen(e[i].key) + 1, sizeof(entry) - strlen(e[i].key) - 1, "%ld",
			 e[i].offset);
		entry[width] = '\n';
		fwrite(entry, 1, width + 1, out);
	}
	fclose(out);
	free(e);
}

static int
build(const char *dir, int users)
{
	struct ids_config *cfg = ids_config_new_defaults();
	struct ids_store *s;
	struct ids_txn *t;
	struct ids_identity_ctx ctx;
	char path[512], *err = NULL, *why = NULL;
	FILE *pw, *gr;
	int r;

	snprintf(path, sizeof(path), "%s/store", dir);
	ids_config_set(cfg, "store.path", path, "bench", &err);
	snprintf(path, sizeof(path), "%s/nss.mdb", dir);
	ids_config_set(cfg, "nss.snapshot", path, "bench", &err);
	cfg->map_size_mb = 8192;
	cfg->enumerate = IDS_ENUMERATE_NO;
	if ((r = ids_store_open(cfg->store_path, cfg->map_size_mb, IDS_STORE_CREATE, &s)) < 0)
		die("store", r);
	ctx = (struct ids_identity_ctx){cfg, NULL, time(NULL), "bench"};
	if ((r = ids_txn_begin(s, true, &t)) < 0)
		die("begin", r);
	for (int w = 0; w < 1000; w++) {
		char name[32];
		snprintf(name, sizeof(name), w == 0 ? "big" : "ws%04d", w);
		struct ids_workspace_in in = {.name = name, .managed = true};
		if ((r = ids_workspace_create(t, &ctx, &in, &why)) < 0)
			die(why ? why : "workspace", r);
	}
	if ((r = ids_txn_commit(t)) < 0)
		die("commit", r);
	for (int i = 0; i < users; i += 1000) {
		if ((r = ids_txn_begin(s, true, &t)) < 0)
			die("begin", r);
		for (int k = i; k < i + 1000 && k < users; k++) {
			char un[64];
			struct ids_user *u = NULL;
			snprintf(un, sizeof(un), "u%07d@example.com", k);
			struct ids_identity_in in = {.user_name = un, .active = true};
			if ((r = ids_identity_create(t, &ctx, &in, &u, &why)) < 0)
				die("provision", r);
			if (k < BIG_GROUP_MEMBERS)
				grant(t, u->id, "big");
			/* The first 1000 users are in 20 groups each (19 plus big). */
			for (int g = 1; k < 1000 && g < USER_GROUPS; g++) {
				char ws[32];
				snprintf(ws, sizeof(ws), "ws%04d", 1 + (k + g * 37) % 999);
				grant(t, u->id, ws);
			}
			ids_user_free(u);
		}
		if ((r = ids_txn_commit(t)) < 0)
			die("commit", r);
	}
	if ((r = ids_snapshot_publish(s, cfg, true, NULL)) < 0)
		die("publish", r);
	/* The same directory as files, for nss_files (bound over /etc) and libnss-cache. */
	snprintf(path, sizeof(path), "%s/passwd", dir);
	pw = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/group", dir);
	gr = fopen(path, "w");
	fprintf(pw, "root:x:0:0:root:/root:/bin/bash\n");
	fprintf(gr, "root:x:0:\n");
	if ((r = ids_snapshot_dump(cfg->snapshot_path, pw, gr)) < 0)
		die("dump", r);
	fclose(pw);
	fclose(gr);
	snprintf(path, sizeof(path), "%s/passwd", dir);
	write_index(path, ".ixname", 0);
	write_index(path, ".ixuid", 2);
	snprintf(path, sizeof(path), "%s/group", dir);
	write_index(path, ".ixname", 0);
	write_index(path, ".ixgid", 2);
	ids_store_free(s);
	ids_config_free(cfg);
	return 0;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Runs op(i) n times per round, 5 rounds; returns the median ns per call. */
static double
measure(void (*op)(int i, void *ctx), void *ctx, int n)
{
	double rounds[5];

	for (int r = 0; r < 5; r++) {
		double t0 = now_ns();
		for (int i = 0; i < n; i++)
			op(i, ctx);
		rounds[r] = (now_ns() - t0) / n;
	}
	qsort(rounds, 5, sizeof(double), cmp_d);
	return rounds[2];
}

struct peer {
	const char *name;
	pwnam_fn pwnam;
	pwuid_fn pwuid;
	grnam_fn grnam;
	grgid_fn grgid;
	initgroups_fn initgroups;
	int users;
	uid_t *uids;
};

/* Names made before timing, so that a call measures the lookup and not snprintf(). */
#define MISS_NAMES 4096
static char (*user_names)[16], (*miss_names)[16];

static void
make_names(int users)
{
	user_names = malloc((size_t)users * sizeof(*user_names));
	miss_names = malloc(MISS_NAMES * sizeof(*miss_names));
	for (int i = 0; i < users; i++)
		snprintf(user_names[i], sizeof(user_names[i]), "u%07d", i);
	for (int i = 0; i < MISS_NAMES; i++)
		snprintf(miss_names[i], sizeof(miss_names[i]), "x%07d", i);
}

static char buf[4 << 20];

static void
op_pwnam_hit(int i, void *c)
{
	struct peer *p = c;
	struct passwd pw;
	int err;

	if (p->pwnam(user_names[(i * 7919u) % (unsigned)p->users], &pw, buf, sizeof(buf), &err) !=
	    NSS_STATUS_SUCCESS)
		die("getpwnam hit missed", i);
}

static void
op_pwnam_miss(int i, void *c)
{
	struct peer *p = c;
	struct passwd pw;
	int err;

	if (p->pwnam(miss_names[i % MISS_NAMES], &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		die("getpwnam miss hit", i);
}

static void
op_pwuid(int i, void *c)
{
	struct peer *p = c;
	struct passwd pw;
	int err;

	if (p->pwuid(p->uids[(i * 7919u) % (unsigned)p->users], &pw, buf, sizeof(buf), &err) !=
	    NSS_STATUS_SUCCESS)
		die("getpwuid missed", i);
}

static void
op_pwuid_miss(int i, void *c)
{
	struct peer *p = c;
	struct passwd pw;
	int err;

	if (p->pwuid(4000000000u - (unsigned)i, &pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		die("getpwuid miss hit", i);
}

/* The private group of a user (gid = uid). */
static void
op_grgid(int i, void *c)
{
	struct peer *p = c;
	struct group gr;
	int err;

	if (p->grgid(p->uids[(i * 7919u) % (unsigned)p->users], &gr, buf, sizeof(buf), &err) !=
	    NSS_STATUS_SUCCESS)
		die("getgrgid missed", i);
}

static void
op_grgid_miss(int i, void *c)
{
	struct peer *p = c;
	struct group gr;
	int err;

	if (p->grgid(4000000000u - (unsigned)i, &gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		die("getgrgid miss hit", i);
}

static void
op_big_group(int i, void *c)
{
	struct peer *p = c;
	struct group gr;
	int err;

	if (p->grnam("big", &gr, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS)
		die("getgrnam big", i);
}

static void
op_initgroups(int i, void *c)
{
	struct peer *p = c;
	static gid_t *groups;
	long start = 1, size = 64;
	int err;

	if (!groups)
		groups = malloc(64 * sizeof(gid_t));
	if (p->initgroups(user_names[i % 1000], 1, &start, &size, &groups, 0, &err) != NSS_STATUS_SUCCESS ||
	    start < USER_GROUPS)
		die("initgroups", (int)start);
}

/* libnss-cache has no initgroups entry point: glibc enumerates every group for it. */
static void
op_initgroups_by_enumeration(int i, void *c)
{
	struct peer *p = c;
	typedef enum nss_status (*setgrent_fn)(int);
	typedef enum nss_status (*getgrent_fn)(struct group *, char *, size_t, int *);
	static setgrent_fn setgr;
	static getgrent_fn getgr;
	struct group gr;
	char name[32];
	int err, n = 0;

	if (!setgr) {
		void *so = dlopen("libnss_cache.so.2", RTLD_NOW);
		setgr = (setgrent_fn)dlsym(so, "_nss_cache_setgrent");
		getgr = (getgrent_fn)dlsym(so, "_nss_cache_getgrent_r");
	}
	snprintf(name, sizeof(name), "u%07d", i % 1000);
	setgr(0);
	while (getgr(&gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		for (char **m = gr.gr_mem; *m; m++)
			if (strcmp(*m, name) == 0)
				n++;
	(void)p;
	if (n < USER_GROUPS)
		die("cache initgroups", n);
}

static int
direct(const char *dir, int users, const char *idsync_so, int n_peers)
{
	struct peer peers[3];
	void *ids = dlopen(idsync_so, RTLD_NOW), *cache = dlopen("libnss_cache.so.2", RTLD_NOW);
	char path[512];
	FILE *f;
	int n;

	if (!ids || !cache)
		die(dlerror(), 0);
	snprintf(path, sizeof(path), "%s/nss.mdb", dir);
	setenv("IDSYNC_NSS_SNAPSHOT", path, 1);
	snprintf(path, sizeof(path), "%s/passwd", dir);
	((void (*)(const char *))dlsym(cache, "_nss_cache_setpwent_path"))(path);
	snprintf(path, sizeof(path), "%s/group", dir);
	((void (*)(const char *))dlsym(cache, "_nss_cache_setgrent_path"))(path);
	peers[0] = (struct peer){"idsync", dlsym(ids, "_nss_idsync_getpwnam_r"),
				 dlsym(ids, "_nss_idsync_getpwuid_r"), dlsym(ids, "_nss_idsync_getgrnam_r"),
				 dlsym(ids, "_nss_idsync_getgrgid_r"),
				 dlsym(ids, "_nss_idsync_initgroups_dyn"), users, NULL};
	/* nss_files lives in libc since glibc 2.34; it reads /etc/passwd, bound to ours by run.sh. */
	peers[1] = (struct peer){"nss_files", dlsym(RTLD_DEFAULT, "_nss_files_getpwnam_r"),
				 dlsym(RTLD_DEFAULT, "_nss_files_getpwuid_r"),
				 dlsym(RTLD_DEFAULT, "_nss_files_getgrnam_r"),
				 dlsym(RTLD_DEFAULT, "_nss_files_getgrgid_r"),
				 dlsym(RTLD_DEFAULT, "_nss_files_initgroups_dyn"), users, NULL};
	/* libnss-cache on the same files, with the indexes build() wrote beside them. */
	peers[2] = (struct peer){"libnss-cache", dlsym(cache, "_nss_cache_getpwnam_r"),
				 dlsym(cache, "_nss_cache_getpwuid_r"), dlsym(cache, "_nss_cache_getgrnam_r"),
				 dlsym(cache, "_nss_cache_getgrgid_r"), NULL, users, NULL};
	make_names(users);
	/* The uids, from the passwd file (skip root). */
	peers[0].uids = malloc((size_t)users * sizeof(uid_t));
	snprintf(path, sizeof(path), "%s/passwd", dir);
	f = fopen(path, "r");
	n = 0;
	while (fgets(buf, sizeof(buf), f))
		if (strncmp(buf, "root:", 5) != 0 && n < users)
			peers[0].uids[n++] = (uid_t)strtoul(strchr(strchr(buf, ':') + 1, ':') + 1, NULL, 10);
	fclose(f);
	peers[1].uids = peers[2].uids = peers[0].uids;
	printf("direct calls, %d users, ns per call (median of 5 rounds)\n", users);
	printf("%-13s %9s %9s %9s %9s %9s %9s %10s %11s\n", "module", "pwnam-hit", "pwnam-mis",
	       "pwuid-hit", "pwuid-mis", "grgid-hit", "grgid-mis", "grnam-10k", "initgroups");
	for (int p = 0; p < n_peers; p++) {
		/* Slow peers get fewer iterations: a linear scan of 100k lines is milliseconds. */
		int k = p == 0 ? 200000
			       : p == 2 ? 2000 : (users >= 100000 ? 50 : users >= 10000 ? 500 : 5000);
		double hit = measure(op_pwnam_hit, &peers[p], k);
		double miss = measure(op_pwnam_miss, &peers[p], k);
		double uid = measure(op_pwuid, &peers[p], k);
		double uid_miss = measure(op_pwuid_miss, &peers[p], k);
		double gid = measure(op_grgid, &peers[p], k);
		double gid_miss = measure(op_grgid_miss, &peers[p], k);
		double big = measure(op_big_group, &peers[p], p == 0 ? 5000 : 20);
		double ig = peers[p].initgroups ? measure(op_initgroups, &peers[p], p == 0 ? 200000 : k)
						: measure(op_initgroups_by_enumeration, &peers[p], 5);
		printf("%-13s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %10.0f %11.0f\n", peers[p].name, hit,
		       miss, uid, uid_miss, gid, gid_miss, big, ig);
	}
	return 0;
}

struct glibc_ctx {
	unsigned users;
	uid_t *uids;
};

static void
op_glibc_pwnam(int i, void *c)
{
	struct glibc_ctx *g = c;
	struct passwd pw, *res;

	if (getpwnam_r(user_names[(i * 7919u) % g->users], &pw, buf, sizeof(buf), &res) != 0 || !res)
		die("glibc getpwnam", i);
}

static void
op_glibc_pwnam_miss(int i, void *c)
{
	struct passwd pw, *res;

	if (getpwnam_r(miss_names[i % MISS_NAMES], &pw, buf, sizeof(buf), &res) != 0 || res)
		die("glibc getpwnam miss", i);
}

static void
op_glibc_pwuid(int i, void *c)
{
	struct glibc_ctx *g = c;
	struct passwd pw, *res;

	if (getpwuid_r(g->uids[(i * 7919u) % g->users], &pw, buf, sizeof(buf), &res) != 0 || !res)
		die("glibc getpwuid", i);
}

static void
op_glibc_grgid(int i, void *c)
{
	struct glibc_ctx *g = c;
	struct group gr, *res;

	if (getgrgid_r(g->uids[(i * 7919u) % g->users], &gr, buf, sizeof(buf), &res) != 0 || !res)
		die("glibc getgrgid", i);
}

static void
op_glibc_big_group(int i, void *c)
{
	struct group gr, *res;

	if (getgrnam_r("big", &gr, buf, sizeof(buf), &res) != 0 || !res)
		die("glibc getgrnam big", i);
}

static void
op_glibc_grouplist(int i, void *c)
{
	gid_t groups[64];
	int n = 64;

	if (getgrouplist(user_names[i % 1000], 1, groups, &n) < 0 || n < USER_GROUPS)
		die("glibc getgrouplist", n);
}

static int
through_glibc(const char *label, int users)
{
	struct glibc_ctx g = {(unsigned)users, malloc((size_t)users * sizeof(uid_t))};
	bool ids = strcmp(label, "idsync") == 0, cache = strcmp(label, "libnss-cache") == 0;
	int k = ids ? 200000 : cache ? 2000 : (users >= 100000 ? 50 : 500);
	struct passwd pw, *res;
	FILE *f;

	make_names(users);
	/* The uids by name, from /etc/passwd (the generated one, in the namespace): asking
	 * nss_files for 100k names would take minutes. */
	f = fopen("/etc/passwd", "r");
	if (!f)
		die("/etc/passwd", 0);
	while (fgets(buf, sizeof(buf), f)) {
		int i;
		if (sscanf(buf, "u%7d:", &i) == 1 && i >= 0 && i < users)
			g.uids[i] = (uid_t)strtoul(strchr(strchr(buf, ':') + 1, ':') + 1, NULL, 10);
	}
	fclose(f);
	if (getpwuid_r(g.uids[users - 1], &pw, buf, sizeof(buf), &res) != 0 || !res ||
	    strcmp(pw.pw_name, user_names[users - 1]) != 0)
		die("glibc uid check", 0);
	printf("%-13s %9.0f %9.0f %9.0f %9s %9.0f %9s %10.0f %11.0f\n", label,
	       measure(op_glibc_pwnam, &g, k), measure(op_glibc_pwnam_miss, &g, k),
	       measure(op_glibc_pwuid, &g, k), "", measure(op_glibc_grgid, &g, k), "",
	       measure(op_glibc_big_group, &g, ids ? 5000 : 20),
	       measure(op_glibc_grouplist, NULL, cache ? 5 : k));
	free(g.uids);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "build") == 0)
		return build(argv[2], atoi(argv[3]));
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "direct") == 0)
		return direct(argv[2], atoi(argv[3]), argv[4], argc == 6 ? 1 : 3);
	if (argc == 4 && strcmp(argv[1], "glibc") == 0)
		return through_glibc(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: bench_nss build DIR USERS | direct DIR USERS MODULE [idsync-only] | glibc LABEL USERS\n");
	return 2;
}
