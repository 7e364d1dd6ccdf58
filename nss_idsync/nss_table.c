/* SPDX-License-Identifier: MIT */
/*
 * Lookups in the snapshot's open-addressing tables: hash, probe at most
 * max_probe slots (or until an empty one), confirm the record's own name or
 * id. A table that lies (offsets out of range, a full table, a record whose
 * name runs past the area) gives -EBADMSG or a miss, never an over-read or
 * an endless probe.
 */
#include <errno.h>
#include <string.h>

#include "libidsync/snapshot_format.h"
#include "nss_table.h"

static inline uint32_t
load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

int
nss_tab_init(struct nss_tab *t, uint32_t magic, const void *blob, size_t size)
{
	struct ids_snap_tab h;

	memset(t, 0, sizeof(*t));
	if (!blob || size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, blob, sizeof(h));
	if (h.magic != magic || h.n_slots == 0 || (h.n_slots & (h.n_slots - 1)) != 0 ||
	    h.n_slots > (1u << 30) || h.max_probe == 0 || h.max_probe > h.n_slots ||
	    h.slots_off < sizeof(h) ||
	    (uint64_t)h.slots_off + 2 * (uint64_t)h.n_slots * sizeof(struct ids_snap_slot) > size ||
	    (uint64_t)h.recs_off + h.recs_len > size)
		return -EBADMSG;
	t->slots = (const unsigned char *)blob + h.slots_off;
	t->recs = (const unsigned char *)blob + h.recs_off;
	t->recs_len = h.recs_len;
	t->magic = magic;
	t->seed = h.seed;
	t->mask = h.n_slots - 1;
	t->max_probe = h.max_probe;
	return 0;
}

/* The name of the record at rec, if it lies inside the record area. */
static int
rec_name(const struct nss_tab *t, uint32_t rec, struct nss_rec *out, const char **name,
	 size_t *len)
{
	size_t avail, at;

	if (rec >= t->recs_len)
		return -EBADMSG;
	avail = t->recs_len - rec;
	out->p = t->recs + rec;
	out->avail = avail;
	if (t->magic == IDS_SNAP_TAB_PASSWD) {
		struct ids_snap_pwl h;
		if (avail < sizeof(h))
			return -EBADMSG;
		memcpy(&h, out->p, sizeof(h));
		if (h.n_groups > IDS_SNAP_GROUPS_MAX)
			return -EBADMSG;
		at = sizeof(h) + (size_t)h.n_groups * 4;
		*len = h.name_len;
	} else {
		struct ids_snap_grl h;
		if (avail < sizeof(h))
			return -EBADMSG;
		memcpy(&h, out->p, sizeof(h));
		if (h.n_members > avail / 4)
			return -EBADMSG;
		at = sizeof(h) + (size_t)h.n_members * 4;
		*len = h.name_len;
	}
	if (at + *len >= avail)
		return -EBADMSG;
	*name = (const char *)out->p + at;
	return 0;
}

int
nss_tab_by_name(const struct nss_tab *t, const char *name, size_t len, struct nss_rec *out)
{
	uint32_t h, i;

	if (!t->slots)
		return -EBADMSG;
	h = ids_snap_hash_name(t->seed, name, len);
	i = h & t->mask;
	for (uint32_t probe = 0; probe < t->max_probe; probe++, i = (i + 1) & t->mask) {
		const unsigned char *s = t->slots + (size_t)i * sizeof(struct ids_snap_slot);
		uint32_t rec = load32(s + 4);
		const char *rname;
		size_t rlen;
		int r;

		if (rec == IDS_SNAP_SLOT_EMPTY)
			return -ENOENT;
		if (load32(s) != h)
			continue;
		r = rec_name(t, rec, out, &rname, &rlen);
		if (r < 0)
			return r;
		if (rlen == len && memcmp(rname, name, len) == 0)
			return 0;
	}
	return -ENOENT;
}

int
nss_tab_by_id(const struct nss_tab *t, uint32_t id, struct nss_rec *out)
{
	const unsigned char *by_id;
	uint32_t i;

	if (!t->slots)
		return -EBADMSG;
	by_id = t->slots + ((size_t)t->mask + 1) * sizeof(struct ids_snap_slot);
	i = ids_snap_mix(id ^ t->seed) & t->mask;
	for (uint32_t probe = 0; probe < t->max_probe; probe++, i = (i + 1) & t->mask) {
		const unsigned char *s = by_id + (size_t)i * sizeof(struct ids_snap_slot);
		uint32_t rec = load32(s + 4);

		if (rec == IDS_SNAP_SLOT_EMPTY)
			return -ENOENT;
		if (load32(s) != id)
			continue;
		if (rec >= t->recs_len || t->recs_len - rec < 4)
			return -EBADMSG;
		out->p = t->recs + rec;
		out->avail = t->recs_len - rec;
		/* Both record kinds start with their id. */
		return load32(out->p) == id ? 0 : -EBADMSG;
	}
	return -ENOENT;
}
