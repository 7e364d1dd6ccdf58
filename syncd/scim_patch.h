/* SPDX-License-Identifier: MIT */
/*
 * SCIM PATCH (RFC 7644 §3.5.2): applies a PatchOp body to a resource held
 * as JSON. Accepts the clients' known deviations: op names in any case
 * ("Replace"), "replace" or "add" without a path whose value carries dotted
 * ("name.givenName") or URN-prefixed keys, "remove" of a multi-valued
 * attribute with a value array instead of a filter path, and a value filter
 * path in replace that matches nothing (a new value is added, as Entra
 * expects). Multi-valued attributes stored outside the resource (a Group's
 * members) are not touched in the JSON: each change to them goes to hooks,
 * so one member added to a 10k-member group is one small store write.
 * Pure: no I/O. On failure the resource may be half-changed: callers patch a
 * copy and keep it only on success.
 */
#ifndef IDS_SCIM_PATCH_H
#define IDS_SCIM_PATCH_H

#include <jansson.h>

#include "syncd/scim_error.h"
#include "syncd/scim_filter.h"
#include "syncd/scim_schema.h"

/*
 * Changes to an attribute kept outside the resource. Each hook returns 0, or
 * -1 with e filled (the whole PATCH then fails). value is the member's
 * "value" (an id); member the whole JSON object the client sent.
 */
struct scim_patch_hooks {
	const char *attr; /* the attribute they own ("members"), or NULL: no hooks */
	int (*add)(void *ctx, const char *value, json_t *member, struct scim_err *e);
	int (*remove)(void *ctx, const char *value, struct scim_err *e);
	/* Removes every value matching f (a value filter that is not "value eq X"). */
	int (*remove_where)(void *ctx, const struct scim_filter *f, struct scim_err *e);
	int (*clear)(void *ctx, struct scim_err *e);
	void *ctx;
};

/*
 * Applies body (the request's JSON: schemas must hold the PatchOp URN,
 * Operations a non-empty array) to resource in order. resource holds the
 * client-writable attributes only (no id, no meta). Errors, all -1 with e:
 * 400 invalidSyntax (body shape, unknown op, missing value), 400 invalidPath
 * (bad path), 400 noTarget (remove/replace on a filter that matches nothing
 * where no value can be created), 400 mutability (a readOnly or immutable
 * attribute), 400 invalidValue (a value of the wrong type).
 */
int scim_patch_apply(json_t *resource, json_t *body, const struct scim_rtype *rt,
		     const struct scim_limits *lim, const struct scim_patch_hooks *hooks,
		     struct scim_err *e);

#endif
