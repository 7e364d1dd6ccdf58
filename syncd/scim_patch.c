/* SPDX-License-Identifier: MIT */
/*
 * SCIM PATCH (scim_patch.h): the PatchOp body, each operation's target (its
 * path, or each key of a path-less value), mutability, the attribute kept
 * outside the resource (hooks), and add / replace / remove on the JSON.
 * Typing, merging and comparing values: scim_patch_values.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "syncd/scim_patch.h"
#include "syncd/scim_patch_values.h"

/* More operations than this in one PATCH is 400 invalidSyntax. */
#define PATCH_MAX_OPS 1000

enum patch_op { P_ADD, P_REPLACE, P_REMOVE };

/* Where one operation applies, resolved against the schema. */
struct target {
	const struct scim_schema *ext;    /* extension holding the attribute; NULL: core */
	const struct scim_attr *a;        /* the attribute; NULL when the schema does not know it */
	const struct scim_attr *sa;       /* the sub-attribute, when named and known */
	const char *name;                 /* attribute name (schema spelling when known) */
	const char *sub;                  /* sub-attribute name, or NULL */
	const struct scim_filter *filter; /* value filter, or NULL */
	const char *label;                /* the path as the client wrote it */
};

/* What every step needs; v.e is the caller's error. */
struct patch {
	struct pv v;
	json_t *res;
	const struct scim_limits *lim;
	const struct scim_patch_hooks *hooks;
};

static int
oom(struct patch *P)
{
	return pv_oom(&P->v);
}

/* Whether the attribute is multi-valued (unknown ones: as they are stored or sent). */
static bool
multi(const struct target *t, json_t *cur, json_t *value)
{
	if (t->a)
		return t->a->multi_valued;
	return t->filter || json_is_array(cur) || (!cur && json_is_array(value));
}

/* Adds urn to the resource's "schemas" when it has that array and lacks it. */
static int
schemas_add(struct patch *P, const char *urn)
{
	json_t *s = scim_json_get(P->res, "schemas"), *x;
	size_t i;

	if (!json_is_array(s))
		return 0;
	json_array_foreach (s, i, x)
		if (json_is_string(x) && strcasecmp(json_string_value(x), urn) == 0)
			return 0;
	return json_array_append_new(s, json_string(urn)) < 0 ? oom(P) : 0;
}

/* Removes an emptied extension object and its URN from "schemas". */
static void
ext_tidy(struct patch *P, const struct target *t)
{
	const char *k;
	json_t *c, *s, *x;
	size_t i;

	if (!t->ext || !(c = scim_json_get_key(P->res, t->ext->id, &k)) || !json_is_object(c) ||
	    json_object_size(c))
		return;
	json_object_del(P->res, k);
	s = scim_json_get(P->res, "schemas");
	if (!json_is_array(s))
		return;
	json_array_foreach (s, i, x)
		if (json_is_string(x) && strcasecmp(json_string_value(x), t->ext->id) == 0) {
			json_array_remove(s, i);
			return;
		}
}

/* The object holding t's attribute: the resource, or its extension object (created if asked). */
static int
container(struct patch *P, const struct target *t, bool create, json_t **out)
{
	json_t *c;

	*out = P->res;
	if (!t->ext)
		return 0;
	c = scim_json_get(P->res, t->ext->id);
	if (json_is_object(c)) {
		*out = c;
		return create ? schemas_add(P, t->ext->id) : 0;
	}
	*out = NULL;
	if (c && !json_is_null(c))
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
				 "the resource's \"%s\" is not an object", t->ext->id);
	if (!create)
		return 0;
	if (!(c = json_object()) || json_object_set_new(P->res, t->ext->id, c) < 0)
		return oom(P);
	*out = c;
	return schemas_add(P, t->ext->id);
}

/* add/replace attr (no filter, no sub-attribute). */
static int
set_attr(struct patch *P, enum patch_op op, const struct target *t, json_t *cont, json_t *cur,
	 const char *key, json_t *value)
{
	json_t *vals = NULL, *seen, *x, *primary = NULL;
	size_t i;
	int r = 0;

	if (multi(t, cur, value)) {
		if (pv_coerce(&P->v, t->a, value, false, t->label, &vals) < 0)
			return -1;
		if (vals && !json_is_array(vals) && !(vals = pv_wrap(vals)))
			return oom(P);
		if (op == P_REPLACE || !json_is_array(cur)) {
			if (op == P_ADD && !vals)
				return 0;
			if (!vals || !json_array_size(vals)) {
				json_decref(vals);
				if (cur)
					json_object_del(cont, key);
				return 0;
			}
			if (op == P_ADD && !(vals = pv_dedupe(t->a, vals)))
				return oom(P);
			return json_object_set_new(cont, key, vals) < 0 ? oom(P) : 0;
		}
		/* add to existing values: append the new ones only */
		if (!(seen = pv_seen_new(t->a, cur))) {
			json_decref(vals);
			return oom(P);
		}
		json_array_foreach (vals, i, x) {
			if ((r = pv_seen_put(seen, t->a, x)) == 1)
				continue;
			if (r < 0 || json_array_append(cur, x) < 0)
				break;
			if (pv_is_primary(x))
				primary = x;
		}
		json_decref(seen);
		json_decref(vals);
		if (r < 0)
			return oom(P);
		pv_one_primary(cur, primary);
		return 0;
	}
	if (json_is_null(value)) {
		if (op == P_REPLACE && cur)
			json_object_del(cont, key);
		return 0;
	}
	/* a complex value merges into the one there (RFC 7644 §3.5.2.1, §3.5.2.3) */
	if (json_is_object(value) && json_is_object(cur) &&
	    (!t->a || t->a->type == SCIM_T_COMPLEX)) {
		if (pv_merge(&P->v, t->a, cur, value, t->label) < 0)
			return -1;
		if (!json_object_size(cur))
			json_object_del(cont, key);
		return 0;
	}
	if (pv_coerce(&P->v, t->a, value, false, t->label, &vals) < 0)
		return -1;
	if (!vals)
		return 0;
	return json_object_set_new(cont, key, vals) < 0 ? oom(P) : 0;
}

/* add/replace attr.sub without a filter: on the complex value, or on every value. */
static int
set_sub(struct patch *P, const struct target *t, json_t *cont, json_t *cur, const char *key,
	json_t *value)
{
	json_t *c, *x;
	size_t i;

	if (pv_coerce(&P->v, t->sa, value, false, t->label, &c) < 0)
		return -1;
	if (!multi(t, cur, value)) {
		if (!json_is_object(cur)) {
			if (!c)
				return 0;
			if (!(cur = json_object()) || json_object_set_new(cont, key, cur) < 0) {
				json_decref(c);
				return oom(P);
			}
		}
		if (pv_set(cur, t->sub, c) < 0)
			return oom(P);
		if (!json_object_size(cur))
			json_object_del(cont, key);
		return 0;
	}
	if (!json_is_array(cur) || !json_array_size(cur)) {
		json_t *arr;
		if (!c)
			return 0;
		if (!(arr = json_pack("[{so}]", t->sub, c)))
			return oom(P);
		return json_object_set_new(cont, key, arr) < 0 ? oom(P) : 0;
	}
	json_array_foreach (cur, i, x)
		if (json_is_object(x) && pv_set(x, t->sub, json_deep_copy(c)) < 0) {
			json_decref(c);
			return oom(P);
		}
	json_decref(c);
	return 0;
}

/*
 * No value matched attr[filter]: when the filter is "sub eq X" (or such
 * terms joined by and), a new value made of them and the operation's value
 * is added (Entra: emails[type eq "work"].value for a user without one).
 */
static int
create_match(struct patch *P, const struct target *t, json_t *cont, json_t *cur, const char *key,
	     json_t *value)
{
	json_t *raw, *el;
	int r;

	if (json_is_null(value))
		return 0;
	if (!(!t->a || t->a->type == SCIM_T_COMPLEX) || !(raw = pv_eq_object(t->filter, t->a)))
		return scim_fail(P->v.e, 400, SCIM_ERR_NO_TARGET, "%s: no value matches the filter",
				 t->label);
	if (!t->sub && !json_is_object(value)) {
		json_decref(raw);
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
				 "%s: the value must be an object of sub-attributes", t->label);
	}
	if (t->sub ? pv_set(raw, t->sub, json_deep_copy(value)) : pv_update(raw, value)) {
		json_decref(raw);
		return oom(P);
	}
	r = pv_coerce(&P->v, t->a, raw, true, t->label, &el);
	json_decref(raw);
	if (r < 0)
		return -1;
	if (!json_is_array(cur)) {
		if (!(cur = json_array()) || json_object_set_new(cont, key, cur) < 0) {
			json_decref(el);
			return oom(P);
		}
	}
	if (json_array_append_new(cur, el) < 0)
		return oom(P);
	pv_one_primary(cur, pv_is_primary(el) ? el : NULL);
	return 0;
}

static int remove_filtered(struct patch *P, const struct target *t, json_t *cont, json_t *cur,
			   const char *key, bool must_match);

/* add/replace attr[filter] and attr[filter].sub: on each matching value. */
static int
set_filtered(struct patch *P, const struct target *t, json_t *cont, json_t *cur, const char *key,
	     json_t *value)
{
	bool complex = !t->a || t->a->type == SCIM_T_COMPLEX;
	json_t *c = NULL, *x, *primary = NULL;
	size_t i, n = 0;

	if (!t->sub && json_is_null(value))
		return remove_filtered(P, t, cont, cur, key, false);
	if (t->sub) {
		if (pv_coerce(&P->v, t->sa, value, false, t->label, &c) < 0)
			return -1;
	} else if (complex) {
		if (!json_is_object(value))
			return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
					 "%s: the value must be an object of sub-attributes",
					 t->label);
	} else if (pv_coerce(&P->v, t->a, value, true, t->label, &c) < 0) {
		return -1;
	}
	if (json_is_array(cur)) {
		json_array_foreach (cur, i, x) {
			int r = 0;
			if (!scim_filter_match_value(t->filter, x, t->a))
				continue;
			n++;
			if (t->sub)
				r = json_is_object(x) ? pv_set(x, t->sub, json_deep_copy(c)) : 0;
			else if (complex)
				r = json_is_object(x) ? pv_merge(&P->v, t->a, x, value, t->label)
						      : 0;
			else
				r = json_array_set(cur, i, c);
			if (r < 0) {
				json_decref(c);
				return P->v.e->status ? -1 : oom(P);
			}
			if (pv_is_primary(json_array_get(cur, i)))
				primary = json_array_get(cur, i);
		}
	}
	json_decref(c);
	if (!n)
		return create_match(P, t, cont, cur, key, value);
	pv_one_primary(cur, primary);
	return 0;
}

/* remove attr: the attribute, or (with a value) those of its values. */
static int
remove_attr(struct patch *P, const struct target *t, json_t *cont, json_t *cur, const char *key,
	    json_t *value)
{
	if (!cur)
		return 0;
	if (value && !json_is_null(value) && json_is_array(cur) && multi(t, cur, value)) {
		if (pv_remove_equal(t->a, cur, value) < 0)
			return oom(P);
		if (json_array_size(cur))
			return 0;
	}
	json_object_del(cont, key);
	return 0;
}

/*
 * Removes t->sub from each value of cur that f matches (every value when f
 * is NULL), or the values themselves when t->sub is NULL; a value left
 * empty goes too, and the attribute with its last value. Gives the number
 * of matches. Linear: the survivors are collected, not removed one by one.
 */
static int
remove_values(struct patch *P, const struct target *t, const struct scim_filter *f, json_t *cont,
	      json_t *cur, const char *key, size_t *n)
{
	json_t *keep = json_array(), *x;
	size_t i;

	*n = 0;
	if (!keep)
		return oom(P);
	json_array_foreach (cur, i, x) {
		if (f ? scim_filter_match_value(f, x, t->a) : json_is_object(x)) {
			++*n;
			if (!t->sub || !json_is_object(x))
				continue;
			pv_set(x, t->sub, NULL);
			if (!json_object_size(x))
				continue;
		}
		if (json_array_append(keep, x) < 0) {
			json_decref(keep);
			return oom(P);
		}
	}
	if (!json_array_size(keep)) {
		json_decref(keep);
		json_object_del(cont, key);
		return 0;
	}
	return pv_replace_all(cur, keep) < 0 ? oom(P) : 0;
}

/* remove attr.sub without a filter. */
static int
remove_sub(struct patch *P, const struct target *t, json_t *cont, json_t *cur, const char *key)
{
	size_t n;

	if (json_is_object(cur)) {
		pv_set(cur, t->sub, NULL);
		if (!json_object_size(cur))
			json_object_del(cont, key);
		return 0;
	}
	return json_is_array(cur) ? remove_values(P, t, NULL, cont, cur, key, &n) : 0;
}

/* remove attr[filter] (the matching values) and attr[filter].sub (that sub-attribute of each). */
static int
remove_filtered(struct patch *P, const struct target *t, json_t *cont, json_t *cur,
		const char *key, bool must_match)
{
	size_t n = 0;

	if (json_is_array(cur) && remove_values(P, t, t->filter, cont, cur, key, &n) < 0)
		return -1;
	if (!n && must_match)
		return scim_fail(P->v.e, 400, SCIM_ERR_NO_TARGET, "%s: no value matches the filter",
				 t->label);
	return 0;
}

/* One operation on an attribute held in the resource's JSON. */
static int
op_json(struct patch *P, enum patch_op op, const struct target *t, json_t *value)
{
	json_t *cont, *cur, *before = NULL;
	const char *key;
	char *keycopy;
	int r;

	if (container(P, t, op != P_REMOVE, &cont) < 0)
		return -1;
	if (!cont) /* remove from an extension the resource does not have */
		return t->filter ? scim_fail(P->v.e, 400, SCIM_ERR_NO_TARGET,
					     "%s: no value matches the filter", t->label)
				 : 0;
	cur = scim_json_get_key(cont, t->name, &key);
	if (json_is_null(cur)) {
		json_object_del(cont, key);
		cur = NULL;
	}
	/* the key outlives a json_object_del of itself */
	if (!(keycopy = strdup(cur ? key : t->name)))
		return oom(P);
	if (cur && t->a && t->a->mutability == SCIM_MUT_IMMUTABLE &&
	    !(before = json_deep_copy(cur))) {
		free(keycopy);
		return oom(P);
	}
	if (t->filter)
		r = op == P_REMOVE ? remove_filtered(P, t, cont, cur, keycopy, true)
				   : set_filtered(P, t, cont, cur, keycopy, value);
	else if (t->sub)
		r = op == P_REMOVE ? remove_sub(P, t, cont, cur, keycopy)
				   : set_sub(P, t, cont, cur, keycopy, value);
	else
		r = op == P_REMOVE ? remove_attr(P, t, cont, cur, keycopy, value)
				   : set_attr(P, op, t, cont, cur, keycopy, value);
	/* immutable: may be set once; setting it to what it holds is not a change */
	if (r == 0 && before && !json_equal(before, scim_json_get(cont, t->name)))
		r = scim_fail(P->v.e, 400, SCIM_ERR_MUTABILITY, "%s is immutable", t->name);
	json_decref(before);
	free(keycopy);
	if (r == 0)
		ext_tidy(P, t);
	return r;
}

/* The attribute the hooks own: the operation goes to them, never to the JSON. */
static bool
hooked(const struct patch *P, const struct scim_path *p)
{
	const char *urn = p->ref.urn;

	if (!P->hooks || !P->hooks->attr)
		return false;
	if (urn && strcasecmp(urn, P->v.rt->core->id) != 0)
		return false;
	return strcasecmp(p->ref.attr, P->hooks->attr) == 0;
}

static int
hook_result(struct patch *P, int r, const char *what)
{
	if (r == 0)
		return 0;
	return scim_fail(P->v.e, 500, NULL, "%s of %s failed", what, P->hooks->attr);
}

/* The id of member m (an object whose "value" is a non-empty string), or NULL. */
static const char *
member_id(json_t *m)
{
	json_t *v = json_is_object(m) ? scim_json_get(m, "value") : NULL;

	if (!json_is_string(v) || !json_string_length(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/*
 * Calls add or remove for each member object in value (an array or one
 * object), once all of them are known to be well formed: a bad value fails
 * the operation before any hook ran.
 */
static int
hook_each(struct patch *P, enum patch_op op, json_t *value, const char *label)
{
	const struct scim_patch_hooks *h = P->hooks;
	size_t i, n = json_is_array(value) ? json_array_size(value) : 1;
	json_t *m;

	if (json_is_null(value))
		return 0;
	if (!json_is_array(value) && !json_is_object(value))
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
				 "%s: the value must be an array of objects with a \"value\"",
				 label);
	for (i = 0; i < n; i++)
		if (!member_id(json_is_array(value) ? json_array_get(value, i) : value))
			return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
					 "%s: each value must be an object whose \"value\" is a "
					 "non-empty string",
					 label);
	for (i = 0; i < n; i++) {
		m = json_is_array(value) ? json_array_get(value, i) : value;
		if (op == P_REMOVE) {
			if (hook_result(P, h->remove(h->ctx, member_id(m), P->v.e),
					"removing a value") < 0)
				return -1;
		} else if (hook_result(P, h->add(h->ctx, member_id(m), m, P->v.e),
				       "adding a value") < 0) {
			return -1;
		}
	}
	return 0;
}

/* Whether value suits add/replace of the hooked attribute (null, a member or an array of them). */
static bool
hook_value_ok(json_t *value)
{
	json_t *m;
	size_t i;

	if (json_is_null(value))
		return true;
	if (!json_is_array(value))
		return member_id(value) != NULL;
	json_array_foreach (value, i, m)
		if (!member_id(m))
			return false;
	return true;
}

static int
op_hooked(struct patch *P, enum patch_op op, const struct scim_path *p, json_t *value,
	  const char *label)
{
	const struct scim_patch_hooks *h = P->hooks;
	const struct scim_filter *f = p->filter;
	const char *an, *av;

	if (p->ref.sub)
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH,
				 "%s: a sub-attribute of %s cannot be changed; remove and add the "
				 "value instead",
				 label, h->attr);
	if (op == P_REMOVE) {
		if (f && f->op == SCIM_OP_EQ && scim_filter_eq_term(f, &an, &av) &&
		    strcasecmp(an, "value") == 0) {
			if (!*av || strlen(av) != json_string_length(f->value))
				return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
						 "%s: the value must be a non-empty string without "
						 "NUL bytes",
						 label);
			return hook_result(P, h->remove(h->ctx, av, P->v.e), "removing a value");
		}
		if (f)
			return hook_result(P, h->remove_where(h->ctx, f, P->v.e),
					   "removing values");
		if (value && !json_is_null(value))
			return hook_each(P, P_REMOVE, value, label);
		return hook_result(P, h->clear(h->ctx, P->v.e), "clearing");
	}
	if (f)
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH,
				 "%s: %s takes values without a filter in add and replace", label,
				 h->attr);
	/* a bad value is refused before the members are cleared */
	if (op == P_REPLACE && hook_value_ok(value) &&
	    hook_result(P, h->clear(h->ctx, P->v.e), "clearing") < 0)
		return -1;
	return hook_each(P, P_ADD, value, label);
}

/*
 * Resolves p against the schema. explicit: the client wrote this path (a
 * readOnly attribute or "schemas" is then 400 mutability); otherwise it is a
 * key of a path-less value, and such attributes, which clients echo, are
 * skipped (*skip).
 */
static int
resolve(struct patch *P, const struct scim_path *p, bool explicit, const char *label,
	struct target *t, bool *skip)
{
	const char *urn = p->ref.urn;

	memset(t, 0, sizeof(*t));
	t->label = label;
	t->filter = p->filter;
	*skip = false;
	if (urn && strcasecmp(urn, P->v.rt->core->id) == 0)
		urn = NULL;
	if (urn && !(t->ext = scim_rtype_extension(P->v.rt, urn)))
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH,
				 "%s: %s is not a schema of %s resources", label, urn,
				 P->v.rt->id);
	t->a = scim_schema_find(P->v.rt, t->ext ? t->ext->id : NULL, p->ref.attr, NULL);
	t->name = t->a ? t->a->name : p->ref.attr;
	if ((!t->ext && strcasecmp(p->ref.attr, "schemas") == 0) ||
	    (t->a && t->a->mutability == SCIM_MUT_READONLY)) {
		*skip = !explicit;
		return explicit ? scim_fail(P->v.e, 400, SCIM_ERR_MUTABILITY,
					    "%s is set by the server and cannot be changed",
					    t->name)
				: 0;
	}
	if (p->ref.sub) {
		if (t->a && t->a->type != SCIM_T_COMPLEX)
			return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH,
					 "%s: %s has no sub-attributes", label, t->name);
		if (t->a && !(t->sa = scim_attr_sub(t->a, p->ref.sub)))
			return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH,
					 "%s: %s has no sub-attribute %s", label, t->name,
					 p->ref.sub);
		t->sub = t->sa ? t->sa->name : p->ref.sub;
		if (t->sa && t->sa->mutability == SCIM_MUT_READONLY) {
			*skip = !explicit;
			return explicit ? scim_fail(P->v.e, 400, SCIM_ERR_MUTABILITY,
						    "%s.%s is set by the server and cannot be "
						    "changed",
						    t->name, t->sub)
					: 0;
		}
	}
	if (t->filter && t->a && !t->a->multi_valued)
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH,
				 "%s: %s is single-valued and takes no filter", label, t->name);
	return 0;
}

static int
op_path(struct patch *P, enum patch_op op, const struct scim_path *p, json_t *value,
	bool explicit, const char *label)
{
	struct target t;
	bool skip;

	if (hooked(P, p))
		return op_hooked(P, op, p, value, label);
	if (resolve(P, p, explicit, label, &t, &skip) < 0)
		return -1;
	return skip ? 0 : op_json(P, op, &t, value);
}

/* Parses text (a path the client wrote, or a key of a path-less value) and applies op. */
static int
op_text(struct patch *P, enum patch_op op, const char *text, json_t *value, bool explicit)
{
	struct scim_path *p = NULL;
	int r;

	if (scim_path_parse(text, P->v.rt, P->lim, &p, P->v.e) < 0)
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH, "invalid path %s", text);
	r = op_path(P, op, p, value, explicit, text);
	scim_path_free(p);
	return r;
}

/* add/replace without a path: each key of value is a path ("name.givenName", "urn:...:x"). */
static int
op_keys(struct patch *P, enum patch_op op, const char *urn, json_t *value)
{
	const char *k;
	size_t klen;
	json_t *v;

	json_object_keylen_foreach (value, k, klen, v) {
		const struct scim_schema *ext = urn ? NULL : scim_rtype_extension(P->v.rt, k);
		char *text;
		int r;

		if (strlen(k) != klen)
			return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH,
					 "an attribute name holds a NUL byte");
		if (!urn && (ext || strcasecmp(k, P->v.rt->core->id) == 0)) {
			/* a schema's URN holding its attributes */
			if (!json_is_object(v))
				return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
						 "%s must be an object of attributes", k);
			if (op_keys(P, op, ext ? ext->id : P->v.rt->core->id, v) < 0)
				return -1;
			continue;
		}
		if (!urn) {
			r = op_text(P, op, k, v, false);
		} else {
			size_t n = strlen(urn) + strlen(k) + 2;
			if (!(text = malloc(n)))
				return oom(P);
			snprintf(text, n, "%s:%s", urn, k);
			r = op_text(P, op, text, v, false);
			free(text);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

static int
op_nopath(struct patch *P, enum patch_op op, json_t *value)
{
	if (op == P_REMOVE) {
		/* {"op":"remove","value":{"members":[...]}}: values of the hooked attribute */
		json_t *m = P->hooks && P->hooks->attr && json_is_object(value) &&
					    json_object_size(value) == 1
				    ? scim_json_get(value, P->hooks->attr)
				    : NULL;
		if (m && !json_is_null(m))
			return hook_each(P, P_REMOVE, m, P->hooks->attr);
		return scim_fail(P->v.e, 400, SCIM_ERR_NO_TARGET, "remove needs a path");
	}
	if (!json_is_object(value))
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "without a path, the value must be an object of attributes");
	return op_keys(P, op, NULL, value);
}

/* The path is an extension's URN: its object of attributes as a whole. */
static int
op_extension(struct patch *P, enum patch_op op, const struct scim_schema *ext, json_t *value)
{
	struct target t = {.ext = ext};
	const char *k;
	json_t *c = scim_json_get_key(P->res, ext->id, &k);

	if (op != P_REMOVE) {
		if (!json_is_object(value))
			return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_VALUE,
					 "%s must be an object of attributes", ext->id);
		return op_keys(P, op, ext->id, value);
	}
	if (c) {
		json_object_clear(c);
		ext_tidy(P, &t);
		if ((c = scim_json_get_key(P->res, ext->id, &k)))
			json_object_del(P->res, k);
	}
	return 0;
}

static bool
has_patch_urn(json_t *schemas)
{
	json_t *x;
	size_t i;

	json_array_foreach (schemas, i, x)
		if (json_is_string(x) && strcasecmp(json_string_value(x), SCIM_URN_PATCH) == 0)
			return true;
	return false;
}

static int
apply_one(struct patch *P, json_t *o)
{
	static const char *const names[] = {"add", "replace", "remove"};
	json_t *jop = scim_json_get(o, "op"), *jpath = scim_json_get(o, "path");
	json_t *value = scim_json_get(o, "value");
	const struct scim_schema *ext;
	enum patch_op op;
	const char *path;

	if (!json_is_string(jop))
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_SYNTAX, "\"op\" must be a string");
	for (op = P_ADD; op <= P_REMOVE; op++)
		if (strcasecmp(json_string_value(jop), names[op]) == 0)
			break;
	if (op > P_REMOVE)
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "\"op\" must be add, replace or remove");
	if (jpath && !json_is_null(jpath) && !json_is_string(jpath))
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH, "\"path\" must be a string");
	if (json_is_string(jpath) && strlen(json_string_value(jpath)) != json_string_length(jpath))
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_PATH, "\"path\" holds a NUL byte");
	if (!value && op != P_REMOVE)
		return scim_fail(P->v.e, 400, SCIM_ERR_INVALID_SYNTAX, "%s needs a \"value\"",
				 names[op]);
	path = json_is_string(jpath) ? json_string_value(jpath) : "";
	if (!*path)
		return op_nopath(P, op, value);
	if ((ext = scim_rtype_extension(P->v.rt, path)))
		return op_extension(P, op, ext, value);
	return op_text(P, op, path, value, true);
}

int
scim_patch_apply(json_t *resource, json_t *body, const struct scim_rtype *rt,
		 const struct scim_limits *lim, const struct scim_patch_hooks *hooks,
		 struct scim_err *e)
{
	static const struct scim_limits deflim = {.filter_max_length = 4096,
						  .filter_max_depth = 16};
	struct scim_err local = {0};
	struct patch P = {.v = {.rt = rt, .e = e ? e : &local},
			  .res = resource,
			  .lim = lim ? lim : &deflim,
			  .hooks = hooks};
	json_t *ops, *o;
	size_t i;

	if (!json_is_object(resource) || !rt)
		return scim_fail(P.v.e, 500, NULL, "no resource to patch");
	if (hooks && hooks->attr &&
	    (!hooks->add || !hooks->remove || !hooks->remove_where || !hooks->clear))
		return scim_fail(P.v.e, 500, NULL, "incomplete hooks for %s", hooks->attr);
	if (!json_is_object(body))
		return scim_fail(P.v.e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "the PATCH body must be a JSON object");
	if (!json_is_array(scim_json_get(body, "schemas")) ||
	    !has_patch_urn(scim_json_get(body, "schemas")))
		return scim_fail(P.v.e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "\"schemas\" must hold " SCIM_URN_PATCH);
	ops = scim_json_get(body, "Operations");
	if (!json_is_array(ops) || !json_array_size(ops))
		return scim_fail(P.v.e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "\"Operations\" must be a non-empty array");
	if (json_array_size(ops) > PATCH_MAX_OPS)
		return scim_fail(P.v.e, 400, SCIM_ERR_INVALID_SYNTAX,
				 "%zu operations: at most %d are accepted in one PATCH",
				 json_array_size(ops), PATCH_MAX_OPS);
	json_array_foreach (ops, i, o) {
		if (!json_is_object(o))
			return scim_fail(P.v.e, 400, SCIM_ERR_INVALID_SYNTAX,
					 "operation %zu is not an object", i + 1);
		if (apply_one(&P, o) < 0) {
			pv_prefix(P.v.e, i + 1);
			return -1;
		}
	}
	return 0;
}
