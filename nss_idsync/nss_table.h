/* SPDX-License-Identifier: MIT */
/*
 * The snapshot's lookup tables (snapshot_format.h), read in place: a table
 * is checked once when the snapshot is opened, and every slot and record
 * offset is bounds-checked at each lookup. Pure functions over bytes: no
 * allocation, no system call, no global state (the fuzz harness feeds them
 * arbitrary bytes).
 */
#ifndef NSS_TABLE_H
#define NSS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nss_tab {
	const unsigned char *slots; /* n_slots by-name slots, then n_slots by-id slots */
	const unsigned char *recs;
	size_t recs_len;
	uint32_t magic, seed, mask, max_probe;
};

/* A record found in a table: it starts at p and cannot extend past p + avail. */
struct nss_rec {
	const unsigned char *p;
	size_t avail;
};

/* Checks a table's header against its size: 0, or -EBADMSG. */
int nss_tab_init(struct nss_tab *t, uint32_t magic, const void *blob, size_t size);
/* Finds the record named name (len bytes) or with this id: 0, -ENOENT, or -EBADMSG. */
int nss_tab_by_name(const struct nss_tab *t, const char *name, size_t len, struct nss_rec *out);
int nss_tab_by_id(const struct nss_tab *t, uint32_t id, struct nss_rec *out);

#endif
