/* SPDX-License-Identifier: MIT */
/*
 * The snapshot publisher thread (see publisher.h). It only reads the store,
 * in its own read transaction; ids_snapshot_publish() holds the publication
 * lock, so idsyncctl and pam_idsync publishing at the same time are safe.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "libidsync/log.h"
#include "libidsync/snapshot.h"
#include "syncd/publisher.h"

struct publisher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool dirty, stop;
	struct ids_store *store;
	const struct ids_config *cfg;
};

/* 0, or -errno when the publication failed (logged; the caller retries). */
static int
publish(struct publisher *p)
{
	struct ids_snapshot_stats st;
	int r = ids_snapshot_publish(p->store, p->cfg, false, &st);

	if (r < 0) {
		ids_log_errno(r, "cannot publish the NSS snapshot %s (the previous one stays in place; retrying)",
			      p->cfg->snapshot_path);
		return r;
	}
	if (st.published)
		ids_log_debug("snapshot generation %llu published: %u users, %u groups",
			      (unsigned long long)st.generation, st.users, st.groups);
	return 0;
}

static void *
run(void *arg)
{
	struct publisher *p = arg;
	struct timespec delay = {p->cfg->scim_publish_delay_ms / 1000,
				 (long)(p->cfg->scim_publish_delay_ms % 1000) * 1000000L};

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->dirty && !p->stop)
			pthread_cond_wait(&p->wake, &p->lock);
		if (!p->dirty)
			break;
		pthread_mutex_unlock(&p->lock);
		/* Let the rest of a burst arrive: one publication for all of it. */
		if (!p->stop)
			nanosleep(&delay, NULL);
		pthread_mutex_lock(&p->lock);
		p->dirty = false;
		pthread_mutex_unlock(&p->lock);
		if (publish(p) < 0 && !p->stop) {
			/* A full disk, say: try again in a second rather than at the next write. */
			struct timespec pause = {1, 0};
			nanosleep(&pause, NULL);
			pthread_mutex_lock(&p->lock);
			p->dirty = true;
			continue;
		}
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
publisher_start(struct ids_store *store, const struct ids_config *cfg, struct publisher **out)
{
	struct publisher *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->store = store;
	p->cfg = cfg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->dirty = true; /* publish once at start: the snapshot may predate this build's format */
	r = pthread_create(&p->thread, NULL, run, p);
	if (r) {
		free(p);
		return -r;
	}
	*out = p;
	return 0;
}

void
publisher_kick(struct publisher *p)
{
	pthread_mutex_lock(&p->lock);
	if (!p->dirty) {
		p->dirty = true;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
}

void
publisher_stop(struct publisher *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
