/* SPDX-License-Identifier: MIT */
/*
 * Values for SCIM PATCH (scim_patch_values.h): type checks and the stored
 * shape of what a client sends, complex merges, and the comparisons that
 * keep a multi-valued attribute free of repeats and with one primary value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "syncd/scim_patch_values.h"

int
pv_oom(struct pv *v)
{
	return scim_fail(v->e, 500, NULL, "out of memory");
}

static int
bad(struct pv *v, const char *label, const char *want)
{
	return scim_fail(v->e, 400, SCIM_ERR_INVALID_VALUE, "%s: expected %s", label, want);
}

/* One value of a (not an array). */
static int
coerce_one(struct pv *v, const struct scim_attr *a, json_t *value, const char *label,
	   json_t **out)
{
	const char *s;

	switch (a->type) {
	case SCIM_T_STRING:
	case SCIM_T_DATETIME:
	case SCIM_T_REFERENCE:
	case SCIM_T_BINARY:
		if (!json_is_string(value))
			return bad(v, label, "a string");
		*out = json_incref(value);
		return 0;
	case SCIM_T_BOOLEAN:
		if (json_is_boolean(value)) {
			*out = json_incref(value);
			return 0;
		}
		s = json_is_string(value) ? json_string_value(value) : "";
		if (strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0)
			return bad(v, label, "true or false");
		*out = json_boolean(strcasecmp(s, "true") == 0);
		return 0;
	case SCIM_T_INTEGER:
		if (!json_is_integer(value))
			return bad(v, label, "an integer");
		*out = json_incref(value);
		return 0;
	case SCIM_T_DECIMAL:
		if (!json_is_number(value))
			return bad(v, label, "a number");
		*out = json_incref(value);
		return 0;
	case SCIM_T_COMPLEX:
		break;
	}
	if (json_is_string(value) && !a->multi_valued && scim_attr_sub(a, "value")) {
		/* Entra: "manager": "26118915-..." */
		if (!(*out = json_pack("{sO}", scim_attr_sub(a, "value")->name, value)))
			return pv_oom(v);
		return 0;
	}
	if (!json_is_object(value))
		return bad(v, label, "an object of sub-attributes");
	if (!(*out = json_object()))
		return pv_oom(v);
	if (pv_merge(v, a, *out, value, label) < 0) {
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
pv_coerce(struct pv *v, const struct scim_attr *a, json_t *value, bool elem, const char *label,
	  json_t **out)
{
	json_t *arr, *x, *c;
	size_t i;

	*out = NULL;
	if (json_is_null(value))
		return 0;
	if (!a) {
		*out = json_deep_copy(value);
		return *out ? 0 : pv_oom(v);
	}
	if (a->multi_valued && !elem) {
		if (!(arr = json_array()))
			return pv_oom(v);
		if (!json_is_array(value)) {
			if (coerce_one(v, a, value, label, &c) < 0) {
				json_decref(arr);
				return -1;
			}
			if (json_array_append_new(arr, c) < 0) {
				json_decref(arr);
				return pv_oom(v);
			}
			*out = arr;
			return 0;
		}
		json_array_foreach (value, i, x) {
			if (json_is_null(x))
				continue;
			if (json_is_array(x) || coerce_one(v, a, x, label, &c) < 0) {
				json_decref(arr);
				return json_is_array(x) ? bad(v, label, "an array of values") : -1;
			}
			if (json_array_append_new(arr, c) < 0) {
				json_decref(arr);
				return pv_oom(v);
			}
		}
		*out = arr;
		return 0;
	}
	if (json_is_array(value))
		return bad(v, label, "a single value, not an array");
	return coerce_one(v, a, value, label, out);
}

int
pv_merge(struct pv *v, const struct scim_attr *a, json_t *dst, json_t *src, const char *label)
{
	const char *k;
	json_t *x;

	json_object_foreach (src, k, x) {
		const struct scim_attr *sd = a ? scim_attr_sub(a, k) : NULL;
		char sublabel[160];
		json_t *c;

		if (sd && sd->mutability == SCIM_MUT_READONLY)
			continue;
		if (json_is_null(x)) {
			pv_set(dst, k, NULL);
			continue;
		}
		snprintf(sublabel, sizeof(sublabel), "%s.%s", label, sd ? sd->name : k);
		if (pv_coerce(v, sd, x, false, sublabel, &c) < 0)
			return -1;
		if (pv_set(dst, sd ? sd->name : k, c) < 0)
			return pv_oom(v);
	}
	return 0;
}

int
pv_set(json_t *obj, const char *name, json_t *val)
{
	const char *key;

	if (!scim_json_get_key(obj, name, &key))
		key = NULL;
	if (!val) {
		if (key)
			json_object_del(obj, key); /* jansson frees the key after the lookup */
		return 0;
	}
	return json_object_set_new(obj, key ? key : name, val);
}

int
pv_update(json_t *dst, json_t *src)
{
	const char *k;
	json_t *x, *c;

	json_object_foreach (src, k, x) {
		if (!(c = json_deep_copy(x)) || pv_set(dst, k, c) < 0)
			return -1;
	}
	return 0;
}

json_t *
pv_wrap(json_t *x)
{
	json_t *arr = json_array();

	if (!arr || json_array_append_new(arr, x) < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/*
 * A key for x such that two values of a have the same key exactly when they
 * are the same value: equal, or with the same "value" sub-attribute
 * (compared as a's caseExact says; unknown attributes ignore case). *len
 * gets its length (it may hold NUL bytes). NULL when out of memory.
 */
static char *
same_key(const struct scim_attr *a, json_t *x, size_t *len)
{
	json_t *v = json_is_object(x) ? scim_json_get(x, "value") : NULL;
	const struct scim_attr *sv = a ? scim_attr_sub(a, "value") : NULL;
	char *k, *d;
	size_t i, n;

	if (json_is_string(v)) {
		n = json_string_length(v);
		if (!(k = malloc(n + 2)))
			return NULL;
		k[0] = 's';
		memcpy(k + 1, json_string_value(v), n);
		for (i = 1; i <= n && !(sv && sv->case_exact); i++)
			if (k[i] >= 'A' && k[i] <= 'Z')
				k[i] = (char)(k[i] - 'A' + 'a');
		k[n + 1] = '\0';
		*len = n + 1;
		return k;
	}
	/* jansson's sorted, compact form is equal exactly when the values are */
	if (v && json_is_null(v))
		v = NULL;
	if (!(d = json_dumps(v ? v : x, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)))
		return NULL;
	n = strlen(d);
	if (!(k = malloc(n + 2))) {
		free(d);
		return NULL;
	}
	k[0] = v ? 'v' : '=';
	memcpy(k + 1, d, n + 1);
	free(d);
	*len = n + 1;
	return k;
}

int
pv_seen_put(json_t *seen, const struct scim_attr *a, json_t *x)
{
	size_t n;
	char *k = same_key(a, x, &n);
	int r;

	if (!k)
		return -1;
	if (json_object_getn(seen, k, n))
		r = 1;
	else
		r = json_object_setn_new_nocheck(seen, k, n, json_true()) < 0 ? -1 : 0;
	free(k);
	return r;
}

bool
pv_seen_has(json_t *seen, const struct scim_attr *a, json_t *x)
{
	size_t n;
	char *k = same_key(a, x, &n);
	bool r = k && json_object_getn(seen, k, n);

	free(k);
	return r;
}

json_t *
pv_seen_new(const struct scim_attr *a, json_t *vals)
{
	json_t *seen = json_object(), *x;
	size_t i;

	if (!seen)
		return NULL;
	if (!json_is_array(vals))
		vals = NULL;
	json_array_foreach (vals, i, x)
		if (pv_seen_put(seen, a, x) < 0) {
			json_decref(seen);
			return NULL;
		}
	return seen;
}

json_t *
pv_dedupe(const struct scim_attr *a, json_t *vals)
{
	json_t *out = json_array(), *seen = json_object(), *x;
	size_t i;
	int r = 0;

	json_array_foreach (vals, i, x) {
		if (!out || !seen || (r = pv_seen_put(seen, a, x)) < 0)
			break;
		if (r == 0 && json_array_append(out, x) < 0) {
			r = -1;
			break;
		}
	}
	json_decref(vals);
	json_decref(seen);
	if (!out || !seen || r < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

int
pv_replace_all(json_t *arr, json_t *keep)
{
	int r;

	if (!keep)
		return -1;
	r = json_array_clear(arr) < 0 || json_array_extend(arr, keep) < 0 ? -1 : 0;
	json_decref(keep);
	return r;
}

int
pv_remove_equal(const struct scim_attr *a, json_t *arr, json_t *xs)
{
	json_t *one = json_is_array(xs) ? NULL : pv_wrap(json_incref(xs));
	json_t *seen = pv_seen_new(a, one ? one : xs), *keep = json_array(), *x;
	size_t i;
	int r = seen && keep && (one || json_is_array(xs)) ? 0 : -1;

	json_array_foreach (arr, i, x)
		if (r == 0 && !pv_seen_has(seen, a, x) && json_array_append(keep, x) < 0)
			r = -1;
	json_decref(one);
	json_decref(seen);
	if (r < 0) {
		json_decref(keep);
		return -1;
	}
	return pv_replace_all(arr, keep);
}

bool
pv_is_primary(json_t *x)
{
	return json_is_object(x) && json_is_true(scim_json_get(x, "primary"));
}

void
pv_one_primary(json_t *arr, json_t *keep)
{
	json_t *x;
	size_t i;

	if (!keep)
		return;
	json_array_foreach (arr, i, x)
		if (x != keep && pv_is_primary(x))
			pv_set(x, "primary", json_false());
}

static int
eq_terms(const struct scim_filter *f, const struct scim_attr *a, json_t *obj)
{
	const struct scim_attr *sd;

	if (!f)
		return -1;
	if (f->op == SCIM_OP_AND)
		return eq_terms(f->left, a, obj) < 0 ? -1 : eq_terms(f->right, a, obj);
	if (f->op != SCIM_OP_EQ || f->ref.urn || f->ref.sub || !f->ref.attr || !f->value ||
	    json_is_null(f->value))
		return -1;
	sd = a ? scim_attr_sub(a, f->ref.attr) : NULL;
	return pv_set(obj, sd ? sd->name : f->ref.attr, json_deep_copy(f->value));
}

json_t *
pv_eq_object(const struct scim_filter *f, const struct scim_attr *a)
{
	json_t *obj = json_object();

	if (obj && eq_terms(f, a, obj) < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

void
pv_prefix(struct scim_err *e, size_t n)
{
	char pre[40];
	size_t np, nd;

	if (!e || !e->status)
		return;
	np = (size_t)snprintf(pre, sizeof(pre), "operation %zu: ", n);
	nd = strnlen(e->detail, sizeof(e->detail) - 1);
	if (np + nd >= sizeof(e->detail))
		nd = sizeof(e->detail) - 1 - np;
	memmove(e->detail + np, e->detail, nd);
	memcpy(e->detail, pre, np);
	e->detail[np + nd] = '\0';
}
