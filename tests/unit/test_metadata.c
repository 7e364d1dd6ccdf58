/* SPDX-License-Identifier: MIT */
/*
 * IdP metadata import: real IdP certificates (tests/data/certs, from Okta and
 * Entra ID) inside
 * metadata documents, and every kind of bad document refused with a reason.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libidsync/metadata.h"

/* The base64 body of a PEM certificate in tests/data/certs (malloc'd). */
static char *
cert_b64(const char *name)
{
	const char *root = getenv("IDS_SOURCE_ROOT");
	char path[1024], line[256], *out = calloc(1, 16384);
	FILE *f;

	cr_assert_not_null(root, "IDS_SOURCE_ROOT is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/tests/data/certs/%s", root, name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "no %s", path);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "-----", 5) != 0)
			strncat(out, line, 16383 - strlen(out));
	fclose(f);
	return out;
}

static char *
metadata(const char *certs_xml, const char *extra)
{
	char *doc;

	cr_assert(asprintf(&doc,
			   "<?xml version=\"1.0\"?>\n"
			   "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
			   "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" "
			   "entityID=\"http://www.okta.com/exk1\">\n"
			   " <md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
			   "%s%s"
			   "  <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"https://idp.example/post\"/>\n"
			   "  <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://idp.example/redirect\"/>\n"
			   " </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n",
			   certs_xml, extra) > 0);
	return doc;
}

static char *
key(const char *use, const char *b64)
{
	char *x;

	cr_assert(asprintf(&x,
			   "  <md:KeyDescriptor%s%s%s><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
			   "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n",
			   use ? " use=\"" : "", use ? use : "", use ? "\"" : "", b64) > 0);
	return x;
}

Test(metadata, two_signing_certificates_for_rollover)
{
	char *a = cert_b64("okta_cert.pem"), *b = cert_b64("aad_cert.pem");
	char *ka = key("signing", a), *kb = key(NULL, b), *ke = key("encryption", a), *both, *doc;
	struct ids_idp_metadata md = {0};
	char *why = NULL;

	cr_assert(asprintf(&both, "%s%s%s", ka, ke, kb) > 0);
	doc = metadata(both, "");
	cr_assert_eq(ids_metadata_parse(doc, strlen(doc), &md, &why), 0, "%s", why ? why : "");
	cr_assert_str_eq(md.entity_id, "http://www.okta.com/exk1");
	cr_assert_str_eq(md.sso_url, "https://idp.example/redirect");
	cr_assert_not_null(md.certificates[0]);
	cr_assert_not_null(md.certificates[1]);
	cr_assert_null(md.certificates[2], "the encryption key was taken as a signing key");
	cr_assert_not_null(strstr(md.certificates[0], "-----BEGIN CERTIFICATE-----"));
	ids_metadata_clear(&md);
	free(a), free(b), free(ka), free(kb), free(ke), free(both), free(doc);
}

static void
refused(const char *doc, size_t len, const char *reason)
{
	struct ids_idp_metadata md = {0};
	char *why = NULL;

	cr_assert_eq(ids_metadata_parse(doc, len, &md, &why), -EINVAL, "accepted: %.80s", doc);
	cr_assert_not_null(why);
	cr_assert_not_null(strstr(why, reason), "reason \"%s\" lacks \"%s\"", why, reason);
	cr_assert_null(md.entity_id);
	free(why);
}

Test(metadata, bad_documents_refused_with_reasons)
{
	char *a = cert_b64("okta_cert.pem"), *k = key("signing", a), *doc, *big;

	refused("", 0, "empty");
	refused("not xml at all", 14, "not well-formed");
	doc = metadata(k, "");
	refused(doc, strlen(doc) - 30, "not well-formed");
	free(doc);
	big = malloc(IDS_METADATA_MAX_BYTES + 2);
	memset(big, ' ', IDS_METADATA_MAX_BYTES + 1);
	refused(big, IDS_METADATA_MAX_BYTES + 1, "larger than");
	free(big);
	doc = "<x:EntityDescriptor xmlns:x=\"urn:example\" entityID=\"e\"/>";
	refused(doc, strlen(doc), "root element");
	doc = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"e\"/>";
	refused(doc, strlen(doc), "no IDPSSODescriptor");
	doc = metadata("", "");
	refused(doc, strlen(doc), "no signing certificate");
	free(doc);
	free(k);
	k = key("signing", "TUlJQ2NvcnJ1cHQ=");
	doc = metadata(k, "");
	refused(doc, strlen(doc), "does not parse as X.509");
	free(doc);
	free(k);
	free(a);
}

Test(metadata, dtd_and_entities_refused)
{
	const char *laughs =
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
		"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
		"entityID=\"&lol3;\"/>";
	const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			  "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
			  "entityID=\"&x;\"/>";

	refused(laughs, strlen(laughs), "DTD");
	refused(xxe, strlen(xxe), "DTD");
}

Test(metadata, entities_descriptor_needs_exactly_one_idp)
{
	char *a = cert_b64("okta_cert.pem"), *k = key("signing", a), *one, *doc;
	struct ids_idp_metadata md = {0};
	char *why = NULL;
	const char *head = "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">";

	one = metadata(k, "");
	/* Drop the XML declaration of the inner document. */
	cr_assert(asprintf(&doc, "%s%s</md:EntitiesDescriptor>", head, strchr(one, '\n') + 1) > 0);
	cr_assert_eq(ids_metadata_parse(doc, strlen(doc), &md, &why), 0, "%s", why ? why : "");
	ids_metadata_clear(&md);
	free(doc);
	cr_assert(asprintf(&doc, "%s%s%s</md:EntitiesDescriptor>", head, strchr(one, '\n') + 1,
			   strchr(one, '\n') + 1) > 0);
	refused(doc, strlen(doc), "holds 2 IdPs");
	free(doc);
	free(one);
	free(k);
	free(a);
}
