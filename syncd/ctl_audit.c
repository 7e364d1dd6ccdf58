/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl audit: prints the audit trail kept in the store, optionally for
 * one user and from a point in time, oldest first.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libidsync/audit.h"
#include "syncd/ctl.h"

struct audit_filter {
	const char *user;
	int64_t since_us;
	long limit, printed;
	bool json;
};

static int
print_cb(uint64_t seq, const char *text, size_t len, void *data)
{
	struct audit_filter *f = data;
	json_t *o = json_loadb(text, len, 0, NULL), *fields, *v;
	const char *k, *user;
	char when[32];
	time_t secs;

	if (!o)
		return -EBADMSG;
	fields = json_object_get(o, "fields");
	user = json_string_value(json_object_get(fields, "user"));
	if (json_integer_value(json_object_get(o, "ts_us")) < f->since_us ||
	    (f->user && (!user || strcmp(user, f->user) != 0))) {
		json_decref(o);
		return 0;
	}
	if (f->json) {
		json_object_set_new(o, "seq", json_integer((json_int_t)seq));
		json_dumpf(o, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		putchar('\n');
	} else {
		secs = (time_t)(json_integer_value(json_object_get(o, "ts_us")) / 1000000);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&secs));
		printf("%s %-18s", when, json_string_value(json_object_get(o, "event")));
		json_object_foreach(fields, k, v) printf(" %s=%s", k, json_string_value(v));
		putchar('\n');
	}
	json_decref(o);
	return ++f->printed >= f->limit ? 1 : 0;
}

int
ctl_cmd_audit(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"user", required_argument, NULL, 'u'},
		{"since", required_argument, NULL, 's'},
		{"limit", required_argument, NULL, 'n'},
		{0},
	};
	struct audit_filter f = {.limit = 1000, .json = c->json};
	struct ids_txn *t = NULL;
	char *end;
	int opt, r;

	optind = 0; /* glibc: 0 re-initializes getopt (main parsed with "+") */
	while ((opt = getopt_long(argc, argv, "u:s:n:", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			f.user = optarg;
			break;
		case 's':
			f.since_us = strtoll(optarg, &end, 10) * 1000000;
			if (*end || !*optarg) {
				ctl_err("--since: \"%s\" is not a unix time in seconds", optarg);
				return CTL_USAGE;
			}
			break;
		case 'n':
			f.limit = strtol(optarg, &end, 10);
			if (*end || f.limit <= 0) {
				ctl_err("--limit: \"%s\" is not a positive number", optarg);
				return CTL_USAGE;
			}
			break;
		default:
			ctl_err("usage: idsyncctl audit [--user LOGIN] [--since UNIX_TIME] [--limit N]");
			return CTL_USAGE;
		}
	}
	if (optind != argc) {
		ctl_err("usage: idsyncctl audit [--user LOGIN] [--since UNIX_TIME] [--limit N]");
		return CTL_USAGE;
	}
	r = ctl_open_store(c, false);
	if (r != CTL_OK)
		return r;
	r = ids_txn_begin(c->store, false, &t);
	if (r == 0)
		r = ids_audit_foreach(t, 0, print_cb, &f);
	ids_txn_abort(t);
	if (r < 0) {
		ctl_err("cannot read the audit trail: %s", r == -EBADMSG ? "damaged record" : strerror(-r));
		return CTL_FAIL;
	}
	return CTL_OK;
}
