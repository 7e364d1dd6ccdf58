/* SPDX-License-Identifier: MIT */
/*
 * idsyncd's snapshot publisher: a thread that republishes the NSS snapshot
 * at most scim.publish_delay_ms after it is told the store changed, so a
 * burst of SCIM writes costs one publication and the event loop never waits
 * for one.
 */
#ifndef IDS_PUBLISHER_H
#define IDS_PUBLISHER_H

#include "libidsync/config.h"
#include "libidsync/store.h"

struct publisher;

/* Starts the thread (store and cfg are borrowed for its life): 0 or -errno. */
int publisher_start(struct ids_store *store, const struct ids_config *cfg, struct publisher **out);
/* Asks for a publication (cheap; callable as often as wanted). */
void publisher_kick(struct publisher *p);
/* Publishes what is pending, stops the thread and frees. Accepts NULL. */
void publisher_stop(struct publisher *p);

#endif
