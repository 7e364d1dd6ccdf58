/* SPDX-License-Identifier: MIT */
/*
 * Reads /etc/passwd, /etc/group, /etc/subuid and /etc/subgid (paths from the
 * config) into sorted tables, for collision checks. Parses the files itself:
 * going through NSS here would see idsync's own entries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/localfiles.h"

struct id_range {
	uint32_t first, count;
};

/* A name from one of the files, with the file it came from (for messages). */
struct local_name {
	char *name;
	const char *file;
};

struct ids_localfiles {
	struct local_name *names; /* in file order */
	size_t n_names;
	uint32_t *uids, *gids; /* sorted */
	size_t n_uids, n_gids;
	struct id_range *subuids, *subgids;
	size_t n_subuids, n_subgids;
	char *passwd_file, *group_file, *subuid_file, *subgid_file;
};

struct ids_localfiles *
ids_localfiles_free(struct ids_localfiles *lf)
{
	if (!lf)
		return NULL;
	for (size_t i = 0; i < lf->n_names; i++)
		free(lf->names[i].name);
	free(lf->names);
	free(lf->uids);
	free(lf->gids);
	free(lf->subuids);
	free(lf->subgids);
	free(lf->passwd_file);
	free(lf->group_file);
	free(lf->subuid_file);
	free(lf->subgid_file);
	free(lf);
	return NULL;
}

static int
push(void **arr, size_t *n, size_t elem, const void *v)
{
	/* Grow by doubling when n is a power of two (capacity is implied). */
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		void *grown = realloc(*arr, (*n ? *n * 2 : 8) * elem);
		if (!grown)
			return -ENOMEM;
		*arr = grown;
	}
	memcpy((char *)*arr + *n * elem, v, elem);
	(*n)++;
	return 0;
}

static bool
parse_id(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Reads "name:x:id:..." lines: field id_field holds the id (passwd: 2, group: 2). */
static int
read_db(struct ids_localfiles *lf, const char *path, const char *label, uint32_t **ids,
	size_t *n_ids)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *fields[4] = {0}, *p = line;
		struct local_name ln;
		uint32_t id;
		int i;

		line[strcspn(line, "\n")] = '\0';
		if (!*line || *line == '#' || *line == '+' || *line == '-')
			continue;
		for (i = 0; i < 4 && p; i++) {
			fields[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (i < 3 || !fields[2])
			continue;
		ln.name = strdup(fields[0]);
		ln.file = label;
		if (!ln.name || push((void **)&lf->names, &lf->n_names, sizeof(ln), &ln) < 0) {
			free(ln.name);
			r = -ENOMEM;
			break;
		}
		if (parse_id(fields[2], &id) && push((void **)ids, n_ids, sizeof(id), &id) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	fclose(f);
	return r;
}

/* Reads "name:first:count" lines of /etc/subuid or /etc/subgid. A missing file is empty. */
static int
read_subids(const char *path, struct id_range **out, size_t *n)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &cap, f) > 0) {
		char *a, *b;
		struct id_range rg;

		line[strcspn(line, "\n")] = '\0';
		a = strchr(line, ':');
		b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b++ = '\0';
		if (!parse_id(a + 1, &rg.first) || !parse_id(b, &rg.count) || rg.count == 0)
			continue;
		if (push((void **)out, n, sizeof(rg), &rg) < 0) {
			fclose(f);
			return -ENOMEM;
		}
	}
	fclose(f);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

int
ids_localfiles_load(const struct ids_config *cfg, struct ids_localfiles **out)
{
	struct ids_localfiles *lf = calloc(1, sizeof(*lf));
	int r;

	if (!lf)
		return -ENOMEM;
	lf->passwd_file = strdup(cfg->passwd_file);
	lf->group_file = strdup(cfg->group_file);
	lf->subuid_file = strdup(cfg->subuid_file);
	lf->subgid_file = strdup(cfg->subgid_file);
	if (!lf->passwd_file || !lf->group_file || !lf->subuid_file || !lf->subgid_file) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = read_db(lf, cfg->passwd_file, lf->passwd_file, &lf->uids, &lf->n_uids)) < 0 ||
	    (r = read_db(lf, cfg->group_file, lf->group_file, &lf->gids, &lf->n_gids)) < 0 ||
	    (r = read_subids(cfg->subuid_file, &lf->subuids, &lf->n_subuids)) < 0 ||
	    (r = read_subids(cfg->subgid_file, &lf->subgids, &lf->n_subgids)) < 0)
		goto fail;
	if (lf->n_uids)
		qsort(lf->uids, lf->n_uids, sizeof(uint32_t), cmp_u32);
	if (lf->n_gids)
		qsort(lf->gids, lf->n_gids, sizeof(uint32_t), cmp_u32);
	*out = lf;
	return 0;
fail:
	ids_localfiles_free(lf);
	return r;
}

const char *
ids_localfiles_name_owner(const struct ids_localfiles *lf, const char *name)
{
	/* A few hundred names at most: a linear scan is cheaper than keeping them sorted. */
	for (size_t i = 0; i < lf->n_names; i++)
		if (strcmp(lf->names[i].name, name) == 0)
			return lf->names[i].file;
	return NULL;
}

static bool
in_ranges(const struct id_range *rg, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= rg[i].first && id - rg[i].first < rg[i].count)
			return true;
	return false;
}

const char *
ids_localfiles_id_owner(const struct ids_localfiles *lf, uint32_t id, bool as_gid)
{
	if (as_gid) {
		if (lf->n_gids && bsearch(&id, lf->gids, lf->n_gids, sizeof(id), cmp_u32))
			return lf->group_file;
		if (in_ranges(lf->subgids, lf->n_subgids, id))
			return lf->subgid_file;
		return NULL;
	}
	if (lf->n_uids && bsearch(&id, lf->uids, lf->n_uids, sizeof(id), cmp_u32))
		return lf->passwd_file;
	if (in_ranges(lf->subuids, lf->n_subuids, id))
		return lf->subuid_file;
	return NULL;
}
