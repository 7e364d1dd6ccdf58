/* SPDX-License-Identifier: MIT */
/*
 * The audit trail: decisions are stored with their fields in the same
 * transaction, in order, and formatted as one safe log line.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "helpers.h"
#include "libidsync/audit.h"

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

TestSuite(audit, .init = setup, .fini = teardown);

struct seen {
	int n;
	uint64_t last_seq;
	char events[8][64];
	char users[8][64];
};

static int
collect(uint64_t seq, const char *json, size_t len, void *p)
{
	struct seen *s = p;
	json_t *o = json_loadb(json, len, 0, NULL);

	cr_assert_not_null(o);
	cr_assert_gt(seq, s->last_seq);
	s->last_seq = seq;
	if (s->n < 8) {
		snprintf(s->events[s->n], 64, "%s", json_string_value(json_object_get(o, "event")));
		snprintf(s->users[s->n], 64, "%s",
			 json_string_value(json_object_get(json_object_get(o, "fields"), "user")));
	}
	s->n++;
	json_decref(o);
	return 0;
}

Test(audit, lifecycle_is_recorded_in_order)
{
	struct seen s = {0};
	struct ids_txn *t;
	struct ids_user *u;

	cr_assert_eq(fixture_provision(&f, "hal@example.com", NULL, NULL), 0);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, "hal", &u), 0);
	cr_assert_eq(ids_identity_set_active(t, &f.ctx, u->id, false), 0);
	cr_assert_eq(ids_identity_delete(t, &f.ctx, u->id), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	ids_user_free(u);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_audit_foreach(t, 0, collect, &s), 0);
	ids_txn_abort(t);
	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(s.events[0], "user-provisioned");
	cr_assert_str_eq(s.events[1], "user-deactivated");
	cr_assert_str_eq(s.events[2], "user-deleted");
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(s.users[i], "hal");
}

Test(audit, line_quotes_and_cannot_be_forged)
{
	const char *kv[] = {"user", "ann", "reason", "bad \"x\" = y", "empty", "", NULL};
	char *line = ids_audit_format("login-denied", kv);

	cr_assert_str_eq(line, "event=login-denied user=ann reason=\"bad \\\"x\\\" = y\" empty=\"\"");
	free(line);
}

Test(audit, control_characters_replaced)
{
	struct seen s = {0};
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_audit(t, IDS_MSG_LOGIN_DENIED, "user", "x\nevent=grant", IDS_END), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_audit_foreach(t, 0, collect, &s), 0);
	ids_txn_abort(t);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.users[0], "x?event=grant");
}

Test(audit, since_skips_older_records)
{
	struct seen s = {0};
	struct ids_txn *t;

	for (int i = 0; i < 5; i++) {
		cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
		cr_assert_eq(ids_audit(t, IDS_MSG_GRANT, "user", "u", IDS_END), 0);
		cr_assert_eq(ids_txn_commit(t), 0);
	}
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_audit_foreach(t, 4, collect, &s), 0);
	ids_txn_abort(t);
	cr_assert_eq(s.n, 2);
}
