/* SPDX-License-Identifier: MIT */
/*
 * Unix names from IdP identities: login derivation from userName, the
 * portable-name check, reserved names, and GECOS cleaning. Pure functions:
 * collisions with the store are identity.c's business.
 */
#ifndef IDS_NAMES_H
#define IDS_NAMES_H

#include "libidsync/config.h"
#include "libidsync/localfiles.h"

#define IDS_NAME_MAX 32 /* utmp's UT_NAMESIZE */

/*
 * Checks a Unix user or group name: 1 to 32 characters from a-z 0-9 _ . -,
 * starting with a letter or _, not ending with . or -.
 * Returns 0, or -EINVAL with *why set to a static sentence.
 */
int ids_name_check(const char *name, const char **why);

/* True when name is reserved (built-in list, "systemd-*", or cfg->reserved_names). */
bool ids_name_reserved(const struct ids_config *cfg, const char *name);

/*
 * Derives the login from a userName as configured (local part or whole,
 * lowercased) and checks it: portable, not reserved, not in the local files.
 * Returns 0 and a malloc'd *login, or -EINVAL/-EEXIST with a malloc'd *why
 * that an IdP admin can act on, or -ENOMEM.
 */
int ids_login_derive(const struct ids_config *cfg, const struct ids_localfiles *lf,
		     const char *user_name, char **login, char **why);

/* A GECOS field from a display name: no ':' or control characters, at most 255 bytes. */
char *ids_gecos_clean(const char *display);

#endif
