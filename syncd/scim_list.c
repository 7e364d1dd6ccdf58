/* SPDX-License-Identifier: MIT */
/*
 * List and search queries and ListResponse paging (see scim_list.h). The
 * handlers choose candidates (an index lookup or a scan in id order); this
 * file decides which of them match and which land on the page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "syncd/scim_list.h"

/* A non-negative decimal that fits in size_t; false otherwise. */
static bool
parse_index(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return false;
	*out = v;
	return true;
}

static int
get_int(json_t *body, const char *key, const char *param, long long *out, bool *given,
	struct scim_err *e)
{
	json_t *v = scim_json_get(body, key);

	*given = false;
	if (body && v) {
		if (json_is_integer(v)) {
			*out = json_integer_value(v);
		} else if (!json_is_string(v) || !parse_index(json_string_value(v), out)) {
			return scim_fail(e, 400, SCIM_ERR_INVALID_VALUE, "%s must be an integer", key);
		}
		*given = true;
		return 0;
	}
	if (param) {
		if (!parse_index(param, out))
			return scim_fail(e, 400, SCIM_ERR_INVALID_VALUE,
					 "%s must be an integer, not \"%.40s\"", key, param);
		*given = true;
	}
	return 0;
}

/* A string member of a SearchRequest: a string, or an array of strings joined by commas. */
static int
get_str(json_t *body, const char *key, const char *param, char **out, struct scim_err *e)
{
	json_t *v = scim_json_get(body, key);

	*out = NULL;
	if (body && v && !json_is_null(v)) {
		if (json_is_string(v)) {
			*out = strdup(json_string_value(v));
		} else if (json_is_array(v)) {
			size_t i, len = 1;
			json_t *it;

			json_array_foreach(v, i, it) {
				if (!json_is_string(it))
					return scim_fail(e, 400, SCIM_ERR_INVALID_VALUE,
							 "%s must hold strings", key);
				len += json_string_length(it) + 1;
			}
			*out = calloc(1, len);
			json_array_foreach(v, i, it) {
				if (!*out)
					break;
				if (i)
					strcat(*out, ",");
				strcat(*out, json_string_value(it));
			}
		} else {
			return scim_fail(e, 400, SCIM_ERR_INVALID_VALUE, "%s must be a string", key);
		}
	} else if (param) {
		*out = strdup(param);
	} else {
		return 0;
	}
	return *out ? 0 : scim_fail(e, 500, NULL, "out of memory");
}

int
scim_list_begin(struct scim_list *l, struct scim_service *svc, const struct scim_req *rq,
		const struct scim_rtype *rt, bool search_body, struct scim_err *e)
{
	json_t *body = search_body ? rq->body : NULL;
	char *filter = NULL, *attrs = NULL, *excl = NULL;
	long long start = 1, count = svc->cfg->scim_page_size_max;
	bool given;
	int r;

	memset(l, 0, sizeof(*l));
	l->rt = rt;
	if (search_body && !json_is_object(body))
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "a .search request needs a SearchRequest object as its body");
	if (get_int(body, "startIndex", scim_req_param(rq, "startIndex"), &start, &given, e) < 0 ||
	    get_int(body, "count", scim_req_param(rq, "count"), &count, &given, e) < 0)
		return -1;
	/* RFC 7644 §3.4.2.4: below 1 is 1, negative count is 0, too large is capped. */
	if (start < 1)
		start = 1;
	if (count < 0)
		count = 0;
	if ((unsigned long long)count > svc->cfg->scim_page_size_max)
		count = svc->cfg->scim_page_size_max;
	l->start_index = (size_t)start;
	l->count = (size_t)count;

	r = get_str(body, "filter", scim_req_param(rq, "filter"), &filter, e);
	if (r == 0)
		r = get_str(body, "attributes", scim_req_param(rq, "attributes"), &attrs, e);
	if (r == 0)
		r = get_str(body, "excludedAttributes", scim_req_param(rq, "excludedAttributes"),
			    &excl, e);
	if (r == 0 && filter)
		r = scim_filter_parse(filter, strlen(filter), rt, &svc->limits, &l->filter, e);
	if (r == 0 && (attrs || excl))
		r = scim_projection_parse(attrs, excl, rt, &l->proj, e);
	free(filter);
	free(attrs);
	free(excl);
	if (r == 0) {
		l->resources = json_array();
		if (!l->resources)
			r = scim_fail(e, 500, NULL, "out of memory");
	}
	if (r < 0)
		scim_list_clear(l);
	return r;
}

void
scim_list_clear(struct scim_list *l)
{
	l->filter = scim_filter_free(l->filter);
	l->proj = scim_projection_free(l->proj);
	json_decref(l->resources);
	l->resources = NULL;
}

bool
scim_list_matches(const struct scim_list *l, json_t *resource)
{
	return !l->filter || scim_filter_match(l->filter, resource, l->rt);
}

bool
scim_list_page_full(const struct scim_list *l)
{
	return l->total >= l->start_index - 1 + l->count;
}

int
scim_list_add(struct scim_list *l, json_t *resource)
{
	json_t *shown;

	l->total++;
	if (l->total < l->start_index || l->total >= l->start_index + l->count)
		return 0;
	shown = scim_projection_apply(l->proj, resource, l->rt);
	if (!shown || json_array_append_new(l->resources, shown) < 0)
		return -ENOMEM;
	return 0;
}

json_t *
scim_list_response(struct scim_list *l)
{
	json_t *o = json_pack("{s:[s], s:I, s:I, s:I}", "schemas", SCIM_URN_LIST, "totalResults",
			      (json_int_t)l->total, "itemsPerPage",
			      (json_int_t)json_array_size(l->resources), "startIndex",
			      (json_int_t)l->start_index);

	if (o && json_object_set(o, "Resources", l->resources) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

bool
scim_list_indexed_term(const struct scim_filter *f, const char *const *indexed, const char **attr,
		       const char **value)
{
	if (!f)
		return false;
	if (f->op == SCIM_OP_AND)
		return scim_list_indexed_term(f->left, indexed, attr, value) ||
		       scim_list_indexed_term(f->right, indexed, attr, value);
	if (f->op != SCIM_OP_EQ || f->ref.sub || !json_is_string(f->value))
		return false;
	/* The core schema only (the parser leaves urn NULL for it): an extension's is another. */
	if (f->ref.urn)
		return false;
	for (size_t i = 0; indexed[i]; i++)
		if (strcasecmp(f->ref.attr, indexed[i]) == 0) {
			*attr = indexed[i];
			*value = json_string_value(f->value);
			return true;
		}
	return false;
}
