/* SPDX-License-Identifier: MIT */
/*
 * Ending an offboarded user's sessions and processes, so that offboarding
 * bites now and not at the next login (SSH-key logins and running jobs
 * included). Registered inside a store transaction, carried out only after
 * it commits.
 */
#ifndef IDS_SESSIONS_H
#define IDS_SESSIONS_H

#include <stdint.h>
#include <sys/types.h>

#include "libidsync/store.h"

/* Seconds between SIGTERM and SIGKILL. */
#define IDS_SESSIONS_GRACE_SECONDS 3

/*
 * Audits the processes uid runs now (IDS_MSG_SESSIONS_ENDED, in t) and, once
 * t commits, ends them: "loginctl terminate-user" where systemd-logind runs,
 * then SIGTERM to every remaining process of uid and SIGKILL after the grace
 * period, from a detached helper process so the caller never waits.
 * uid 0 and uids below 1000 are refused (-EPERM): never a system account.
 */
int ids_sessions_end_after_commit(struct ids_txn *t, uint32_t uid, const char *login);

/* The pids of the processes whose real or effective uid is uid (malloc'd, *n entries). */
int ids_sessions_list(uint32_t uid, pid_t **pids, size_t *n);

#endif
