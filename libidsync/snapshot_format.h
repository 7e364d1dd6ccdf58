/* SPDX-License-Identifier: MIT */
/*
 * The NSS snapshot's on-disk format: the one contract between the publisher
 * (libidsync/snapshot.c) and libnss_idsync.so.2. Header only, no code that
 * needs more than libc. Bump IDS_SNAP_FORMAT on any change; readers refuse
 * other versions.
 *
 * The snapshot is one LMDB file (MDB_NOSUBDIR), opened by readers with
 * MDB_RDONLY | MDB_NOLOCK. Named databases:
 *
 *   "meta"       "format"     -> u32  IDS_SNAP_FORMAT
 *                "generation" -> u64  store generation it was built from
 *                "enumerate"  -> u8   1 when getpwent/getgrent may list entries
 *                "users", "groups" -> u32 counts
 *   "pw_uid"     u32 BE uid   -> passwd record
 *   "pw_name"    login        -> u32 BE uid
 *   "gr_gid"     u32 BE gid   -> group record
 *   "gr_name"    group name   -> u32 BE gid
 *   "initgroups" login        -> u32 gids, the user's supplementary groups
 *                                (never the primary one), ascending
 *
 * Keys carry no terminator. Integers in values are in the host's byte order
 * (a snapshot never leaves its host); id keys are big-endian so that cursor
 * order is numeric order (enumeration by id).
 *
 * Beside the snapshot, "<snapshot>.gen" is a file of IDS_SNAP_GEN_SIZE bytes
 * whose first 8 count publications (u64, incremented after each rename,
 * forced republications included). A reader maps it, notes the word before
 * it opens the snapshot, and re-opens when the word changes: no system call
 * per lookup.
 */
#ifndef IDS_SNAPSHOT_FORMAT_H
#define IDS_SNAPSHOT_FORMAT_H

#include <stdint.h>

#define IDS_SNAP_FORMAT   1
#define IDS_SNAP_GEN_SIZE 4096
#define IDS_SNAP_GEN_SUFFIX ".gen"

#define IDS_SNAP_DB_META       "meta"
#define IDS_SNAP_DB_PW_UID     "pw_uid"
#define IDS_SNAP_DB_PW_NAME    "pw_name"
#define IDS_SNAP_DB_GR_GID     "gr_gid"
#define IDS_SNAP_DB_GR_NAME    "gr_name"
#define IDS_SNAP_DB_INITGROUPS "initgroups"

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
#define IDS_SNAP_NAME_MAX  255
#define IDS_SNAP_FIELD_MAX 4095

#endif
