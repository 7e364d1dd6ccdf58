/* SPDX-License-Identifier: MIT */
/*
 * The SCIM schemas idsync serves (RFC 7643 §4, §8.7): User with the
 * enterprise extension, and Group. One table drives attribute lookup
 * (case-insensitive names, URN-qualified paths), filter comparison rules
 * (type, caseExact), PATCH mutability, attribute projection ("returned") and
 * the /Schemas and /ResourceTypes documents, so what we say we support is
 * exactly what the code does.
 */
#ifndef IDS_SCIM_SCHEMA_H
#define IDS_SCIM_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SCIM_URN_USER "urn:ietf:params:scim:schemas:core:2.0:User"
#define SCIM_URN_GROUP "urn:ietf:params:scim:schemas:core:2.0:Group"
#define SCIM_URN_ENTERPRISE "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define SCIM_URN_LIST "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define SCIM_URN_PATCH "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define SCIM_URN_SEARCH "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

enum scim_type {
	SCIM_T_STRING,
	SCIM_T_BOOLEAN,
	SCIM_T_DECIMAL,
	SCIM_T_INTEGER,
	SCIM_T_DATETIME,
	SCIM_T_REFERENCE,
	SCIM_T_BINARY,
	SCIM_T_COMPLEX,
};

enum scim_mutability {
	SCIM_MUT_READWRITE,
	SCIM_MUT_READONLY,  /* set by the server (id, meta, groups): ignored on input */
	SCIM_MUT_IMMUTABLE, /* may be set once */
	SCIM_MUT_WRITEONLY, /* password: accepted, never stored or returned */
};

enum scim_returned {
	SCIM_RET_DEFAULT,
	SCIM_RET_ALWAYS, /* id, schemas: returned even when not asked for */
	SCIM_RET_NEVER,  /* password */
	SCIM_RET_REQUEST,
};

struct scim_attr {
	const char *name;
	enum scim_type type;
	bool multi_valued;
	bool required;
	bool case_exact;
	enum scim_mutability mutability;
	enum scim_returned returned;
	bool unique_server; /* uniqueness "server" (else "none") */
	const char *description;
	const struct scim_attr *sub; /* sub-attributes of a complex attribute */
	size_t n_sub;
	const char *const *canonical;       /* NULL-terminated canonicalValues, or NULL */
	const char *const *reference_types; /* NULL-terminated, for SCIM_T_REFERENCE */
};

struct scim_schema {
	const char *id; /* the URN */
	const char *name;
	const char *description;
	const struct scim_attr *attrs;
	size_t n_attrs;
};

struct scim_rtype {
	const char *id;       /* "User", "Group" */
	const char *endpoint; /* "/Users" */
	const char *description;
	const struct scim_schema *core;
	const struct scim_schema *const *extensions; /* optional extensions */
	size_t n_extensions;
};

extern const struct scim_rtype scim_rtype_user;
extern const struct scim_rtype scim_rtype_group;

/* The attributes every resource has (id, externalId, meta): RFC 7643 §3.1. */
extern const struct scim_attr scim_common_attrs[];
extern const size_t scim_n_common_attrs;

/*
 * Finds attribute name (case-insensitive) of rt in the schema urn (NULL: the
 * core schema and the common attributes). Sets *schema (may be NULL) to the
 * schema holding it. NULL when rt has no such attribute.
 */
const struct scim_attr *scim_schema_find(const struct scim_rtype *rt, const char *urn,
					 const char *name, const struct scim_schema **schema);
/* A sub-attribute (case-insensitive); NULL when a has no such sub-attribute. */
const struct scim_attr *scim_attr_sub(const struct scim_attr *a, const char *name);
/* The extension schema of rt whose URN is urn (case-insensitive), or NULL. */
const struct scim_schema *scim_rtype_extension(const struct scim_rtype *rt, const char *urn);

/*
 * Splits a possibly URN-qualified attribute name ("urn:...:User:name.givenName")
 * into the schema URN of rt it names and the rest. Returns the offset of the
 * rest in s and sets *schema, or returns 0 with *schema NULL when s does not
 * begin with a URN of rt followed by ':'.
 */
size_t scim_schema_split_urn(const struct scim_rtype *rt, const char *s,
			     const struct scim_schema **schema);

/* The /Schemas and /ResourceTypes documents (new references; NULL when out of memory). */
json_t *scim_schema_to_json(const struct scim_schema *s, const char *base_url);
json_t *scim_rtype_to_json(const struct scim_rtype *rt, const char *base_url);
/* Every schema served, in order: User, enterprise User, Group. NULL-terminated. */
extern const struct scim_schema *const scim_all_schemas[];

/* Looks a key up in a JSON object case-insensitively (SCIM names are). */
json_t *scim_json_get(json_t *obj, const char *name);
/* Same, and gives the key as the object spells it. */
json_t *scim_json_get_key(json_t *obj, const char *name, const char **key);

#endif
