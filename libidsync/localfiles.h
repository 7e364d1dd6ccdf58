/* SPDX-License-Identifier: MIT */
/*
 * What the host's own files already hold: names and ids of /etc/passwd and
 * /etc/group, and the subordinate id ranges of /etc/subuid and /etc/subgid.
 * idsync never hands out a name or id that one of them uses.
 */
#ifndef IDS_LOCALFILES_H
#define IDS_LOCALFILES_H

#include <stdbool.h>
#include <stdint.h>

#include "libidsync/config.h"

struct ids_localfiles;

/* Reads the four files named by cfg. A missing subuid/subgid file is empty; a
 * missing passwd or group file is an error (-ENOENT): we cannot prove a name free. */
int ids_localfiles_load(const struct ids_config *cfg, struct ids_localfiles **out);
struct ids_localfiles *ids_localfiles_free(struct ids_localfiles *lf);

/* The file that holds name as a user or group name, or NULL. */
const char *ids_localfiles_name_owner(const struct ids_localfiles *lf, const char *name);
/* The file that holds id as a uid (or, with as_gid, as a gid), or NULL. */
const char *ids_localfiles_id_owner(const struct ids_localfiles *lf, uint32_t id, bool as_gid);

#endif
