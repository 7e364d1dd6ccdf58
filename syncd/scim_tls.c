/* SPDX-License-Identifier: MIT */
/*
 * TLS context for idsyncd (see scim_tls.h). OpenSSL errors are turned into
 * one log line naming the file, here and nowhere else.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "libidsync/log.h"
#include "syncd/scim_tls.h"

static void
log_ssl(const char *what, const char *file)
{
	unsigned long code = ERR_get_error();
	char buf[256];

	ERR_error_string_n(code, buf, sizeof(buf));
	ids_log_warnx("%s %s: %s", what, file, code ? buf : "unknown TLS error");
	ERR_clear_error();
}

SSL_CTX *
scim_tls_context(const char *cert_file, const char *key_file)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		log_ssl("cannot make a TLS context for", cert_file);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	/* TLS 1.2: ECDHE with AEAD only. TLS 1.3 suites are OpenSSL's defaults (all AEAD). */
	if (!SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!SHA1")) {
		log_ssl("cannot set the TLS ciphers for", cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		log_ssl("cannot load the TLS certificate chain", cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		log_ssl("cannot load the TLS private key", key_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		log_ssl("the TLS private key does not match the certificate of", key_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
