/* SPDX-License-Identifier: MIT */
/*
 * Packs a snapshot record into the caller's buffer for NSS: computes the
 * space first, then points every string into the buffer. Validates every
 * length and terminator. Never allocates, never logs.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "libidsync/snapshot_format.h"
#include "nss_pack.h"

/* s[0..len) holds no NUL and s[len] is one. */
static int
field_ok(const char *s, size_t len)
{
	return memchr(s, '\0', len) == NULL && s[len] == '\0';
}

int
nss_pack_passwd(const void *rec, size_t size, struct passwd *pw, char *buf, size_t buflen)
{
	struct ids_snap_pw h;
	const char *name, *gecos, *dir, *shell;
	size_t need;
	char *p = buf;

	if (size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, rec, sizeof(h));
	if (h.name_len == 0 || h.name_len > IDS_SNAP_NAME_MAX || h.gecos_len > IDS_SNAP_FIELD_MAX ||
	    h.dir_len > IDS_SNAP_FIELD_MAX || h.shell_len > IDS_SNAP_FIELD_MAX ||
	    size != sizeof(h) + (size_t)h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4)
		return -EBADMSG;
	name = (const char *)rec + sizeof(h);
	gecos = name + h.name_len + 1;
	dir = gecos + h.gecos_len + 1;
	shell = dir + h.dir_len + 1;
	if (!field_ok(name, h.name_len) || !field_ok(gecos, h.gecos_len) ||
	    !field_ok(dir, h.dir_len) || !field_ok(shell, h.shell_len))
		return -EBADMSG;
	need = (size_t)h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4 + 2;
	if (buflen < need)
		return -ERANGE;
	pw->pw_name = memcpy(p, name, h.name_len + 1u);
	p += h.name_len + 1;
	pw->pw_passwd = memcpy(p, "x", 2);
	p += 2;
	pw->pw_gecos = memcpy(p, gecos, h.gecos_len + 1u);
	p += h.gecos_len + 1;
	pw->pw_dir = memcpy(p, dir, h.dir_len + 1u);
	p += h.dir_len + 1;
	pw->pw_shell = memcpy(p, shell, h.shell_len + 1u);
	pw->pw_uid = h.uid;
	pw->pw_gid = h.gid;
	return 0;
}

int
nss_pack_group(const void *rec, size_t size, struct group *gr, char *buf, size_t buflen)
{
	struct ids_snap_gr h;
	const char *name, *members, *m, *end;
	size_t pad, need;
	char **mem, *p;

	if (size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, rec, sizeof(h));
	if (h.name_len == 0 || h.name_len > IDS_SNAP_NAME_MAX ||
	    size != sizeof(h) + (size_t)h.name_len + 1 + h.members_len ||
	    h.n_members > h.members_len / 2)
		return -EBADMSG;
	name = (const char *)rec + sizeof(h);
	if (!field_ok(name, h.name_len))
		return -EBADMSG;
	members = name + h.name_len + 1;
	end = members + h.members_len;
	/* Exactly n_members non-empty, NUL-terminated names fill the member area. */
	m = members;
	for (uint32_t i = 0; i < h.n_members; i++) {
		const char *nul = memchr(m, '\0', (size_t)(end - m));
		if (!nul || nul == m)
			return -EBADMSG;
		m = nul + 1;
	}
	if (m != end)
		return -EBADMSG;
	pad = (alignof(char *) - ((uintptr_t)buf % alignof(char *))) % alignof(char *);
	need = pad + ((size_t)h.n_members + 1) * sizeof(char *) + h.name_len + 1 + 2 + h.members_len;
	if (buflen < need)
		return -ERANGE;
	mem = (char **)(void *)(buf + pad);
	p = (char *)(mem + h.n_members + 1);
	gr->gr_name = memcpy(p, name, h.name_len + 1u);
	p += h.name_len + 1;
	gr->gr_passwd = memcpy(p, "x", 2);
	p += 2;
	if (h.members_len)
		memcpy(p, members, h.members_len);
	for (uint32_t i = 0; i < h.n_members; i++) {
		mem[i] = p;
		p += strlen(p) + 1;
	}
	mem[h.n_members] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = h.gid;
	return 0;
}

/* ---- lookup-table records (struct ids_snap_pwl, struct ids_snap_grl) ---- */

/* Checks a passwd lookup record's header and gid list; *strings is where its strings start. */
static int
pwl_header(const struct nss_rec *r, struct ids_snap_pwl *h, size_t *strings)
{
	if (r->avail < sizeof(*h))
		return -EBADMSG;
	memcpy(h, r->p, sizeof(*h));
	if (h->n_groups > IDS_SNAP_GROUPS_MAX || h->name_len == 0 || h->name_len > IDS_SNAP_NAME_MAX ||
	    h->gecos_len > IDS_SNAP_FIELD_MAX || h->dir_len > IDS_SNAP_FIELD_MAX ||
	    h->shell_len > IDS_SNAP_FIELD_MAX)
		return -EBADMSG;
	*strings = sizeof(*h) + (size_t)h->n_groups * 4;
	if (*strings + (size_t)h->name_len + h->gecos_len + h->dir_len + h->shell_len + 4 > r->avail)
		return -EBADMSG;
	return 0;
}

int
nss_pack_pwl(const struct nss_rec *r, struct passwd *pw, char *buf, size_t buflen)
{
	struct ids_snap_pwl h;
	const char *name, *gecos, *dir, *shell;
	size_t at, need;
	char *p = buf;
	int e = pwl_header(r, &h, &at);

	if (e < 0)
		return e;
	name = (const char *)r->p + at;
	gecos = name + h.name_len + 1;
	dir = gecos + h.gecos_len + 1;
	shell = dir + h.dir_len + 1;
	if (!field_ok(name, h.name_len) || !field_ok(gecos, h.gecos_len) ||
	    !field_ok(dir, h.dir_len) || !field_ok(shell, h.shell_len))
		return -EBADMSG;
	need = (size_t)h.name_len + h.gecos_len + h.dir_len + h.shell_len + 4 + 2;
	if (buflen < need)
		return -ERANGE;
	pw->pw_name = memcpy(p, name, h.name_len + 1u);
	p += h.name_len + 1;
	pw->pw_passwd = memcpy(p, "x", 2);
	p += 2;
	pw->pw_gecos = memcpy(p, gecos, h.gecos_len + 1u);
	p += h.gecos_len + 1;
	pw->pw_dir = memcpy(p, dir, h.dir_len + 1u);
	p += h.dir_len + 1;
	pw->pw_shell = memcpy(p, shell, h.shell_len + 1u);
	pw->pw_uid = h.uid;
	pw->pw_gid = h.gid;
	return 0;
}

long
nss_pwl_gids(const struct nss_rec *r, const unsigned char **gids)
{
	struct ids_snap_pwl h;
	size_t at;
	int e = pwl_header(r, &h, &at);

	if (e < 0)
		return e;
	*gids = r->p + sizeof(h);
	return (long)h.n_groups;
}

int
nss_pack_grl(const struct nss_rec *r, struct group *gr, char *buf, size_t buflen)
{
	struct ids_snap_grl h;
	const unsigned char *offs;
	const char *name, *area;
	size_t pad, need;
	char **mem, *p;

	if (r->avail < sizeof(h))
		return -EBADMSG;
	memcpy(&h, r->p, sizeof(h));
	/* Every member takes at least its NUL: n_members <= members_len bounds the offsets. */
	if (h.name_len == 0 || h.name_len > IDS_SNAP_NAME_MAX || h.n_members > h.members_len ||
	    (h.members_len && h.n_members == 0) ||
	    sizeof(h) + (uint64_t)h.n_members * 4 + h.name_len + 1 + h.members_len > r->avail)
		return -EBADMSG;
	offs = r->p + sizeof(h);
	name = (const char *)offs + (size_t)h.n_members * 4;
	area = name + h.name_len + 1;
	/* The area ends with a NUL, so a name starting anywhere inside it ends inside it. */
	if (!field_ok(name, h.name_len) || (h.members_len && area[h.members_len - 1] != '\0'))
		return -EBADMSG;
	pad = (alignof(char *) - ((uintptr_t)buf % alignof(char *))) % alignof(char *);
	need = pad + ((size_t)h.n_members + 1) * sizeof(char *) + h.name_len + 1 + 2 + h.members_len;
	if (buflen < need)
		return -ERANGE;
	mem = (char **)(void *)(buf + pad);
	p = (char *)(mem + h.n_members + 1);
	gr->gr_name = memcpy(p, name, h.name_len + 1u);
	p += h.name_len + 1;
	gr->gr_passwd = memcpy(p, "x", 2);
	p += 2;
	if (h.members_len)
		memcpy(p, area, h.members_len);
	for (uint32_t i = 0; i < h.n_members; i++) {
		uint32_t off;
		memcpy(&off, offs + (size_t)i * 4, 4);
		if (off >= h.members_len)
			return -EBADMSG;
		mem[i] = p + off;
	}
	mem[h.n_members] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = h.gid;
	return 0;
}
