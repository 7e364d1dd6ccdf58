/* SPDX-License-Identifier: MIT */
/*
 * SCIM filter evaluation (RFC 7644 §3.4.2.2) against a resource as served,
 * with the schema's rules (caseExact, multi-valued "any value", a complex
 * value compared through its "value"), plus reference resolution and index
 * planning (scim_filter_eq_term). Names are ASCII and compared without
 * regard to case; string values fold ASCII letters only when the attribute
 * is not caseExact. "ne" is "not eq" (true for an absent attribute), "eq
 * null" is "not pr". Parsing is in scim_filter.c.
 */
#include <string.h>

#include "syncd/scim_filter.h"

struct cmp {
	enum scim_op op; /* EQ CO SW EW GT GE LT LE */
	json_t *value;
	bool cx; /* caseExact */
};

struct ctx {
	const struct scim_rtype *rt;   /* evaluating on a resource */
	const struct scim_attr *outer; /* or on one value of this attribute (may be NULL) */
	bool inner;
};

static bool eval(const struct scim_filter *f, json_t *v, const struct ctx *c);

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
name_eq(const char *a, const char *b)
{
	while (*a && lower((unsigned char)*a) == lower((unsigned char)*b))
		a++, b++;
	return *a == *b;
}

/* Orders a[0..an) against b[0..bn) bytewise, ASCII letters folded unless cx. */
static int
mem_cmp(const char *a, size_t an, const char *b, size_t bn, bool cx)
{
	size_t i, n = an < bn ? an : bn;
	int x, y;

	for (i = 0; i < n; i++) {
		x = (unsigned char)a[i];
		y = (unsigned char)b[i];
		if (!cx) {
			x = lower(x);
			y = lower(y);
		}
		if (x != y)
			return x - y;
	}
	return an < bn ? -1 : an > bn;
}

static bool
mem_has(const char *h, size_t hn, const char *n, size_t nn, bool cx)
{
	size_t i;

	if (cx)
		return nn == 0 || memmem(h, hn, n, nn) != NULL;
	for (i = 0; i + nn <= hn; i++)
		if (mem_cmp(h + i, nn, n, nn, false) == 0)
			return true;
	return false;
}

static bool
ordered(enum scim_op op, int ord)
{
	switch (op) {
	case SCIM_OP_EQ:
		return ord == 0;
	case SCIM_OP_GT:
		return ord > 0;
	case SCIM_OP_GE:
		return ord >= 0;
	case SCIM_OP_LT:
		return ord < 0;
	case SCIM_OP_LE:
		return ord <= 0;
	default:
		return false;
	}
}

/* One attribute value x against the comparison. */
static bool
test_cmp(const void *arg, json_t *x)
{
	const struct cmp *c = arg;

	if (!x)
		return false;
	if (json_is_string(c->value)) {
		const char *a, *b = json_string_value(c->value);
		size_t an, bn = json_string_length(c->value);

		if (!json_is_string(x))
			return false;
		a = json_string_value(x);
		an = json_string_length(x);
		switch (c->op) {
		case SCIM_OP_CO:
			return mem_has(a, an, b, bn, c->cx);
		case SCIM_OP_SW:
			return an >= bn && mem_cmp(a, bn, b, bn, c->cx) == 0;
		case SCIM_OP_EW:
			return an >= bn && mem_cmp(a + an - bn, bn, b, bn, c->cx) == 0;
		default:
			return ordered(c->op, mem_cmp(a, an, b, bn, c->cx));
		}
	}
	if (json_is_number(c->value)) {
		if (!json_is_number(x))
			return false;
		if (json_is_integer(x) && json_is_integer(c->value)) {
			json_int_t a = json_integer_value(x), b = json_integer_value(c->value);
			return ordered(c->op, a < b ? -1 : a > b);
		} else {
			double a = json_number_value(x), b = json_number_value(c->value);
			return ordered(c->op, a < b ? -1 : a > b);
		}
	}
	if (json_is_boolean(c->value))
		return c->op == SCIM_OP_EQ && json_is_boolean(x) &&
		       json_is_true(x) == json_is_true(c->value);
	return false;
}

/* Present: not absent, not null, not "", not [] or {} (RFC 7644 "pr"). */
static bool
present1(json_t *x)
{
	if (!x || json_is_null(x))
		return false;
	if (json_is_string(x))
		return json_string_length(x) > 0;
	if (json_is_array(x))
		return json_array_size(x) > 0;
	if (json_is_object(x))
		return json_object_size(x) > 0;
	return true;
}

static bool
test_present(const void *arg, json_t *x)
{
	size_t i;
	json_t *y;

	if (!json_is_array(x))
		return present1(x);
	json_array_foreach(x, i, y) if (present1(y)) return true;
	return false;
}

/*
 * Any value the reference names in el (one value of the attribute): its
 * sub-attribute sub, or without sub its "value" when el is complex.
 */
static bool
any_in_value(json_t *el, const char *sub, bool (*test)(const void *, json_t *), const void *arg)
{
	json_t *x, *y;
	size_t i;

	if (!json_is_object(el))
		return !sub && test(arg, el);
	x = scim_json_get(el, sub ? sub : "value");
	if (!json_is_array(x))
		return test(arg, x);
	json_array_foreach(x, i, y) if (test(arg, y)) return true;
	return false;
}

/* Any value of the attribute's JSON v (one value, or an array of them). */
static bool
any_value(json_t *v, const char *sub, bool (*test)(const void *, json_t *), const void *arg)
{
	json_t *el;
	size_t i;

	if (!v)
		return false;
	if (!json_is_array(v))
		return any_in_value(v, sub, test, arg);
	json_array_foreach(v, i, el) if (any_in_value(el, sub, test, arg)) return true;
	return false;
}

/*
 * The JSON of the top-level attribute ref names in resource res, and its
 * definition. A name without URN that the core schema lacks is looked for in
 * rt's extensions too (clients write "employeeNumber eq ...").
 */
static json_t *
lookup(json_t *res, const struct scim_rtype *rt, const struct scim_attr_ref *ref,
       const struct scim_attr **def)
{
	json_t *v;
	size_t i;

	if (ref->urn) {
		*def = scim_schema_find(rt, ref->urn, ref->attr, NULL);
		return scim_json_get(scim_json_get(res, ref->urn), ref->attr);
	}
	v = scim_json_get(res, ref->attr);
	*def = scim_schema_find(rt, NULL, ref->attr, NULL);
	for (i = 0; !v && !*def && i < rt->n_extensions; i++) {
		const char *urn = rt->extensions[i]->id;
		if ((*def = scim_schema_find(rt, urn, ref->attr, NULL)))
			v = scim_json_get(scim_json_get(res, urn), ref->attr);
	}
	return v;
}

static bool
eval_attr(const struct scim_filter *f, json_t *res, const struct ctx *c)
{
	const struct scim_attr *def;
	struct cmp cmp;
	json_t *v;
	bool eq;

	if (c->inner) {
		def = scim_attr_sub(c->outer, f->ref.attr);
		if (json_is_object(res))
			v = scim_json_get(res, f->ref.attr);
		else /* a value of a multi-valued simple attribute: its "value" is itself */
			v = name_eq(f->ref.attr, "value") ? res : NULL;
	} else {
		v = lookup(res, c->rt, &f->ref, &def);
	}
	if (f->op == SCIM_OP_VALUE_PATH) {
		struct ctx in = {.outer = def, .inner = true};
		json_t *el;
		size_t i;

		if (c->inner || !f->left)
			return false;
		if (!json_is_array(v))
			return v && eval(f->left, v, &in);
		json_array_foreach(v, i, el) if (eval(f->left, el, &in)) return true;
		return false;
	}
	if (f->ref.sub)
		def = scim_attr_sub(def, f->ref.sub);
	else if (def && def->type == SCIM_T_COMPLEX)
		def = scim_attr_sub(def, "value");
	if (f->op == SCIM_OP_PR || json_is_null(f->value)) {
		/* Without a sub-attribute, the attribute itself: {} and [] are absent. */
		eq = f->ref.sub ? any_value(v, f->ref.sub, test_present, NULL)
		                : test_present(NULL, v);
		if (f->op == SCIM_OP_PR || f->op == SCIM_OP_NE)
			return eq;
		return f->op == SCIM_OP_EQ && !eq;
	}
	cmp.op = f->op == SCIM_OP_NE ? SCIM_OP_EQ : f->op;
	cmp.value = f->value;
	cmp.cx = def ? def->case_exact : false;
	eq = any_value(v, f->ref.sub, test_cmp, &cmp);
	return f->op == SCIM_OP_NE ? !eq : eq;
}

static bool
eval(const struct scim_filter *f, json_t *v, const struct ctx *c)
{
	/* Chains lean right: walked in a loop; only nested operands recurse. */
	while (f) {
		switch (f->op) {
		case SCIM_OP_AND:
			if (!eval(f->left, v, c))
				return false;
			f = f->right;
			break;
		case SCIM_OP_OR:
			if (eval(f->left, v, c))
				return true;
			f = f->right;
			break;
		case SCIM_OP_NOT:
			return !eval(f->left, v, c);
		default:
			return eval_attr(f, v, c);
		}
	}
	return false;
}

bool
scim_filter_match(const struct scim_filter *f, json_t *resource, const struct scim_rtype *rt)
{
	struct ctx c = {.rt = rt};

	if (!f || !rt || !json_is_object(resource))
		return false;
	return eval(f, resource, &c);
}

bool
scim_filter_match_value(const struct scim_filter *f, json_t *value, const struct scim_attr *a)
{
	struct ctx c = {.outer = a, .inner = true};

	if (!f || !value)
		return false;
	return eval(f, value, &c);
}

const struct scim_attr *
scim_ref_resolve(const struct scim_rtype *rt, const struct scim_attr_ref *ref,
                 const struct scim_attr **parent)
{
	const struct scim_attr *a;

	if (parent)
		*parent = NULL;
	if (!rt || !ref || !ref->attr)
		return NULL;
	if (!(a = scim_schema_find(rt, ref->urn, ref->attr, NULL)))
		return NULL;
	if (parent)
		*parent = a;
	return ref->sub ? scim_attr_sub(a, ref->sub) : a;
}

bool
scim_filter_eq_term(const struct scim_filter *f, const char **attr_out, const char **value_out)
{
	/* A conjunction's terms are each necessary: any "ATTR eq STRING" among them will do. */
	for (; f; f = f->right) {
		if (f->op == SCIM_OP_EQ) {
			if (f->ref.urn || f->ref.sub || !json_is_string(f->value))
				return false;
			if (attr_out)
				*attr_out = f->ref.attr;
			if (value_out)
				*value_out = json_string_value(f->value);
			return true;
		}
		if (f->op != SCIM_OP_AND)
			return false;
		if (scim_filter_eq_term(f->left, attr_out, value_out))
			return true;
	}
	return false;
}
