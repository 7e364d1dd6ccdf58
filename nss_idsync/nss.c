/* SPDX-License-Identifier: MIT */
/*
 * libnss_idsync.so.2: the NSS entry points (passwd, group, initgroups) and
 * nothing else. Lookups go to nss_snapshot.c, records through nss_pack.c;
 * every result passes through nss_status_from(). Never logs, never calls
 * back into NSS, keeps errno on success and not-found.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nss_pack.h"
#include "nss_proto.h"
#include "nss_snapshot.h"

#define EXPORT __attribute__((visibility("default")))

NSS_PROTOTYPES(idsync);

/*
 * The one mapping from inner results to NSS: a miss or an invalid name is
 * NOTFOUND, a short buffer TRYAGAIN/ERANGE, a transient failure
 * TRYAGAIN/EAGAIN, a missing or unreadable or damaged snapshot UNAVAIL (so
 * "files" keeps answering).
 */
static enum nss_status
nss_status_from(int r, int *errnop)
{
	switch (r) {
	case 0:
		return NSS_STATUS_SUCCESS;
	case -ENOENT:
		return NSS_STATUS_NOTFOUND;
	case -ERANGE:
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	case -EAGAIN:
		*errnop = EAGAIN;
		return NSS_STATUS_TRYAGAIN;
	case -ENODATA: /* no snapshot at all */
		*errnop = ENOENT;
		return NSS_STATUS_UNAVAIL;
	default:
		*errnop = r == -EBADMSG ? EBADMSG : -r;
		return NSS_STATUS_UNAVAIL;
	}
}

static bool
name_ok(const char *name, size_t *len)
{
	*len = name ? strnlen(name, 256) : 0;
	return *len > 0 && *len < 256;
}

enum kind { PASSWD, GROUP };

/* Packs a lookup-table record into the caller's struct and buffer. */
static int
pack(enum kind kind, const struct nss_rec *rec, void *ent, char *buf, size_t buflen)
{
	return kind == PASSWD ? nss_pack_pwl(rec, ent, buf, buflen) : nss_pack_grl(rec, ent, buf, buflen);
}

/* Looks up an id in the passwd or group table and packs it. */
static int
by_id(enum kind kind, uint32_t id, void *ent, char *buf, size_t buflen)
{
	struct nss_read rd;
	struct nss_rec rec;
	int r = nss_snap_begin(&rd);

	if (r < 0)
		return r;
	r = nss_tab_by_id(kind == PASSWD ? rd.pw : rd.gr, id, &rec);
	if (r == 0)
		r = pack(kind, &rec, ent, buf, buflen);
	nss_snap_end(&rd);
	return r;
}

/* Looks up a name in the passwd or group table (one probe sequence) and packs it. */
static int
by_name(enum kind kind, const char *name, void *ent, char *buf, size_t buflen)
{
	struct nss_read rd;
	struct nss_rec rec;
	size_t len;
	int r;

	if (!name_ok(name, &len))
		return -ENOENT;
	r = nss_snap_begin(&rd);
	if (r < 0)
		return r;
	r = nss_tab_by_name(kind == PASSWD ? rd.pw : rd.gr, name, len, &rec);
	if (r == 0)
		r = pack(kind, &rec, ent, buf, buflen);
	nss_snap_end(&rd);
	return r;
}

EXPORT enum nss_status
_nss_idsync_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	return nss_status_from(by_name(PASSWD, name, pw, buf, buflen), errnop);
}

EXPORT enum nss_status
_nss_idsync_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	return nss_status_from(by_id(PASSWD, uid, pw, buf, buflen), errnop);
}

EXPORT enum nss_status
_nss_idsync_getgrnam_r(const char *name, struct group *gr, char *buf, size_t buflen, int *errnop)
{
	return nss_status_from(by_name(GROUP, name, gr, buf, buflen), errnop);
}

EXPORT enum nss_status
_nss_idsync_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen, int *errnop)
{
	return nss_status_from(by_id(GROUP, gid, gr, buf, buflen), errnop);
}

/* ---- enumeration: a position per database, by id, under one mutex ---- */

static pthread_mutex_t ent_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t pw_next, gr_next; /* the next id to return; > UINT32_MAX: done */

static int
next_entry(enum nss_db db, uint64_t *pos, void *ent, char *buf, size_t buflen)
{
	struct nss_read rd;
	uint32_t found;
	MDB_val v;
	int r;

	if (*pos > UINT32_MAX)
		return -ENOENT;
	r = nss_snap_begin(&rd);
	if (r < 0)
		return r;
	if (!rd.enumerate) {
		/* Listing is switched off (nss.enumerate): nothing to list. */
		nss_snap_end(&rd);
		return -ENOENT;
	}
	r = nss_snap_next(&rd, db, (uint32_t)*pos, &found, &v);
	if (r == 0)
		r = db == NSS_DB_PW_UID ? nss_pack_passwd(v.mv_data, v.mv_size, ent, buf, buflen)
					: nss_pack_group(v.mv_data, v.mv_size, ent, buf, buflen);
	nss_snap_end(&rd);
	/* Advance only past an entry returned: after ERANGE glibc retries it, bigger. */
	if (r == 0)
		*pos = (uint64_t)found + 1;
	return r;
}

EXPORT enum nss_status
_nss_idsync_setpwent(int stayopen)
{
	pthread_mutex_lock(&ent_lock);
	pw_next = 0;
	pthread_mutex_unlock(&ent_lock);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status
_nss_idsync_endpwent(void)
{
	return _nss_idsync_setpwent(0);
}

EXPORT enum nss_status
_nss_idsync_getpwent_r(struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	int r;

	pthread_mutex_lock(&ent_lock);
	r = next_entry(NSS_DB_PW_UID, &pw_next, pw, buf, buflen);
	pthread_mutex_unlock(&ent_lock);
	return nss_status_from(r, errnop);
}

EXPORT enum nss_status
_nss_idsync_setgrent(int stayopen)
{
	pthread_mutex_lock(&ent_lock);
	gr_next = 0;
	pthread_mutex_unlock(&ent_lock);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status
_nss_idsync_endgrent(void)
{
	return _nss_idsync_setgrent(0);
}

EXPORT enum nss_status
_nss_idsync_getgrent_r(struct group *gr, char *buf, size_t buflen, int *errnop)
{
	int r;

	pthread_mutex_lock(&ent_lock);
	r = next_entry(NSS_DB_GR_GID, &gr_next, gr, buf, buflen);
	pthread_mutex_unlock(&ent_lock);
	return nss_status_from(r, errnop);
}

/* ---- initgroups: the user's supplementary groups in one lookup ---- */

EXPORT enum nss_status
_nss_idsync_initgroups_dyn(const char *user, gid_t group, long *start, long *size,
			   gid_t **groupsp, long limit, int *errnop)
{
	struct nss_read rd;
	struct nss_rec rec;
	const unsigned char *gids = NULL;
	size_t len;
	long n = 0;
	int r;

	if (!name_ok(user, &len))
		return NSS_STATUS_NOTFOUND;
	r = nss_snap_begin(&rd);
	if (r < 0)
		return nss_status_from(r, errnop);
	/* The user's passwd record carries its supplementary gids: one lookup. */
	r = nss_tab_by_name(rd.pw, user, len, &rec);
	if (r == 0)
		n = nss_pwl_gids(&rec, &gids);
	if (r == 0 && n < 0)
		r = (int)n;
	for (long i = 0; r == 0 && i < n; i++) {
		uint32_t gid;
		bool have = false;

		memcpy(&gid, gids + i * 4, 4);
		if (gid == group)
			continue;
		for (long j = 0; j < *start && !have; j++)
			have = (*groupsp)[j] == gid;
		if (have)
			continue;
		if (*start == *size) {
			long grow;
			gid_t *bigger;
			if (limit > 0 && *size >= limit)
				break; /* the caller's limit: what fits is what it gets */
			grow = *size ? *size * 2 : 16;
			if (limit > 0 && grow > limit)
				grow = limit;
			bigger = realloc(*groupsp, (size_t)grow * sizeof(gid_t));
			if (!bigger) {
				r = -EAGAIN;
				break;
			}
			*groupsp = bigger;
			*size = grow;
		}
		(*groupsp)[(*start)++] = gid;
	}
	nss_snap_end(&rd);
	return nss_status_from(r, errnop);
}
