/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl workspace add|list|show|set|remove: workspaces, their Unix
 * groups and gids, shared directories (root:{ws}, setgid, 2770) and seats.
 * Removing a workspace never deletes its directory or data.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/grants.h"
#include "libidsync/model.h"
#include "libidsync/strv.h"
#include "libidsync/workspace.h"
#include "syncd/ctl.h"

static int
parse_u32(const char *opt, const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > UINT32_MAX || s[0] == '-') {
		ctl_err("%s: \"%s\" is not a whole number", opt, s);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int
ctl_make_directory(const char *dir, uint32_t gid, char **why)
{
	struct stat st;
	_cleanup_free_ char *parent = strdup(dir);
	char *slash;

	if (!parent)
		return -ENOMEM;
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return asprintf(why, "cannot create %s: %s", parent, strerror(errno)) < 0 ? -ENOMEM : -EIO;
	}
	if (mkdir(dir, 02770) < 0 && errno != EEXIST)
		return asprintf(why, "cannot create %s: %s", dir, strerror(errno)) < 0 ? -ENOMEM : -EIO;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return asprintf(why, "%s exists and is not a directory", dir) < 0 ? -ENOMEM : -ENOTDIR;
	if (chown(dir, 0, gid) < 0 || chmod(dir, 02770) < 0)
		return asprintf(why, "cannot set owner root:%u and mode 2770 on %s: %s", gid, dir,
				strerror(errno)) < 0
			       ? -ENOMEM
			       : -EIO;
	return 0;
}

static json_t *
workspace_json(struct ids_txn *t, const struct ids_workspace *ws)
{
	uint32_t used = 0, used_ro = 0;

	(void)ids_grant_count_workspace(t, ws->name, &used, &used_ro);
	return json_pack("{s:s, s:I, s:b, s:s?, s:I, s:I, s:I, s:I}", "name", ws->name, "gid",
			 (json_int_t)ws->gid, "managed", ws->managed, "dir", ws->dir, "seats",
			 (json_int_t)ws->seats, "seats_ro", (json_int_t)ws->seats_ro, "used",
			 (json_int_t)used, "used_ro", (json_int_t)used_ro);
}

static int
list_cb(const struct ids_workspace *ws, void *data)
{
	void **p = data;

	return json_array_append_new(p[1], workspace_json(p[0], ws));
}

static void
print_seats(uint32_t used, uint32_t limit)
{
	if (limit)
		printf("%u/%u", used, limit);
	else
		printf("%u/-", used);
}

static int
cmd_list(struct ctl *c)
{
	struct ids_txn *t = NULL;
	json_t *arr = json_array(), *w;
	void *p[2];
	size_t i;
	int r = ctl_read_begin(c, &t);

	if (r != CTL_OK) {
		json_decref(arr);
		return r;
	}
	p[0] = t;
	p[1] = arr;
	r = ids_workspace_foreach(t, list_cb, p);
	ids_txn_abort(t);
	if (r < 0) {
		ctl_err("cannot list workspaces: %s", strerror(-r));
		json_decref(arr);
		return CTL_FAIL;
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-20s %-10s %-8s %-12s %-12s %s\n", "WORKSPACE", "GID", "KIND", "SEATS",
		       "READ-ONLY", "DIRECTORY");
		json_array_foreach(arr, i, w)
		{
			printf("%-20s %-10lld %-8s ", json_string_value(json_object_get(w, "name")),
			       (long long)json_integer_value(json_object_get(w, "gid")),
			       json_is_true(json_object_get(w, "managed")) ? "managed" : "local");
			print_seats((uint32_t)json_integer_value(json_object_get(w, "used")),
				    (uint32_t)json_integer_value(json_object_get(w, "seats")));
			printf("%*s", 12 - 5, "");
			print_seats((uint32_t)json_integer_value(json_object_get(w, "used_ro")),
				    (uint32_t)json_integer_value(json_object_get(w, "seats_ro")));
			printf("%*s %s\n", 12 - 5, "",
			       json_string_value(json_object_get(w, "dir")) ?: "-");
		}
	}
	json_decref(arr);
	return CTL_OK;
}

static int
group_of_ws_cb(const struct ids_unix_group *g, void *data)
{
	void **p = data;

	if (strcmp(g->workspace, p[0]) == 0)
		json_object_set_new(p[1], g->name, json_integer((json_int_t)g->gid));
	return 0;
}

static int
cmd_show(struct ctl *c, const char *name)
{
	_cleanup_(ids_workspace_freep) struct ids_workspace *ws = NULL;
	struct ids_txn *t = NULL;
	json_t *out, *groups = json_object(), *members = json_array();
	char **users = NULL;
	void *p[2] = {(void *)name, groups};
	int r = ctl_read_begin(c, &t);

	if (r != CTL_OK)
		return r;
	r = ids_workspace_get(t, name, &ws);
	if (r < 0) {
		ctl_err("%s: %s", name, r == -ENOENT ? "no such workspace" : strerror(-r));
		ids_txn_abort(t);
		json_decref(groups);
		json_decref(members);
		return CTL_FAIL;
	}
	out = workspace_json(t, ws);
	(void)ids_unix_group_foreach(t, group_of_ws_cb, p);
	if (ids_grant_users_of_workspace(t, name, &users) == 0)
		for (size_t i = 0; users[i]; i++) {
			struct ids_user *u = NULL;
			if (ids_user_get(t, users[i], &u) == 0)
				json_array_append_new(members, json_string(u->login));
			ids_user_free(u);
		}
	ids_strv_free(users);
	ids_txn_abort(t);
	json_object_set_new(out, "unix_groups", groups);
	json_object_set_new(out, "members", members);
	if (c->json) {
		ctl_print_json(out);
	} else {
		const char *k;
		json_t *v;
		size_t i;
		printf("workspace  %s (%s)\ngid        %u\ndirectory  %s\nseats      ", ws->name,
		       ws->managed ? "managed: the IdP grants and revokes it" : "local: admins only",
		       ws->gid, ws->dir ? ws->dir : "-");
		print_seats((uint32_t)json_integer_value(json_object_get(out, "used")), ws->seats);
		printf("\nread-only  ");
		print_seats((uint32_t)json_integer_value(json_object_get(out, "used_ro")), ws->seats_ro);
		printf("\nunix groups\n");
		json_object_foreach(groups, k, v) printf("  %-24s %lld\n", k, (long long)json_integer_value(v));
		printf("members\n");
		json_array_foreach(members, i, v) printf("  %s\n", json_string_value(v));
	}
	json_decref(out);
	return CTL_OK;
}

/* Options shared by add and set. */
struct ws_opts {
	bool local, managed, with_dir, no_dir;
	const char *dir;
	uint32_t gid, seats, seats_ro;
	bool seats_set, seats_ro_set;
};

static int
parse_opts(int argc, char **argv, struct ws_opts *o, bool adding)
{
	static const struct option opts[] = {
		{"gid", required_argument, NULL, 'g'},
		{"local", no_argument, NULL, 'l'},
		{"managed", no_argument, NULL, 'm'},
		{"dir", required_argument, NULL, 'd'},
		{"with-dir", no_argument, NULL, 'w'},
		{"no-dir", no_argument, NULL, 'n'},
		{"seats", required_argument, NULL, 's'},
		{"seats-ro", required_argument, NULL, 'r'},
		{0},
	};
	int opt;

	optind = 0; /* glibc: 0 re-initializes getopt (main parsed with "+") */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			if (!adding) {
				ctl_err("a workspace's gid never changes");
				return -EINVAL;
			}
			if (parse_u32("--gid", optarg, &o->gid) < 0)
				return -EINVAL;
			break;
		case 'l':
			o->local = true;
			break;
		case 'm':
			o->managed = true;
			break;
		case 'd':
			if (optarg[0] != '/') {
				ctl_err("--dir: \"%s\" is not an absolute path", optarg);
				return -EINVAL;
			}
			o->dir = optarg;
			break;
		case 'w':
			o->with_dir = true;
			break;
		case 'n':
			o->no_dir = true;
			break;
		case 's':
			if (parse_u32("--seats", optarg, &o->seats) < 0)
				return -EINVAL;
			o->seats_set = true;
			break;
		case 'r':
			if (parse_u32("--seats-ro", optarg, &o->seats_ro) < 0)
				return -EINVAL;
			o->seats_ro_set = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if ((o->local && o->managed) || (o->dir && o->with_dir) || (o->no_dir && (o->dir || o->with_dir))) {
		ctl_err("conflicting options");
		return -EINVAL;
	}
	return optind == argc - 1 ? 0 : -EINVAL;
}

static int
cmd_add(struct ctl *c, int argc, char **argv)
{
	struct ws_opts o = {0};
	struct ctl_write w;
	_cleanup_free_ char *dir = NULL, *why = NULL;
	struct ids_workspace_in in;
	_cleanup_(ids_workspace_freep) struct ids_workspace *ws = NULL;
	int r;

	if (parse_opts(argc, argv, &o, true) < 0) {
		ctl_err("usage: idsyncctl workspace add NAME [--gid GID] [--local] [--dir PATH | "
			"--with-dir] [--seats N] [--seats-ro N]");
		return CTL_USAGE;
	}
	if (o.with_dir && asprintf(&dir, "%s/%s", c->cfg->directory_root, argv[optind]) < 0)
		return CTL_FAIL;
	in = (struct ids_workspace_in){argv[optind], o.gid,      !o.local, o.dir ? o.dir : dir,
				       o.seats,      o.seats_ro, NULL,     NULL};
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK)
		return r;
	r = ids_workspace_create(w.t, &w.ctx, &in, &why);
	if (r == 0)
		r = ids_workspace_get(w.t, in.name, &ws);
	/* The directory before the commit: if it cannot be made, nothing is stored. */
	if (r == 0 && ws->dir)
		r = ctl_make_directory(ws->dir, ws->gid, &why);
	r = ctl_write_end(c, &w, r, why);
	if (r == CTL_OK)
		printf("workspace %s: gid %u%s%s\n", ws->name, ws->gid, ws->dir ? ", directory " : "",
		       ws->dir ? ws->dir : "");
	return r;
}

static int
cmd_set(struct ctl *c, int argc, char **argv)
{
	struct ws_opts o = {0};
	struct ctl_write w;
	_cleanup_(ids_workspace_freep) struct ids_workspace *ws = NULL;
	_cleanup_free_ char *why = NULL, *dir = NULL;
	uint32_t used = 0, used_ro = 0;
	int r;

	if (parse_opts(argc, argv, &o, false) < 0) {
		ctl_err("usage: idsyncctl workspace set NAME [--local|--managed] [--dir PATH | "
			"--with-dir | --no-dir] [--seats N] [--seats-ro N]");
		return CTL_USAGE;
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK)
		return r;
	r = ids_workspace_get(w.t, argv[optind], &ws);
	if (r == -ENOENT)
		r = asprintf(&why, "no workspace \"%s\"", argv[optind]) < 0 ? -ENOMEM : -ENOENT;
	if (r == 0)
		r = ids_grant_count_workspace(w.t, ws->name, &used, &used_ro);
	if (r == 0 && o.seats_set && o.seats && o.seats < used)
		r = asprintf(&why, "%s: --seats %u is below the %u grants it has now; revoke some "
				   "first",
			     ws->name, o.seats, used) < 0
			    ? -ENOMEM
			    : -EINVAL;
	if (r == 0 && o.seats_ro_set && o.seats_ro && o.seats_ro < used_ro)
		r = asprintf(&why, "%s: --seats-ro %u is below the %u read-only grants it has now",
			     ws->name, o.seats_ro, used_ro) < 0
			    ? -ENOMEM
			    : -EINVAL;
	if (r == 0) {
		if (o.local || o.managed)
			ws->managed = o.managed;
		if (o.seats_set)
			ws->seats = o.seats;
		if (o.seats_ro_set)
			ws->seats_ro = o.seats_ro;
		if (o.with_dir && asprintf(&dir, "%s/%s", c->cfg->directory_root, ws->name) < 0)
			r = -ENOMEM;
		if (o.dir || dir || o.no_dir) {
			free(ws->dir);
			ws->dir = o.no_dir ? NULL : strdup(o.dir ? o.dir : dir);
		}
	}
	if (r == 0 && ws->dir && (o.dir || dir))
		r = ctl_make_directory(ws->dir, ws->gid, &why);
	if (r == 0)
		r = ids_workspace_put(w.t, ws);
	if (r == 0)
		r = ids_audit(w.t, IDS_MSG_CONFIG_CHANGED, "actor", w.ctx.actor, "action",
			      "workspace-changed", "workspace", ws->name, IDS_END);
	return ctl_write_end(c, &w, r, why);
}

static int
cmd_remove(struct ctl *c, const char *name)
{
	_cleanup_(ids_workspace_freep) struct ids_workspace *ws = NULL;
	_cleanup_free_ char *why = NULL;
	struct ctl_write w;
	int r = ctl_write_begin(c, &w);

	if (r != CTL_OK)
		return r;
	r = ids_workspace_get(w.t, name, &ws);
	if (r == -ENOENT)
		r = asprintf(&why, "no workspace \"%s\"", name) < 0 ? -ENOMEM : -ENOENT;
	if (r == 0)
		r = ids_workspace_remove(w.t, &w.ctx, name);
	r = ctl_write_end(c, &w, r, why);
	if (r == CTL_OK && ws->dir)
		printf("workspace %s removed; its directory %s and the data in it were kept\n", name,
		       ws->dir);
	else if (r == CTL_OK)
		printf("workspace %s removed\n", name);
	return r;
}

int
ctl_cmd_workspace(struct ctl *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0 && argc == 2)
		return cmd_list(c);
	if (argc == 3 && strcmp(argv[1], "show") == 0)
		return cmd_show(c, argv[2]);
	if (argc >= 3 && strcmp(argv[1], "add") == 0)
		return cmd_add(c, argc - 1, argv + 1);
	if (argc >= 3 && strcmp(argv[1], "set") == 0)
		return cmd_set(c, argc - 1, argv + 1);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return cmd_remove(c, argv[2]);
	ctl_err("usage: idsyncctl workspace add|list|show|set|remove ... (see idsyncctl(8))");
	return CTL_USAGE;
}
