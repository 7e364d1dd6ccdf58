/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl init, status and snapshot: creating the store, reporting its
 * counts and the NSS snapshot's freshness, publishing and showing the
 * snapshot.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "libidsync/snapshot.h"
#include "syncd/ctl.h"

int
ctl_cmd_init(struct ctl *c, int argc, char **argv)
{
	struct ids_snapshot_stats st;
	int r;

	if (argc != 1) {
		ctl_err("usage: idsyncctl init");
		return CTL_USAGE;
	}
	r = ctl_open_store(c, true);
	if (r != CTL_OK)
		return r;
	r = ids_snapshot_publish(c->store, c->cfg, true, &st);
	if (r < 0) {
		ctl_err("cannot publish the NSS snapshot %s: %s", c->cfg->snapshot_path,
			strerror(-r));
		return CTL_FAIL;
	}
	printf("store %s ready; NSS snapshot %s at generation %llu\n", c->cfg->store_path,
	       c->cfg->snapshot_path, (unsigned long long)st.generation);
	return CTL_OK;
}

static const struct {
	const char *label;
	enum ids_db db;
} counted[] = {
	{"users", IDS_DB_USERS},         {"scim_groups", IDS_DB_GROUPS},
	{"workspaces", IDS_DB_WORKSPACES}, {"unix_groups", IDS_DB_UNIX_GROUPS},
	{"grants", IDS_DB_GRANTS},       {"mappings", IDS_DB_MAPPINGS},
	{"tokens", IDS_DB_TOKENS},       {"audit_records", IDS_DB_AUDIT},
};

int
ctl_cmd_status(struct ctl *c, int argc, char **argv)
{
	struct ids_txn *t = NULL;
	uint64_t gen = 0, snap_gen = 0, n;
	json_t *out = json_object();
	struct stat st;
	int r, snap_r;

	if (argc != 1) {
		ctl_err("usage: idsyncctl status");
		return CTL_USAGE;
	}
	r = ctl_open_store(c, false);
	if (r != CTL_OK)
		return r;
	r = ids_txn_begin(c->store, false, &t);
	if (r < 0 || ids_txn_generation(t, &gen) < 0) {
		ctl_err("cannot read the store: %s", strerror(r < 0 ? -r : EIO));
		ids_txn_abort(t);
		return CTL_NOSTORE;
	}
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
		n = 0;
		(void)ids_txn_count(t, counted[i].db, &n);
		json_object_set_new(out, counted[i].label, json_integer((json_int_t)n));
	}
	ids_txn_abort(t);
	json_object_set_new(out, "store", json_string(c->cfg->store_path));
	json_object_set_new(out, "store_generation", json_integer((json_int_t)gen));
	json_object_set_new(out, "snapshot", json_string(c->cfg->snapshot_path));
	snap_r = ids_snapshot_generation(c->cfg->snapshot_path, &snap_gen);
	if (snap_r == 0) {
		json_object_set_new(out, "snapshot_generation", json_integer((json_int_t)snap_gen));
		if (stat(c->cfg->snapshot_path, &st) == 0)
			json_object_set_new(out, "snapshot_age_seconds",
					    json_integer((json_int_t)(time(NULL) - st.st_mtime)));
	}
	json_object_set_new(out, "snapshot_current", json_boolean(snap_r == 0 && snap_gen >= gen));
	if (c->json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else {
		printf("store        %s (generation %llu)\n", c->cfg->store_path,
		       (unsigned long long)gen);
		for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
			printf("  %-12s %lld\n", counted[i].label,
			       (long long)json_integer_value(json_object_get(out, counted[i].label)));
		if (snap_r == 0)
			printf("snapshot     %s (generation %llu, %lld s old)%s\n",
			       c->cfg->snapshot_path, (unsigned long long)snap_gen,
			       (long long)json_integer_value(json_object_get(out, "snapshot_age_seconds")),
			       snap_gen >= gen ? "" : " STALE: run \"idsyncctl snapshot publish\"");
		else
			printf("snapshot     %s: %s\n", c->cfg->snapshot_path,
			       snap_r == -ENOENT ? "missing" : strerror(-snap_r));
	}
	json_decref(out);
	return snap_r == 0 && snap_gen >= gen ? CTL_OK : CTL_FAIL;
}

int
ctl_cmd_snapshot(struct ctl *c, int argc, char **argv)
{
	struct ids_snapshot_stats st;
	int r;

	if (argc >= 2 && strcmp(argv[1], "publish") == 0) {
		bool force = argc == 3 && strcmp(argv[2], "--force") == 0;
		if (argc > 3 || (argc == 3 && !force)) {
			ctl_err("usage: idsyncctl snapshot publish [--force]");
			return CTL_USAGE;
		}
		r = ctl_open_store(c, true);
		if (r != CTL_OK)
			return r;
		r = ids_snapshot_publish(c->store, c->cfg, force, &st);
		if (r < 0) {
			ctl_err("cannot publish %s: %s", c->cfg->snapshot_path, strerror(-r));
			return CTL_FAIL;
		}
		if (st.published)
			printf("published %s: generation %llu, %u users, %u groups\n",
			       c->cfg->snapshot_path, (unsigned long long)st.generation, st.users,
			       st.groups);
		else
			printf("%s is current (generation %llu)\n", c->cfg->snapshot_path,
			       (unsigned long long)st.generation);
		return CTL_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "show") == 0) {
		bool pw = true, gr = true;
		if (argc == 3 && strcmp(argv[2], "--passwd") == 0)
			gr = false;
		else if (argc == 3 && strcmp(argv[2], "--group") == 0)
			pw = false;
		else if (argc != 2) {
			ctl_err("usage: idsyncctl snapshot show [--passwd|--group]");
			return CTL_USAGE;
		}
		r = ids_snapshot_dump(c->cfg->snapshot_path, pw ? stdout : NULL, gr ? stdout : NULL);
		if (r < 0) {
			ctl_err("cannot read the snapshot %s: %s", c->cfg->snapshot_path,
				r == -EBADMSG ? "damaged" : strerror(-r));
			return CTL_FAIL;
		}
		return CTL_OK;
	}
	ctl_err("usage: idsyncctl snapshot publish [--force] | snapshot show [--passwd|--group]");
	return CTL_USAGE;
}
