/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary bytes as the snapshot's two lookup tables,
 * read by the NSS module's own code (nss_table.c, nss_pack.c, compiled in
 * here) exactly as libnss_idsync.so.2 reads them from the mapped file: the
 * header check done at open, lookups by name and by id, and packing into
 * exactly-sized caller buffers (so that ASan sees any write past buflen).
 * liblmdb's page format is trusted by the module and not fuzzed here.
 *
 * Input: u16 length of the passwd table, the passwd table, the group table.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nss_idsync/nss_pack.c"
#include "nss_idsync/nss_table.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"ann", "ben", "gone", "build", "docs", "evil", "x", "root"};

/* Packs rec into a buffer of exactly buflen bytes; on success reads every string back. */
static int
pack_into(bool passwd, const struct nss_rec *rec, size_t buflen, char *name, size_t name_size)
{
	char *buf = malloc(buflen ? buflen : 1);
	volatile size_t sum = 0;
	int r;

	if (passwd) {
		struct passwd pw;
		r = nss_pack_pwl(rec, &pw, buf, buflen);
		if (r == 0) {
			sum += strlen(pw.pw_name) + strlen(pw.pw_passwd) + strlen(pw.pw_gecos) +
			       strlen(pw.pw_dir) + strlen(pw.pw_shell);
			snprintf(name, name_size, "%s", pw.pw_name);
		}
	} else {
		struct group gr;
		r = nss_pack_grl(rec, &gr, buf, buflen);
		if (r == 0) {
			sum += strlen(gr.gr_name) + strlen(gr.gr_passwd);
			for (char **m = gr.gr_mem; *m; m++)
				sum += strlen(*m);
			snprintf(name, name_size, "%s", gr.gr_name);
		}
	}
	free(buf);
	(void)sum;
	return r;
}

/* What an entry point does with a record: pack it small (ERANGE) then big; the gids. */
static void
use_record(const struct nss_tab *t, const struct nss_rec *rec, char *name, size_t name_size)
{
	bool passwd = t->magic == IDS_SNAP_TAB_PASSWD;
	size_t small = rec->avail % 97;

	name[0] = '\0';
	/* Then a buffer big enough for anything the record could need (glibc's retry). */
	if (pack_into(passwd, rec, small, name, name_size) == -ERANGE)
		(void)pack_into(passwd, rec, (passwd ? 1 : 9) * rec->avail + 64, name, name_size);
	if (passwd) {
		const unsigned char *gids;
		long n = nss_pwl_gids(rec, &gids);
		volatile uint32_t x = 0;
		for (long i = 0; i < n; i++) {
			uint32_t g;
			memcpy(&g, gids + i * 4, 4);
			x ^= g;
		}
		(void)x;
	}
}

static void
exercise(uint32_t magic, const uint8_t *blob, size_t size)
{
	struct nss_tab t;
	struct nss_rec rec;
	char name[300];

	if (nss_tab_init(&t, magic, blob, size) < 0)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (nss_tab_by_name(&t, names[i], strlen(names[i]), &rec) == 0)
			use_record(&t, &rec, name, sizeof(name));
	/* Every id the by-id slots name (a few), and each hit found again by its own name. */
	for (uint32_t i = 0; i <= t.mask && i < 16; i++) {
		const unsigned char *s = t.slots + ((size_t)t.mask + 1 + i) * sizeof(struct ids_snap_slot);
		uint32_t id;

		memcpy(&id, s, 4);
		if (nss_tab_by_id(&t, id, &rec) != 0)
			continue;
		use_record(&t, &rec, name, sizeof(name));
		if (name[0] && nss_tab_by_name(&t, name, strlen(name), &rec) == 0)
			use_record(&t, &rec, name, sizeof(name));
	}
	(void)nss_tab_by_id(&t, 0, &rec);
	(void)nss_tab_by_id(&t, 7, &rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pw_len;
	uint8_t *pw, *gr;

	if (size < 2)
		return 0;
	pw_len = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (pw_len > size)
		pw_len = size;
	/* Own copies, exactly sized: ASan catches any read past a table. */
	pw = malloc(pw_len ? pw_len : 1);
	gr = malloc(size - pw_len ? size - pw_len : 1);
	memcpy(pw, data, pw_len);
	memcpy(gr, data + pw_len, size - pw_len);
	exercise(IDS_SNAP_TAB_PASSWD, pw, pw_len);
	exercise(IDS_SNAP_TAB_GROUP, gr, size - pw_len);
	free(pw);
	free(gr);
	return 0;
}
