/* SPDX-License-Identifier: MIT */
/*
 * NULL-terminated string vectors: split, join, search, free.
 */
#ifndef IDS_STRV_H
#define IDS_STRV_H

#include <stdbool.h>

/* Splits s at any of seps, dropping empty fields. Returns 0 or -ENOMEM. */
int ids_strv_split(const char *s, const char *seps, char ***out);
/* Joins with sep; returns a malloc'd string, or NULL when out of memory. */
char *ids_strv_join(const char *const *v, const char *sep);
bool ids_strv_contains(const char *const *v, const char *s);
/* Frees v and its strings; accepts NULL; returns NULL. */
char **ids_strv_free(char **v);

#endif
