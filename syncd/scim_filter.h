/* SPDX-License-Identifier: MIT */
/*
 * SCIM filters and attribute paths (RFC 7644 §3.4.2.2, §3.5.2): the whole
 * grammar (eq ne co sw ew pr gt ge lt le, and or not, parentheses, value
 * paths "emails[type eq \"work\"]", sub-attributes, URN-qualified names),
 * parsed into a tree under length and depth limits, and evaluated against a
 * resource with the schema's comparison rules (caseExact, types). Pure: no
 * I/O, no globals. Used by list/search (filter=) and by PATCH (path=).
 */
#ifndef IDS_SCIM_FILTER_H
#define IDS_SCIM_FILTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "syncd/scim_error.h"
#include "syncd/scim_schema.h"

struct scim_limits {
	size_t filter_max_length; /* bytes; longer is 400 invalidFilter */
	unsigned filter_max_depth; /* nesting of and/or/not/()/[] */
};

enum scim_op {
	SCIM_OP_EQ,
	SCIM_OP_NE,
	SCIM_OP_CO,
	SCIM_OP_SW,
	SCIM_OP_EW,
	SCIM_OP_PR,
	SCIM_OP_GT,
	SCIM_OP_GE,
	SCIM_OP_LT,
	SCIM_OP_LE,
	SCIM_OP_AND,
	SCIM_OP_OR,
	SCIM_OP_NOT,
	SCIM_OP_VALUE_PATH, /* attr[filter] (filter evaluated on each value of attr) */
};

/*
 * An attribute reference: [urn ":"] attr ["." sub]. urn is NULL for the core
 * schema; names keep the spelling of the request (comparisons ignore case).
 */
struct scim_attr_ref {
	char *urn;
	char *attr;
	char *sub; /* NULL when absent */
};

struct scim_filter {
	enum scim_op op;
	struct scim_attr_ref ref; /* comparisons, pr, value paths */
	json_t *value;            /* comparison value: string, number, true, false or null */
	struct scim_filter *left, *right; /* and/or: both; not: left; value path: left (inner) */
};

/*
 * A PATCH path: attrPath, or valuePath ["." subAttr]
 * ("members[value eq \"2819c223\"]", "emails[type eq \"work\"].value",
 * "urn:...:enterprise:2.0:User:manager").
 */
struct scim_path {
	struct scim_attr_ref ref;   /* ref.sub is the sub-attribute after ']' or after '.' */
	struct scim_filter *filter; /* the value filter between [ ], or NULL */
};

/*
 * Parses filter text for resource type rt. Returns 0 and *out (free with
 * scim_filter_free), or -1 with e filled: 400 invalidFilter naming the
 * position and what was expected, for text over lim->filter_max_length or
 * nested deeper than lim->filter_max_depth too. Attribute names need not be
 * in the schema (extension attributes a client sent are kept and can be
 * filtered on); a URN that is not one of rt's schemas is invalidFilter.
 */
int scim_filter_parse(const char *text, size_t len, const struct scim_rtype *rt,
		      const struct scim_limits *lim, struct scim_filter **out, struct scim_err *e);
struct scim_filter *scim_filter_free(struct scim_filter *f);

/*
 * Whether resource (a SCIM resource as served: JSON object) matches f.
 * Attribute names are matched case-insensitively; string comparison follows
 * the attribute's caseExact (unknown attributes: case-insensitive); a
 * multi-valued attribute matches when any value does; a complex
 * multi-valued attribute compared without a sub-attribute uses its "value".
 * gt/ge/lt/le on booleans or complex values never match.
 */
bool scim_filter_match(const struct scim_filter *f, json_t *resource, const struct scim_rtype *rt);

/*
 * The same tests applied to one value of a multi-valued complex attribute
 * (the inside of a value path): f's references name sub-attributes of a.
 */
bool scim_filter_match_value(const struct scim_filter *f, json_t *value,
			     const struct scim_attr *a);

/*
 * Index planning: when f is "ATTR eq STRING" or an "and" with such a term at
 * its top level, gives the first such attribute (core schema, no sub,
 * case-insensitive name) and its string value, so the caller can fetch
 * candidates through an index and still check the whole filter on each.
 * Returns false otherwise. attr_out is the spelling of the request.
 */
bool scim_filter_eq_term(const struct scim_filter *f, const char **attr_out,
			 const char **value_out);

/* Parses a PATCH path (same limits, 400 invalidPath on error). */
int scim_path_parse(const char *text, const struct scim_rtype *rt, const struct scim_limits *lim,
		    struct scim_path **out, struct scim_err *e);
struct scim_path *scim_path_free(struct scim_path *p);

/*
 * Resolves a reference to its schema definition (NULL for attributes the
 * schema does not know). *parent gets the top-level attribute when ref has a
 * sub-attribute (else the attribute itself).
 */
const struct scim_attr *scim_ref_resolve(const struct scim_rtype *rt,
					 const struct scim_attr_ref *ref,
					 const struct scim_attr **parent);

#endif
