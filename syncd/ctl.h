/* SPDX-License-Identifier: MIT */
/*
 * Shared state and helpers of idsyncctl's sub-commands. Each ctl_*.c file
 * owns one group of sub-commands; idsyncctl.c parses global options and
 * dispatches.
 */
#ifndef IDS_CTL_H
#define IDS_CTL_H

#include <jansson.h>
#include <stdbool.h>

#include "libidsync/config.h"
#include "libidsync/identity.h"
#include "libidsync/localfiles.h"
#include "libidsync/store.h"

/* Exit codes (documented in idsyncctl(8)). */
enum {
	CTL_OK = 0,
	CTL_FAIL = 1,      /* the operation failed or was refused */
	CTL_USAGE = 2,     /* bad command line */
	CTL_CONFIG = 3,    /* configuration unreadable or invalid */
	CTL_NOSTORE = 4,   /* store missing, unreadable or damaged */
};

struct ctl {
	const char *config_path;
	struct ids_config *cfg;
	struct ids_store *store;
	bool json;
};

/* One change: a write transaction with the local files and the identity context. */
struct ctl_write {
	struct ids_txn *t;
	struct ids_localfiles *lf;
	struct ids_identity_ctx ctx;
};

/* Opens the store for writing (root only) and begins a change; returns a CTL_* code. */
int ctl_write_begin(struct ctl *c, struct ctl_write *w);
/*
 * Ends a change: with r < 0 aborts and prints why (or strerror), returning
 * CTL_FAIL; else commits and republishes the snapshot. Frees w's contents.
 */
int ctl_write_end(struct ctl *c, struct ctl_write *w, int r, const char *why);
/* Opens the store for reading and begins a read transaction; returns a CTL_* code. */
int ctl_read_begin(struct ctl *c, struct ids_txn **t);
/* Prints a JSON value (--json output), indented, with a newline. */
void ctl_print_json(json_t *j);
/* Resolves a login (or uid, or SCIM id) to the user's id; prints the error. */
int ctl_user_id(struct ids_txn *t, const char *who, char **id);

/* Makes a workspace directory owned by root:gid, setgid, 2770; *why says what failed. */
int ctl_make_directory(const char *dir, uint32_t gid, char **why);

/* Opens the store (creating it when create) or prints why not; returns a CTL_* code. */
int ctl_open_store(struct ctl *c, bool create);
/* Publishes the snapshot after a change and reports failure; returns a CTL_* code. */
int ctl_publish(struct ctl *c);
/* Prints "idsyncctl: message" to stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int ctl_cmd_init(struct ctl *c, int argc, char **argv);
int ctl_cmd_status(struct ctl *c, int argc, char **argv);
int ctl_cmd_user(struct ctl *c, int argc, char **argv);
int ctl_cmd_snapshot(struct ctl *c, int argc, char **argv);
int ctl_cmd_audit(struct ctl *c, int argc, char **argv);
int ctl_cmd_config(struct ctl *c, int argc, char **argv);
int ctl_cmd_workspace(struct ctl *c, int argc, char **argv);
int ctl_cmd_mapping(struct ctl *c, int argc, char **argv);
int ctl_cmd_role(struct ctl *c, int argc, char **argv);
int ctl_cmd_org(struct ctl *c, int argc, char **argv);
int ctl_cmd_grant(struct ctl *c, int argc, char **argv);
int ctl_cmd_explain(struct ctl *c, int argc, char **argv);
int ctl_cmd_token(struct ctl *c, int argc, char **argv);
int ctl_cmd_export(struct ctl *c, int argc, char **argv);
int ctl_cmd_apply(struct ctl *c, int argc, char **argv);

#endif
