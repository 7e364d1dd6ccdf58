/* SPDX-License-Identifier: MIT */
/*
 * Prints what the NSS snapshot serves, as passwd(5) and group(5) lines, for
 * admins (idsyncctl snapshot show) and tests. Validates every record like the
 * NSS module does; a damaged record stops the dump with -EBADMSG.
 */
#include <errno.h>
#include <lmdb.h>
#include <string.h>
#include <unistd.h>

#include "libidsync/snapshot.h"
#include "libidsync/snapshot_format.h"

/* Checks that s[0..len] is len non-NUL bytes and a NUL, within end. */
static bool
field_ok(const char *s, size_t len, const char *end)
{
	return s + len < end && memchr(s, '\0', len) == NULL && s[len] == '\0';
}

static int
dump_passwd(MDB_txn *txn, MDB_dbi dbi, FILE *out)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (mdb_cursor_open(txn, dbi, &c) != 0)
		return -EBADMSG;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct ids_snap_pw h;
		const char *p = (const char *)v.mv_data + sizeof(h), *end = (const char *)v.mv_data + v.mv_size;
		const char *name, *gecos, *dir, *shell;

		if (v.mv_size < sizeof(h))
			break;
		memcpy(&h, v.mv_data, sizeof(h));
		if (v.mv_size != sizeof(h) + (size_t)h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4)
			break;
		name = p;
		gecos = name + h.name_len + 1;
		dir = gecos + h.gecos_len + 1;
		shell = dir + h.dir_len + 1;
		if (!field_ok(name, h.name_len, end) || !field_ok(gecos, h.gecos_len, end) ||
		    !field_ok(dir, h.dir_len, end) || !field_ok(shell, h.shell_len, end))
			break;
		fprintf(out, "%s:x:%u:%u:%s:%s:%s\n", name, h.uid, h.gid, gecos, dir, shell);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : -EBADMSG;
}

static int
dump_group(MDB_txn *txn, MDB_dbi dbi, FILE *out)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (mdb_cursor_open(txn, dbi, &c) != 0)
		return -EBADMSG;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct ids_snap_gr h;
		const char *name = (const char *)v.mv_data + sizeof(h), *end = (const char *)v.mv_data + v.mv_size;
		const char *m;

		if (v.mv_size < sizeof(h))
			break;
		memcpy(&h, v.mv_data, sizeof(h));
		if (v.mv_size != sizeof(h) + (size_t)h.name_len + 1 + h.members_len ||
		    !field_ok(name, h.name_len, end) || (h.members_len && end[-1] != '\0'))
			break;
		fprintf(out, "%s:x:%u:", name, h.gid);
		m = name + h.name_len + 1;
		for (uint32_t i = 0; i < h.n_members && m < end; i++) {
			fprintf(out, "%s%s", i ? "," : "", m);
			m += strlen(m) + 1;
		}
		fputc('\n', out);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : -EBADMSG;
}

int
ids_snapshot_dump(const char *path, FILE *passwd_out, FILE *group_out)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi pw, gr;
	int r = -EBADMSG;

	if (access(path, R_OK) < 0)
		return -errno;
	if (mdb_env_create(&env) != 0)
		return -ENOMEM;
	if (mdb_env_set_maxdbs(env, 8) != 0 ||
	    mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0) != 0 ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
	    mdb_dbi_open(txn, IDS_SNAP_DB_PW_UID, 0, &pw) != 0 ||
	    mdb_dbi_open(txn, IDS_SNAP_DB_GR_GID, 0, &gr) != 0)
		goto out;
	r = passwd_out ? dump_passwd(txn, pw, passwd_out) : 0;
	if (r == 0 && group_out)
		r = dump_group(txn, gr, group_out);
out:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return r;
}
