/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl token create|list|revoke: SCIM bearer tokens. The secret is
 * printed once at creation and never stored; only its hash is.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libidsync/cleanup.h"
#include "libidsync/tokens.h"
#include "syncd/ctl.h"

static void
print_time(int64_t t)
{
	char buf[32];
	time_t secs = (time_t)t;

	if (!t) {
		printf("%-22s", "never");
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&secs));
	printf("%-22s", buf);
}

static int
list_cb(const struct ids_token_info *info, void *data)
{
	return json_array_append_new(data, json_pack("{s:s, s:I, s:I}", "name", info->name,
						     "created", (json_int_t)info->created,
						     "last_used", (json_int_t)info->last_used));
}

static int
cmd_list(struct ctl *c)
{
	struct ids_txn *t = NULL;
	json_t *arr = json_array(), *tok;
	size_t i;
	int r = ctl_read_begin(c, &t);

	if (r != CTL_OK) {
		json_decref(arr);
		return r;
	}
	r = ids_token_foreach(t, list_cb, arr);
	ids_txn_abort(t);
	if (r < 0) {
		ctl_err("cannot list tokens: %s", strerror(-r));
		json_decref(arr);
		return CTL_FAIL;
	}
	if (c->json) {
		ctl_print_json(arr);
	} else {
		printf("%-24s %-22s %s\n", "TOKEN", "CREATED", "LAST USED");
		json_array_foreach(arr, i, tok)
		{
			printf("%-24s ", json_string_value(json_object_get(tok, "name")));
			print_time(json_integer_value(json_object_get(tok, "created")));
			putchar(' ');
			print_time(json_integer_value(json_object_get(tok, "last_used")));
			putchar('\n');
		}
	}
	json_decref(arr);
	return CTL_OK;
}

int
ctl_cmd_token(struct ctl *c, int argc, char **argv)
{
	struct ctl_write w;
	char *secret = NULL, *why = NULL;
	int r;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_list(c);
	if (argc != 3 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "revoke") != 0)) {
		ctl_err("usage: idsyncctl token create NAME | token list | token revoke NAME");
		return CTL_USAGE;
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK)
		return r;
	if (strcmp(argv[1], "create") == 0) {
		r = ids_token_create(w.t, argv[2], w.ctx.now, &secret);
		if (r == -EEXIST)
			r = asprintf(&why, "a token named \"%s\" exists already", argv[2]) < 0 ? -ENOMEM : r;
		else if (r == -EINVAL)
			r = asprintf(&why, "token name \"%s\": use 1 to 64 of A-Z a-z 0-9 _ . -",
				     argv[2]) < 0
				    ? -ENOMEM
				    : r;
	} else {
		r = ids_token_revoke(w.t, argv[2]);
		if (r == -ENOENT)
			r = asprintf(&why, "no token named \"%s\"", argv[2]) < 0 ? -ENOMEM : r;
	}
	r = ctl_write_end(c, &w, r, why);
	free(why);
	if (r == CTL_OK && secret) {
		/* Shown once: the store keeps only its hash. */
		printf("%s\n", secret);
		fprintf(stderr, "idsyncctl: token \"%s\" created; this is the only time it is shown. "
				"Paste it into the IdP's SCIM settings as the bearer token.\n",
			argv[2]);
	}
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	return r;
}
