/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl config check|show: validates idsync.conf (for postinst and
 * ExecStartPre=) and prints the effective configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncd/ctl.h"

int
ctl_cmd_config(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "check") == 0) {
		/* Loading already checked it (main exits 3 with file:line messages otherwise). */
		char *warnings = ids_config_warnings(c->cfg);
		if (warnings)
			fprintf(stderr, "idsyncctl: warning: %s", warnings);
		free(warnings);
		printf("configuration OK%s%s\n", c->cfg->source ? ": " : " (built-in defaults)",
		       c->cfg->source ? c->cfg->source : "");
		return CTL_OK;
	}
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		return ids_config_dump(c->cfg, stdout) < 0 ? CTL_FAIL : CTL_OK;
	ctl_err("usage: idsyncctl config check | config show");
	return CTL_USAGE;
}
