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
/* Appends a copy of s to *v (which may be NULL): 0 or -ENOMEM. */
int ids_strv_push(char ***v, const char *s);
/* A copy of s with ASCII letters lowercased (NULL when out of memory). */
char *ids_strdup_lower(const char *s);
/*
 * Sets *why to a malloc'd sentence (for the person who must act on it) and
 * returns r: "return ids_why(why, -EEXIST, "...", ...);". *why is NULL when
 * out of memory.
 */
int ids_why(char **why, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Frees v and its strings; accepts NULL; returns NULL. */
char **ids_strv_free(char **v);

#endif
