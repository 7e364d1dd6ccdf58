/* SPDX-License-Identifier: MIT */
/*
 * Publishes the NSS snapshot (format: snapshot_format.h) from the store:
 * builds a new file beside the old one, fsyncs it, renames it into place and
 * bumps the generation word, all under a lock, so a reader sees the old or
 * the new snapshot whole and an older one never replaces a newer one.
 */
#ifndef IDS_SNAPSHOT_H
#define IDS_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libidsync/config.h"
#include "libidsync/store.h"

struct ids_snapshot_stats {
	uint64_t generation;
	uint32_t users, groups;
	bool published; /* false when the snapshot in place was already this generation or newer */
};

/*
 * Publishes the store's current state to cfg->snapshot_path. Takes the lock
 * "<snapshot>.lock" (mode 0600) for the whole build, reads the store in one
 * read transaction, and skips the write when the snapshot in place already
 * has this generation or a newer one (unless force). Returns 0 and fills
 * *stats (may be NULL), or -errno; on failure the old snapshot stays in place.
 */
int ids_snapshot_publish(struct ids_store *s, const struct ids_config *cfg, bool force,
			 struct ids_snapshot_stats *stats);

/*
 * Prints the snapshot's users as passwd(5) lines to passwd_out and its groups
 * as group(5) lines to group_out (either may be NULL), in id order.
 * Returns 0, -ENOENT/-EACCES, or -EBADMSG for a damaged snapshot.
 */
int ids_snapshot_dump(const char *path, FILE *passwd_out, FILE *group_out);

/* Reads the generation of the snapshot at path: 0, -ENOENT or -EBADMSG. */
int ids_snapshot_generation(const char *path, uint64_t *out);

#endif
