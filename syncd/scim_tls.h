/* SPDX-License-Identifier: MIT */
/*
 * The TLS server context of idsyncd: TLS 1.2 and 1.3 only, forward-secret
 * AEAD ciphers, the configured certificate chain and key (checked to match).
 */
#ifndef IDS_SCIM_TLS_H
#define IDS_SCIM_TLS_H

#include <openssl/ssl.h>

/* Builds a context from PEM files. Returns NULL with the reason logged (file named). */
SSL_CTX *scim_tls_context(const char *cert_file, const char *key_file);

#endif
