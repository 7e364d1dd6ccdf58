/* SPDX-License-Identifier: MIT */
/*
 * The NSS snapshot's on-disk format: the one contract between the publisher
 * (libidsync/snapshot.c) and libnss_idsync.so.2. Header only, no code that
 * needs more than libc. Bump IDS_SNAP_FORMAT on any change; readers refuse
 * other versions (UNAVAIL; the daemon republishes on start).
 *
 * The snapshot is one LMDB file (MDB_NOSUBDIR), opened by readers with
 * MDB_RDONLY | MDB_NOLOCK. Named databases:
 *
 *   "meta"       "format"     -> u32  IDS_SNAP_FORMAT
 *                "generation" -> u64  store generation it was built from
 *                "enumerate"  -> u8   1 when getpwent/getgrent may list entries
 *                "users", "groups" -> u32 counts
 *   "pw_uid"     u32 BE uid   -> passwd record (struct ids_snap_pw)
 *   "gr_gid"     u32 BE gid   -> group record (struct ids_snap_gr)
 *   "lookup"     "passwd"     -> lookup table of passwd records (struct ids_snap_pwl)
 *                "group"      -> lookup table of group records (struct ids_snap_grl)
 *
 * pw_uid and gr_gid serve enumeration and dumps, in id order. Lookups by
 * name, by id and initgroups read only the two lookup tables: each is one
 * LMDB value (contiguous in the map), read in place without a B-tree
 * descent or a transaction per call. A table is this header, then n_slots
 * by-name slots, then n_slots by-id slots, then the record area:
 *
 *   by-name slot: key = ids_snap_hash_name(seed, name), at index key & mask
 *   by-id slot:   key = the id, at index ids_snap_mix(id ^ seed) & mask
 *
 * with linear probing (mask = n_slots - 1). A slot's rec is the offset of
 * the record in the record area (a multiple of 8), IDS_SNAP_SLOT_EMPTY for
 * none. No key needs more than max_probe probes from its home slot; readers
 * stop there, or at an empty slot. A hash match is confirmed by comparing
 * the record's own name.
 *
 * Keys carry no terminator. Integers in values are in the host's byte order
 * (a snapshot never leaves its host); id keys of pw_uid and gr_gid are
 * big-endian so that cursor order is numeric order (enumeration by id).
 *
 * Beside the snapshot, "<snapshot>.gen" is a file of IDS_SNAP_GEN_SIZE bytes
 * whose first 8 count publications (u64, incremented after each rename,
 * forced republications included). A reader maps it, notes the word before
 * it opens the snapshot, and re-opens when the word changes: no system call
 * per lookup.
 */
#ifndef IDS_SNAPSHOT_FORMAT_H
#define IDS_SNAPSHOT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define IDS_SNAP_FORMAT   2
#define IDS_SNAP_GEN_SIZE 4096
#define IDS_SNAP_GEN_SUFFIX ".gen"

#define IDS_SNAP_DB_META       "meta"
#define IDS_SNAP_DB_PW_UID     "pw_uid"
#define IDS_SNAP_DB_GR_GID     "gr_gid"
#define IDS_SNAP_DB_LOOKUP     "lookup"
#define IDS_SNAP_KEY_PASSWD    "passwd"
#define IDS_SNAP_KEY_GROUP     "group"

/*
 * passwd record: this header, then name, gecos, dir, shell, each followed by
 * one NUL; *_len count the bytes without the NUL. The record is exactly
 * sizeof(header) + sum(len + 1) bytes.
 */
struct ids_snap_pw {
	uint32_t uid;
	uint32_t gid;
	uint16_t name_len;
	uint16_t gecos_len;
	uint16_t dir_len;
	uint16_t shell_len;
	uint8_t flags; /* IDS_SNAP_PW_ACTIVE */
	uint8_t reserved[3];
};
#define IDS_SNAP_PW_ACTIVE 0x01

/*
 * group record: this header, then the name and its NUL, then n_members
 * member names, each followed by one NUL. members_len is the byte count of
 * all member names with their NULs. Exactly sizeof(header) + name_len + 1 +
 * members_len bytes.
 */
struct ids_snap_gr {
	uint32_t gid;
	uint32_t n_members;
	uint32_t members_len;
	uint16_t name_len;
	uint8_t kind; /* IDS_SNAP_GR_PRIVATE or IDS_SNAP_GR_WORKSPACE */
	uint8_t reserved;
};
#define IDS_SNAP_GR_PRIVATE   1
#define IDS_SNAP_GR_WORKSPACE 2

/* Limits that a valid snapshot never exceeds; readers treat larger as damage. */
#define IDS_SNAP_NAME_MAX   255
#define IDS_SNAP_FIELD_MAX  4095
#define IDS_SNAP_GROUPS_MAX 65536 /* supplementary groups of one user */

/* ---- lookup tables ---- */

#define IDS_SNAP_TAB_PASSWD 0x31575049u /* "IPW1" */
#define IDS_SNAP_TAB_GROUP  0x31524749u /* "IGR1" */
#define IDS_SNAP_SLOT_EMPTY 0xffffffffu
#define IDS_SNAP_REC_ALIGN  8

struct ids_snap_tab {
	uint32_t magic;     /* IDS_SNAP_TAB_PASSWD or IDS_SNAP_TAB_GROUP */
	uint32_t seed;      /* of the hashes, chosen per publication */
	uint32_t n_records;
	uint32_t n_slots;   /* a power of two, more than n_records */
	uint32_t max_probe; /* 1..n_slots */
	uint32_t slots_off; /* from the start of the table: 2 * n_slots slots */
	uint32_t recs_off;  /* from the start of the table */
	uint32_t recs_len;
};

struct ids_snap_slot {
	uint32_t key;
	uint32_t rec;
};

/*
 * passwd lookup record: this header, then n_groups u32 gids (the user's
 * supplementary groups, never the primary one, ascending), then name,
 * gecos, dir, shell, each followed by one NUL. Exactly sizeof(header) +
 * 4 * n_groups + sum(len + 1) bytes.
 */
struct ids_snap_pwl {
	uint32_t uid;
	uint32_t gid;
	uint16_t name_len;
	uint16_t gecos_len;
	uint16_t dir_len;
	uint16_t shell_len;
	uint32_t n_groups;
	uint8_t flags; /* IDS_SNAP_PW_ACTIVE */
	uint8_t reserved[3];
};

/*
 * group lookup record: this header, then n_members u32 offsets (where each
 * member's name starts in the member area), then the name and its NUL, then
 * the member area: members_len bytes of NUL-terminated member names, the
 * last byte a NUL. Exactly sizeof(header) + 4 * n_members + name_len + 1 +
 * members_len bytes. A reader copies the member area whole and points
 * gr_mem into it: no per-member scan.
 */
struct ids_snap_grl {
	uint32_t gid;
	uint32_t n_members;
	uint32_t members_len;
	uint16_t name_len;
	uint8_t kind; /* IDS_SNAP_GR_PRIVATE or IDS_SNAP_GR_WORKSPACE */
	uint8_t reserved;
};

static inline uint32_t
ids_snap_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* FNV-1a, seeded, then mixed so that the low bits (the slot index) are good. */
static inline uint32_t
ids_snap_hash_name(uint32_t seed, const char *name, size_t len)
{
	uint32_t h = 2166136261u ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	return ids_snap_mix(h);
}

#endif
