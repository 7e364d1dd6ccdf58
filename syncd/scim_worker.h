/* SPDX-License-Identifier: MIT */
/*
 * idsyncd's store workers: threads that run SCIM requests off the event
 * loop. The writer (one thread) runs every write request, in batches. Each batch is one write transaction; each request in it runs in
 * a nested transaction (a failing one is undone alone); the batch commits
 * with one fsync, and only then are its answers handed back. While a batch
 * is being made durable, the event loop goes on reading the next one, so the
 * fsync costs throughput nothing. LMDB's writer lock belongs to the thread
 * that took it: this thread begins and ends every write transaction.
 * Readers (a few threads sharing a queue) run each read request in a read
 * transaction of its own, so a slow one (a filter that scans every user)
 * holds up neither the event loop nor the writes.
 */
#ifndef IDS_SCIM_WORKER_H
#define IDS_SCIM_WORKER_H

#include <stdbool.h>
#include <time.h>

#include "syncd/scim_service.h"

struct evhttp_request;

/* A request and, once done, its answer. */
struct scim_job {
	struct scim_job *next;
	struct scim_req rq; /* its strings, params and body belong to the job */
	bool has_request;   /* false: only a token use to record */
	char *token_secret; /* when set, the token's use is recorded in the batch */

	/* Filled by the writer: */
	bool failed; /* e holds the answer, else rs */
	bool changed; /* the store changed durably */
	struct scim_resp rs;
	struct scim_err e;

	/* The event loop's, never touched by the writer: */
	struct evhttp_request *req;
	char *line;
	struct timespec start;
};

struct scim_job *scim_job_free(struct scim_job *j);

struct scim_worker;

/*
 * Starts a writer (threads 0) or threads readers. Done jobs are queued for scim_worker_take_done(), and
 * the loop is woken through the file descriptor scim_worker_fd() (readable
 * when jobs are done). Returns 0 or -errno.
 */
int scim_worker_start(struct scim_service *svc, unsigned readers, struct scim_worker **out);
int scim_worker_fd(const struct scim_worker *w);
/* Queues a job (taken over). */
void scim_worker_submit(struct scim_worker *w, struct scim_job *j);
/* The jobs done so far, in order (a list through ->next), and clears the wake-up. */
struct scim_job *scim_worker_take_done(struct scim_worker *w);
/* Whether nothing is queued, running or waiting to be taken. */
bool scim_worker_idle(struct scim_worker *w);
/* Finishes what is queued, stops the threads; the done jobs stay to be taken. */
void scim_worker_stop(struct scim_worker *w);
struct scim_worker *scim_worker_free(struct scim_worker *w);

#endif
