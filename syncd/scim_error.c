/* SPDX-License-Identifier: MIT */
/*
 * SCIM error values and their JSON form (urn:...:api:messages:2.0:Error).
 */
#include <stdarg.h>
#include <stdio.h>

#include "syncd/scim_error.h"

int
scim_fail(struct scim_err *e, int status, const char *scim_type, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->status)
		return -1;
	e->status = status;
	e->scim_type = scim_type;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
	return -1;
}

json_t *
scim_err_to_json(const struct scim_err *e)
{
	char status[8];
	json_t *o;

	snprintf(status, sizeof(status), "%d", e->status ? e->status : 500);
	o = json_pack("{s:[s], s:s, s:s}", "schemas", "urn:ietf:params:scim:api:messages:2.0:Error",
		      "status", status, "detail", e->detail[0] ? e->detail : "internal error");
	if (o && e->scim_type && json_object_set_new(o, "scimType", json_string(e->scim_type)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
