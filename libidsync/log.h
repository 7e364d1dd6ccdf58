/* SPDX-License-Identifier: MIT */
/*
 * The only logging API of idsync. Programs choose the sinks once with
 * ids_log_init(); a library user that never calls it (the PAM module, tests)
 * logs to syslog only. Every function keeps errno unchanged.
 */
#ifndef IDS_LOG_H
#define IDS_LOG_H

#include <stdbool.h>

enum ids_log_flags {
	IDS_LOG_SYSLOG = 1 << 0, /* syslog(3), LOG_AUTHPRIV */
	IDS_LOG_STDERR = 1 << 1, /* "ident: message" on standard error */
};

enum ids_log_level {
	IDS_LOG_LEVEL_ERR,
	IDS_LOG_LEVEL_WARNING,
	IDS_LOG_LEVEL_INFO,
	IDS_LOG_LEVEL_DEBUG,
};

/* Chooses sinks and the most verbose level printed. ident is kept by pointer. */
void ids_log_init(const char *ident, int flags, enum ids_log_level level);
/* Parses "err", "warning", "info" or "debug"; returns the level or -EINVAL. */
int ids_log_level_from_string(const char *s);

/* warn: appends ": strerror(errno)". warnx: no errno. */
void ids_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ids_log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ids_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ids_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs an error with an explicit negative errno value r (as returned by the core). */
void ids_log_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sinks currently in use (for audit.c, which writes its own records). */
int ids_log_sinks(void);
const char *ids_log_ident(void);

#endif
