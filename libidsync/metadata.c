/* SPDX-License-Identifier: MIT */
/*
 * Reads SAML 2.0 IdP metadata (metadata.h) for "idsyncctl org import-metadata":
 * entity id, signing certificates, sign-in URL. Never touches the network or
 * a file, and stops at any DTD, so no entity is declared, loaded or expanded.
 */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/cleanup.h"
#include "libidsync/metadata.h"
#include "libidsync/strv.h"

#define NS_MD            "urn:oasis:names:tc:SAML:2.0:metadata"
#define NS_DS            "http://www.w3.org/2000/09/xmldsig#"
#define BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define BINDING_POST     "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define ENTITY_ID_MAX    1024 /* SAML core 8.3.6 */

static bool
is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

/* The first child element ns:name of parent (NULL-safe, for chains). */
static xmlNode *
child(xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (is(c, ns, name))
			return c;
	return NULL;
}

static unsigned
count_children(xmlNode *parent, const char *ns, const char *name)
{
	unsigned n = 0;

	for (xmlNode *c = parent->children; c; c = c->next)
		if (is(c, ns, name))
			n++;
	return n;
}

/*
 * base64 (XML whitespace allowed) to DER to PEM. 0 and *pem (malloc'd),
 * -EINVAL when it is not exactly one X.509 certificate, or -ENOMEM.
 */
static int
cert_to_pem(const char *b64, char **pem)
{
	size_t n = strlen(b64), k = 0;
	_cleanup_free_ char *clean = malloc(n + 1);
	_cleanup_free_ unsigned char *der = NULL;
	const unsigned char *p;
	X509 *x;
	BIO *out;
	char *data;
	long plen;
	int len, r = -ENOMEM;

	if (!clean)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (b64[i] != ' ' && b64[i] != '\n' && b64[i] != '\r' && b64[i] != '\t')
			clean[k++] = b64[i];
	clean[k] = '\0';
	if (k == 0 || k % 4 != 0 || k > INT_MAX)
		return -EINVAL;
	der = malloc(k / 4 * 3);
	if (!der)
		return -ENOMEM;
	len = EVP_DecodeBlock(der, (const unsigned char *)clean, (int)k);
	if (len <= 0)
		return -EINVAL;
	/* EVP_DecodeBlock counts padding as data: drop it. */
	if (clean[k - 1] == '=')
		len--;
	if (clean[k - 2] == '=')
		len--;
	p = der;
	x = d2i_X509(NULL, &p, len);
	/* Trailing bytes after the certificate are refused too: one certificate, nothing else. */
	if (!x || p != der + len) {
		X509_free(x);
		return -EINVAL;
	}
	out = BIO_new(BIO_s_mem());
	if (out && PEM_write_bio_X509(out, x) && (plen = BIO_get_mem_data(out, &data)) > 0) {
		*pem = strndup(data, (size_t)plen);
		r = *pem ? 0 : -ENOMEM;
	}
	BIO_free(out);
	X509_free(x);
	return r;
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

/* Signing certificates of the IDPSSODescriptor: use="signing" or no use. */
static int
read_certificates(xmlNode *idp, struct ids_idp_metadata *md, char **why)
{
	unsigned index = 0;

	for (xmlNode *kd = idp->children; kd; kd = kd->next) {
		xmlChar *use, *text;
		xmlNode *cert;
		char *pem = NULL;
		int r;

		if (!is(kd, NS_MD, "KeyDescriptor"))
			continue;
		index++;
		use = xmlGetProp(kd, (const xmlChar *)"use");
		if (use && strcmp((const char *)use, "signing") != 0) {
			xmlFree(use);
			continue; /* encryption keys do not sign assertions */
		}
		xmlFree(use);
		/* The first certificate only: others in KeyInfo are its issuers, not signers. */
		cert = child(child(child(kd, NS_DS, "KeyInfo"), NS_DS, "X509Data"), NS_DS,
			     "X509Certificate");
		if (!cert)
			return ids_why(why, -EINVAL,
				       "metadata: KeyDescriptor %u has no "
				       "ds:KeyInfo/ds:X509Data/ds:X509Certificate (namespace %s)",
				       index, NS_DS);
		text = xmlNodeGetContent(cert);
		if (!text)
			return -ENOMEM;
		r = cert_to_pem((const char *)text, &pem);
		xmlFree(text);
		if (r == -EINVAL)
			return ids_why(why, r,
				       "metadata: the certificate in KeyDescriptor %u does not "
				       "parse as X.509",
				       index);
		if (r < 0)
			return r;
		r = add_cert(md, pem);
		if (r < 0)
			return r;
	}
	if (!md->certificates)
		return ids_why(why, -EINVAL,
			       "metadata: the IDPSSODescriptor has no signing certificate "
			       "(a KeyDescriptor with use=\"signing\" or no use)");
	return 0;
}

/* The sign-in URL: the HTTP-Redirect binding if there is one, else HTTP-POST. */
static int
read_sso_url(xmlNode *idp, struct ids_idp_metadata *md)
{
	static const char *const bindings[] = {BINDING_REDIRECT, BINDING_POST};

	for (size_t b = 0; b < 2 && !md->sso_url; b++)
		for (xmlNode *s = idp->children; s && !md->sso_url; s = s->next) {
			xmlChar *binding, *loc;
			bool take;
			if (!is(s, NS_MD, "SingleSignOnService"))
				continue;
			binding = xmlGetProp(s, (const xmlChar *)"Binding");
			loc = xmlGetProp(s, (const xmlChar *)"Location");
			take = binding && loc && *loc &&
			       strcmp((const char *)binding, bindings[b]) == 0;
			if (take)
				md->sso_url = strdup((const char *)loc);
			xmlFree(binding);
			xmlFree(loc);
			if (take && !md->sso_url)
				return -ENOMEM;
		}
	return 0;
}

static int
read_entity(xmlNode *entity, struct ids_idp_metadata *md, char **why)
{
	xmlNode *idp;
	xmlChar *id;
	unsigned n;
	int r;

	n = count_children(entity, NS_MD, "IDPSSODescriptor");
	if (n == 0)
		return ids_why(why, -EINVAL,
			       "metadata: the EntityDescriptor has no IDPSSODescriptor%s",
			       child(entity, NS_MD, "SPSSODescriptor")
				       ? " (this is a service provider's metadata, not an IdP's)"
				       : " (is this an IdP's metadata?)");
	if (n > 1)
		return ids_why(why, -EINVAL,
			       "metadata: the EntityDescriptor has %u IDPSSODescriptors; "
			       "expected one",
			       n);
	idp = child(entity, NS_MD, "IDPSSODescriptor");
	id = xmlGetProp(entity, (const xmlChar *)"entityID");
	if (!id || !*id || strlen((const char *)id) > ENTITY_ID_MAX) {
		r = ids_why(why, -EINVAL, "metadata: the EntityDescriptor has %s entityID",
			    id && *id ? "an over-long (> 1024 bytes)" : "no");
		xmlFree(id);
		return r;
	}
	md->entity_id = strdup((const char *)id);
	xmlFree(id);
	if (!md->entity_id)
		return -ENOMEM;
	r = read_certificates(idp, md, why);
	if (r < 0)
		return r;
	return read_sso_url(idp, md);
}

/*
 * SAX hook for <!DOCTYPE ...>: libxml2 calls it before it reads the internal
 * subset, so stopping here means no entity is ever declared, whatever the
 * document's encoding.
 */
static void
on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name, (void)external_id, (void)system_id;
	*(bool *)ctxt->_private = true;
	xmlStopParser(ctxt);
}

/* Why libxml2 gave up, for the admin: one line, printable ASCII, bounded. */
static int
not_xml(xmlParserCtxtPtr ctxt, char **why)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	char msg[121] = "";
	size_t k = 0;

	if (e && e->code == XML_ERR_NO_MEMORY)
		return -ENOMEM;
	for (const char *p = e && e->message ? e->message : ""; *p && k < sizeof(msg) - 1; p++)
		msg[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : ' ';
	while (k > 0 && msg[k - 1] == ' ')
		k--;
	msg[k] = '\0';
	if (!e || k == 0)
		return ids_why(why, -EINVAL, "metadata: not well-formed XML");
	return ids_why(why, -EINVAL, "metadata: not well-formed XML (line %d: %s)", e->line, msg);
}

/* Parses data into *doc: 0, -EINVAL with *why, or -ENOMEM. */
static int
parse_xml(const char *data, size_t size, xmlDoc **doc, char **why)
{
	static const char dtd[] = "metadata: the document has a DTD (<!DOCTYPE>), which metadata "
				  "never needs";
	xmlParserCtxtPtr ctxt;
	bool saw_doctype = false;
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	int r;

#if LIBXML_VERSION >= 21300
	options |= XML_PARSE_NO_XXE;
#endif
	/* A cheap first line for the common (UTF-8) case; the SAX hook covers every encoding. */
	if (memmem(data, size, "<!DOCTYPE", 9))
		return ids_why(why, -EINVAL, "%s", dtd);
	xmlInitParser();
	ctxt = xmlCreateMemoryParserCtxt(data, (int)size);
	if (!ctxt)
		return -ENOMEM;
	/* Not XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE: no entity substitution, no loading. */
	(void)xmlCtxtUseOptions(ctxt, options); /* returns the options it did not know: none */
	/* Whatever a process-wide default says (xmlSubstituteEntitiesDefault() and the like). */
	ctxt->replaceEntities = 0;
	ctxt->loadsubset = 0;
	ctxt->validate = 0;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = on_doctype;
	ctxt->_private = &saw_doctype;
	(void)xmlParseDocument(ctxt); /* the outcome is read from ctxt below */
	if (saw_doctype || (ctxt->myDoc && (ctxt->myDoc->intSubset || ctxt->myDoc->extSubset)))
		r = ids_why(why, -EINVAL, "%s", dtd);
	else if (!ctxt->wellFormed || !ctxt->myDoc)
		r = not_xml(ctxt, why);
	else
		r = 0;
	if (r == 0)
		*doc = ctxt->myDoc;
	else
		xmlFreeDoc(ctxt->myDoc);
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	return r;
}

int
ids_metadata_parse(const char *data, size_t size, struct ids_idp_metadata *out, char **why)
{
	struct ids_idp_metadata md = {0};
	xmlDoc *doc = NULL;
	xmlNode *root, *entity = NULL;
	int r;

	*why = NULL;
	if (!data || size == 0)
		return ids_why(why, -EINVAL, "metadata: the file is empty");
	if (size > IDS_METADATA_MAX_BYTES)
		return ids_why(why, -EINVAL, "metadata: larger than %d bytes (1 MiB)",
			       IDS_METADATA_MAX_BYTES);
	r = parse_xml(data, size, &doc, why);
	if (r < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	if (is(root, NS_MD, "EntityDescriptor")) {
		entity = root;
	} else if (is(root, NS_MD, "EntitiesDescriptor")) {
		/* An aggregate is accepted only when there is no choice to make. */
		unsigned n = count_children(root, NS_MD, "EntityDescriptor");
		if (child(root, NS_MD, "EntitiesDescriptor"))
			r = ids_why(why, -EINVAL,
				    "metadata: the EntitiesDescriptor nests another one; give the "
				    "metadata of exactly one IdP");
		else if (n != 1)
			r = ids_why(why, -EINVAL,
				    "metadata: the EntitiesDescriptor holds %u EntityDescriptors; "
				    "give the metadata of exactly one IdP",
				    n);
		else
			entity = child(root, NS_MD, "EntityDescriptor");
	} else if (root && root->ns && root->ns->href) {
		r = ids_why(why, -EINVAL,
			    "metadata: the root element is %s in namespace %.100s, not an "
			    "EntityDescriptor in namespace %s",
			    (const char *)root->name, (const char *)root->ns->href, NS_MD);
	} else {
		r = ids_why(why, -EINVAL,
			    "metadata: the root element is %s with no namespace, not an "
			    "EntityDescriptor in namespace %s",
			    root ? (const char *)root->name : "missing", NS_MD);
	}
	if (r == 0)
		r = read_entity(entity, &md, why);
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
