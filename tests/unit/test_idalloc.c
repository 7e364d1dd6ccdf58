/* SPDX-License-Identifier: MIT */
/*
 * UID/GID allocation: hosts agree without talking, tombstones are never
 * reused, renames keep uids, and collisions are probed deterministically.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/idalloc.h"
#include "libidsync/model.h"

#define N_IDENTITIES 300

static void
identity(int i, char *user_name, size_t un, char *ext, size_t en)
{
	snprintf(user_name, un, "user%03d@example.com", i);
	snprintf(ext, en, "00000000-0000-4000-8000-%012d", i);
}

static void
provision_order(struct fixture *f, const int *order, int n, uint32_t *uids)
{
	for (int k = 0; k < n; k++) {
		char un[64], ext[64];
		identity(order[k], un, sizeof(un), ext, sizeof(ext));
		cr_assert_eq(fixture_provision(f, un, ext, &uids[order[k]]), 0, "%s", un);
	}
}

static void
shuffle(int *a, int n, unsigned seed)
{
	for (int i = n - 1; i > 0; i--) {
		int j;
		seed = seed * 1103515245 + 12345;
		j = (int)((seed >> 8) % (unsigned)(i + 1));
		int tmp = a[i];
		a[i] = a[j];
		a[j] = tmp;
	}
}

Test(idalloc, two_hosts_agree_in_any_order)
{
	struct fixture a, b;
	int order[N_IDENTITIES];
	uint32_t ua[N_IDENTITIES], ub[N_IDENTITIES];

	for (int i = 0; i < N_IDENTITIES; i++)
		order[i] = i;
	fixture_setup(&a);
	provision_order(&a, order, N_IDENTITIES, ua);
	shuffle(order, N_IDENTITIES, 42);
	fixture_setup(&b);
	provision_order(&b, order, N_IDENTITIES, ub);
	for (int i = 0; i < N_IDENTITIES; i++) {
		cr_assert_eq(ua[i], ub[i], "identity %d: %u vs %u", i, ua[i], ub[i]);
		cr_assert_geq(ua[i], a.cfg->uid_min);
		cr_assert_leq(ua[i], a.cfg->uid_max);
	}
	fixture_teardown(&a);
	fixture_teardown(&b);
}

Test(idalloc, derived_from_external_id_else_username)
{
	struct fixture f;
	uint32_t u1, u2;

	fixture_setup(&f);
	cr_assert_eq(fixture_provision(&f, "x@example.com", "EXT-1", &u1), 0);
	cr_assert_eq(u1, ids_idalloc_candidate(IDS_ID_USER, "u:EXT-1", 0, f.cfg->uid_min,
					       f.cfg->uid_max));
	cr_assert_eq(fixture_provision(&f, "Y@Example.com", NULL, &u2), 0);
	cr_assert_eq(u2, ids_idalloc_candidate(IDS_ID_USER, "u:y@example.com", 0, f.cfg->uid_min,
					       f.cfg->uid_max));
	fixture_teardown(&f);
}

static int
delete_by_login(struct fixture *f, const char *login)
{
	struct ids_txn *t;
	struct ids_user *u;
	int r;

	cr_assert_eq(ids_txn_begin(f->store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, login, &u), 0);
	r = ids_identity_delete(t, &f->ctx, u->id);
	ids_user_free(u);
	if (r < 0) {
		ids_txn_abort(t);
		return r;
	}
	return ids_txn_commit(t);
}

Test(idalloc, deleted_uid_never_reused)
{
	struct fixture f;
	uint32_t gone, uid;
	char state[32];
	struct ids_txn *t;

	/* 40 slots: every slot is tried over and over. */
	fixture_setup_range(&f, 2000000, 2000039, 500000, 999999);
	cr_assert_eq(fixture_provision(&f, "gone@example.com", "GONE", &gone), 0);
	cr_assert_eq(delete_by_login(&f, "gone"), 0);
	/* The same identity coming back is a new life: it gets a new uid too. */
	cr_assert_eq(fixture_provision(&f, "gone@example.com", "GONE", &uid), 0);
	cr_assert_neq(uid, gone);
	for (int i = 0; i < 38; i++) {
		char un[64];
		snprintf(un, sizeof(un), "n%d@example.com", i);
		cr_assert_eq(fixture_provision(&f, un, NULL, &uid), 0, "%s", un);
		cr_assert_neq(uid, gone, "%s got the deleted user's uid", un);
	}
	/* The range is now full: the tombstone is not handed out even then. */
	cr_assert_eq(fixture_provision(&f, "last@example.com", NULL, &uid), -ENOSPC);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_idalloc_state(t, gone, state, sizeof(state)), 0);
	cr_assert_str_eq(state, "tombstone");
	ids_txn_abort(t);
	fixture_teardown(&f);
}

Test(idalloc, rename_keeps_uid)
{
	struct fixture f;
	struct ids_txn *t;
	struct ids_user *u = NULL, *after = NULL;
	uint32_t uid;
	char *why = NULL;

	fixture_setup(&f);
	cr_assert_eq(fixture_provision(&f, "old.name@example.com", "E-7", &uid), 0);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, "old.name", &u), 0);
	struct ids_identity_in in = {.user_name = "new.name@example.com", .external_id = "E-7",
				     .active = true};
	cr_assert_eq(ids_identity_update(t, &f.ctx, u->id, &in, &after, &why), 0, "%s",
		     why ? why : "");
	cr_assert_eq(ids_txn_commit(t), 0);
	cr_assert_str_eq(after->login, "new.name");
	cr_assert_eq(after->uid, uid);
	cr_assert_str_eq(after->home, u->home, "home moved on rename");
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	ids_user_free(u);
	u = NULL;
	cr_assert_eq(ids_user_get_by_login(t, "old.name", &u), -ENOENT);
	ids_txn_abort(t);
	ids_user_free(after);
	fixture_teardown(&f);
}

Test(idalloc, collisions_probed_deterministically)
{
	struct fixture f;
	uint32_t c0, c1, uid;
	char passwd[256];

	fixture_setup(&f);
	c0 = ids_idalloc_candidate(IDS_ID_USER, "u:P-1", 0, f.cfg->uid_min, f.cfg->uid_max);
	c1 = ids_idalloc_candidate(IDS_ID_USER, "u:P-1", 1, f.cfg->uid_min, f.cfg->uid_max);
	cr_assert_neq(c0, c1);
	/* The host already uses the first candidate as a uid: the second one wins. */
	snprintf(passwd, sizeof(passwd), "root:x:0:0::/root:/bin/sh\nlocal:x:%u:%u::/:/bin/sh\n", c0, c0);
	free(fixture_write(&f, "passwd", passwd));
	fixture_reload_local(&f);
	cr_assert_eq(fixture_provision(&f, "p@example.com", "P-1", &uid), 0);
	cr_assert_eq(uid, c1);
	fixture_teardown(&f);
}

Test(idalloc, group_and_subid_collisions_probed)
{
	struct fixture f;
	uint32_t c0, c1, uid;
	char subgid[128];

	fixture_setup(&f);
	c0 = ids_idalloc_candidate(IDS_ID_USER, "u:S-1", 0, f.cfg->uid_min, f.cfg->uid_max);
	c1 = ids_idalloc_candidate(IDS_ID_USER, "u:S-1", 1, f.cfg->uid_min, f.cfg->uid_max);
	/* A subordinate gid range covering the candidate: the private group would alias it. */
	snprintf(subgid, sizeof(subgid), "alice:%u:10\n", c0 - 5);
	free(fixture_write(&f, "subgid", subgid));
	fixture_reload_local(&f);
	cr_assert_eq(fixture_provision(&f, "s@example.com", "S-1", &uid), 0);
	cr_assert_eq(uid, c1);
	fixture_teardown(&f);
}

Test(idalloc, tiny_range_colliding_identities_all_distinct_and_replayable)
{
	struct fixture a, b;
	int order[12];
	uint32_t ua[12], ub[12];

	for (int i = 0; i < 12; i++)
		order[i] = i;
	/* 12 identities in 16 slots collide; the same order replays to the same ids. */
	fixture_setup_range(&a, 3000000, 3000015, 500000, 999999);
	fixture_setup_range(&b, 3000000, 3000015, 500000, 999999);
	provision_order(&a, order, 12, ua);
	provision_order(&b, order, 12, ub);
	for (int i = 0; i < 12; i++) {
		cr_assert_eq(ua[i], ub[i]);
		for (int j = 0; j < i; j++)
			cr_assert_neq(ua[i], ua[j], "identities %d and %d share uid %u", i, j, ua[i]);
	}
	fixture_teardown(&a);
	fixture_teardown(&b);
}

Test(idalloc, reserved_ids_never_given)
{
	struct fixture f;
	uint32_t uid;

	/* A range holding only 65534 and 65535 (nobody, -1 as 16 bits). */
	fixture_setup_range(&f, 65534, 65535, 500000, 999999);
	cr_assert_eq(fixture_provision(&f, "r@example.com", NULL, &uid), -ENOSPC);
	fixture_teardown(&f);
}

Test(idalloc, claim_refuses_taken_ids)
{
	struct fixture f;
	struct ids_txn *t;
	uint32_t uid;

	fixture_setup(&f);
	cr_assert_eq(fixture_provision(&f, "c@example.com", NULL, &uid), 0);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_idalloc_claim(t, f.lf, IDS_ID_GROUP, uid, "g:x", "x"), -EEXIST);
	cr_assert_eq(ids_idalloc_claim(t, f.lf, IDS_ID_GROUP, 50, "g:y", "y"), -EEXIST); /* staff */
	cr_assert_eq(ids_idalloc_claim(t, f.lf, IDS_ID_GROUP, 600001, "g:z", "z"), 0);
	cr_assert_eq(ids_idalloc_claim(t, f.lf, IDS_ID_GROUP, 600002, "g:z", "z"), -EEXIST);
	ids_txn_abort(t);
	fixture_teardown(&f);
}
