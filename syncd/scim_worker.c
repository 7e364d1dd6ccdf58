/* SPDX-License-Identifier: MIT */
/*
 * The store worker threads (see scim_worker.h). The writer takes the queued
 * write jobs up to scim.batch_max at a time and runs them in one durable
 * transaction; readers take one job at a time. Both hand them back through
 * an eventfd. Never touches libevent: the loop owns every HTTP object.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "libidsync/log.h"
#include "libidsync/tokens.h"
#include "syncd/scim_worker.h"

#define MAX_READERS 8

struct scim_worker {
	pthread_t threads[MAX_READERS];
	unsigned n_threads, busy;
	bool readers;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct scim_job *queue, **queue_tail;
	struct scim_job *done, **done_tail;
	bool stop;
	int efd;
	struct scim_service *svc;
};

struct scim_job *
scim_job_free(struct scim_job *j)
{
	if (!j)
		return NULL;
	scim_req_free_params(&j->rq);
	free((char *)j->rq.path);
	free((char *)j->rq.if_match);
	free((char *)j->rq.base_url);
	free((char *)j->rq.actor);
	json_decref(j->rq.body);
	if (j->token_secret) {
		explicit_bzero(j->token_secret, strlen(j->token_secret));
		free(j->token_secret);
	}
	scim_resp_clear(&j->rs);
	free(j->line);
	free(j);
	return NULL;
}

/* Runs one job in a child of batch. Returns whether it changed the store. */
static bool
run_job(struct scim_worker *w, struct ids_txn *batch, struct scim_job *j)
{
	struct ids_txn *child = NULL;
	bool changed = false;
	char *name = NULL;
	int r;

	if (j->token_secret && ids_txn_begin_nested(batch, &child) == 0) {
		if (ids_token_verify(child, j->token_secret, j->rq.now, &name) == 0 &&
		    ids_txn_commit(child) == 0)
			changed = true;
		else
			ids_txn_abort(child);
		free(name);
	}
	if (!j->has_request)
		return changed;
	r = ids_txn_begin_nested(batch, &child);
	if (r < 0) {
		scim_fail_errno(&j->e, r, NULL, "cannot begin a store transaction");
		j->failed = true;
		return changed;
	}
	if (scim_dispatch(w->svc, child, &j->rq, &j->rs, &j->e) < 0) {
		ids_txn_abort(child);
		j->failed = true;
		return changed;
	}
	r = ids_txn_commit(child);
	if (r < 0) {
		scim_resp_clear(&j->rs);
		scim_fail_errno(&j->e, r, NULL, "cannot apply the change");
		j->failed = true;
		return changed;
	}
	return true;
}

/* One batch: every job in one transaction, one fsync. */
static void
run_batch(struct scim_worker *w, struct scim_job *list)
{
	struct ids_txn *batch = NULL;
	bool changed = false;
	size_t n = 0;
	int r;

	scim_service_refresh(w->svc);
	r = ids_txn_begin(w->svc->store, true, &batch);
	for (struct scim_job *j = list; r == 0 && j; j = j->next, n++)
		changed |= run_job(w, batch, j);
	if (r == 0)
		r = changed ? ids_txn_commit(batch) : (ids_txn_abort(batch), 0);
	if (r < 0) {
		struct scim_err e = {0};
		ids_log_errno(r, "scim: a batch of %zu writes could not be committed", n);
		scim_fail_errno(&e, r, NULL, "the change could not be stored durably");
		if (e.status < 500)
			e.status = 503;
		for (struct scim_job *j = list; j; j = j->next) {
			scim_resp_clear(&j->rs);
			j->e = e;
			j->failed = true;
		}
		return;
	}
	for (struct scim_job *j = list; j; j = j->next)
		j->changed = changed && !j->failed;
}

/* A read request, in a read transaction of its own. */
static void
run_read(struct scim_worker *w, struct scim_job *j)
{
	struct ids_txn *t = NULL;
	int r = ids_txn_begin(w->svc->store, false, &t);

	if (r < 0)
		scim_fail_errno(&j->e, r, NULL, "cannot read the store");
	else if (scim_dispatch(w->svc, t, &j->rq, &j->rs, &j->e) == 0)
		r = 0;
	else
		r = -1;
	j->failed = r < 0;
	ids_txn_abort(t);
}

static void *
run(void *arg)
{
	struct scim_worker *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct scim_job *list, **tail;
		unsigned n = 0, most = w->readers ? 1 : w->svc->cfg->scim_batch_max;

		while (!w->queue && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->queue)
			break;
		/* Up to batch_max jobs for the writer, one for a reader, in arrival order. */
		list = w->queue;
		tail = &list;
		while (*tail && n < most) {
			tail = &(*tail)->next;
			n++;
		}
		w->queue = *tail;
		if (!w->queue)
			w->queue_tail = &w->queue;
		*tail = NULL;
		w->busy++;
		pthread_mutex_unlock(&w->lock);

		if (w->readers)
			run_read(w, list);
		else
			run_batch(w, list);

		pthread_mutex_lock(&w->lock);
		*w->done_tail = list;
		while (*w->done_tail)
			w->done_tail = &(*w->done_tail)->next;
		w->busy--;
		if (write(w->efd, &one, sizeof(one)) < 0)
			ids_log_warn("scim: cannot wake the event loop");
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int
scim_worker_start(struct scim_service *svc, unsigned readers, struct scim_worker **out)
{
	struct scim_worker *w = calloc(1, sizeof(*w));
	unsigned n = readers ? (readers < MAX_READERS ? readers : MAX_READERS) : 1;
	int r;

	if (!w)
		return -ENOMEM;
	w->svc = svc;
	w->readers = readers > 0;
	w->efd = -1;
	w->queue_tail = &w->queue;
	w->done_tail = &w->done;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		r = -errno;
		scim_worker_free(w);
		return r;
	}
	for (unsigned i = 0; i < n; i++) {
		r = pthread_create(&w->threads[i], NULL, run, w);
		if (r) {
			scim_worker_free(w);
			return -r;
		}
		w->n_threads++;
	}
	*out = w;
	return 0;
}

int
scim_worker_fd(const struct scim_worker *w)
{
	return w->efd;
}

void
scim_worker_submit(struct scim_worker *w, struct scim_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&w->lock);
	*w->queue_tail = j;
	w->queue_tail = &j->next;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

struct scim_job *
scim_worker_take_done(struct scim_worker *w)
{
	struct scim_job *list;
	uint64_t count;

	(void)!read(w->efd, &count, sizeof(count));
	pthread_mutex_lock(&w->lock);
	list = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->lock);
	return list;
}

bool
scim_worker_idle(struct scim_worker *w)
{
	bool idle;

	pthread_mutex_lock(&w->lock);
	idle = !w->queue && w->busy == 0 && !w->done;
	pthread_mutex_unlock(&w->lock);
	return idle;
}

void
scim_worker_stop(struct scim_worker *w)
{
	if (!w || !w->n_threads)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	w->n_threads = 0;
}

struct scim_worker *
scim_worker_free(struct scim_worker *w)
{
	if (!w)
		return NULL;
	scim_worker_stop(w);
	while (w->done) {
		struct scim_job *next = w->done->next;
		scim_job_free(w->done);
		w->done = next;
	}
	while (w->queue) {
		struct scim_job *next = w->queue->next;
		scim_job_free(w->queue);
		w->queue = next;
	}
	if (w->efd >= 0)
		close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
	return NULL;
}
