/* SPDX-License-Identifier: MIT */
/*
 * NULL-terminated string vectors and small string helpers (lowercasing, the
 * "why" sentences of refusals). No knowledge of idsync's records.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/strv.h"

int
ids_strv_split(const char *s, const char *seps, char ***out)
{
	size_t n = 0, cap = 4;
	char **v = calloc(cap, sizeof(char *));

	if (!v)
		return -ENOMEM;
	while (*s) {
		size_t len;

		s += strspn(s, seps);
		len = strcspn(s, seps);
		if (!len)
			break;
		if (n + 2 > cap) {
			char **grown = realloc(v, (cap *= 2) * sizeof(char *));
			if (!grown)
				goto oom;
			v = grown;
		}
		v[n] = strndup(s, len);
		if (!v[n])
			goto oom;
		v[++n] = NULL;
		s += len;
	}
	*out = v;
	return 0;
oom:
	ids_strv_free(v);
	return -ENOMEM;
}

char *
ids_strv_join(const char *const *v, const char *sep)
{
	size_t len = 1, slen = strlen(sep);
	char *out, *p;

	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + slen;
	out = p = malloc(len);
	if (!out)
		return NULL;
	*p = '\0';
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			p = stpcpy(p, sep);
		p = stpcpy(p, v[i]);
	}
	return out;
}

bool
ids_strv_contains(const char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

char **
ids_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
	return NULL;
}

int
ids_strv_push(char ***v, const char *s)
{
	size_t n = 0;
	char **grown;

	while (*v && (*v)[n])
		n++;
	grown = realloc(*v, (n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	*v = grown;
	grown[n] = strdup(s);
	grown[n + 1] = NULL;
	return grown[n] ? 0 : -ENOMEM;
}

char *
ids_strdup_lower(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

int
ids_why(char **why, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return r;
}
