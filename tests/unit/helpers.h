/* SPDX-License-Identifier: MIT */
/*
 * Test fixtures: a scratch directory with its own passwd/group files, a
 * config pointing into it, and a store. Nothing outside the scratch
 * directory is read or written.
 */
#ifndef IDS_TEST_HELPERS_H
#define IDS_TEST_HELPERS_H

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "libidsync/config.h"
#include "libidsync/identity.h"
#include "libidsync/localfiles.h"
#include "libidsync/store.h"

struct fixture {
	char dir[256];
	struct ids_config *cfg;
	struct ids_localfiles *lf;
	struct ids_store *store;
	struct ids_identity_ctx ctx;
};

/* Creates a scratch dir, local files (root, daemon, alice uid 1000, group staff) and a store. */
void fixture_setup(struct fixture *f);
/* Like fixture_setup with an id range for users and groups. */
void fixture_setup_range(struct fixture *f, uint32_t uid_min, uint32_t uid_max, uint32_t gid_min,
			 uint32_t gid_max);
void fixture_teardown(struct fixture *f);
/* Re-reads the local files (after a test changed them). */
void fixture_reload_local(struct fixture *f);
/* Writes text to dir/name; returns the path (static buffer per call site is not needed: malloc'd). */
char *fixture_write(struct fixture *f, const char *name, const char *text);

/* Provisions userName (externalId may be NULL) in its own transaction; returns 0 or -errno. */
int fixture_provision(struct fixture *f, const char *user_name, const char *external_id,
		      uint32_t *uid);
/* Runs a shell command with the scratch dir as $D; returns its exit status. */
int fixture_sh(struct fixture *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
