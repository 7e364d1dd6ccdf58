/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl mapping add|list|remove: IdP group mappings (label, the
 * identifier the IdP sends, target workspaces, optional role). Every change
 * re-derives the SCIM-driven grants of all users.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/mapping.h"
#include "libidsync/policy.h"
#include "libidsync/strv.h"
#include "syncd/ctl.h"

static json_t *
mapping_json(const struct ids_mapping *m)
{
	return json_pack("{s:s, s:s, s:o, s:s?}", "label", m->label, "identifier", m->identifier,
			 "workspaces", ids_strv_to_json(m->workspaces), "role", m->role);
}

static int
list_cb(const struct ids_mapping *m, void *data)
{
	return json_array_append_new(data, mapping_json(m));
}

static int
cmd_list(struct ctl *c)
{
	struct ids_txn *t = NULL;
	json_t *arr = json_array(), *m;
	size_t i;
	int r = ctl_read_begin(c, &t);

	if (r != CTL_OK) {
		json_decref(arr);
		return r;
	}
	r = ids_mapping_foreach(t, list_cb, arr);
	ids_txn_abort(t);
	if (r < 0) {
		ctl_err("cannot list mappings: %s", strerror(-r));
		json_decref(arr);
		return CTL_FAIL;
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-20s %-38s %-10s %s\n", "LABEL", "IDENTIFIER", "ROLE", "WORKSPACES");
		json_array_foreach(arr, i, m)
		{
			_cleanup_free_ char **ws = NULL;
			char *joined;
			if (ids_json_strv(json_object_get(m, "workspaces"), (char ***)&ws) < 0)
				continue;
			joined = ids_strv_join((const char *const *)ws, ",");
			printf("%-20s %-38s %-10s %s\n", json_string_value(json_object_get(m, "label")),
			       json_string_value(json_object_get(m, "identifier")),
			       json_string_value(json_object_get(m, "role")) ?: "(default)",
			       joined ? joined : "");
			free(joined);
			ids_strv_free(TAKE_PTR(ws));
		}
	}
	json_decref(arr);
	return CTL_OK;
}

static int
cmd_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"identifier", required_argument, NULL, 'i'},
		{"workspace", required_argument, NULL, 'w'},
		{"role", required_argument, NULL, 'r'},
		{0},
	};
	struct ids_mapping m = {0};
	_cleanup_free_ char *why = NULL;
	struct ctl_write w;
	int opt, r;

	m.workspaces = calloc(1, sizeof(char *));
	optind = 0; /* glibc: 0 re-initializes getopt (main parsed with "+") */
	while (m.workspaces && (opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		size_t n = 0;
		char **grown;

		switch (opt) {
		case 'i':
			m.identifier = optarg;
			break;
		case 'r':
			m.role = optarg;
			break;
		case 'w':
			while (m.workspaces[n])
				n++;
			grown = realloc(m.workspaces, (n + 2) * sizeof(char *));
			if (!grown)
				break;
			m.workspaces = grown;
			m.workspaces[n] = strdup(optarg);
			m.workspaces[n + 1] = NULL;
			break;
		default:
			ids_strv_free(m.workspaces);
			return CTL_USAGE;
		}
	}
	if (optind != argc - 1 || !m.identifier) {
		ctl_err("usage: idsyncctl mapping add LABEL --identifier VALUE --workspace WS "
			"[--workspace WS...] [--role ROLE]");
		ids_strv_free(m.workspaces);
		return CTL_USAGE;
	}
	m.label = argv[optind];
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK) {
		ids_strv_free(m.workspaces);
		return r;
	}
	r = ids_mapping_put(w.t, &m, false, &why);
	if (r == 0)
		r = ids_audit(w.t, IDS_MSG_CONFIG_CHANGED, "actor", w.ctx.actor, "action",
			      "mapping-added", "mapping", m.label, "identifier", m.identifier, IDS_END);
	/* The mapping applies now to everyone already in the pushed group. */
	if (r == 0)
		r = ids_policy_sync_all(w.t, &w.ctx);
	ids_strv_free(m.workspaces);
	return ctl_write_end(c, &w, r, why);
}

static int
cmd_remove(struct ctl *c, const char *label)
{
	struct ctl_write w;
	_cleanup_free_ char *why = NULL;
	int r = ctl_write_begin(c, &w);

	if (r != CTL_OK)
		return r;
	r = ids_mapping_del(w.t, label);
	if (r == -ENOENT)
		r = asprintf(&why, "no mapping \"%s\"", label) < 0 ? -ENOMEM : -ENOENT;
	if (r == 0)
		r = ids_audit(w.t, IDS_MSG_CONFIG_CHANGED, "actor", w.ctx.actor, "action",
			      "mapping-removed", "mapping", label, IDS_END);
	if (r == 0)
		r = ids_policy_sync_all(w.t, &w.ctx);
	return ctl_write_end(c, &w, r, why);
}

int
ctl_cmd_mapping(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_list(c);
	if (argc >= 3 && strcmp(argv[1], "add") == 0)
		return cmd_add(c, argc - 1, argv + 1);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return cmd_remove(c, argv[2]);
	ctl_err("usage: idsyncctl mapping add|list|remove ... (see idsyncctl(8))");
	return CTL_USAGE;
}
