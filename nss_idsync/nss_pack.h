/* SPDX-License-Identifier: MIT */
/*
 * Validates snapshot records and packs them into the caller's struct and
 * buffer. Never allocates, never logs; -ERANGE when the buffer is short,
 * -EBADMSG when the record is damaged.
 */
#ifndef NSS_PACK_H
#define NSS_PACK_H

#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>

int nss_pack_passwd(const void *rec, size_t size, struct passwd *pw, char *buf, size_t buflen);
int nss_pack_group(const void *rec, size_t size, struct group *gr, char *buf, size_t buflen);
/* Checks an initgroups value: a whole number of gids, at most 65536. Returns the count or -EBADMSG. */
long nss_check_gids(size_t size);

#endif
