/* SPDX-License-Identifier: MIT */
/*
 * SCIM errors (RFC 7644 §3.12): an HTTP status, an optional scimType and a
 * detail sentence an IdP admin can act on. Every SCIM module reports failure
 * through one struct scim_err and returns -1; the HTTP layer renders it.
 */
#ifndef IDS_SCIM_ERROR_H
#define IDS_SCIM_ERROR_H

#include <jansson.h>

/* scimType values of RFC 7644 Table 9. */
#define SCIM_ERR_INVALID_FILTER "invalidFilter"
#define SCIM_ERR_TOO_MANY "tooMany"
#define SCIM_ERR_UNIQUENESS "uniqueness"
#define SCIM_ERR_MUTABILITY "mutability"
#define SCIM_ERR_INVALID_SYNTAX "invalidSyntax"
#define SCIM_ERR_INVALID_PATH "invalidPath"
#define SCIM_ERR_NO_TARGET "noTarget"
#define SCIM_ERR_INVALID_VALUE "invalidValue"
#define SCIM_ERR_INVALID_VERS "invalidVers"
#define SCIM_ERR_SENSITIVE "sensitive"

struct scim_err {
	int status;            /* HTTP status: 400, 401, 404, 409, 412, 413, 500, ... */
	const char *scim_type; /* one of the SCIM_ERR_* strings, or NULL */
	char detail[512];      /* a sentence for people; never holds a secret */
};

/*
 * Fills e (when not NULL) and returns -1, so that callers write
 * "return scim_fail(e, 400, SCIM_ERR_INVALID_FILTER, "...", ...);".
 * The first failure wins: a later call on an already-filled e changes nothing.
 */
int scim_fail(struct scim_err *e, int status, const char *scim_type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The error as a SCIM Error resource (new reference; NULL when out of memory). */
json_t *scim_err_to_json(const struct scim_err *e);

#endif
