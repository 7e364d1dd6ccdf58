/* SPDX-License-Identifier: MIT */
/*
 * The attributes= / excludedAttributes= projection of the resources we serve
 * (RFC 7644 §3.4.2.5, §3.9; interface in scim_resource.h).
 *
 * A list is comma-separated names, spaces around them ignored, empty items
 * skipped (a list naming nothing, "" or " , ", is no list). A name is
 *   [URN ":"] attr ["." sub]   or a bare extension URN (the whole extension),
 * attr and sub made of letters, digits, '_', '-' and '$'. A URN that is not
 * one of the resource type's schemas is kept whole and matched against the
 * unknown extension objects a client sent ("urn:x:attr.sub" names attr.sub
 * in the object "urn:x"). At most PROJ_MAX_NAMES names of PROJ_MAX_NAME
 * bytes. Anything else is 400 invalidSyntax; names the schema does not know
 * are not errors, they only match nothing (or an unknown attribute a client
 * sent).
 *
 * Always returned: "schemas", attributes "returned: always" (id) and a
 * User's userName (as the header promises; the table says "default", per
 * RFC 7643 §8.7.1). Never returned: "returned: never" (password). "returned:
 * request" ones only when named. Values are deep copies: the result shares
 * nothing with the resource.
 */
#include <stdlib.h>
#include <string.h>

#include "syncd/scim_resource.h"

#define PROJ_MAX_NAMES 100
#define PROJ_MAX_NAME  512

enum proj_mode { PROJ_DEFAULT, PROJ_INCLUDE, PROJ_EXCLUDE };

struct proj_name {
	char *buf;                     /* owns the strings below */
	const struct scim_schema *ext; /* a known extension of rt; NULL: core, common or plain */
	const char *urn;  /* a URN not of rt, the whole name (attr and sub then NULL) */
	const char *attr; /* NULL with ext: the whole extension */
	const char *sub;
};

struct scim_projection {
	const struct scim_rtype *rt;
	enum proj_mode mode;
	size_t n;
	struct proj_name names[PROJ_MAX_NAMES];
};

/* What to keep of the sub-attributes of one attribute. */
enum sub_mode { SUB_ALL, SUB_NAMED, SUB_UNNAMED };

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

static int
eqi_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!a[i] || lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int
eqi(const char *a, const char *b)
{
	size_t n = strlen(a);

	return eqi_n(a, b, n) && b[n] == '\0';
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '$';
}

/* Splits s ("attr" or "attr.sub") in place; 0, or -1 when it is not one. */
static int
split_attr(char *s, const char **attr, const char **sub)
{
	char *dot = strchr(s, '.');

	*attr = s;
	*sub = NULL;
	if (dot) {
		*dot = '\0';
		*sub = dot + 1;
	}
	for (const char *p = s; *p; p++)
		if (!name_char(*p))
			return -1;
	if (!*s || (*sub && !**sub))
		return -1;
	for (const char *p = *sub; p && *p; p++)
		if (!name_char(*p))
			return -1;
	return 0;
}

static int
parse_name(struct scim_projection *p, const char *s, size_t len, struct scim_err *e)
{
	struct proj_name *nm = &p->names[p->n];
	const struct scim_schema *sch;
	size_t off;

	if (p->n == PROJ_MAX_NAMES)
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX, "more than %d attribute names",
		                 PROJ_MAX_NAMES);
	if (len > PROJ_MAX_NAME)
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
		                 "an attribute name is longer than %d bytes", PROJ_MAX_NAME);
	if (!(nm->buf = strndup(s, len)))
		return scim_fail(e, 500, NULL, "out of memory");
	p->n++;
	if (!eqi_n(nm->buf, "urn:", 4)) {
		if (split_attr(nm->buf, &nm->attr, &nm->sub) < 0)
			goto bad;
		return 0;
	}
	if ((nm->ext = scim_rtype_extension(p->rt, nm->buf)))
		return 0;
	if ((off = scim_schema_split_urn(p->rt, nm->buf, &sch))) {
		nm->ext = sch == p->rt->core ? NULL : sch;
		if (split_attr(nm->buf + off, &nm->attr, &nm->sub) < 0)
			goto bad;
		return 0;
	}
	for (const char *c = nm->buf; *c; c++)
		if (!name_char(*c) && *c != ':' && *c != '.')
			goto bad;
	nm->urn = nm->buf;
	return 0;
bad:
	return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
	                 "\"%.*s\" is not an attribute name ([urn:...:]attr[.subAttr])",
	                 (int)(len > 100 ? 100 : len), s);
}

/* Whether list s names nothing (NULL, empty, only spaces and commas). */
static int
blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != ',')
			return 0;
	return 1;
}

int
scim_projection_parse(const char *attributes, const char *excluded, const struct scim_rtype *rt,
                      struct scim_projection **out, struct scim_err *e)
{
	struct scim_projection *p;
	const char *s, *end;

	*out = NULL;
	if (!blank(attributes) && !blank(excluded))
		return scim_fail(e, 400, SCIM_ERR_INVALID_SYNTAX,
		                 "attributes and excludedAttributes cannot both be given");
	if (!(p = calloc(1, sizeof(*p))))
		return scim_fail(e, 500, NULL, "out of memory");
	p->rt = rt;
	s = !blank(attributes) ? attributes : !blank(excluded) ? excluded : NULL;
	p->mode = !s ? PROJ_DEFAULT : s == attributes ? PROJ_INCLUDE : PROJ_EXCLUDE;
	for (; s && *s; s = *end ? end + 1 : end) {
		const char *b;
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		b = end;
		while (s < b && (*s == ' ' || *s == '\t'))
			s++;
		while (b > s && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > s && parse_name(p, s, (size_t)(b - s), e) < 0) {
			scim_projection_free(p);
			return -1;
		}
	}
	*out = p;
	return 0;
}

struct scim_projection *
scim_projection_free(struct scim_projection *p)
{
	if (p)
		for (size_t i = 0; i < p->n; i++)
			free(p->names[i].buf);
	free(p);
	return NULL;
}

/*
 * Whether nm names attribute key of the scope: a known extension (ext), an
 * unknown extension object (ukey), or neither (the top level). *sub gets the
 * sub-attribute named, NULL for the whole attribute.
 */
static int
names_attr(const struct proj_name *nm, const struct scim_schema *ext, const char *ukey,
           const char *key, const char **sub)
{
	if (ukey) {
		size_t n = strlen(ukey), kl = strlen(key);
		const char *r;
		if (!nm->urn || !eqi_n(nm->urn, ukey, n) || nm->urn[n] != ':')
			return 0;
		r = nm->urn + n + 1;
		if (!eqi_n(r, key, kl) || (r[kl] != '\0' && r[kl] != '.'))
			return 0;
		*sub = r[kl] == '.' ? r + kl + 1 : NULL;
		return 1;
	}
	if (nm->urn || nm->ext != ext || !nm->attr || !eqi(nm->attr, key))
		return 0;
	*sub = nm->sub;
	return 1;
}

/* Whether nm names the whole scope (a known or an unknown extension). */
static int
names_scope(const struct proj_name *nm, const struct scim_schema *ext, const char *ukey)
{
	if (ukey)
		return nm->urn && eqi(nm->urn, ukey);
	return ext && nm->ext == ext && !nm->attr;
}

static int
always(const struct scim_attr *a)
{
	return a && (a->returned == SCIM_RET_ALWAYS ||
	             a == scim_schema_find(&scim_rtype_user, NULL, "userName", NULL));
}

struct scope {
	const struct scim_projection *p;
	const struct scim_schema *ext;
	const char *ukey;
};

/* Whether sub-attribute sk of attribute key is named. */
static int
sub_named(const struct scope *sc, const char *key, const char *sk)
{
	const char *sub;

	for (size_t i = 0; i < sc->p->n; i++)
		if (names_attr(&sc->p->names[i], sc->ext, sc->ukey, key, &sub) && sub &&
		    eqi(sub, sk))
			return 1;
	return 0;
}

/* The copy of one object value of attribute key (a: its definition, or NULL). */
static json_t *
filter_object(const struct scope *sc, const struct scim_attr *a, const char *key, json_t *v,
              enum sub_mode m, int *oom)
{
	const struct scim_attr *sub;
	const char *sk;
	json_t *o = json_object(), *sv;

	if (!o) {
		*oom = 1;
		return NULL;
	}
	json_object_foreach(v, sk, sv)
	{
		sub = scim_attr_sub(a, sk);
		int named = m != SUB_ALL && sub_named(sc, key, sk);
		if (sub && sub->returned == SCIM_RET_NEVER)
			continue;
		if (!always(sub)) {
			if (m == SUB_NAMED ? !named : m == SUB_UNNAMED ? named : 0)
				continue;
			if (sub && sub->returned == SCIM_RET_REQUEST && !named)
				continue;
		}
		if (json_object_set_new(o, sk, json_deep_copy(sv)) < 0) {
			*oom = 1;
			break;
		}
	}
	return o;
}

/* The copy of v (value of attribute key) with sub-attributes kept per m; NULL: nothing left. */
static json_t *
filter_value(const struct scope *sc, const struct scim_attr *a, const char *key, json_t *v,
             enum sub_mode m, int *oom)
{
	json_t *arr, *x, *r;
	size_t i;

	if (json_is_object(v)) {
		r = filter_object(sc, a, key, v, m, oom);
		if (r && m != SUB_ALL && json_object_size(r) == 0) {
			json_decref(r);
			return NULL;
		}
		return r;
	}
	if (!json_is_array(v)) {
		if (m == SUB_NAMED)
			return NULL;
		if (!(r = json_deep_copy(v)))
			*oom = 1;
		return r;
	}
	if (!(arr = json_array())) {
		*oom = 1;
		return NULL;
	}
	json_array_foreach(v, i, x)
	{
		/* Values are objects or scalars; an array in an array has no sub-attributes. */
		if (!json_is_array(x))
			r = filter_value(sc, a, key, x, m, oom);
		else if (m == SUB_NAMED)
			r = NULL;
		else if (!(r = json_deep_copy(x)))
			*oom = 1;
		if (r && json_array_append_new(arr, r) < 0)
			*oom = 1;
	}
	if (m != SUB_ALL && json_array_size(arr) == 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* The projected copy of attribute key (value v) in scope sc, or NULL to leave it out. */
static json_t *
project_attr(const struct scope *sc, const struct scim_attr *a, int scope_named, const char *key,
             json_t *v, int *oom)
{
	enum scim_returned ret = a ? a->returned : SCIM_RET_DEFAULT;
	int whole = scope_named, some_sub = 0;
	const char *sub;

	if (ret == SCIM_RET_NEVER)
		return NULL;
	if (always(a))
		return filter_value(sc, a, key, v, SUB_ALL, oom);
	for (size_t i = 0; i < sc->p->n; i++)
		if (names_attr(&sc->p->names[i], sc->ext, sc->ukey, key, &sub)) {
			if (sub)
				some_sub = 1;
			else
				whole = 1;
		}
	switch (sc->p->mode) {
	case PROJ_INCLUDE:
		if (whole)
			return filter_value(sc, a, key, v, SUB_ALL, oom);
		return some_sub ? filter_value(sc, a, key, v, SUB_NAMED, oom) : NULL;
	case PROJ_EXCLUDE:
		if (whole || ret == SCIM_RET_REQUEST)
			return NULL;
		return filter_value(sc, a, key, v, some_sub ? SUB_UNNAMED : SUB_ALL, oom);
	default:
		return ret == SCIM_RET_REQUEST ? NULL : filter_value(sc, a, key, v, SUB_ALL, oom);
	}
}

/* An extension object (known: ext; unknown: ukey) projected; NULL when nothing is left. */
static json_t *
project_scope(const struct scope *sc, json_t *v, int *oom)
{
	int named = 0;
	const char *k;
	json_t *o, *x, *r;

	for (size_t i = 0; i < sc->p->n; i++)
		named |= names_scope(&sc->p->names[i], sc->ext, sc->ukey);
	if (named && sc->p->mode == PROJ_EXCLUDE)
		return NULL;
	if (!(o = json_object())) {
		*oom = 1;
		return NULL;
	}
	json_object_foreach(v, k, x)
	{
		const struct scim_attr *a =
		    sc->ext ? scim_schema_find(sc->p->rt, sc->ext->id, k, NULL) : NULL;
		if ((r = project_attr(sc, a, named && sc->p->mode == PROJ_INCLUDE, k, x, oom)) &&
		    json_object_set_new(o, k, r) < 0)
			*oom = 1;
	}
	if (json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

bool
scim_projection_wants(const struct scim_projection *p, const char *name)
{
	const struct scim_schema *ext;
	const struct scim_attr *a;
	const char *sub;
	size_t n;

	if (!p || eqi(name, "schemas"))
		return true;
	ext = scim_rtype_extension(p->rt, name);
	a = ext ? NULL : scim_schema_find(p->rt, NULL, name, NULL);
	if (a && a->returned == SCIM_RET_NEVER)
		return false;
	if (always(a))
		return true;
	if (p->mode == PROJ_DEFAULT)
		return !a || a->returned != SCIM_RET_REQUEST;
	if (p->mode == PROJ_EXCLUDE && a && a->returned == SCIM_RET_REQUEST)
		return false;
	n = strlen(name);
	for (size_t i = 0; i < p->n; i++) {
		const struct proj_name *nm = &p->names[i];
		int hit, whole;
		if (ext) {
			hit = nm->ext == ext;
			whole = hit && !nm->attr;
		} else if (nm->urn && eqi_n(nm->urn, name, n) &&
		           (nm->urn[n] == '\0' || nm->urn[n] == ':')) {
			hit = 1;
			whole = nm->urn[n] == '\0';
		} else {
			hit = names_attr(nm, NULL, NULL, name, &sub);
			whole = hit && !sub;
		}
		if (p->mode == PROJ_INCLUDE && hit)
			return true;
		if (p->mode == PROJ_EXCLUDE && whole)
			return false;
	}
	return p->mode == PROJ_EXCLUDE;
}

json_t *
scim_projection_apply(const struct scim_projection *p, json_t *resource,
                      const struct scim_rtype *rt)
{
	struct scim_projection dflt = {.rt = rt, .mode = PROJ_DEFAULT};
	struct scope top = {.p = p ? p : &dflt};
	const char *k;
	json_t *out, *v, *r;
	int oom = 0;

	if (!json_is_object(resource))
		return json_deep_copy(resource);
	if (!(out = json_object()))
		return NULL;
	json_object_foreach(resource, k, v)
	{
		if (eqi(k, "schemas")) {
			r = json_deep_copy(v);
			if (!r)
				oom = 1;
		} else if (json_is_object(v) &&
		           (scim_rtype_extension(rt, k) || eqi_n(k, "urn:", 4))) {
			struct scope sc = {.p = top.p, .ext = scim_rtype_extension(rt, k)};
			sc.ukey = sc.ext ? NULL : k;
			r = project_scope(&sc, v, &oom);
		} else {
			r = project_attr(&top, scim_schema_find(rt, NULL, k, NULL), 0, k, v, &oom);
		}
		if (r && json_object_set_new(out, k, r) < 0)
			oom = 1;
		if (oom)
			break;
	}
	if (oom) {
		json_decref(out);
		return NULL;
	}
	return out;
}
