/* SPDX-License-Identifier: MIT */
/*
 * List and search (RFC 7644 §3.4.2, §3.4.3): the query (filter, startIndex,
 * count, attributes, excludedAttributes) from the URL or from a
 * SearchRequest body, and the paging of matches into a ListResponse with a
 * stable order (the store's id order) and integer counters.
 */
#ifndef IDS_SCIM_LIST_H
#define IDS_SCIM_LIST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "syncd/scim_filter.h"
#include "syncd/scim_resource.h"
#include "syncd/scim_service.h"

struct scim_list {
	const struct scim_rtype *rt;
	struct scim_filter *filter;    /* NULL: every resource */
	struct scim_projection *proj; /* NULL: the default attributes */
	size_t start_index;            /* 1-based */
	size_t count;                  /* page size asked for, capped by page_size_max */
	size_t total;                  /* matches seen so far */
	json_t *resources;             /* the page being built */
};

/*
 * Reads the query from rq: its URL parameters for GET, its body for POST
 * .search (a SearchRequest; both spellings of each key, case-insensitive).
 * Bad values are 400 invalidValue (startIndex/count not integers) or
 * invalidFilter. Returns 0 and fills l, or -1 with e.
 */
int scim_list_begin(struct scim_list *l, struct scim_service *svc, const struct scim_req *rq,
		    const struct scim_rtype *rt, bool search_body, struct scim_err *e);
void scim_list_clear(struct scim_list *l);

/* Whether resource matches the filter. */
bool scim_list_matches(const struct scim_list *l, json_t *resource);
/*
 * Counts a match and, when it falls inside the page, appends its projection.
 * Returns 0 or -ENOMEM. Takes no reference on resource.
 */
int scim_list_add(struct scim_list *l, json_t *resource);
/* Whether matches after the current one can still land on the page (else only totals count). */
bool scim_list_page_full(const struct scim_list *l);
/*
 * Index planning: an "ATTR eq STRING" term on one of the indexed attributes
 * (a NULL-terminated list, names compared case-insensitively), at the top
 * level of f or anywhere in its top-level chain of "and". A match of f must
 * satisfy that term, so the candidates can come from the index; f is still
 * checked on each. Gives the attribute as the index names it and the value.
 */
bool scim_list_indexed_term(const struct scim_filter *f, const char *const *indexed,
			    const char **attr, const char **value);

/* The ListResponse (new reference; NULL when out of memory). */
json_t *scim_list_response(struct scim_list *l);

#endif
