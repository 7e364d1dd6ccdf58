/* SPDX-License-Identifier: MIT */
/*
 * The audit trail: every decision (provisioning, grant, revoke, seat refusal,
 * login allowed or denied) goes through ids_audit(). The record is written in
 * the caller's transaction and, once that commits, to syslog (and the journal
 * with its MESSAGE_ID when it runs), so a line never reports a change that
 * did not happen.
 */
#ifndef IDS_AUDIT_H
#define IDS_AUDIT_H

#include <stdint.h>

#include "libidsync/log_ids.h"
#include "libidsync/store.h"

/* Ends the key/value list of ids_audit(): a typed null pointer, as variadic calls need. */
#define IDS_END ((const char *)NULL)

/*
 * Records an event with key/value string pairs, ending with IDS_END:
 *   ids_audit(t, IDS_MSG_GRANT, "user", login, "workspace", ws, IDS_END);
 * A NULL value ends the list early: put optional pairs last.
 * With a read-only transaction (or t == NULL) the event only goes to the log.
 * Returns 0 or -errno (the transaction's sticky error is set).
 */
int ids_audit(struct ids_txn *t, struct ids_msgid msg, ...) __attribute__((sentinel));

/* Formats an event's fields as a log line ("event=grant user=ada ..."): malloc'd. */
char *ids_audit_format(const char *tag, const char *const *kv);

/* Calls fn for each stored audit record (JSON text) with sequence >= since_seq, oldest first. */
typedef int (*ids_audit_fn)(uint64_t seq, const char *json, size_t len, void *user);
int ids_audit_foreach(struct ids_txn *t, uint64_t since_seq, ids_audit_fn fn, void *user);

#endif
