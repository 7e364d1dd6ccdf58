/* SPDX-License-Identifier: MIT */
/*
 * IdP group mapping records: validation against workspaces and roles,
 * encoding, iteration. The policy (policy.c) does the matching.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/mapping.h"
#include "libidsync/model.h"
#include "libidsync/strv.h"

struct ids_mapping *
ids_mapping_free(struct ids_mapping *m)
{
	if (!m)
		return NULL;
	free(m->label);
	free(m->identifier);
	ids_strv_free(m->workspaces);
	free(m->role);
	free(m);
	return NULL;
}

static int
decode(const char *label, size_t llen, const void *data, size_t size, struct ids_mapping **out)
{
	_cleanup_(ids_mapping_freep) struct ids_mapping *m = calloc(1, sizeof(*m));
	json_t *o = NULL;
	const char *ident, *role;
	int r;

	if (!m)
		return -ENOMEM;
	r = ids_json_decode(data, size, &o);
	if (r < 0)
		return r;
	ident = ids_json_str(o, "identifier");
	role = ids_json_str(o, "role");
	r = ident ? ids_json_strv(json_object_get(o, "workspaces"), &m->workspaces) : -EBADMSG;
	if (r == 0) {
		m->label = strndup(label, llen);
		m->identifier = strdup(ident);
		m->role = role ? strdup(role) : NULL;
		if (!m->label || !m->identifier || (role && !m->role))
			r = -ENOMEM;
		else if (!m->workspaces[0])
			r = -EBADMSG;
	}
	json_decref(o);
	if (r < 0)
		return r;
	*out = TAKE_PTR(m);
	return 0;
}

int
ids_mapping_get(struct ids_txn *t, const char *label, struct ids_mapping **out)
{
	struct ids_val v;
	int r = ids_txn_get_str(t, IDS_DB_MAPPINGS, label, &v);

	if (r < 0)
		return r;
	r = decode(label, strlen(label), v.data, v.size, out);
	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}

struct ident_probe {
	const char *label, *identifier;
	char *holder;
};

static int
ident_cb(const struct ids_mapping *m, void *data)
{
	struct ident_probe *p = data;

	if (strcmp(m->identifier, p->identifier) != 0 || strcmp(m->label, p->label) == 0)
		return 0;
	p->holder = strdup(m->label);
	return p->holder ? 1 : -ENOMEM;
}

static bool
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int
ids_mapping_put(struct ids_txn *t, const struct ids_mapping *m, bool replace, char **why)
{
	struct ident_probe probe = {m->label, m->identifier, NULL};
	struct ids_val v;
	json_t *o;
	int r;

	*why = NULL;
	if (!m->label || !*m->label || strlen(m->label) > 256 || has_ctl(m->label))
		return ids_why(why, -EINVAL, "a mapping needs a label of 1 to 256 printable characters");
	if (!m->identifier || !*m->identifier || strlen(m->identifier) > 1024 ||
	    has_ctl(m->identifier))
		return ids_why(why, -EINVAL, "mapping \"%s\": the identifier is empty or unprintable",
			      m->label);
	if (!m->workspaces || !m->workspaces[0])
		return ids_why(why, -EINVAL, "mapping \"%s\" targets no workspace", m->label);
	for (size_t i = 0; m->workspaces[i]; i++)
		if (ids_txn_get_str(t, IDS_DB_WORKSPACES, m->workspaces[i], &v) < 0)
			return ids_why(why, -ENOENT, "mapping \"%s\": no workspace \"%s\"", m->label,
				      m->workspaces[i]);
	if (m->role && ids_txn_get_str(t, IDS_DB_ROLES, m->role, &v) < 0)
		return ids_why(why, -ENOENT, "mapping \"%s\": no role \"%s\"", m->label, m->role);
	if (!replace && ids_txn_get_str(t, IDS_DB_MAPPINGS, m->label, &v) == 0)
		return ids_why(why, -EEXIST, "a mapping labelled \"%s\" already exists", m->label);
	r = ids_mapping_foreach(t, ident_cb, &probe);
	if (r < 0)
		return r;
	if (probe.holder) {
		r = ids_why(why, -EEXIST, "identifier \"%s\" is already mapped by \"%s\"",
			   m->identifier, probe.holder);
		free(probe.holder);
		return r;
	}
	o = json_pack("{s:i, s:s, s:o, s:s?}", "v", 1, "identifier", m->identifier, "workspaces",
		      ids_strv_to_json(m->workspaces), "role", m->role);
	r = o ? ids_json_put(t, IDS_DB_MAPPINGS, m->label, o) : ids_txn_fail(t, -ENOMEM);
	json_decref(o);
	return r;
}

int
ids_mapping_del(struct ids_txn *t, const char *label)
{
	return ids_txn_del(t, IDS_DB_MAPPINGS, label, strlen(label), NULL, 0);
}

struct map_iter {
	ids_mapping_fn fn;
	void *user;
};

static int
map_iter_cb(const struct ids_val *k, const struct ids_val *v, void *data)
{
	struct map_iter *it = data;
	struct ids_mapping *m = NULL;
	int r = decode(k->data, k->size, v->data, v->size, &m);

	if (r < 0)
		return r;
	r = it->fn(m, it->user);
	ids_mapping_free(m);
	return r;
}

int
ids_mapping_foreach(struct ids_txn *t, ids_mapping_fn fn, void *user)
{
	struct map_iter it = {fn, user};
	int r = ids_txn_iterate(t, IDS_DB_MAPPINGS, NULL, 0, map_iter_cb, &it);

	return r == -EBADMSG ? ids_txn_fail(t, r) : r;
}
