/* SPDX-License-Identifier: MIT */
/*
 * Reads a SAML 2.0 IdP metadata document (EntityDescriptor) for
 * "idsyncctl org import-metadata": the IdP's entity id, its signing
 * certificates and its sign-in URL. libxml2 with no network, no DTD, no
 * entity expansion, and a size cap; every certificate is checked to parse.
 */
#ifndef IDS_METADATA_H
#define IDS_METADATA_H

#include <stddef.h>

#define IDS_METADATA_MAX_BYTES (1024 * 1024)

struct ids_idp_metadata {
	char *entity_id;
	char **certificates; /* PEM, NULL-terminated, at least one */
	char *sso_url;       /* HTTP-Redirect or HTTP-POST SingleSignOnService; may be NULL */
};

/*
 * Parses data (size bytes). Returns 0 and fills *out, or -EINVAL with *why
 * (malloc'd) naming what is wrong: not XML, too large, a DTD, no
 * EntityDescriptor or several, no IDPSSODescriptor, no signing certificate,
 * a certificate that does not parse, -ENOMEM.
 */
int ids_metadata_parse(const char *data, size_t size, struct ids_idp_metadata *out, char **why);
void ids_metadata_clear(struct ids_idp_metadata *md);

#endif
