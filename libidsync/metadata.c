/* SPDX-License-Identifier: MIT */
/*
 * Reads SAML 2.0 IdP metadata (metadata.h): entity id, signing
 * certificates, sign-in URL. libxml2 without network, DTDs or entity
 * expansion; every certificate must parse as X.509 before it is returned.
 */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/metadata.h"
#include "libidsync/strv.h"

#define NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"

static int
refuse(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
refuse(char **why, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg && asprintf(why, "metadata: %s", msg) < 0)
		*why = NULL;
	free(msg);
	return -EINVAL;
}

static bool
is(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *
child(xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (is(c, ns, name))
			return c;
	return NULL;
}

/* base64 (whitespace allowed) to DER, then PEM; NULL when it is not an X.509 certificate. */
static char *
cert_to_pem(const char *b64)
{
	size_t n = strlen(b64), k = 0;
	_cleanup_free_ char *clean = malloc(n + 1);
	_cleanup_free_ unsigned char *der = NULL;
	const unsigned char *p;
	X509 *x = NULL;
	BIO *out = NULL;
	char *pem = NULL, *data;
	int len;
	long plen;

	if (!clean)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (b64[i] != ' ' && b64[i] != '\n' && b64[i] != '\r' && b64[i] != '\t')
			clean[k++] = b64[i];
	clean[k] = '\0';
	if (k == 0 || k % 4 != 0)
		return NULL;
	der = malloc(k / 4 * 3 + 1);
	if (!der)
		return NULL;
	len = EVP_DecodeBlock(der, (const unsigned char *)clean, (int)k);
	if (len <= 0)
		return NULL;
	/* EVP_DecodeBlock counts padding as data: drop it. */
	if (clean[k - 1] == '=')
		len--;
	if (clean[k - 2] == '=')
		len--;
	p = der;
	x = d2i_X509(NULL, &p, len);
	if (!x || p != der + len) {
		X509_free(x);
		return NULL;
	}
	out = BIO_new(BIO_s_mem());
	if (out && PEM_write_bio_X509(out, x) && (plen = BIO_get_mem_data(out, &data)) > 0)
		pem = strndup(data, (size_t)plen);
	BIO_free(out);
	X509_free(x);
	return pem;
}

static int
add_cert(struct ids_idp_metadata *md, char *pem)
{
	size_t n = 0;
	char **grown;

	while (md->certificates && md->certificates[n])
		n++;
	grown = realloc(md->certificates, (n + 2) * sizeof(char *));
	if (!grown) {
		free(pem);
		return -ENOMEM;
	}
	md->certificates = grown;
	grown[n] = pem;
	grown[n + 1] = NULL;
	return 0;
}

static int
read_idp(xmlNode *entity, struct ids_idp_metadata *md, char **why)
{
	xmlNode *idp = child(entity, NS_MD, "IDPSSODescriptor");
	unsigned index = 0;
	xmlChar *id;
	int r;

	if (!idp)
		return refuse(why, "the EntityDescriptor has no IDPSSODescriptor (is this an IdP's "
				   "metadata?)");
	id = xmlGetProp(entity, (const xmlChar *)"entityID");
	if (!id || !*id) {
		xmlFree(id);
		return refuse(why, "the EntityDescriptor has no entityID");
	}
	md->entity_id = strdup((const char *)id);
	xmlFree(id);
	if (!md->entity_id)
		return -ENOMEM;
	for (xmlNode *kd = idp->children; kd; kd = kd->next) {
		xmlChar *use;
		xmlNode *cert;
		xmlChar *text;
		char *pem;

		if (!is(kd, NS_MD, "KeyDescriptor"))
			continue;
		index++;
		use = xmlGetProp(kd, (const xmlChar *)"use");
		if (use && strcmp((const char *)use, "signing") != 0) {
			xmlFree(use);
			continue; /* encryption keys do not sign assertions */
		}
		xmlFree(use);
		cert = child(child(child(kd, NS_DS, "KeyInfo"), NS_DS, "X509Data"), NS_DS,
			     "X509Certificate");
		if (!cert)
			return refuse(why, "KeyDescriptor %u has no ds:X509Certificate", index);
		text = xmlNodeGetContent(cert);
		pem = text ? cert_to_pem((const char *)text) : NULL;
		xmlFree(text);
		if (!pem)
			return refuse(why, "the certificate in KeyDescriptor %u does not parse as X.509",
				      index);
		r = add_cert(md, pem);
		if (r < 0)
			return r;
	}
	if (!md->certificates)
		return refuse(why, "the IDPSSODescriptor has no signing certificate");
	/* Prefer the redirect binding for the sign-in URL, else POST. */
	for (int pass = 0; pass < 2 && !md->sso_url; pass++)
		for (xmlNode *s = idp->children; s && !md->sso_url; s = s->next) {
			xmlChar *binding, *loc;
			if (!is(s, NS_MD, "SingleSignOnService"))
				continue;
			binding = xmlGetProp(s, (const xmlChar *)"Binding");
			loc = xmlGetProp(s, (const xmlChar *)"Location");
			if (binding && loc &&
			    strcmp((const char *)binding, pass ? BINDING_POST : BINDING_REDIRECT) == 0) {
				md->sso_url = strdup((const char *)loc);
				if (!md->sso_url) {
					xmlFree(binding);
					xmlFree(loc);
					return -ENOMEM;
				}
			}
			xmlFree(binding);
			xmlFree(loc);
		}
	return 0;
}

int
ids_metadata_parse(const char *data, size_t size, struct ids_idp_metadata *out, char **why)
{
	struct ids_idp_metadata md = {0};
	xmlDoc *doc;
	xmlNode *root, *entity = NULL;
	int r;

	*why = NULL;
	if (size == 0)
		return refuse(why, "the file is empty");
	if (size > IDS_METADATA_MAX_BYTES)
		return refuse(why, "larger than %d bytes", IDS_METADATA_MAX_BYTES);
	/* A DTD is refused before libxml2 sees it: metadata never needs one, and entity
	 * tricks (billion laughs, external entities) all need one. */
	if (memmem(data, size, "<!DOCTYPE", 9))
		return refuse(why, "the document has a DTD, which metadata never needs");
	/* No network, no DTD loading, no entity substitution (XML_PARSE_NOENT is not set). */
	doc = xmlReadMemory(data, (int)size, "metadata.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return refuse(why, "not well-formed XML");
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return refuse(why, "the document has a DTD, which metadata never needs");
	}
	root = xmlDocGetRootElement(doc);
	if (root && is(root, NS_MD, "EntityDescriptor")) {
		entity = root;
	} else if (root && is(root, NS_MD, "EntitiesDescriptor")) {
		unsigned n = 0;
		for (xmlNode *c = root->children; c; c = c->next)
			if (is(c, NS_MD, "EntityDescriptor") && child(c, NS_MD, "IDPSSODescriptor")) {
				entity = c;
				n++;
			}
		if (n != 1) {
			xmlFreeDoc(doc);
			return refuse(why, "the EntitiesDescriptor holds %u IdPs; give the metadata of "
					   "exactly one",
				      n);
		}
	} else {
		xmlFreeDoc(doc);
		return refuse(why, "the root element is not an md:EntityDescriptor (namespace %s)",
			      NS_MD);
	}
	r = read_idp(entity, &md, why);
	xmlFreeDoc(doc);
	if (r < 0) {
		ids_metadata_clear(&md);
		return r;
	}
	*out = md;
	return 0;
}

void
ids_metadata_clear(struct ids_idp_metadata *md)
{
	free(md->entity_id);
	ids_strv_free(md->certificates);
	free(md->sso_url);
	memset(md, 0, sizeof(*md));
}
