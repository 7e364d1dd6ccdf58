/* SPDX-License-Identifier: MIT */
/*
 * SCIM resource bodies against the schema: validation and normalisation of
 * what a client sends (POST, PUT, and the result of a PATCH), and the
 * attributes= / excludedAttributes= projection of what we return. Pure: no
 * I/O. Never trusts the input's shape: every attribute idsync knows is
 * type-checked, unknown extension attributes are kept as sent.
 */
#ifndef IDS_SCIM_RESOURCE_H
#define IDS_SCIM_RESOURCE_H

#include <jansson.h>
#include <stdbool.h>

#include "syncd/scim_error.h"
#include "syncd/scim_schema.h"

/*
 * Validates body (a JSON value of any shape) as a resource of rt sent by a
 * client and returns the normalised copy to store in *out (new reference):
 *  - it must be an object; "schemas", when present, must be an array of
 *    strings holding rt's core URN and only URNs of rt (a missing "schemas"
 *    is tolerated: several clients omit it);
 *  - attribute names are matched case-insensitively and rewritten to the
 *    schema's spelling ("USERNAME" -> "userName");
 *  - readOnly attributes (id, meta, groups) are dropped; writeOnly ones
 *    (password) are dropped and never stored;
 *  - booleans sent as strings ("True", "false") become booleans, integers
 *    sent as strings are not converted (invalidValue);
 *  - each known attribute has its schema type, a multi-valued attribute is an
 *    array (a single object is wrapped), a complex one an object, and at most
 *    one value of a multi-valued attribute is primary;
 *  - required attributes are present (User: userName; Group: displayName) and
 *    non-empty strings without control characters;
 *  - the enterprise extension's "manager" may be a plain id string (Entra):
 *    it becomes {"value": id}.
 * Returns 0, or -1 with e filled (400 invalidSyntax / invalidValue naming
 * the attribute at fault). Group members are validated and kept in *out
 * (the caller moves them to the membership store).
 */
int scim_resource_validate(json_t *body, const struct scim_rtype *rt, json_t **out,
			   struct scim_err *e);

/*
 * Projection (RFC 7644 §3.4.2.5 and §3.9): attributes and excluded are the
 * query's comma-separated lists (either may be NULL; both set is 400
 * invalidSyntax). Names may be URN-qualified and may name sub-attributes.
 * "returned: always" attributes (id, schemas, userName for Users) stay,
 * "returned: never" ones never appear. Returns 0 and *out (new reference),
 * or -1 with e filled.
 */
struct scim_projection;
int scim_projection_parse(const char *attributes, const char *excluded,
			  const struct scim_rtype *rt, struct scim_projection **out,
			  struct scim_err *e);
struct scim_projection *scim_projection_free(struct scim_projection *p);
/* Whether the projection asks for attribute name (top level, case-insensitive) at all. */
bool scim_projection_wants(const struct scim_projection *p, const char *name);
/* Applies p (NULL: the default set) to resource; returns a new reference or NULL (OOM). */
json_t *scim_projection_apply(const struct scim_projection *p, json_t *resource,
			      const struct scim_rtype *rt);

#endif
