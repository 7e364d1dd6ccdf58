/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary bytes as store records (users, grants,
 * groups, workspaces, mappings, org settings, tokens) read back through the
 * core's decoders, as a damaged store would present them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libidsync/grants.h"
#include "libidsync/groups.h"
#include "libidsync/mapping.h"
#include "libidsync/model.h"
#include "libidsync/org.h"
#include "libidsync/tokens.h"
#include "libidsync/workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ids_store *store;

static int
noop_grant(const struct ids_grant *g, void *u)
{
	return 0;
}

static int
noop_token(const struct ids_token_info *i, void *u)
{
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ids_user *u = NULL;
	struct ids_txn *t = NULL;
	struct ids_group *g = NULL;
	struct ids_workspace *ws = NULL;
	struct ids_mapping *m = NULL;
	struct ids_org *org = NULL;
	char key[] = "user\0ws";

	if (ids_user_decode(data, size, &u) == 0)
		ids_user_free(u);
	if (!store) {
		char dir[64];
		snprintf(dir, sizeof(dir), "/tmp/fuzz-records-%d", (int)getpid());
		if (ids_store_open(dir, 64, IDS_STORE_CREATE, &store) < 0)
			abort();
	}
	/* The same bytes as the value of every kind of record, then read through the accessors. */
	if (ids_txn_begin(store, true, &t) < 0)
		abort();
	ids_txn_put(t, IDS_DB_GRANTS, key, sizeof(key) - 1, data, size, false);
	ids_txn_put(t, IDS_DB_GROUPS, "g", 1, data, size, false);
	ids_txn_put(t, IDS_DB_WORKSPACES, "ws", 2, data, size, false);
	ids_txn_put(t, IDS_DB_UNIX_GROUPS, "ws", 2, data, size, false);
	ids_txn_put(t, IDS_DB_MAPPINGS, "m", 1, data, size, false);
	ids_txn_put(t, IDS_DB_SETTINGS, "org", 3, data, size, false);
	ids_txn_put(t, IDS_DB_TOKENS, "tok", 3, data, size, false);
	(void)ids_grant_foreach(t, NULL, noop_grant, NULL);
	if (ids_group_get(t, "g", &g) == 0)
		ids_group_free(g);
	if (ids_workspace_get(t, "ws", &ws) == 0)
		ids_workspace_free(ws);
	if (ids_mapping_get(t, "m", &m) == 0)
		ids_mapping_free(m);
	if (ids_org_get(t, &org) == 0)
		ids_org_free(org);
	(void)ids_token_foreach(t, noop_token, NULL);
	ids_txn_abort(t);
	return 0;
}
