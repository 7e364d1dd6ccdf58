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

#include "nss_table.h"

int nss_pack_passwd(const void *rec, size_t size, struct passwd *pw, char *buf, size_t buflen);
int nss_pack_group(const void *rec, size_t size, struct group *gr, char *buf, size_t buflen);
/* The same for lookup-table records (snapshot_format.h): every offset checked against r->avail. */
int nss_pack_pwl(const struct nss_rec *r, struct passwd *pw, char *buf, size_t buflen);
int nss_pack_grl(const struct nss_rec *r, struct group *gr, char *buf, size_t buflen);
/* A passwd lookup record's supplementary gids (u32, possibly unaligned): the count, or -EBADMSG. */
long nss_pwl_gids(const struct nss_rec *r, const unsigned char **gids);

#endif
