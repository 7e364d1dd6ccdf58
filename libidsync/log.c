/* SPDX-License-Identifier: MIT */
/*
 * Logging sinks: syslog and standard error, chosen once per program.
 * Called from everywhere; must never change errno, allocate, or exit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "libidsync/err.h"
#include "libidsync/log.h"

static const char *log_ident = "idsync";
static int log_flags = IDS_LOG_SYSLOG;
static enum ids_log_level log_level = IDS_LOG_LEVEL_INFO;

void
ids_log_init(const char *ident, int flags, enum ids_log_level level)
{
	log_ident = ident;
	log_flags = flags;
	log_level = level;
	if (flags & IDS_LOG_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

int
ids_log_level_from_string(const char *s)
{
	static const char *const names[] = {"err", "warning", "info", "debug"};

	for (size_t i = 0; i < IDS_ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int
ids_log_sinks(void)
{
	return log_flags;
}

const char *
ids_log_ident(void)
{
	return log_ident;
}

static void
vlog(enum ids_log_level level, int err, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static void
vlog(enum ids_log_level level, int err, const char *fmt, va_list ap)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char msg[2048];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err > 0) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
	}
	if (log_flags & IDS_LOG_SYSLOG)
		syslog(LOG_AUTHPRIV | prio[level], "%s", msg);
	if (log_flags & IDS_LOG_STDERR)
		fprintf(stderr, "%s: %s\n", log_ident, msg);
}

void
ids_log_warn(const char *fmt, ...)
{
	PROTECT_ERRNO;
	va_list ap;

	va_start(ap, fmt);
	vlog(IDS_LOG_LEVEL_WARNING, errno, fmt, ap);
	va_end(ap);
}

void
ids_log_errno(int r, const char *fmt, ...)
{
	PROTECT_ERRNO;
	va_list ap;

	va_start(ap, fmt);
	vlog(IDS_LOG_LEVEL_ERR, r < 0 ? -r : r, fmt, ap);
	va_end(ap);
}

void
ids_log_warnx(const char *fmt, ...)
{
	PROTECT_ERRNO;
	va_list ap;

	va_start(ap, fmt);
	vlog(IDS_LOG_LEVEL_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
ids_log_info(const char *fmt, ...)
{
	PROTECT_ERRNO;
	va_list ap;

	va_start(ap, fmt);
	vlog(IDS_LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
ids_log_debug(const char *fmt, ...)
{
	PROTECT_ERRNO;
	va_list ap;

	va_start(ap, fmt);
	vlog(IDS_LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}
