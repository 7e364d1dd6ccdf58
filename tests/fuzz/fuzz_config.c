/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: arbitrary bytes as idsync.conf, through the real loader
 * (inih, the key table, every validator, the cross-key checks).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libidsync/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct ids_config *cfg = NULL;
	char *errors = NULL;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz-config-%d.conf", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (ids_config_load(path, &cfg, &errors) == 0) {
		char *w = ids_config_warnings(cfg);
		free(w);
		ids_config_free(cfg);
	}
	free(errors);
	return 0;
}
