/* SPDX-License-Identifier: MIT */
/*
 * idsyncctl org show|set|cert|import-metadata: the organization's SAML
 * trust and access settings. Certificates are checked to parse before they
 * are stored; several may be trusted at once for key rollover.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libidsync/audit.h"
#include "libidsync/cleanup.h"
#include "libidsync/metadata.h"
#include "libidsync/model.h"
#include "libidsync/org.h"
#include "libidsync/policy.h"
#include "libidsync/strv.h"
#include "syncd/ctl.h"

/* Subject, expiry and SHA-256 fingerprint of a PEM certificate, as JSON; NULL if it does not parse. */
static json_t *
cert_json(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char subject[256] = "", fp[3 * EVP_MAX_MD_SIZE + 1] = "", expiry[64] = "";
	BIO *out;
	json_t *j = NULL;

	BIO_free(b);
	if (!x)
		return NULL;
	X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof(subject));
	if (X509_digest(x, EVP_sha256(), md, &mdlen))
		for (unsigned int i = 0; i < mdlen; i++)
			snprintf(fp + 3 * i, 4, "%02X%s", md[i], i + 1 < mdlen ? ":" : "");
	out = BIO_new(BIO_s_mem());
	if (out && ASN1_TIME_print(out, X509_get0_notAfter(x)) > 0) {
		int n = BIO_read(out, expiry, sizeof(expiry) - 1);
		expiry[n > 0 ? n : 0] = '\0';
	}
	BIO_free(out);
	X509_free(x);
	j = json_pack("{s:s, s:s, s:s}", "subject", subject, "not_after", expiry, "sha256", fp);
	return j;
}

static json_t *
org_json(const struct ids_org *org, bool with_pem)
{
	json_t *certs = json_array();

	for (size_t i = 0; org->certificates && org->certificates[i]; i++) {
		json_t *cj = cert_json(org->certificates[i]);
		if (!cj)
			cj = json_pack("{s:s}", "error", "does not parse");
		if (with_pem)
			json_object_set_new(cj, "pem", json_string(org->certificates[i]));
		json_array_append_new(certs, cj);
	}
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:b, s:s, s:b, s:b, s:o}", "issuer",
			 org->issuer, "sp_entity_id", org->sp_entity_id, "recipient",
			 org->recipient, "sso_url", org->sso_url, "group_attribute",
			 org->group_attribute, "default_role", org->default_role,
			 "read_only_new_members", org->read_only_new_members, "role_mode",
			 ids_role_mode_name(org->role_mode), "revoke_on_login", org->revoke_on_login,
			 "end_sessions", org->end_sessions, "certificates", certs);
}

static int
cmd_show(struct ctl *c)
{
	_cleanup_(ids_org_freep) struct ids_org *org = NULL;
	struct ids_txn *t = NULL;
	json_t *j, *cert;
	size_t i;
	int r = ctl_read_begin(c, &t);

	if (r != CTL_OK)
		return r;
	r = ids_org_get(t, &org);
	ids_txn_abort(t);
	if (r < 0) {
		ctl_err("cannot read the organization settings: %s", strerror(-r));
		return CTL_FAIL;
	}
	j = org_json(org, false);
	if (c->json) {
		ctl_print_json(j);
	} else {
#define V(s) ((s) ? (s) : "(not set)")
		printf("issuer                 %s\nsp_entity_id           %s\nrecipient              %s\n"
		       "sso_url                %s\ngroup_attribute        %s\ndefault_role           %s\n"
		       "read_only_new_members  %s\nrole_mode              %s\nrevoke_on_login        %s\n"
		       "end_sessions           %s\ncertificates\n",
		       V(org->issuer), V(org->sp_entity_id), V(org->recipient), V(org->sso_url),
		       org->group_attribute ? org->group_attribute
					    : "(auto: groups, memberOf, Entra's groups claim)",
		       org->default_role, org->read_only_new_members ? "yes" : "no",
		       ids_role_mode_name(org->role_mode), org->revoke_on_login ? "yes" : "no",
		       org->end_sessions ? "yes" : "no");
#undef V
		json_array_foreach(json_object_get(j, "certificates"), i, cert)
		printf("  %zu. %s\n     expires %s\n     sha256 %s\n", i + 1,
		       json_string_value(json_object_get(cert, "subject")) ?: "(does not parse)",
		       json_string_value(json_object_get(cert, "not_after")) ?: "-",
		       json_string_value(json_object_get(cert, "sha256")) ?: "-");
		if (!json_array_size(json_object_get(j, "certificates")))
			printf("  (none: no assertion can be trusted yet)\n");
	}
	json_decref(j);
	return CTL_OK;
}

static int
parse_bool(const char *key, const char *v, bool *out, char **why)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0) {
		*out = false;
		return 0;
	}
	return asprintf(why, "%s: \"%s\" is not yes or no", key, v) < 0 ? -ENOMEM : -EINVAL;
}

static int
set_str(char **field, const char *v)
{
	char *copy = strdup(v);

	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int
cmd_set(struct ctl *c, int argc, char **argv)
{
	_cleanup_(ids_org_freep) struct ids_org *org = NULL;
	_cleanup_free_ char *why = NULL;
	const char *key = argv[2], *v = argv[3];
	bool confirm = argc == 5 && strcmp(argv[4], "--confirm-irreversible") == 0;
	struct ctl_write w;
	struct ids_role *role = NULL;
	int r;

	if (argc != 4 && !confirm) {
		ctl_err("usage: idsyncctl org set KEY VALUE [--confirm-irreversible]");
		return CTL_USAGE;
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK)
		return r;
	r = ids_org_get(w.t, &org);
	if (r < 0)
		return ctl_write_end(c, &w, r, NULL);
	if (strcmp(key, "issuer") == 0)
		r = set_str(&org->issuer, v);
	else if (strcmp(key, "sp_entity_id") == 0)
		r = set_str(&org->sp_entity_id, v);
	else if (strcmp(key, "recipient") == 0)
		r = set_str(&org->recipient, v);
	else if (strcmp(key, "sso_url") == 0)
		r = set_str(&org->sso_url, v);
	else if (strcmp(key, "group_attribute") == 0) {
		if (strcmp(v, "auto") == 0) {
			free(org->group_attribute);
			org->group_attribute = NULL;
		} else {
			r = set_str(&org->group_attribute, v);
		}
	} else if (strcmp(key, "default_role") == 0) {
		r = ids_roles_seed_defaults(w.t);
		if (r == 0 && ids_role_get(w.t, v, &role) < 0)
			r = asprintf(&why, "default_role: no role \"%s\" (see idsyncctl role list)", v) < 0
				    ? -ENOMEM
				    : -ENOENT;
		ids_role_free(role);
		if (r == 0)
			r = set_str(&org->default_role, v);
	} else if (strcmp(key, "read_only_new_members") == 0)
		r = parse_bool(key, v, &org->read_only_new_members, &why);
	else if (strcmp(key, "revoke_on_login") == 0)
		r = parse_bool(key, v, &org->revoke_on_login, &why);
	else if (strcmp(key, "end_sessions") == 0)
		r = parse_bool(key, v, &org->end_sessions, &why);
	else if (strcmp(key, "role_mode") == 0) {
		if (strcmp(v, "sso") != 0 && strcmp(v, "scim") != 0)
			r = asprintf(&why, "role_mode: \"%s\" is not sso or scim", v) < 0 ? -ENOMEM : -EINVAL;
		else
			r = ids_policy_set_role_mode(w.t, &w.ctx,
						     strcmp(v, "scim") == 0 ? IDS_ROLE_MODE_SCIM
									    : IDS_ROLE_MODE_SSO,
						     confirm, &why);
		if (r == -EPERM && why) {
			char *more = NULL;
			if (asprintf(&more, "%s: add --confirm-irreversible", why) > 0) {
				free(why);
				why = more;
			}
		}
		/* The policy stored the mode itself; reload so the write below keeps it. */
		if (r == 0) {
			ids_org_free(org);
			org = NULL;
			r = ids_org_get(w.t, &org);
		}
	} else
		r = asprintf(&why,
			     "unknown setting \"%s\" (issuer, sp_entity_id, recipient, sso_url, "
			     "group_attribute, default_role, read_only_new_members, role_mode, "
			     "revoke_on_login, end_sessions)",
			     key) < 0
			    ? -ENOMEM
			    : -ENOENT;
	if (r == 0)
		r = ids_org_put(w.t, org);
	if (r == 0)
		r = ids_audit(w.t, IDS_MSG_CONFIG_CHANGED, "actor", w.ctx.actor, "action", "org-set",
			      "setting", key, "value", v, IDS_END);
	return ctl_write_end(c, &w, r, why);
}

/* Reads a whole file (or stdin for "-"), at most max bytes. */
static int
read_file(const char *path, size_t max, char **data, size_t *size)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t n;
		if (len + 4096 + 1 > cap) {
			char *grown = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (!grown) {
				free(buf);
				if (f != stdin)
					fclose(f);
				return -ENOMEM;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (len > max) {
			free(buf);
			if (f != stdin)
				fclose(f);
			return -EFBIG;
		}
		if (n < 4096)
			break;
	}
	if (f != stdin)
		fclose(f);
	buf[len] = '\0';
	*data = buf;
	*size = len;
	return 0;
}

/* Normalizes a PEM certificate: parses it, writes it back. NULL if it does not parse. */
static char *
normalize_pem(const char *text)
{
	BIO *in = BIO_new_mem_buf(text, -1), *out = BIO_new(BIO_s_mem());
	X509 *x = in ? PEM_read_bio_X509(in, NULL, NULL, NULL) : NULL;
	char *pem = NULL, *p;
	long n;

	if (x && out && PEM_write_bio_X509(out, x) && (n = BIO_get_mem_data(out, &p)) > 0)
		pem = strndup(p, (size_t)n);
	X509_free(x);
	BIO_free(in);
	BIO_free(out);
	return pem;
}

static int
cmd_cert(struct ctl *c, int argc, char **argv)
{
	_cleanup_(ids_org_freep) struct ids_org *org = NULL;
	_cleanup_free_ char *why = NULL, *text = NULL, *pem = NULL;
	struct ctl_write w;
	size_t size, n = 0;
	int r;

	if (argc != 4 || (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "remove") != 0)) {
		ctl_err("usage: idsyncctl org cert add FILE.pem | org cert remove NUMBER|SHA256");
		return CTL_USAGE;
	}
	if (strcmp(argv[2], "add") == 0) {
		r = read_file(argv[3], 64 * 1024, &text, &size);
		if (r < 0) {
			ctl_err("%s: %s", argv[3], r == -EFBIG ? "larger than 64 KiB" : strerror(-r));
			return CTL_FAIL;
		}
		pem = normalize_pem(text);
		if (!pem) {
			ctl_err("%s: not a PEM X.509 certificate", argv[3]);
			return CTL_FAIL;
		}
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK)
		return r;
	r = ids_org_get(w.t, &org);
	while (r == 0 && org->certificates[n])
		n++;
	if (r == 0 && pem) {
		char **grown;
		if (ids_strv_contains((const char *const *)org->certificates, pem))
			r = asprintf(&why, "%s is trusted already", argv[3]) < 0 ? -ENOMEM : -EEXIST;
		else if ((grown = realloc(org->certificates, (n + 2) * sizeof(char *)))) {
			org->certificates = grown;
			grown[n] = TAKE_PTR(pem);
			grown[n + 1] = NULL;
		} else
			r = -ENOMEM;
	} else if (r == 0) {
		/* By its number in "org show", or by (a prefix of) its SHA-256 fingerprint. */
		size_t victim = n;
		char *end;
		unsigned long k = strtoul(argv[3], &end, 10);
		if (!*end && k >= 1 && k <= n)
			victim = k - 1;
		for (size_t i = 0; victim == n && i < n; i++) {
			json_t *cj = cert_json(org->certificates[i]);
			const char *fp = json_string_value(json_object_get(cj, "sha256"));
			if (fp && strlen(argv[3]) >= 8 && strncasecmp(fp, argv[3], strlen(argv[3])) == 0)
				victim = i;
			json_decref(cj);
		}
		if (victim == n)
			r = asprintf(&why, "no trusted certificate %s (see idsyncctl org show)", argv[3]) < 0
				    ? -ENOMEM
				    : -ENOENT;
		else {
			free(org->certificates[victim]);
			memmove(&org->certificates[victim], &org->certificates[victim + 1],
				(n - victim) * sizeof(char *));
		}
	}
	if (r == 0)
		r = ids_org_put(w.t, org);
	if (r == 0)
		r = ids_audit(w.t, IDS_MSG_CONFIG_CHANGED, "actor", w.ctx.actor, "action",
			      strcmp(argv[2], "add") == 0 ? "certificate-added" : "certificate-removed",
			      IDS_END);
	return ctl_write_end(c, &w, r, why);
}

static int
cmd_import_metadata(struct ctl *c, const char *path)
{
	_cleanup_(ids_org_freep) struct ids_org *org = NULL;
	_cleanup_free_ char *why = NULL, *text = NULL;
	struct ids_idp_metadata md = {0};
	struct ctl_write w;
	size_t size;
	int r;

	r = read_file(path, IDS_METADATA_MAX_BYTES, &text, &size);
	if (r < 0) {
		ctl_err("%s: %s", path, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return CTL_FAIL;
	}
	r = ids_metadata_parse(text, size, &md, &why);
	if (r < 0) {
		ctl_err("%s: %s", path, why ? why : strerror(-r));
		return CTL_FAIL;
	}
	r = ctl_write_begin(c, &w);
	if (r != CTL_OK) {
		ids_metadata_clear(&md);
		return r;
	}
	r = ids_org_get(w.t, &org);
	if (r == 0) {
		printf("issuer       %s -> %s\n", org->issuer ? org->issuer : "(not set)", md.entity_id);
		free(org->issuer);
		org->issuer = TAKE_PTR(md.entity_id);
		ids_strv_free(org->certificates);
		org->certificates = TAKE_PTR(md.certificates);
		if (md.sso_url) {
			free(org->sso_url);
			org->sso_url = TAKE_PTR(md.sso_url);
		}
		for (size_t i = 0; org->certificates[i]; i++) {
			json_t *cj = cert_json(org->certificates[i]);
			printf("certificate  %s (sha256 %s)\n",
			       json_string_value(json_object_get(cj, "subject")),
			       json_string_value(json_object_get(cj, "sha256")));
			json_decref(cj);
		}
		r = ids_org_put(w.t, org);
	}
	if (r == 0)
		r = ids_audit(w.t, IDS_MSG_CONFIG_CHANGED, "actor", w.ctx.actor, "action",
			      "metadata-imported", "issuer", org->issuer, IDS_END);
	ids_metadata_clear(&md);
	return ctl_write_end(c, &w, r, why);
}

int
ctl_cmd_org(struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		return cmd_show(c);
	if (argc >= 4 && strcmp(argv[1], "set") == 0)
		return cmd_set(c, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "cert") == 0)
		return cmd_cert(c, argc, argv);
	if (argc == 3 && strcmp(argv[1], "import-metadata") == 0)
		return cmd_import_metadata(c, argv[2]);
	ctl_err("usage: idsyncctl org show | org set KEY VALUE | org cert add|remove ... | org "
		"import-metadata FILE");
	return CTL_USAGE;
}
