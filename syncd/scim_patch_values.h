/* SPDX-License-Identifier: MIT */
/*
 * Values for SCIM PATCH (internal to scim_patch.c): a client's value checked
 * against the attribute's schema type and shaped to store, complex values
 * merged, multi-valued attributes compared, de-duplicated and kept to one
 * primary value. Names are matched case-insensitively and new ones take the
 * schema's spelling.
 */
#ifndef IDS_SCIM_PATCH_VALUES_H
#define IDS_SCIM_PATCH_VALUES_H

#include <jansson.h>
#include <stdbool.h>

#include "syncd/scim_error.h"
#include "syncd/scim_filter.h"
#include "syncd/scim_schema.h"

struct pv {
	const struct scim_rtype *rt;
	struct scim_err *e;
};

/* 500: out of memory. Returns -1. */
int pv_oom(struct pv *v);

/*
 * value checked against a (NULL: unknown, copied as sent) and shaped to
 * store, in *out (new reference; NULL for a JSON null). elem: value is one
 * value of a multi-valued attribute, else the whole attribute (an array, or
 * one value that is wrapped). Booleans sent as strings ("False") become
 * booleans; a string for a single-valued complex attribute with a "value"
 * sub-attribute becomes {"value": string} (Entra's manager); readOnly
 * sub-attributes are dropped. -1 with 400 invalidValue naming label.
 */
int pv_coerce(struct pv *v, const struct scim_attr *a, json_t *value, bool elem,
	      const char *label, json_t **out);
/* Merges the sub-attributes of src into the complex value dst (null removes one). */
int pv_merge(struct pv *v, const struct scim_attr *a, json_t *dst, json_t *src, const char *label);

/* Sets obj's key name (case-insensitive; new keys spelt name) to val (stolen; NULL deletes). */
int pv_set(json_t *obj, const char *name, json_t *val);
/* Copies src's keys into dst, case-insensitively replacing. -1 when out of memory. */
int pv_update(json_t *dst, json_t *src);
/* [x] (x stolen); NULL when out of memory. */
json_t *pv_wrap(json_t *x);

/*
 * Sets of values of a multi-valued attribute a (hashed, so that work stays
 * linear in the values): two values are the same when equal, or when their
 * "value" sub-attributes are (caseExact as a says; unknown: ignoring case).
 * pv_seen_new gives the set of vals' values (a JSON object; NULL when out of
 * memory); pv_seen_put adds x, returning 1 when it was there, 0 when added,
 * -1 when out of memory.
 */
json_t *pv_seen_new(const struct scim_attr *a, json_t *vals);
int pv_seen_put(json_t *seen, const struct scim_attr *a, json_t *x);
bool pv_seen_has(json_t *seen, const struct scim_attr *a, json_t *x);
/* vals (stolen) without repeats; NULL when out of memory. */
json_t *pv_dedupe(const struct scim_attr *a, json_t *vals);
/* Removes from arr every value the same as one of xs (an array, or one value). -1: OOM. */
int pv_remove_equal(const struct scim_attr *a, json_t *arr, json_t *xs);
/* Makes arr hold the values of keep (stolen; NULL fails). -1 when out of memory. */
int pv_replace_all(json_t *arr, json_t *keep);
/* Whether x is an object with "primary": true. */
bool pv_is_primary(json_t *x);
/* Sets "primary" to false on every value of arr but keep (NULL: does nothing). */
void pv_one_primary(json_t *arr, json_t *keep);

/*
 * When f is "sub eq X", or such terms joined by "and", the object of those
 * sub-attributes and values (schema spelling); NULL otherwise or when out of
 * memory.
 */
json_t *pv_eq_object(const struct scim_filter *f, const struct scim_attr *a);

/* Prefixes e's detail with "operation N: ". */
void pv_prefix(struct scim_err *e, size_t n);

#endif
