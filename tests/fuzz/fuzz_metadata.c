/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary bytes as IdP metadata XML, through
 * ids_metadata_parse() (libxml2 with the import's options, the DTD stop,
 * certificate decoding, every refusal path) and ids_metadata_clear().
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The header's promises, checked on every input: a broken one is a crash the fuzzer keeps. */
static void
check(int r, const struct ids_idp_metadata *md, const char *why)
{
	if (r == 0) {
		if (why || !md->entity_id || !*md->entity_id || !md->certificates ||
		    !md->certificates[0])
			abort();
		for (size_t i = 0; md->certificates[i]; i++)
			if (strncmp(md->certificates[i], "-----BEGIN CERTIFICATE-----\n", 28) != 0)
				abort();
		if (md->sso_url && !*md->sso_url)
			abort();
	} else {
		/* Refusals carry a reason; *out is not touched. */
		if ((r != -EINVAL && r != -ENOMEM) || (r == -EINVAL && !why) || md->entity_id ||
		    md->certificates || md->sso_url)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ids_idp_metadata md = {0};
	char *why = NULL;
	int r;

	r = ids_metadata_parse((const char *)data, size, &md, &why);
	check(r, &md, why);
	if (r == 0)
		ids_metadata_clear(&md);
	free(why);
	return 0;
}
