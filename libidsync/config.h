/* SPDX-License-Identifier: MIT */
/*
 * struct ids_config: every setting of /etc/idsync/idsync.conf with its
 * default. docs/man/idsync.conf.5 documents each key; config.c holds the table.
 */
#ifndef IDS_CONFIG_H
#define IDS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "libidsync/log.h"

#ifndef IDS_SYSCONFDIR
#define IDS_SYSCONFDIR "/etc/idsync"
#endif
#ifndef IDS_STATEDIR
#define IDS_STATEDIR "/var/lib/idsync"
#endif
#define IDS_CONFIG_DEFAULT_PATH IDS_SYSCONFDIR "/idsync.conf"

enum ids_enumerate {
	IDS_ENUMERATE_AUTO, /* allowed while the directory has at most enumerate_max users */
	IDS_ENUMERATE_YES,
	IDS_ENUMERATE_NO,
};

enum ids_login_from {
	IDS_LOGIN_FROM_LOCAL_PART, /* "ada@example.com" -> "ada" */
	IDS_LOGIN_FROM_USERNAME,   /* the whole userName, which must then be a valid login */
};

struct ids_config {
	char *source; /* the file loaded, or NULL for built-in defaults */

	/* [store] */
	char *store_path;
	uint32_t map_size_mb;

	/* [nss] */
	char *snapshot_path;
	enum ids_enumerate enumerate;
	uint32_t enumerate_max;

	/* [identity] */
	enum ids_login_from login_from;
	uint32_t uid_min, uid_max;
	uint32_t gid_min, gid_max;
	char *home_template; /* "{login}" is replaced */
	char *shell;
	char *inactive_shell;
	char **reserved_names; /* NULL-terminated, in addition to the built-in list */
	char *passwd_file, *group_file, *subuid_file, *subgid_file;

	/* [scim]: idsyncd */
	char *scim_listen; /* address to listen on (HTTPS) */
	uint32_t scim_port;
	char *scim_tls_cert, *scim_tls_key;
	uint32_t scim_http_redirect_port; /* 0: no plain-HTTP listener */
	uint32_t scim_max_body_kb, scim_max_header_kb, scim_max_connections;
	uint32_t scim_request_timeout_s;
	uint32_t scim_filter_max_length, scim_filter_max_depth, scim_page_size_max;
	uint32_t scim_publish_delay_ms; /* writes reach the snapshot at most this long after commit */
	uint32_t scim_batch_max;        /* requests committed together (one fsync) at most */

	/* [workspace] */
	char *directory_root; /* where "workspace add --with-dir" makes shared directories */

	/* [log] */
	enum ids_log_level log_level;
};

/*
 * Returns a config holding every default, or NULL when out of memory.
 */
struct ids_config *ids_config_new_defaults(void);

/*
 * Loads path over the defaults. Every problem is reported as
 * "path:line: message" (or "path: message"), one per line, in *errors
 * (malloc'd, caller frees; NULL when there is none); loading goes on after a
 * problem so that all are reported at once. Returns 0 and sets *out only
 * when there was no problem; -EINVAL when the file had any; -errno when it
 * could not be read (the message says so as well).
 */
int ids_config_load(const char *path, struct ids_config **out, char **errors);

/*
 * Sets one key ("section.key") from a string, as a module argument would.
 * origin names the source in the message. Returns 0, or -EINVAL/-ENOENT
 * with *error set (malloc'd).
 */
int ids_config_set(struct ids_config *cfg, const char *key, const char *value, const char *origin,
		   char **error);

/* Checks relations between keys (ranges, paths). Same conventions as ids_config_set. */
int ids_config_check(const struct ids_config *cfg, char **error);

/*
 * Advice that is not an error (a snapshot path the NSS module will not read,
 * ...): one sentence per line, malloc'd, or NULL when there is none.
 */
char *ids_config_warnings(const struct ids_config *cfg);

/* Writes every key with its current value as an INI file (idsyncctl config show). */
int ids_config_dump(const struct ids_config *cfg, FILE *f);

/* Each documented key, "section.key", NULL-terminated (tests, docs check). */
const char *const *ids_config_keys(void);

struct ids_config *ids_config_free(struct ids_config *cfg);

#endif
