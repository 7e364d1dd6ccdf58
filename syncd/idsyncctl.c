/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl: the admin CLI. Parses global options, loads the config, and
 * dispatches to the sub-command files (ctl_*.c). Prints for people by
 * default and JSON with --json; exit codes are in ctl.h and idsyncctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libidsync/err.h"
#include "libidsync/log.h"
#include "libidsync/model.h"
#include "libidsync/snapshot.h"
#include "syncd/ctl.h"

static const struct {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *help;
} commands[] = {
	{"init", ctl_cmd_init, "create the store and publish an empty NSS snapshot"},
	{"status", ctl_cmd_status, "counts, snapshot generation and age"},
	{"user", ctl_cmd_user, "user list | user show LOGIN|UID"},
	{"snapshot", ctl_cmd_snapshot, "snapshot publish [--force] | snapshot show [--passwd|--group]"},
	{"audit", ctl_cmd_audit, "audit [--user LOGIN] [--since UNIX_TIME] [--limit N]"},
	{"config", ctl_cmd_config, "config check | config show"},
	{"workspace", ctl_cmd_workspace, "workspace add|list|show|set|remove ..."},
	{"mapping", ctl_cmd_mapping, "mapping add|list|remove ..."},
	{"role", ctl_cmd_role, "role list | role set NAME GROUP... [--read-only]"},
	{"org", ctl_cmd_org, "org show | org set KEY VALUE | org cert add|remove | org import-metadata FILE"},
	{"grant", ctl_cmd_grant, "grant add|revoke USER WORKSPACE [--role ROLE]"},
	{"explain", ctl_cmd_explain, "explain USER: why each grant exists, seats used"},
	{"token", ctl_cmd_token, "token create|list|revoke NAME"},
	{"export", ctl_cmd_export, "export: workspaces, mappings, roles and org settings as JSON"},
	{"apply", ctl_cmd_apply, "apply FILE|- [--dry-run]: make the store match an export"},
};

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("idsyncctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_open_store(struct ctl *c, bool create)
{
	int r;

	if (create && geteuid() != 0) {
		ctl_err("this command changes the store and needs root");
		return CTL_FAIL;
	}
	r = ids_store_open(c->cfg->store_path, c->cfg->map_size_mb, create ? IDS_STORE_CREATE : 0,
			   &c->store);
	if (r == -ENOENT) {
		ctl_err("no store at %s (run \"idsyncctl init\" or start idsyncd)",
			c->cfg->store_path);
		return CTL_NOSTORE;
	}
	if (r == -EACCES || r == -EPERM) {
		ctl_err("cannot open the store %s: permission denied (the store is private to "
			"root)",
			c->cfg->store_path);
		return CTL_NOSTORE;
	}
	if (r < 0) {
		ctl_err("cannot open the store %s: %s", c->cfg->store_path, strerror(-r));
		return CTL_NOSTORE;
	}
	return CTL_OK;
}

int
ctl_publish(struct ctl *c)
{
	struct ids_snapshot_stats st;
	int r = ids_snapshot_publish(c->store, c->cfg, false, &st);

	if (r < 0) {
		ctl_err("the change is stored but the NSS snapshot %s could not be published: %s",
			c->cfg->snapshot_path, strerror(-r));
		return CTL_FAIL;
	}
	return CTL_OK;
}

/* Who makes a change, for the audit trail: the admin behind sudo when there is one. */
static const char *
ctl_actor(void)
{
	static char actor[96];
	const char *sudo = secure_getenv("SUDO_USER");

	if (sudo && *sudo && strlen(sudo) < 64 && !strpbrk(sudo, " \t\n\"="))
		snprintf(actor, sizeof(actor), "idsyncctl:%s", sudo);
	else
		snprintf(actor, sizeof(actor), "idsyncctl:uid=%u", (unsigned)getuid());
	return actor;
}

int
ctl_write_begin(struct ctl *c, struct ctl_write *w)
{
	int r;

	memset(w, 0, sizeof(*w));
	r = ctl_open_store(c, true);
	if (r != CTL_OK)
		return r;
	r = ids_localfiles_load(c->cfg, &w->lf);
	if (r < 0) {
		ctl_err("cannot read the host's user and group files (%s, %s): %s",
			c->cfg->passwd_file, c->cfg->group_file, strerror(-r));
		return CTL_FAIL;
	}
	r = ids_txn_begin(c->store, true, &w->t);
	if (r < 0) {
		ids_localfiles_free(w->lf);
		ctl_err("cannot begin a change in the store: %s", strerror(-r));
		return CTL_NOSTORE;
	}
	w->ctx = (struct ids_identity_ctx){c->cfg, w->lf, time(NULL), ctl_actor()};
	return CTL_OK;
}

int
ctl_write_end(struct ctl *c, struct ctl_write *w, int r, const char *why)
{
	int rc = CTL_OK;

	if (r < 0) {
		ids_txn_abort(w->t);
		ctl_err("%s", why ? why : strerror(-r));
		rc = CTL_FAIL;
	} else {
		r = ids_txn_commit(w->t);
		if (r < 0) {
			ctl_err("the change was not stored: %s", strerror(-r));
			rc = CTL_FAIL;
		} else {
			rc = ctl_publish(c);
		}
	}
	ids_localfiles_free(w->lf);
	memset(w, 0, sizeof(*w));
	return rc;
}

int
ctl_read_begin(struct ctl *c, struct ids_txn **t)
{
	int r = ctl_open_store(c, false);

	if (r != CTL_OK)
		return r;
	r = ids_txn_begin(c->store, false, t);
	if (r < 0) {
		ctl_err("cannot read the store: %s", strerror(-r));
		return CTL_NOSTORE;
	}
	return CTL_OK;
}

void
ctl_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
}

int
ctl_user_id(struct ids_txn *t, const char *who, char **id)
{
	struct ids_user *u = NULL;
	char *end;
	unsigned long uid;
	int r = ids_user_get_by_login(t, who, &u);

	if (r == -ENOENT) {
		errno = 0;
		uid = strtoul(who, &end, 10);
		if (*who && !*end && !errno && uid <= UINT32_MAX)
			r = ids_user_get_by_uid(t, (uint32_t)uid, &u);
		else
			r = ids_user_get(t, who, &u);
	}
	if (r < 0) {
		ctl_err("%s: %s", who, r == -ENOENT ? "no such user" : strerror(-r));
		return CTL_FAIL;
	}
	*id = strdup(u->id);
	ids_user_free(u);
	return *id ? CTL_OK : CTL_FAIL;
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: idsyncctl [--config PATH] [--json] COMMAND [ARGS...]\n\n"
		   "Administers idsync: the store, users, the NSS snapshot and the audit trail.\n\n"
		   "Options:\n"
		   "  -c, --config PATH  configuration file (default %s)\n"
		   "  -j, --json         print JSON instead of tables\n"
		   "  -h, --help         show this help\n"
		   "  -V, --version      show the version\n\n"
		   "Commands:\n",
		IDS_CONFIG_DEFAULT_PATH);
	for (size_t i = 0; i < IDS_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nExit status: 0 ok, 1 failed or refused, 2 usage, 3 configuration, 4 store.\n"
		   "See idsyncctl(8) and idsync.conf(5).\n");
}

static int
load_config(struct ctl *c)
{
	char *errors = NULL;
	int r;

	if (!c->config_path && access(IDS_CONFIG_DEFAULT_PATH, F_OK) < 0 && errno == ENOENT) {
		/* No file at all: built-in defaults, as documented. */
		c->cfg = ids_config_new_defaults();
		return c->cfg ? CTL_OK : CTL_FAIL;
	}
	r = ids_config_load(c->config_path ? c->config_path : IDS_CONFIG_DEFAULT_PATH, &c->cfg,
			    &errors);
	if (r < 0) {
		fputs(errors ? errors : "idsyncctl: cannot load the configuration\n", stderr);
		free(errors);
		return CTL_CONFIG;
	}
	return CTL_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct ctl c = {0};
	int opt, r;

	ids_log_init("idsyncctl", IDS_LOG_STDERR, IDS_LOG_LEVEL_WARNING);
	/* "+": stop at the command; its own options follow it. */
	while ((opt = getopt_long(argc, argv, "+c:jhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.config_path = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			usage(stdout);
			return CTL_OK;
		case 'V':
			printf("idsyncctl %s\n", IDS_VERSION);
			return CTL_OK;
		default:
			usage(stderr);
			return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	for (size_t i = 0; i < IDS_ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		r = load_config(&c);
		if (r != CTL_OK)
			return r;
		ids_log_init("idsyncctl", IDS_LOG_STDERR | IDS_LOG_SYSLOG,
			     c.cfg->log_level < IDS_LOG_LEVEL_WARNING ? c.cfg->log_level
								     : IDS_LOG_LEVEL_WARNING);
		/* Sub-commands see argv[0] = their name, then their arguments. */
		optind++;
		r = commands[i].fn(&c, argc - optind + 1, argv + optind - 1);
		ids_store_free(c.store);
		ids_config_free(c.cfg);
		return r;
	}
	ctl_err("unknown command \"%s\" (see idsyncctl --help)", argv[optind]);
	return CTL_USAGE;
}
