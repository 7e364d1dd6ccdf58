/* SPDX-License-Identifier: MIT */
/*
 * Test fixtures shared by the unit suites: scratch directory, local files,
 * config and store (helpers.h).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "libidsync/model.h"

char *
fixture_write(struct fixture *f, const char *name, const char *text)
{
	char *path;
	FILE *fp;

	cr_assert(asprintf(&path, "%s/%s", f->dir, name) > 0);
	fp = fopen(path, "w");
	cr_assert_not_null(fp, "cannot write %s", path);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
set(struct ids_config *cfg, const char *key, const char *value)
{
	char *err = NULL;

	cr_assert_eq(ids_config_set(cfg, key, value, "test", &err), 0, "%s", err ? err : key);
}

void
fixture_reload_local(struct fixture *f)
{
	ids_localfiles_free(f->lf);
	f->lf = NULL;
	cr_assert_eq(ids_localfiles_load(f->cfg, &f->lf), 0);
	f->ctx.lf = f->lf;
}

void
fixture_setup_range(struct fixture *f, uint32_t uid_min, uint32_t uid_max, uint32_t gid_min,
		    uint32_t gid_max)
{
	char *p;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/idsync-test-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	f->cfg = ids_config_new_defaults();
	cr_assert_not_null(f->cfg);
	free(fixture_write(f, "passwd",
			   "root:x:0:0:root:/root:/bin/bash\n"
			   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			   "alice:x:1000:1000:Alice Local:/home/alice:/bin/bash\n"));
	free(fixture_write(f, "group", "root:x:0:\nstaff:x:50:\ndevs:x:60:\nalice:x:1000:\n"));
	free(fixture_write(f, "subuid", "alice:100000:65536\n"));
	free(fixture_write(f, "subgid", "alice:100000:65536\n"));
#define SETPATH(key, name)                                                                         \
	do {                                                                                       \
		cr_assert(asprintf(&p, "%s/%s", f->dir, name) > 0);                                \
		set(f->cfg, key, p);                                                               \
		free(p);                                                                           \
	} while (0)
	SETPATH("identity.passwd_file", "passwd");
	SETPATH("identity.group_file", "group");
	SETPATH("identity.subuid_file", "subuid");
	SETPATH("identity.subgid_file", "subgid");
	SETPATH("store.path", "store");
	SETPATH("nss.snapshot", "nss.mdb");
#undef SETPATH
	f->cfg->uid_min = uid_min;
	f->cfg->uid_max = uid_max;
	f->cfg->gid_min = gid_min;
	f->cfg->gid_max = gid_max;
	f->cfg->map_size_mb = 64;
	cr_assert_eq(ids_localfiles_load(f->cfg, &f->lf), 0);
	cr_assert_eq(ids_store_open(f->cfg->store_path, 64, IDS_STORE_CREATE, &f->store), 0);
	f->ctx = (struct ids_identity_ctx){f->cfg, f->lf, 1700000000, "test"};
}

void
fixture_setup(struct fixture *f)
{
	fixture_setup_range(f, 1000000, 1999999999, 500000, 999999);
}

void
fixture_teardown(struct fixture *f)
{
	ids_store_free(f->store);
	ids_localfiles_free(f->lf);
	ids_config_free(f->cfg);
	fixture_sh(f, "rm -rf \"$D\"");
}

int
fixture_provision(struct fixture *f, const char *user_name, const char *external_id, uint32_t *uid)
{
	struct ids_identity_in in = {.user_name = user_name, .external_id = external_id, .active = true};
	struct ids_user *u = NULL;
	struct ids_txn *t;
	char *why = NULL;
	int r;

	r = ids_txn_begin(f->store, true, &t);
	if (r < 0)
		return r;
	r = ids_identity_create(t, &f->ctx, &in, &u, &why);
	if (r < 0) {
		ids_txn_abort(t);
		free(why);
		return r;
	}
	if (uid)
		*uid = u->uid;
	ids_user_free(u);
	return ids_txn_commit(t);
}

int
fixture_sh(struct fixture *f, const char *fmt, ...)
{
	char *cmd, *full;
	va_list ap;
	int r;

	va_start(ap, fmt);
	cr_assert(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	cr_assert(asprintf(&full, "D='%s'; %s", f->dir, cmd) > 0);
	r = system(full);
	free(cmd);
	free(full);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}
