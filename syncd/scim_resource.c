/* SPDX-License-Identifier: MIT */
/*
 * Validation and normalisation of the User and Group bodies a SCIM client
 * sends (scim_resource.h): one pass over the body against the schema tables,
 * building a new object; the body is never changed. The projection half of
 * the header lives in scim_projection.c.
 *
 * Limits (each exceeded is 400, naming the attribute):
 *  - identifiers (userName, displayName, externalId, members[].value,
 *    manager.value): at most RES_MAX_IDENT (256) bytes, no control character
 *    (C0, DEL, C1); userName, Group displayName, externalId and member values
 *    must not be empty;
 *  - any other string of a known attribute: at most RES_MAX_STRING (8 KiB),
 *    no NUL;
 *  - a multi-valued attribute: at most RES_MAX_VALUES (100) values, except a
 *    Group's members (bounded by the request body limit only);
 *  - nesting: the body and the normalised copy at most RES_MAX_DEPTH (16)
 *    objects/arrays deep (the body itself is level 1), invalidSyntax beyond.
 *    Checked before anything else, so nothing below recurses further.
 * Unknown attributes are kept as sent (after null members are dropped at
 * their top level): plain names at the top level, and "urn:..." keys as
 * extension objects (listed in "schemas" only when the body lists them). A
 * non-object "urn:A:attr" whose prefix A the body's "schemas" lists is moved
 * into A's object, as a known extension's URN-qualified attribute is.
 * Names given twice (in any case, or both qualified and nested) are
 * invalidSyntax: which one was meant cannot be guessed. A top-level
 * "password" is dropped whatever the resource type.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "syncd/scim_resource.h"

#define RES_MAX_DEPTH  16
#define RES_MAX_IDENT  256
#define RES_MAX_STRING 8192
#define RES_MAX_VALUES 100
#define PATH_MAX_LEN   200

/* How a string attribute is checked. */
#define F_IDENT    0x1 /* identifier: short, no control characters */
#define F_NONEMPTY 0x2
#define F_MEMBERS  0x4 /* a Group's members: objects with a value, other keys dropped */
#define F_MANAGER  0x8 /* enterprise manager: a plain id string is {"value": id} */

struct vctx {
	const struct scim_rtype *rt;
	json_t *out;
	json_t *schemas; /* the body's "schemas" (an array of strings) or NULL */
	struct scim_err *e;
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

/* ASCII case-insensitive comparisons, whatever the locale: SCIM names are ASCII. */
static int
eqi(const char *a, const char *b)
{
	for (; *a && lower((unsigned char)*a) == lower((unsigned char)*b); a++, b++)
		;
	return lower((unsigned char)*a) == lower((unsigned char)*b);
}

static int
prefixi(const char *s, const char *prefix, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || lower((unsigned char)s[i]) != lower((unsigned char)prefix[i]))
			return 0;
	return 1;
}

/* snprintf that may truncate: paths are for messages only. */
static void __attribute__((format(printf, 3, 4))) pathf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static int
oom(struct vctx *c)
{
	return scim_fail(c->e, 500, NULL, "out of memory");
}

/* Whether v nests no deeper than RES_MAX_DEPTH (v at level depth); recursion is bounded by it. */
static int
depth_ok(json_t *v, unsigned depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (!json_is_object(v) && !json_is_array(v))
		return 1;
	if (depth > RES_MAX_DEPTH)
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (!depth_ok(x, depth + 1))
				return 0;
		}
		return 1;
	}
	json_object_foreach(v, k, x)
	{
		if (!depth_ok(x, depth + 1))
			return 0;
	}
	return 1;
}

/* Sets dst[key] = v (stolen), unless some spelling of key is already there. */
static int
put_new(struct vctx *c, json_t *dst, const char *key, json_t *v, const char *path)
{
	if (!v)
		return oom(c);
	if (scim_json_get(dst, key)) {
		json_decref(v);
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_SYNTAX, "%s is given twice", path);
	}
	if (json_object_set_new(dst, key, v) < 0)
		return oom(c);
	return 0;
}

/* A control character: C0, DEL, or C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F). */
static int
has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];
		if (b < 0x20 || b == 0x7f)
			return 1;
		if (b == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

static int
digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* xsd:dateTime as SCIM uses it: YYYY-MM-DDThh:mm:ss[.fff][Z|(+|-)hh:mm]. */
static int
is_datetime(const char *s)
{
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2) ||
	    s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
	    s[16] != ':' || !digits(s + 17, 2))
		return 0;
	s += 19;
	if (*s == '.') {
		if (!digits(++s, 1))
			return 0;
		while (digits(s, 1))
			s++;
	}
	if (*s == 'Z')
		return s[1] == '\0';
	if (*s == '+' || *s == '-')
		return digits(s + 1, 2) && s[3] == ':' && digits(s + 4, 2) && s[6] == '\0';
	return *s == '\0';
}

/* A value of a non-complex attribute: checks v and sets *res to a new copy. */
static int
norm_simple(struct vctx *c, const struct scim_attr *a, int flags, json_t *v, const char *path,
            json_t **res)
{
	const char *s;
	size_t n;

	*res = NULL;
	switch (a->type) {
	case SCIM_T_BOOLEAN:
		if (json_is_boolean(v))
			*res = json_copy(v);
		else if (json_is_string(v) && eqi(json_string_value(v), "true"))
			*res = json_true();
		else if (json_is_string(v) && eqi(json_string_value(v), "false"))
			*res = json_false();
		else
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s must be a boolean",
			                 path);
		break;
	case SCIM_T_INTEGER:
		if (!json_is_integer(v))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s must be an integer",
			                 path);
		*res = json_copy(v);
		break;
	case SCIM_T_DECIMAL:
		if (!json_is_number(v))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s must be a number",
			                 path);
		*res = json_copy(v);
		break;
	case SCIM_T_COMPLEX: /* a complex sub-attribute: no such thing in our tables */
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s is not supported", path);
	default:
		if (!json_is_string(v))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s must be a string",
			                 path);
		s = json_string_value(v);
		n = json_string_length(v);
		if ((flags & F_NONEMPTY) && n == 0)
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s must not be empty",
			                 path);
		if (n > ((flags & F_IDENT) ? RES_MAX_IDENT : RES_MAX_STRING))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
			                 "%s is longer than %d bytes", path,
			                 (flags & F_IDENT) ? RES_MAX_IDENT : RES_MAX_STRING);
		if ((flags & F_IDENT) ? has_control(s, n) : memchr(s, '\0', n) != NULL)
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
			                 "%s must not hold control characters", path);
		if (a->type == SCIM_T_DATETIME && !is_datetime(s))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
			                 "%s must be a dateTime (2024-05-01T12:00:00Z)", path);
		*res = json_copy(v);
		break;
	}
	return *res ? 0 : oom(c);
}

/* One value of a complex attribute a: an object whose known sub-attributes are checked. */
static int
norm_complex(struct vctx *c, const struct scim_attr *a, int flags, json_t *v, const char *path,
             json_t **res)
{
	char sp[PATH_MAX_LEN + 64];
	const struct scim_attr *sub;
	const char *k;
	json_t *sv, *o, *r;

	*res = NULL;
	if (!json_is_object(v))
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s must be an object", path);
	if (!(o = json_object()))
		return oom(c);
	json_object_foreach(v, k, sv)
	{
		if (json_is_null(sv))
			continue;
		sub = scim_attr_sub(a, k);
		if (!sub) {
			if (flags & F_MEMBERS)
				continue;
			pathf(sp, sizeof(sp), "%s.%s", path, k);
			if (put_new(c, o, k, json_deep_copy(sv), sp) < 0)
				goto fail;
			continue;
		}
		pathf(sp, sizeof(sp), "%s.%s", path, sub->name);
		if (sub->mutability == SCIM_MUT_WRITEONLY)
			continue;
		int sflags = 0;
		if ((flags & (F_MEMBERS | F_MANAGER)) && eqi(sub->name, "value"))
			sflags = F_IDENT | ((flags & F_MEMBERS) ? F_NONEMPTY : 0);
		if (norm_simple(c, sub, sflags, sv, sp, &r) < 0 ||
		    put_new(c, o, sub->name, r, sp) < 0)
			goto fail;
	}
	if ((flags & F_MEMBERS) && !json_object_get(o, "value")) {
		scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s.value is required", path);
		goto fail;
	}
	*res = o;
	return 0;
fail:
	json_decref(o);
	return -1;
}

/* A multi-valued attribute: an array (a single value is wrapped), at most one primary. */
static int
norm_multi(struct vctx *c, const struct scim_attr *a, int flags, json_t *v, const char *path,
           json_t **res)
{
	char ep[PATH_MAX_LEN + 32];
	size_t n = json_is_array(v) ? json_array_size(v) : 1, primaries = 0;
	json_t *arr, *el, *r;

	*res = NULL;
	if (!(flags & F_MEMBERS) && n > RES_MAX_VALUES)
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s holds more than %d values",
		                 path, RES_MAX_VALUES);
	if (!(arr = json_array()))
		return oom(c);
	for (size_t i = 0; i < n; i++) {
		el = json_is_array(v) ? json_array_get(v, i) : v;
		if (json_is_null(el))
			continue;
		pathf(ep, sizeof(ep), "%s[%zu]", path, i);
		if (a->type == SCIM_T_COMPLEX ? norm_complex(c, a, flags, el, ep, &r) < 0
		                              : norm_simple(c, a, flags, el, ep, &r) < 0)
			goto fail;
		if (json_is_true(json_object_get(r, "primary")) && ++primaries > 1) {
			json_decref(r);
			scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
			          "%s has more than one primary value", path);
			goto fail;
		}
		if (json_array_append_new(arr, r) < 0) {
			oom(c);
			goto fail;
		}
	}
	*res = arr;
	return 0;
fail:
	json_decref(arr);
	return -1;
}

/*
 * Attribute key (as sent) with value v in schema s (NULL: the core and common
 * attributes), into dst: checked, renamed to the schema's spelling; unknown
 * ones kept as sent; readOnly and writeOnly ones and nulls dropped.
 */
static int
put_attr(struct vctx *c, json_t *dst, const struct scim_schema *s, const char *key, json_t *v)
{
	char path[PATH_MAX_LEN + 64];
	const struct scim_attr *a;
	json_t *r;
	int flags = 0;

	if (json_is_null(v))
		return 0;
	if (s)
		pathf(path, sizeof(path), "%s:%.*s", s->id, PATH_MAX_LEN, key);
	else
		pathf(path, sizeof(path), "%.*s", PATH_MAX_LEN, key);
	if (!*key)
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_SYNTAX, "an attribute name is empty");
	if (!(a = scim_schema_find(c->rt, s ? s->id : NULL, key, NULL)))
		return put_new(c, dst, key, json_deep_copy(v), path);
	if (a->mutability == SCIM_MUT_READONLY || a->mutability == SCIM_MUT_WRITEONLY)
		return 0;
	if (s)
		pathf(path, sizeof(path), "%s:%s", s->id, a->name);
	else
		pathf(path, sizeof(path), "%s", a->name);
	if (!s &&
	    (eqi(a->name, "userName") || eqi(a->name, "displayName") || eqi(a->name, "externalId")))
		flags |= F_IDENT;
	if (!s && (a->required || eqi(a->name, "externalId")))
		flags |= F_NONEMPTY;
	if (!s && c->rt->core == scim_rtype_group.core && eqi(a->name, "members"))
		flags |= F_MEMBERS;
	if (s && !a->multi_valued && a->type == SCIM_T_COMPLEX && eqi(a->name, "manager")) {
		flags |= F_MANAGER;
		if (json_is_string(v)) {
			if (json_string_length(v) == 0)
				return 0;
			json_t *m = json_pack("{s:O}", "value", v);
			if (!m)
				return oom(c);
			int rc = norm_complex(c, a, flags, m, path, &r);
			json_decref(m);
			if (rc < 0)
				return -1;
			return put_new(c, dst, a->name, r, path);
		}
	}
	if (a->multi_valued) {
		if (norm_multi(c, a, flags, v, path, &r) < 0)
			return -1;
	} else if (a->type == SCIM_T_COMPLEX) {
		if (norm_complex(c, a, flags, v, path, &r) < 0)
			return -1;
		/* A manager without an id ({"value": ""}, {}) is no manager: Entra clears it so. */
		if (flags & F_MANAGER) {
			json_t *id = json_object_get(r, "value");
			if (!json_is_string(id) || json_string_length(id) == 0) {
				json_decref(r);
				return 0;
			}
		}
	} else if (norm_simple(c, a, flags, v, path, &r) < 0) {
		return -1;
	}
	return put_new(c, dst, a->name, r, path);
}

/* The object out[key] (any spelling of key), created when absent. */
static json_t *
sub_object(struct vctx *c, const char *key)
{
	json_t *o = scim_json_get(c->out, key);

	if (o) {
		if (!json_is_object(o)) {
			scim_fail(c->e, 400, SCIM_ERR_INVALID_SYNTAX, "%s is given twice", key);
			return NULL;
		}
		return o;
	}
	if (!(o = json_object()) || json_object_set_new(c->out, key, o) < 0) {
		oom(c);
		return NULL;
	}
	return o;
}

/* The body's "schemas" entry equal to urn (any case), or NULL. */
static const char *
listed(struct vctx *c, const char *urn)
{
	json_t *x;
	size_t i;

	json_array_foreach(c->schemas, i, x)
	{
		if (eqi(json_string_value(x), urn))
			return json_string_value(x);
	}
	return NULL;
}

/* Checks the body's "schemas": strings, rt's core URN, no URN of another of our schemas. */
static int
check_schemas(struct vctx *c, json_t *body)
{
	json_t *s = scim_json_get(body, "schemas"), *x;
	size_t i;

	if (!s || json_is_null(s))
		return 0;
	if (!json_is_array(s))
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
		                 "schemas must be an array of schema URNs");
	json_array_foreach(s, i, x)
	{
		if (!json_is_string(x))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
			                 "schemas[%zu] must be a string", i);
		for (size_t j = 0; scim_all_schemas[j]; j++)
			if (eqi(json_string_value(x), scim_all_schemas[j]->id) &&
			    scim_all_schemas[j] != c->rt->core &&
			    !scim_rtype_extension(c->rt, scim_all_schemas[j]->id))
				return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
				                 "schemas holds %s, which is not a schema of %s "
				                 "resources",
				                 scim_all_schemas[j]->id, c->rt->id);
	}
	c->schemas = s;
	if (!listed(c, c->rt->core->id))
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "schemas must hold %s",
		                 c->rt->core->id);
	return 0;
}

/* A "urn:" key that is not a schema of rt: an unknown extension, or an attribute of one. */
static int
put_unknown_urn(struct vctx *c, const char *key, json_t *v)
{
	const char *k, *best = NULL, *name;
	size_t best_len = 0, i;
	json_t *dst, *x;

	if (!listed(c, key)) {
		/* "urn:A:attr" where the body lists A: attribute attr of extension A. */
		json_array_foreach(c->schemas, i, x)
		{
			size_t n = json_string_length(x);
			if (n > best_len && prefixi(key, json_string_value(x), n) &&
			    key[n] == ':' && key[n + 1]) {
				best = json_string_value(x);
				best_len = n;
			}
		}
		if (best) {
			if (!(dst = sub_object(c, best)))
				return -1;
			return put_new(c, dst, key + best_len + 1, json_deep_copy(v), key);
		}
	}
	if (!json_is_object(v))
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE,
		                 "%s must be an object (an extension the schema does not know)",
		                 key);
	name = listed(c, key) ? listed(c, key) : key;
	if (!(dst = sub_object(c, name)))
		return -1;
	json_object_foreach(v, k, x)
	{
		char path[PATH_MAX_LEN * 2];
		if (json_is_null(x))
			continue;
		pathf(path, sizeof(path), "%.*s:%.*s", PATH_MAX_LEN, name, PATH_MAX_LEN, k);
		if (put_new(c, dst, k, json_deep_copy(x), path) < 0)
			return -1;
	}
	return 0;
}

/* One top-level key of the body (or of a core-URN object in it: depth_ok() bounds that). */
static int
put_top(struct vctx *c, const char *key, json_t *v)
{
	const struct scim_schema *s;
	const char *k;
	json_t *x, *dst;
	size_t off;

	/* "urn:...:core:2.0:User:userName" is userName (a loop: the prefix may repeat). */
	while ((off = scim_schema_split_urn(c->rt, key, &s)) && s == c->rt->core)
		key += off;
	if (eqi(key, "schemas") || json_is_null(v))
		return 0;
	if ((s = scim_rtype_extension(c->rt, key)) || eqi(key, c->rt->core->id)) {
		if (!json_is_object(v))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s must be an object",
			                 s ? s->id : c->rt->core->id);
		if (!s) {
			json_object_foreach(v, k, x)
			{
				if (put_top(c, k, x) < 0)
					return -1;
			}
			return 0;
		}
		if (!(dst = sub_object(c, s->id)))
			return -1;
		json_object_foreach(v, k, x)
		{
			if (put_attr(c, dst, s, k, x) < 0)
				return -1;
		}
		return 0;
	}
	if ((off = scim_schema_split_urn(c->rt, key, &s))) {
		if (!(dst = sub_object(c, s->id)))
			return -1;
		return put_attr(c, dst, s, key + off, v);
	}
	if (prefixi(key, "urn:", 4))
		return put_unknown_urn(c, key, v);
	/* Whatever the resource type, a password is never kept (a Group has none to validate). */
	if (eqi(key, "password"))
		return 0;
	return put_attr(c, c->out, NULL, key, v);
}

/* Fills out's "schemas": rt's core, its extensions present, unknown ones the body listed. */
static int
finish(struct vctx *c, json_t *schemas)
{
	const struct scim_schema *s;
	const char *k;
	json_t *x;

	if (json_array_append_new(schemas, json_string(c->rt->core->id)) < 0)
		return oom(c);
	for (size_t i = 0; i < c->rt->n_extensions; i++) {
		s = c->rt->extensions[i];
		if (!(x = json_object_get(c->out, s->id)))
			continue;
		if (json_object_size(x) == 0) {
			json_object_del(c->out, s->id);
			continue;
		}
		if (json_array_append_new(schemas, json_string(s->id)) < 0)
			return oom(c);
	}
	json_object_foreach(c->out, k, x)
	{
		if (prefixi(k, "urn:", 4) && !scim_rtype_extension(c->rt, k) && listed(c, k) &&
		    json_array_append_new(schemas, json_string(k)) < 0)
			return oom(c);
	}
	for (size_t i = 0; i < c->rt->core->n_attrs; i++) {
		const struct scim_attr *a = &c->rt->core->attrs[i];
		if (a->required && a->mutability != SCIM_MUT_READONLY &&
		    !json_object_get(c->out, a->name))
			return scim_fail(c->e, 400, SCIM_ERR_INVALID_VALUE, "%s is required",
			                 a->name);
	}
	if (!depth_ok(c->out, 1))
		return scim_fail(c->e, 400, SCIM_ERR_INVALID_SYNTAX,
		                 "the resource nests deeper than %d levels", RES_MAX_DEPTH);
	return 0;
}

int
scim_resource_validate(json_t *body, const struct scim_rtype *rt, json_t **out, struct scim_err *e)
{
	struct vctx c = {.rt = rt, .e = e};
	json_t *schemas, *v;
	const char *k;

	*out = NULL;
	if (!json_is_object(body))
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
		                 "the %s resource must be a JSON object", rt->id);
	if (!depth_ok(body, 1))
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
		                 "the resource nests deeper than %d levels", RES_MAX_DEPTH);
	if (check_schemas(&c, body) < 0)
		return -1;
	if (!(c.out = json_object()) || !(schemas = json_array()) ||
	    json_object_set_new(c.out, "schemas", schemas) < 0) {
		json_decref(c.out);
		return oom(&c);
	}
	json_object_foreach(body, k, v)
	{
		if (put_top(&c, k, v) < 0)
			goto fail;
	}
	if (finish(&c, schemas) < 0)
		goto fail;
	*out = c.out;
	return 0;
fail:
	json_decref(c.out);
	return -1;
}
