/* SPDX-License-Identifier: MIT */
/*
 * Login and group name rules: what a name may look like, which names are
 * reserved, how a login comes from a userName. No store access, no I/O.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/err.h"
#include "libidsync/names.h"
#include "libidsync/strv.h"

/* Names a packaged service or a base system may own even if this host lacks them today. */
static const char *const builtin_reserved[] = {
	"_apt", "adm", "admin", "audio", "backup", "bin", "cdrom", "crontab", "daemon", "dialout",
	"dip", "disk", "docker", "floppy", "games", "gnats", "input", "irc", "kmem", "kvm",
	"libvirt", "list", "lp", "lpadmin", "lxd", "mail", "man", "messagebus", "netdev", "news",
	"nobody", "nogroup", "operator", "plugdev", "polkitd", "postgres", "proxy", "render",
	"root", "sasl", "sgx", "shadow", "src", "ssh", "sshd", "staff", "sudo", "sync", "sys",
	"syslog", "tape", "tss", "tty", "users", "utmp", "uucp", "video", "voice", "wheel",
	"www-data", NULL,
};

int
ids_name_check(const char *name, const char **why)
{
	size_t n = strlen(name);

	if (n == 0) {
		*why = "is empty";
		return -EINVAL;
	}
	if (n > IDS_NAME_MAX) {
		*why = "is longer than 32 characters";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		bool lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';

		if (c >= 0x80) {
			*why = "contains a non-ASCII character (allowed: a-z 0-9 _ . -)";
			return -EINVAL;
		}
		if (c < 0x20 || c == 0x7f) {
			*why = "contains a control character";
			return -EINVAL;
		}
		if (c >= 'A' && c <= 'Z') {
			*why = "contains an upper-case letter";
			return -EINVAL;
		}
		if (!lower && !digit && c != '_' && c != '.' && c != '-') {
			*why = "contains a character outside a-z 0-9 _ . -";
			return -EINVAL;
		}
		/* A leading letter also keeps names from reading as uids ("1234") or options. */
		if (i == 0 && !lower && c != '_') {
			*why = "does not start with a letter or _";
			return -EINVAL;
		}
	}
	if (name[n - 1] == '.' || name[n - 1] == '-') {
		*why = "ends with . or -";
		return -EINVAL;
	}
	return 0;
}

bool
ids_name_reserved(const struct ids_config *cfg, const char *name)
{
	return ids_strv_contains(builtin_reserved, name) || strncmp(name, "systemd-", 8) == 0 ||
	       ids_strv_contains((const char *const *)cfg->reserved_names, name);
}

int
ids_login_derive(const struct ids_config *cfg, const struct ids_localfiles *lf,
		 const char *user_name, char **login, char **why)
{
	_cleanup_free_ char *name = NULL;
	const char *at, *problem, *file;
	size_t len;

	*why = NULL;
	len = strlen(user_name);
	if (cfg->login_from == IDS_LOGIN_FROM_LOCAL_PART) {
		at = strrchr(user_name, '@');
		if (at)
			len = (size_t)(at - user_name);
	}
	if (len > 256)
		return ids_why(why, -EINVAL, "userName is too long to become a Unix login");
	name = strndup(user_name, len);
	if (!name)
		return -ENOMEM;
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (ids_name_check(name, &problem) < 0)
		return ids_why(why, -EINVAL,
			      "userName \"%s\" cannot become a Unix login: \"%s\" %s", user_name,
			      name, problem);
	if (ids_name_reserved(cfg, name))
		return ids_why(why, -EEXIST,
			      "userName \"%s\" cannot become a Unix login: \"%s\" is a reserved "
			      "system name",
			      user_name, name);
	file = lf ? ids_localfiles_name_owner(lf, name) : NULL;
	if (file)
		return ids_why(why, -EEXIST,
			      "userName \"%s\" cannot become a Unix login: \"%s\" already exists in "
			      "%s on this host",
			      user_name, name, file);
	*login = TAKE_PTR(name);
	return 0;
}

char *
ids_gecos_clean(const char *display)
{
	size_t n = strnlen(display, 255);
	char *out = strndup(display, n);

	if (!out)
		return NULL;
	/* Do not cut a UTF-8 sequence in half. */
	while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0 && (unsigned char)out[n - 1] >= 0xc0)
		n--;
	if (strlen(display) > 255)
		out[n] = '\0';
	for (char *p = out; *p; p++)
		if (*p == ':' || (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}
