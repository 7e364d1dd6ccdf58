/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary bytes as IdP metadata XML (libxml2 with the
 * import's options, certificate decoding, every refusal path).
 */
#include <stdint.h>
#include <stdlib.h>

#include "libidsync/metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ids_idp_metadata md = {0};
	char *why = NULL;

	if (ids_metadata_parse((const char *)data, size, &md, &why) == 0)
		ids_metadata_clear(&md);
	free(why);
	return 0;
}
