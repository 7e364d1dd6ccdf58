/* SPDX-License-Identifier: MIT */
/*
 * NULL-terminated string vectors. Small helpers with no knowledge of idsync.
 */
#include <errno.h>
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
