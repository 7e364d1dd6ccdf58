/* SPDX-License-Identifier: MIT */
/*
 * The store: all-or-nothing changes (a process killed between puts leaves the
 * previous state), sticky errors, schema version checks, a full map, and
 * refusal to be used across fork().
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "libidsync/model.h"
#include "libidsync/snapshot.h"

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

TestSuite(store, .init = setup, .fini = teardown);

static int crash_after;

static void
crash_hook(const char *where)
{
	(void)where;
	if (--crash_after == 0)
		abort();
}

/* Counts the entries of every database: a fingerprint of the whole state. */
static void
fingerprint(struct ids_store *s, uint64_t out[IDS_DB_COUNT])
{
	struct ids_txn *t;

	cr_assert_eq(ids_txn_begin(s, false, &t), 0);
	for (int i = 0; i < IDS_DB_COUNT; i++)
		cr_assert_eq(ids_txn_count(t, (enum ids_db)i, &out[i]), 0);
	ids_txn_abort(t);
}

Test(store, crash_between_puts_leaves_previous_state)
{
	uint64_t before[IDS_DB_COUNT], after[IDS_DB_COUNT];
	int puts_seen = 0;

	cr_assert_eq(fixture_provision(&f, "first@example.com", NULL, NULL), 0);
	fingerprint(f.store, before);
	/* Kill a provisioning at its 1st, 2nd, ... put until one gets through whole. */
	for (int n = 1; n < 64; n++) {
		pid_t pid = fork();
		int status;

		cr_assert_neq(pid, -1);
		if (pid == 0) {
			struct ids_store *s = NULL;
			if (ids_store_open(f.cfg->store_path, 64, 0, &s) < 0)
				_exit(3);
			crash_after = n;
			ids_store_test_hook = crash_hook;
			f.store = s;
			_exit(fixture_provision(&f, "second@example.com", "S2", NULL) == 0 ? 0 : 4);
		}
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status)) {
			cr_assert_eq(WEXITSTATUS(status), 0, "child failed with %d", WEXITSTATUS(status));
			puts_seen = n;
			break;
		}
		cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
		/* The store opens cleanly and holds exactly the state before the change. */
		struct ids_store *check = NULL;
		cr_assert_eq(ids_store_open(f.cfg->store_path, 64, 0, &check), 0);
		fingerprint(check, after);
		ids_store_free(check);
		cr_assert_arr_eq(before, after, sizeof(before), "crash at put %d left a change", n);
	}
	cr_assert_gt(puts_seen, 5, "provisioning should take several puts (took %d)", puts_seen);
	/* And once completed, the change is all there. */
	struct ids_store *check = NULL;
	cr_assert_eq(ids_store_open(f.cfg->store_path, 64, 0, &check), 0);
	fingerprint(check, after);
	ids_store_free(check);
	cr_assert_eq(after[IDS_DB_USERS], before[IDS_DB_USERS] + 1);
	cr_assert_eq(after[IDS_DB_USER_BY_EXTID], before[IDS_DB_USER_BY_EXTID] + 1);
	cr_assert_eq(after[IDS_DB_AUDIT], before[IDS_DB_AUDIT] + 1);
}

Test(store, sticky_error_turns_commit_into_abort)
{
	struct ids_txn *t;
	struct ids_val v;
	char big[600];

	memset(big, 'k', sizeof(big));
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_SETTINGS, "a", "1"), 0);
	cr_assert_lt(ids_txn_put(t, IDS_DB_SETTINGS, big, sizeof(big), "x", 1, false), 0);
	/* Later calls are no-ops that report the first error. */
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_SETTINGS, "b", "2"), -ENAMETOOLONG);
	cr_assert_eq(ids_txn_commit(t), -ENAMETOOLONG);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_get_str(t, IDS_DB_SETTINGS, "a", &v), -ENOENT);
	ids_txn_abort(t);
}

Test(store, aborted_change_leaves_no_audit_line)
{
	struct ids_identity_in in = {.user_name = "x@example.com", .active = true};
	struct ids_txn *t;
	uint64_t n;
	char *why = NULL;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_identity_create(t, &f.ctx, &in, NULL, &why), 0);
	ids_txn_abort(t);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_count(t, IDS_DB_AUDIT, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(ids_txn_count(t, IDS_DB_USERS, &n), 0);
	cr_assert_eq(n, 0);
	ids_txn_abort(t);
}

static void
set_schema(uint32_t version)
{
	struct ids_txn *t;
	unsigned char be[4];

	ids_be32(version, be);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_put(t, IDS_DB_META, "schema_version", 14, be, 4, false), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
}

Test(store, newer_schema_refused_and_untouched)
{
	struct ids_store *s = NULL;

	set_schema(IDS_STORE_SCHEMA_VERSION + 1);
	f.store = ids_store_free(f.store);
	cr_assert_eq(ids_store_open(f.cfg->store_path, 64, 0, &s), -EPROTONOSUPPORT);
	cr_assert_null(s);
	/* Still refused: nothing rewrote the version. */
	cr_assert_eq(ids_store_open(f.cfg->store_path, 64, 0, &s), -EPROTONOSUPPORT);
}

Test(store, missing_schema_with_data_refused)
{
	struct ids_txn *t;
	struct ids_store *s = NULL;

	cr_assert_eq(fixture_provision(&f, "a@example.com", NULL, NULL), 0);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_del(t, IDS_DB_META, "schema_version", 14, NULL, 0), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	f.store = ids_store_free(f.store);
	cr_assert_eq(ids_store_open(f.cfg->store_path, 64, 0, &s), -EBADMSG);
}

Test(store, missing_store_without_create)
{
	struct ids_store *s = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/nowhere", f.dir);
	cr_assert_eq(ids_store_open(path, 64, 0, &s), -ENOENT);
	cr_assert_eq(access(path, F_OK), -1, "open without CREATE made a directory");
}

Test(store, map_full_is_a_clean_error)
{
	struct ids_store *s = NULL;
	struct ids_txn *t;
	char key[32], *val = calloc(1, 1 << 20);
	char path[512];
	int r = 0, i;

	snprintf(path, sizeof(path), "%s/small", f.dir);
	cr_assert_eq(ids_store_open(path, 16, IDS_STORE_CREATE, &s), 0);
	cr_assert_eq(ids_txn_begin(s, true, &t), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_SETTINGS, "kept", "yes"), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	for (i = 0; i < 64 && r == 0; i++) {
		cr_assert_eq(ids_txn_begin(s, true, &t), 0);
		snprintf(key, sizeof(key), "blob%d", i);
		r = ids_txn_put(t, IDS_DB_SETTINGS, key, strlen(key), val, 1 << 20, false);
		r = r < 0 ? (ids_txn_abort(t), r) : ids_txn_commit(t);
	}
	cr_assert_eq(r, -ENOSPC, "got %d after %d MiB", r, i);
	ids_store_free(s);
	free(val);
	/* Nothing lost: the store opens and holds what it held. */
	cr_assert_eq(ids_store_open(path, 16, 0, &s), 0);
	struct ids_val v;
	cr_assert_eq(ids_txn_begin(s, false, &t), 0);
	cr_assert_eq(ids_txn_get_str(t, IDS_DB_SETTINGS, "kept", &v), 0);
	ids_txn_abort(t);
	ids_store_free(s);
}

Test(store, refused_across_fork)
{
	pid_t pid = fork();
	int status;

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct ids_txn *t = NULL;
		int r = ids_txn_begin(f.store, false, &t);
		ids_store_free(f.store); /* must not close the parent's environment */
		_exit(r == -ESTALE && t == NULL ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The parent's store still works. */
	cr_assert_eq(fixture_provision(&f, "after.fork@example.com", NULL, NULL), 0);
}

Test(store, damaged_record_is_ebadmsg_not_a_crash)
{
	struct ids_txn *t;
	struct ids_user *u = NULL;

	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_USERS, "bad", "{\"v\":1,\"id\":7}"), 0);
	cr_assert_eq(ids_txn_put_str(t, IDS_DB_USER_BY_LOGIN, "bad", "bad"), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, "bad", &u), -EBADMSG);
	cr_assert_null(u);
	ids_txn_abort(t);
	/* Publishing refuses too, and leaves no snapshot rather than a wrong one. */
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, true, NULL), -EBADMSG);
	cr_assert_eq(access(f.cfg->snapshot_path, F_OK), -1);
}

static int after_commit_runs;

static void
count_run(void *data)
{
	(void)data;
	after_commit_runs++;
}

/* A batch of nested changes: a failed child is undone alone; nothing is durable before the parent. */
Test(store, nested_transactions_fail_alone_and_commit_with_parent)
{
	struct ids_txn *parent, *child;
	struct ids_val v;

	after_commit_runs = 0;
	cr_assert_eq(ids_txn_begin(f.store, true, &parent), 0);

	cr_assert_eq(ids_txn_begin_nested(parent, &child), 0);
	cr_assert_eq(ids_txn_put_str(child, IDS_DB_SETTINGS, "kept", "1"), 0);
	cr_assert_eq(ids_txn_after_commit(child, count_run, NULL, NULL), 0);
	cr_assert_eq(ids_txn_commit(child), 0);

	cr_assert_eq(ids_txn_begin_nested(parent, &child), 0);
	cr_assert_eq(ids_txn_put_str(child, IDS_DB_SETTINGS, "undone", "1"), 0);
	cr_assert_eq(ids_txn_after_commit(child, count_run, NULL, NULL), 0);
	ids_txn_fail(child, -EINVAL);
	cr_assert_eq(ids_txn_commit(child), -EINVAL, "a failed child's commit is an abort");

	/* Another process sees nothing yet; the after-commit action has not run. */
	cr_assert_eq(after_commit_runs, 0);
	cr_assert_eq(ids_txn_get_str(parent, IDS_DB_SETTINGS, "kept", &v), 0);
	cr_assert_eq(ids_txn_get_str(parent, IDS_DB_SETTINGS, "undone", &v), -ENOENT);
	cr_assert_eq(ids_txn_commit(parent), 0);
	cr_assert_eq(after_commit_runs, 1, "only the committed child's action runs, once");

	cr_assert_eq(ids_txn_begin(f.store, false, &parent), 0);
	cr_assert_eq(ids_txn_get_str(parent, IDS_DB_SETTINGS, "kept", &v), 0);
	cr_assert_eq(ids_txn_get_str(parent, IDS_DB_SETTINGS, "undone", &v), -ENOENT);
	ids_txn_abort(parent);
}

Test(store, nested_changes_vanish_when_the_parent_aborts)
{
	struct ids_txn *parent, *child;
	struct ids_val v;

	after_commit_runs = 0;
	cr_assert_eq(ids_txn_begin(f.store, true, &parent), 0);
	cr_assert_eq(ids_txn_begin_nested(parent, &child), 0);
	cr_assert_eq(ids_txn_put_str(child, IDS_DB_SETTINGS, "gone", "1"), 0);
	cr_assert_eq(ids_txn_after_commit(child, count_run, NULL, NULL), 0);
	cr_assert_eq(ids_txn_commit(child), 0);
	ids_txn_abort(parent);
	cr_assert_eq(after_commit_runs, 0);
	cr_assert_eq(ids_txn_begin(f.store, false, &parent), 0);
	cr_assert_eq(ids_txn_get_str(parent, IDS_DB_SETTINGS, "gone", &v), -ENOENT);
	cr_assert_eq(ids_txn_begin_nested(parent, &child), -EINVAL, "a read transaction has no children");
	ids_txn_abort(parent);
}

/* A POSIX view and the record it stands for, as one line, for comparing the two. */
static void
posix_line(char *out, size_t size, const char *id, size_t id_len, const char *login,
	   size_t login_len, const char *gecos, size_t gecos_len, const char *home, size_t home_len,
	   const char *shell, size_t shell_len, uint32_t uid, bool active, bool deleted)
{
	snprintf(out, size, "%.*s:%.*s:%.*s:%.*s:%.*s:%u:%d:%d\n", (int)id_len, id, (int)login_len,
		 login, (int)gecos_len, gecos, (int)home_len, home, (int)shell_len, shell, uid,
		 active, deleted);
}

static int
view_cb(const struct ids_user_posix *p, void *data)
{
	char line[1024];

	posix_line(line, sizeof(line), p->id, p->id_len, p->login, p->login_len, p->gecos,
		   p->gecos_len, p->home, p->home_len, p->shell, p->shell_len, p->uid, p->active,
		   p->deleted);
	cr_assert_lt(strlen(data) + strlen(line), 8192);
	strcat(data, line);
	return 0;
}

static int
record_cb(const struct ids_user *u, void *data)
{
	char line[1024];

	posix_line(line, sizeof(line), u->id, strlen(u->id), u->login, strlen(u->login), u->gecos,
		   strlen(u->gecos), u->home, strlen(u->home), u->shell, strlen(u->shell), u->uid,
		   u->active, u->deleted);
	cr_assert_lt(strlen(data) + strlen(line), 8192);
	strcat(data, line);
	return 0;
}

/* The POSIX views say what the records say: after creates, a deactivation and a deletion. */
static void
assert_views_match_records(void)
{
	static char views[8192], records[8192];
	struct ids_txn *t;
	uint64_t n_users, n_views;

	views[0] = records[0] = '\0';
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_count(t, IDS_DB_USERS, &n_users), 0);
	cr_assert_eq(ids_txn_count(t, IDS_DB_USER_POSIX, &n_views), 0);
	cr_assert_eq(n_users, n_views);
	cr_assert_eq(ids_user_posix_foreach(t, view_cb, views), 0);
	cr_assert_eq(ids_user_foreach(t, record_cb, records), 0);
	ids_txn_abort(t);
	cr_assert_str_eq(views, records);
	cr_assert_neq(views[0], '\0');
}

static void
provision_and_change(void)
{
	struct ids_txn *t;
	struct ids_user *u = NULL;

	cr_assert_eq(fixture_provision(&f, "ann@example.com", "A-1", NULL), 0);
	cr_assert_eq(fixture_provision(&f, "ben@example.com", NULL, NULL), 0);
	cr_assert_eq(fixture_provision(&f, "cat@example.com", NULL, NULL), 0);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, "ben", &u), 0);
	cr_assert_eq(ids_identity_set_active(t, &f.ctx, u->id, false), 0);
	ids_user_free(u);
	cr_assert_eq(ids_user_get_by_login(t, "cat", &u), 0);
	cr_assert_eq(ids_identity_delete(t, &f.ctx, u->id), 0);
	ids_user_free(u);
	cr_assert_eq(ids_txn_commit(t), 0);
}

Test(store, posix_view_follows_every_user_change)
{
	provision_and_change();
	assert_views_match_records();
}

Test(store, schema_1_store_is_migrated_with_posix_views)
{
	struct ids_txn *t;
	struct ids_val v;

	provision_and_change();
	/* Make it a store of schema 1: no views yet. */
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_txn_drop(t, IDS_DB_USER_POSIX), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	set_schema(1);
	f.store = ids_store_free(f.store);
	cr_assert_eq(ids_store_open(f.cfg->store_path, 64, 0, &f.store), 0);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	cr_assert_eq(ids_txn_get_str(t, IDS_DB_META, "schema_version", &v), 0);
	cr_assert_eq(v.size, 4);
	cr_assert_eq(ids_from_be32(v.data), IDS_STORE_SCHEMA_VERSION);
	ids_txn_abort(t);
	assert_views_match_records();
}

/* A view that disagrees with the records in number is not trusted: the records are read. */
Test(store, missing_posix_view_falls_back_to_the_records)
{
	static char views[8192];
	struct ids_txn *t;
	struct ids_user *u = NULL;

	provision_and_change();
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, "ann", &u), 0);
	cr_assert_eq(ids_txn_del(t, IDS_DB_USER_POSIX, u->id, strlen(u->id), NULL, 0), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	views[0] = '\0';
	cr_assert_eq(ids_user_posix_foreach(t, view_cb, views), 0);
	ids_txn_abort(t);
	cr_assert_not_null(strstr(views, u->id), "%s", views);
	ids_user_free(u);
}

/* A damaged view is -EBADMSG, never a crash or a guess. */
Test(store, damaged_posix_view_is_ebadmsg)
{
	struct ids_txn *t;
	struct ids_user *u = NULL;
	static char views[8192];
	unsigned char bad[30] = {1, 0, 0, 0, 3, 0xe8, 0xff, 0xff, 0xff, 0xff};

	cr_assert_eq(fixture_provision(&f, "ann@example.com", NULL, NULL), 0);
	cr_assert_eq(ids_txn_begin(f.store, true, &t), 0);
	cr_assert_eq(ids_user_get_by_login(t, "ann", &u), 0);
	cr_assert_eq(ids_txn_put(t, IDS_DB_USER_POSIX, u->id, strlen(u->id), bad, sizeof(bad), false), 0);
	cr_assert_eq(ids_txn_commit(t), 0);
	ids_user_free(u);
	cr_assert_eq(ids_txn_begin(f.store, false, &t), 0);
	views[0] = '\0';
	cr_assert_eq(ids_user_posix_foreach(t, view_cb, views), -EBADMSG);
	ids_txn_abort(t);
	cr_assert_eq(ids_snapshot_publish(f.store, f.cfg, true, NULL), -EBADMSG);
}
