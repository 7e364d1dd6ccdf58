/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks of the core, run on demand (not a test): provisioning rate,
 * uid collisions, snapshot publication time, and policy login time, at a
 * given directory size. Usage: bench_core USERS [WORKSPACES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libidsync/audit.h"
#include "libidsync/grants.h"
#include "libidsync/identity.h"
#include "libidsync/mapping.h"
#include "libidsync/model.h"
#include "libidsync/policy.h"
#include "libidsync/snapshot.h"
#include "libidsync/workspace.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define PUBLISH_RUNS 5

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "bench: %s failed: %d\n", what, r);
		exit(1);
	}
}

static int
count_collisions(uint64_t seq, const char *json, size_t len, void *data)
{
	if (memmem(json, len, "\"id-collision\"", 14))
		(*(uint64_t *)data)++;
	return 0;
}

int
main(int argc, char **argv)
{
	int users = argc > 1 ? atoi(argv[1]) : 10000, nws = argc > 2 ? atoi(argv[2]) : 20;
	char dir[] = "/tmp/idsync-bench-XXXXXX", path[256], *why = NULL, *err = NULL;
	struct ids_config *cfg = ids_config_new_defaults();
	struct ids_store *s;
	struct ids_txn *t;
	struct ids_snapshot_stats st;
	struct ids_identity_ctx ctx;
	uint64_t collisions = 0;
	double t0, t1;

	if (!mkdtemp(dir) || !cfg)
		return 1;
	snprintf(path, sizeof(path), "%s/store", dir);
	check(ids_config_set(cfg, "store.path", path, "bench", &err), "config");
	snprintf(path, sizeof(path), "%s/nss.mdb", dir);
	check(ids_config_set(cfg, "nss.snapshot", path, "bench", &err), "config");
	cfg->map_size_mb = 8192;
	check(ids_store_open(cfg->store_path, cfg->map_size_mb, IDS_STORE_CREATE, &s), "open");
	ctx = (struct ids_identity_ctx){cfg, NULL, time(NULL), "bench"};

	/* Workspaces and one mapping per workspace (group gN -> wsN). */
	check(ids_txn_begin(s, true, &t), "begin");
	for (int w = 0; w < nws; w++) {
		char name[32], ident[32];
		char *wss[] = {name, NULL};
		snprintf(name, sizeof(name), "ws%03d", w);
		snprintf(ident, sizeof(ident), "g%03d", w);
		struct ids_workspace_in in = {.name = name, .managed = true};
		check(ids_workspace_create(t, &ctx, &in, &why), "workspace");
		struct ids_mapping m = {.label = ident, .identifier = ident, .workspaces = wss};
		check(ids_mapping_put(t, &m, false, &why), "mapping");
	}
	check(ids_txn_commit(t), "commit");

	/* Provisioning: batches of 1000 users per transaction. */
	t0 = now();
	for (int i = 0; i < users; i += 1000) {
		check(ids_txn_begin(s, true, &t), "begin");
		for (int k = i; k < i + 1000 && k < users; k++) {
			char un[64], ext[64];
			snprintf(un, sizeof(un), "user%07d@example.com", k);
			snprintf(ext, sizeof(ext), "ext-%07d", k);
			struct ids_identity_in in = {.user_name = un, .external_id = ext, .active = true};
			check(ids_identity_create(t, &ctx, &in, NULL, &why), "provision");
		}
		check(ids_txn_commit(t), "commit");
	}
	t1 = now();
	printf("provision %d users: %.2f s (%.0f users/s, batches of 1000, fsync per batch)\n", users,
	       t1 - t0, users / (t1 - t0));
	check(ids_txn_begin(s, false, &t), "begin");
	check(ids_audit_foreach(t, 0, count_collisions, &collisions), "audit");
	ids_txn_abort(t);
	printf("uid/gid collisions probed: %llu\n", (unsigned long long)collisions);

	/* Logins: each user presents 20 groups' worth of memberships (all workspaces). */
	{
		const char *groups[64];
		char gbuf[64][16];
		int logins = users < 2000 ? users : 2000;
		for (int w = 0; w < nws && w < 63; w++) {
			snprintf(gbuf[w], sizeof(gbuf[w]), "g%03d", w);
			groups[w] = gbuf[w];
		}
		groups[nws < 63 ? nws : 63] = NULL;
		t0 = now();
		for (int i = 0; i < logins; i++) {
			struct ids_user *u = NULL;
			struct ids_policy_result res = {0};
			char login[32];
			snprintf(login, sizeof(login), "user%07d", i);
			check(ids_txn_begin(s, true, &t), "begin");
			check(ids_user_get_by_login(t, login, &u), "get");
			check(ids_policy_login(t, &ctx, u->id, groups, false, &res), "login");
			check(ids_txn_commit(t), "commit");
			ids_policy_result_clear(&res);
			ids_user_free(u);
		}
		t1 = now();
		printf("first login granting %d workspaces: %.2f ms each (%d logins, fsync each)\n", nws,
		       (t1 - t0) * 1000 / logins, logins);
	}

	/* The first publication, then repeats (the machine may be shared: the fastest of them
	 * and the median say more than one run), then one with nothing changed (skipped). */
	{
		double runs[PUBLISH_RUNS];

		t0 = now();
		check(ids_snapshot_publish(s, cfg, true, &st), "publish");
		t1 = now();
		printf("publish snapshot: %u users, %u groups: %.3f s\n", st.users, st.groups, t1 - t0);
		for (int i = 0; i < PUBLISH_RUNS; i++) {
			t0 = now();
			check(ids_snapshot_publish(s, cfg, true, &st), "publish");
			runs[i] = now() - t0;
		}
		qsort(runs, PUBLISH_RUNS, sizeof(runs[0]), cmp_double);
		printf("republish x%d: fastest %.3f s, median %.3f s\n", PUBLISH_RUNS, runs[0],
		       runs[PUBLISH_RUNS / 2]);
		t0 = now();
		check(ids_snapshot_publish(s, cfg, false, &st), "publish");
		t1 = now();
		printf("publish with nothing changed: %.6f s (%s)\n", t1 - t0,
		       st.published ? "published" : "skipped");
	}
	ids_store_free(s);
	ids_config_free(cfg);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return system(path) == 0 ? 0 : 1;
}
