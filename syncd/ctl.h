/* SPDX-License-Identifier: MIT */
/*
 * Shared state and helpers of idsyncctl's sub-commands. Each ctl_*.c file
 * owns one group of sub-commands; idsyncctl.c parses global options and
 * dispatches.
 */
#ifndef IDS_CTL_H
#define IDS_CTL_H

#include <stdbool.h>

#include "libidsync/config.h"
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

#endif
