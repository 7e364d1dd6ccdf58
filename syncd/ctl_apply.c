/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl export and apply: the declarative configuration (org settings,
 * roles, workspaces with their gids, mappings) as one JSON document. apply
 * validates the whole document first (unknown keys are errors naming their
 * path), prints the differences, and changes the store in one transaction,
 * or not at all (--dry-run, or any error). Applying twice changes nothing.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/grants.h"
#include "libidsync/mapping.h"
#include "libidsync/model.h"
#include "libidsync/org.h"
#include "libidsync/policy.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"
#include "syncd/ctl.h"

#define EXPORT_VERSION 1
#define APPLY_MAX_BYTES (16 * 1024 * 1024)

/* ---- export ---- */

static int
export_role(const struct ids_val *k, const struct ids_val *v, void *data)
{
	json_t *o = NULL;
	_cleanup_free_ char *name = strndup(k->data, k->size);
	int r = ids_json_decode(v->data, v->size, &o);

	if (r < 0 || !name) {
		json_decref(o);
		return r < 0 ? r : -ENOMEM;
	}
	json_object_del(o, "v");
	return json_object_set_new(data, name, o);
}

struct export_ctx {
	struct ids_txn *t;
	json_t *out;
};

static int
export_group(const struct ids_unix_group *g, void *data)
{
	json_t *ws = json_object_get(data, g->workspace);

	if (ws)
		json_object_set_new(json_object_get(ws, "unix_groups"), g->name,
				    json_integer((json_int_t)g->gid));
	return 0;
}

static int
export_workspace(const struct ids_workspace *ws, void *data)
{
	return json_object_set_new(data, ws->name,
				   json_pack("{s:b, s:s?, s:I, s:I, s:{}}", "managed", ws->managed,
					     "dir", ws->dir, "seats", (json_int_t)ws->seats,
					     "seats_ro", (json_int_t)ws->seats_ro, "unix_groups"));
}

static int
export_mapping(const struct ids_mapping *m, void *data)
{
	return json_object_set_new(data, m->label,
				   json_pack("{s:s, s:o, s:s?}", "identifier", m->identifier,
					     "workspaces", ids_strv_to_json(m->workspaces), "role",
					     m->role));
}

static json_t *
org_export(const struct ids_org *org)
{
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:b, s:s, s:b, s:b, s:o}", "issuer",
			 org->issuer, "sp_entity_id", org->sp_entity_id, "recipient",
			 org->recipient, "sso_url", org->sso_url, "group_attribute",
			 org->group_attribute, "default_role", org->default_role,
			 "read_only_new_members", org->read_only_new_members, "role_mode",
			 ids_role_mode_name(org->role_mode), "revoke_on_login", org->revoke_on_login,
			 "end_sessions", org->end_sessions, "certificates",
			 ids_strv_to_json(org->certificates));
}

/* The declarative state of the store (NULL on error, after printing it). */
static json_t *
build_export(struct ids_txn *t)
{
	_cleanup_(ids_org_freep) struct ids_org *org = NULL;
	json_t *roles = json_object(), *wss = json_object(), *maps = json_object();
	int r = ids_org_get(t, &org);

	if (r == 0)
		r = ids_txn_iterate(t, IDS_DB_ROLES, NULL, 0, export_role, roles);
	if (r == 0)
		r = ids_workspace_foreach(t, export_workspace, wss);
	if (r == 0)
		r = ids_unix_group_foreach(t, export_group, wss);
	if (r == 0)
		r = ids_mapping_foreach(t, export_mapping, maps);
	if (r < 0) {
		ctl_err("cannot read the store: %s", strerror(-r));
		json_decref(roles);
		json_decref(wss);
		json_decref(maps);
		return NULL;
	}
	return json_pack("{s:i, s:o, s:o, s:o, s:o}", "idsync_export", EXPORT_VERSION, "org",
			 org_export(org), "roles", roles, "workspaces", wss, "mappings", maps);
}

int
ctl_cmd_export(struct ctl *c, int argc, char **argv)
{
	struct ids_txn *t = NULL;
	json_t *out;
	int r;

	if (argc != 1) {
		ctl_err("usage: idsyncctl export");
		return CTL_USAGE;
	}
	r = ctl_read_begin(c, &t);
	if (r != CTL_OK)
		return r;
	out = build_export(t);
	ids_txn_abort(t);
	if (!out)
		return CTL_FAIL;
	ctl_print_json(out);
	json_decref(out);
	return CTL_OK;
}

/* ---- validation ---- */

/* Collects "path: message" problems; the document is applied only when there is none. */
struct problems {
	int n;
};

static void
problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;

	fputs("idsyncctl: apply: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->n++;
}

enum kind { K_STR, K_STR_OR_NULL, K_BOOL, K_UINT, K_STR_ARRAY, K_OBJECT };

struct field {
	const char *name;
	enum kind kind;
	bool required;
};

static bool
kind_ok(json_t *v, enum kind k)
{
	size_t i;
	json_t *e;

	switch (k) {
	case K_STR:
		return json_is_string(v);
	case K_STR_OR_NULL:
		return json_is_string(v) || json_is_null(v);
	case K_BOOL:
		return json_is_boolean(v);
	case K_UINT:
		return json_is_integer(v) && json_integer_value(v) >= 0 &&
		       json_integer_value(v) <= UINT32_MAX;
	case K_STR_ARRAY:
		if (!json_is_array(v))
			return false;
		json_array_foreach(v, i, e) if (!json_is_string(e)) return false;
		return true;
	case K_OBJECT:
		return json_is_object(v);
	}
	return false;
}

static const char *const kind_words[] = {"a string", "a string or null", "true or false",
					 "a whole number from 0 to 4294967295",
					 "an array of strings", "an object"};

/* Checks an object's keys against fields: unknown keys, wrong types, missing required ones. */
static void
check_object(struct problems *p, const char *path, json_t *o, const struct field *fields)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o)) {
		problem(p, "%s: must be an object", path);
		return;
	}
	json_object_foreach(o, k, v)
	{
		const struct field *f = fields;
		while (f->name && strcmp(f->name, k) != 0)
			f++;
		if (!f->name)
			problem(p, "%s.%s: unknown key", path, k);
		else if (!kind_ok(v, f->kind))
			problem(p, "%s.%s: must be %s", path, k, kind_words[f->kind]);
	}
	for (const struct field *f = fields; f->name; f++)
		if (f->required && !json_object_get(o, f->name))
			problem(p, "%s.%s: missing", path, f->name);
}

static const struct field top_fields[] = {
	{"idsync_export", K_UINT, true}, {"org", K_OBJECT, false},      {"roles", K_OBJECT, false},
	{"workspaces", K_OBJECT, false}, {"mappings", K_OBJECT, false}, {NULL, 0, false},
};
static const struct field org_fields[] = {
	{"issuer", K_STR_OR_NULL, false},         {"sp_entity_id", K_STR_OR_NULL, false},
	{"recipient", K_STR_OR_NULL, false},      {"sso_url", K_STR_OR_NULL, false},
	{"group_attribute", K_STR_OR_NULL, false}, {"default_role", K_STR, false},
	{"read_only_new_members", K_BOOL, false}, {"role_mode", K_STR, false},
	{"revoke_on_login", K_BOOL, false},       {"end_sessions", K_BOOL, false},
	{"certificates", K_STR_ARRAY, false},     {NULL, 0, false},
};
static const struct field role_fields[] = {
	{"groups", K_STR_ARRAY, true}, {"read_only", K_BOOL, false}, {NULL, 0, false}};
static const struct field ws_fields[] = {
	{"managed", K_BOOL, false}, {"dir", K_STR_OR_NULL, false}, {"seats", K_UINT, false},
	{"seats_ro", K_UINT, false}, {"unix_groups", K_OBJECT, false}, {NULL, 0, false},
};
static const struct field map_fields[] = {
	{"identifier", K_STR, true}, {"workspaces", K_STR_ARRAY, true},
	{"role", K_STR_OR_NULL, false}, {NULL, 0, false},
};

static void
validate(struct problems *p, json_t *doc)
{
	const char *k, *gk;
	json_t *v, *gv;
	char path[512];

	check_object(p, "(top)", doc, top_fields);
	if (json_is_object(doc) && json_integer_value(json_object_get(doc, "idsync_export")) != EXPORT_VERSION)
		problem(p, "idsync_export: this idsync reads version %d", EXPORT_VERSION);
	if (json_object_get(doc, "org")) {
		const char *mode = ids_json_str(json_object_get(doc, "org"), "role_mode");
		check_object(p, "org", json_object_get(doc, "org"), org_fields);
		if (mode && strcmp(mode, "sso") != 0 && strcmp(mode, "scim") != 0)
			problem(p, "org.role_mode: \"%s\" is not sso or scim", mode);
	}
	json_object_foreach(json_object_get(doc, "roles"), k, v)
	{
		snprintf(path, sizeof(path), "roles.%s", k);
		check_object(p, path, v, role_fields);
	}
	json_object_foreach(json_object_get(doc, "workspaces"), k, v)
	{
		snprintf(path, sizeof(path), "workspaces.%s", k);
		check_object(p, path, v, ws_fields);
		json_object_foreach(json_object_get(v, "unix_groups"), gk, gv) if (!kind_ok(gv, K_UINT) ||
										  !json_integer_value(gv))
		{
			problem(p, "%s.unix_groups.%s: must be a gid", path, gk);
		}
	}
	json_object_foreach(json_object_get(doc, "mappings"), k, v)
	{
		snprintf(path, sizeof(path), "mappings.%s", k);
		check_object(p, path, v, map_fields);
	}
}

/* ---- applying ---- */

struct applier {
	struct ctl *c;
	struct ctl_write *w;
	json_t *have; /* the store's export before */
	int changes;
	char *why;
};

static void
say(struct applier *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct applier *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	a->changes++;
}

static int
fail(struct applier *a, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct applier *a, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!a->why && vasprintf(&a->why, fmt, ap) < 0)
		a->why = NULL;
	va_end(ap);
	return r;
}

static int
apply_roles(struct applier *a, json_t *want)
{
	json_t *have = json_object_get(a->have, "roles"), *v;
	const char *k;
	int r = 0;

	json_object_foreach(want, k, v)
	{
		struct ids_role role = {.name = (char *)k,
					.read_only = json_is_true(json_object_get(v, "read_only"))};
		json_t *old = json_object_get(have, k), *cmp = json_deep_copy(v);

		if (!json_object_get(cmp, "read_only"))
			json_object_set_new(cmp, "read_only", json_false());
		if (old && json_equal(old, cmp)) {
			json_decref(cmp);
			continue;
		}
		json_decref(cmp);
		r = ids_json_strv(json_object_get(v, "groups"), &role.groups);
		if (r == 0)
			r = ids_role_put(a->w->t, &role);
		ids_strv_free(role.groups);
		if (r < 0)
			return r;
		say(a, "%s role %s", old ? "~" : "+", k);
	}
	return 0;
}

struct role_use {
	const char *role;
	unsigned n;
};

static int
role_use_cb(const struct ids_grant *g, void *data)
{
	struct role_use *u = data;

	if (ids_grant_has_role(g, u->role))
		u->n++;
	return 0;
}

static int
remove_roles(struct applier *a, json_t *want)
{
	json_t *v;
	const char *k;

	json_object_foreach(json_object_get(a->have, "roles"), k, v)
	{
		struct role_use use = {k, 0};
		int r;

		if (json_object_get(want, k))
			continue;
		r = ids_grant_foreach(a->w->t, NULL, role_use_cb, &use);
		if (r < 0)
			return r;
		if (use.n)
			return fail(a, -EBUSY, "role %s: %u grants hold it; it cannot be removed", k,
				    use.n);
		r = ids_txn_del(a->w->t, IDS_DB_ROLES, k, strlen(k), NULL, 0);
		if (r < 0)
			return r;
		say(a, "- role %s", k);
	}
	return 0;
}

static int
apply_workspaces(struct applier *a, json_t *want)
{
	json_t *have = json_object_get(a->have, "workspaces"), *v;
	const char *k;
	int r = 0;

	json_object_foreach(want, k, v)
	{
		json_t *old = json_object_get(have, k), *groups = json_object_get(v, "unix_groups");
		bool managed = !json_is_false(json_object_get(v, "managed"));
		const char *dir = ids_json_str(v, "dir");
		uint32_t seats = (uint32_t)json_integer_value(json_object_get(v, "seats")),
			 seats_ro = (uint32_t)json_integer_value(json_object_get(v, "seats_ro"));

		if (!old) {
			size_t n = json_object_size(groups), i = 0;
			_cleanup_free_ const char **names = calloc(n + 1, sizeof(char *));
			_cleanup_free_ uint32_t *gids = calloc(n + 1, sizeof(uint32_t));
			const char *gk;
			json_t *gv;
			struct ids_workspace_in in;
			uint32_t gid = (uint32_t)json_integer_value(json_object_get(groups, k));

			if (!names || !gids)
				return -ENOMEM;
			json_object_foreach(groups, gk, gv)
			{
				names[i] = gk;
				gids[i++] = (uint32_t)json_integer_value(gv);
			}
			in = (struct ids_workspace_in){k, gid, managed, dir, seats, seats_ro, names, gids};
			r = ids_workspace_create(a->w->t, &a->w->ctx, &in, &a->why);
			if (r == 0 && dir)
				r = ctl_make_directory(dir, gid ? gid : 0, &a->why);
			if (r < 0)
				return r;
			say(a, "+ workspace %s", k);
			continue;
		}
		{
			_cleanup_(ids_workspace_freep) struct ids_workspace *ws = NULL;
			const char *gk;
			json_t *gv;
			uint32_t used = 0, used_ro = 0;
			bool changed = false;

			json_object_foreach(groups, gk, gv)
			{
				json_t *had = json_object_get(json_object_get(old, "unix_groups"), gk);
				if (had && !json_equal(had, gv))
					return fail(a, -EINVAL,
						    "workspaces.%s.unix_groups.%s: gid %lld here, %lld "
						    "in the store; a gid never changes",
						    k, gk, (long long)json_integer_value(gv),
						    (long long)json_integer_value(had));
			}
			r = ids_workspace_get(a->w->t, k, &ws);
			if (r == 0)
				r = ids_grant_count_workspace(a->w->t, k, &used, &used_ro);
			if (r < 0)
				return r;
			if (seats && seats < used)
				return fail(a, -EINVAL, "workspaces.%s.seats: %u is below the %u grants it has now", k, seats, used);
			if (seats_ro && seats_ro < used_ro)
				return fail(a, -EINVAL, "workspaces.%s.seats_ro: %u is below the %u read-only grants it has now", k, seats_ro, used_ro);
			if (ws->managed != managed || ws->seats != seats || ws->seats_ro != seats_ro ||
			    (ws->dir == NULL) != (dir == NULL) || (dir && strcmp(dir, ws->dir) != 0))
				changed = true;
			if (!changed)
				continue;
			ws->managed = managed;
			ws->seats = seats;
			ws->seats_ro = seats_ro;
			free(ws->dir);
			ws->dir = dir ? strdup(dir) : NULL;
			r = ids_workspace_put(a->w->t, ws);
			if (r == 0 && dir)
				r = ctl_make_directory(dir, ws->gid, &a->why);
			if (r < 0)
				return r;
			say(a, "~ workspace %s", k);
		}
	}
	return 0;
}

static int
remove_workspaces(struct applier *a, json_t *want)
{
	json_t *v;
	const char *k;

	json_object_foreach(json_object_get(a->have, "workspaces"), k, v)
	{
		int r;

		if (json_object_get(want, k))
			continue;
		r = ids_workspace_remove(a->w->t, &a->w->ctx, k);
		if (r < 0)
			return r;
		say(a, "- workspace %s (its directory and data, if any, are kept)", k);
	}
	return 0;
}

static int
apply_mappings(struct applier *a, json_t *want)
{
	json_t *have = json_object_get(a->have, "mappings"), *v;
	const char *k;

	/* Removals first: a changed identifier may move between labels. */
	json_object_foreach(have, k, v) if (!json_object_get(want, k) ||
					    !json_equal(json_object_get(want, k), v))
	{
		int r = ids_mapping_del(a->w->t, k);
		if (r < 0)
			return r;
		if (!json_object_get(want, k))
			say(a, "- mapping %s", k);
	}
	json_object_foreach(want, k, v)
	{
		struct ids_mapping m = {.label = (char *)k,
					.identifier = (char *)ids_json_str(v, "identifier"),
					.role = (char *)ids_json_str(v, "role")};
		json_t *old = json_object_get(have, k);
		int r;

		if (old && json_equal(old, v))
			continue;
		r = ids_json_strv(json_object_get(v, "workspaces"), &m.workspaces);
		if (r == 0)
			r = ids_mapping_put(a->w->t, &m, false, &a->why);
		ids_strv_free(m.workspaces);
		if (r < 0)
			return r;
		say(a, "%s mapping %s", old ? "~" : "+", k);
	}
	return 0;
}

static int
set_opt_str(char **field, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	free(*field);
	*field = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
	return json_is_string(v) && !*field ? -ENOMEM : 0;
}

static int
apply_org(struct applier *a, json_t *want)
{
	_cleanup_(ids_org_freep) struct ids_org *org = NULL;
	json_t *before, *after, *v;
	const char *k;
	int r = ids_org_get(a->w->t, &org);

	if (r < 0)
		return r;
	before = org_export(org);
	if ((r = set_opt_str(&org->issuer, want, "issuer")) < 0 ||
	    (r = set_opt_str(&org->sp_entity_id, want, "sp_entity_id")) < 0 ||
	    (r = set_opt_str(&org->recipient, want, "recipient")) < 0 ||
	    (r = set_opt_str(&org->sso_url, want, "sso_url")) < 0 ||
	    (r = set_opt_str(&org->group_attribute, want, "group_attribute")) < 0)
		goto out;
	if (ids_json_str(want, "default_role")) {
		struct ids_role *role = NULL;
		if (ids_role_get(a->w->t, ids_json_str(want, "default_role"), &role) < 0) {
			r = fail(a, -ENOENT, "org.default_role: no role \"%s\"",
				 ids_json_str(want, "default_role"));
			goto out;
		}
		ids_role_free(role);
		r = set_opt_str(&org->default_role, want, "default_role");
	}
	if ((v = json_object_get(want, "read_only_new_members")))
		org->read_only_new_members = json_is_true(v);
	if ((v = json_object_get(want, "revoke_on_login")))
		org->revoke_on_login = json_is_true(v);
	if ((v = json_object_get(want, "end_sessions")))
		org->end_sessions = json_is_true(v);
	if (r == 0 && (v = json_object_get(want, "certificates"))) {
		ids_strv_free(org->certificates);
		org->certificates = NULL;
		r = ids_json_strv(v, &org->certificates);
	}
	if (r < 0)
		goto out;
	after = org_export(org);
	json_object_foreach(after, k, v) if (!json_equal(v, json_object_get(before, k)))
	{
		say(a, "~ org %s", k);
	}
	json_decref(after);
	r = ids_org_put(a->w->t, org);
	if (r == 0 && ids_json_str(want, "role_mode")) {
		enum ids_role_mode mode = strcmp(ids_json_str(want, "role_mode"), "scim") == 0
						  ? IDS_ROLE_MODE_SCIM
						  : IDS_ROLE_MODE_SSO;
		if (mode != org->role_mode) {
			/* A declarative file is the admin's explicit, reviewed intent. */
			r = ids_policy_set_role_mode(a->w->t, &a->w->ctx, mode, true, &a->why);
			if (r == 0)
				say(a, "~ org role_mode %s (roles set by hand are recomputed)",
				    ids_role_mode_name(mode));
		}
	}
out:
	json_decref(before);
	return r;
}

static int
apply_all(struct applier *a, json_t *doc)
{
	json_t *roles = json_object_get(doc, "roles"), *wss = json_object_get(doc, "workspaces"),
	       *maps = json_object_get(doc, "mappings"), *org = json_object_get(doc, "org");
	int r = 0;

	/* Absent sections are left as they are; present ones are made exactly so. */
	if (roles)
		r = apply_roles(a, roles);
	if (r == 0 && wss)
		r = apply_workspaces(a, wss);
	if (r == 0 && maps)
		r = apply_mappings(a, maps);
	if (r == 0 && wss)
		r = remove_workspaces(a, wss);
	if (r == 0 && roles)
		r = remove_roles(a, roles);
	if (r == 0 && org)
		r = apply_org(a, org);
	if (r == 0 && (roles || wss))
		r = ids_workspace_sync_role_groups(a->w->t, &a->w->ctx, &a->why);
	if (r == 0 && a->changes)
		r = ids_policy_sync_all(a->w->t, &a->w->ctx);
	if (r == 0 && a->changes)
		r = ids_audit(a->w->t, IDS_MSG_CONFIG_CHANGED, "actor", a->w->ctx.actor, "action",
			      "applied", IDS_END);
	return r;
}

int
ctl_cmd_apply(struct ctl *c, int argc, char **argv)
{
	struct problems p = {0};
	struct applier a = {.c = c};
	struct ctl_write w;
	json_error_t jerr;
	json_t *doc;
	bool dry_run = false;
	const char *path = NULL;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = true;
		else if (!path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		ctl_err("usage: idsyncctl apply FILE|- [--dry-run]");
		return CTL_USAGE;
	}
	doc = strcmp(path, "-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr)
				     : json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		ctl_err("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return CTL_FAIL;
	}
	validate(&p, doc);
	if (p.n) {
		ctl_err("%s: %d problem%s; nothing was changed", path, p.n, p.n == 1 ? "" : "s");
		json_decref(doc);
		return CTL_FAIL;
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK) {
		json_decref(doc);
		return r;
	}
	a.w = &w;
	a.have = build_export(w.t);
	r = a.have ? apply_all(&a, doc) : -EIO;
	json_decref(a.have);
	json_decref(doc);
	if (r < 0) {
		if (!a.why && asprintf(&a.why, "%s: %s", path, strerror(-r)) < 0)
			a.why = NULL;
		r = ctl_write_end(c, &w, r, a.why);
		fprintf(stderr, "idsyncctl: nothing was changed\n");
	} else if (dry_run || !a.changes) {
		ids_txn_abort(w.t);
		ids_localfiles_free(w.lf);
		printf("%s\n", !a.changes ? "no changes" : "(dry run: nothing was changed)");
		r = CTL_OK;
	} else {
		r = ctl_write_end(c, &w, 0, NULL);
	}
	free(a.why);
	return r;
}
