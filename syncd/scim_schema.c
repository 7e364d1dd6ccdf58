/* SPDX-License-Identifier: MIT */
/*
 * The schema tables idsync serves (RFC 7643 §4.1 User, §4.2 Group, §4.3
 * enterprise User, §3.1 common attributes), their lookups, and the
 * /Schemas (§7, §8.7) and /ResourceTypes (§6) documents rendered from them.
 */
#include <string.h>

#include "syncd/scim_schema.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ref_external[] = {"external", NULL};
static const char *const ref_uri[] = {"uri", NULL};
static const char *const ref_user[] = {"User", NULL};
static const char *const ref_user_group[] = {"User", "Group", NULL};

static const char *const canon_email[] = {"work", "home", "other", NULL};
static const char *const canon_phone[] = {"work", "home", "mobile", "fax", "pager", "other", NULL};
static const char *const canon_im[] = {"aim",   "gtalk", "icq",   "xmpp", "msn",
                                       "skype", "qq",    "yahoo", NULL};
static const char *const canon_photo[] = {"photo", "thumbnail", NULL};
static const char *const canon_address[] = {"work", "home", "other", NULL};
static const char *const canon_group_type[] = {"direct", "indirect", NULL};
static const char *const canon_member_type[] = {"User", "Group", NULL};

#define D_DISPLAY "A human-readable name, primarily used for display purposes. READ-ONLY."
#define D_PRIMARY                                                                                  \
	"A Boolean value indicating the 'primary' or preferred attribute value for this "          \
	"attribute. The primary attribute value 'true' MUST appear no more than once."

/*
 * The sub-attributes of the plain multi-valued complex attributes: value,
 * display, type (with its canonical values), primary.
 */
#define MV_SUBS(var, vtype, vdesc, vrefs, tdesc, canon)                                            \
	static const struct scim_attr var[] = {                                                    \
	    {.name = "value", .type = vtype, .description = vdesc, .reference_types = vrefs},      \
	    {.name = "display", .type = SCIM_T_STRING, .description = D_DISPLAY},                  \
	    {.name = "type", .type = SCIM_T_STRING, .description = tdesc, .canonical = canon},     \
	    {.name = "primary", .type = SCIM_T_BOOLEAN, .description = D_PRIMARY},                 \
	}

MV_SUBS(email_sub, SCIM_T_STRING, "Email addresses for the user.", NULL,
        "A label indicating the attribute's function, e.g., 'work' or 'home'.", canon_email);
MV_SUBS(phone_sub, SCIM_T_STRING, "Phone number of the User.", NULL,
        "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
        canon_phone);
MV_SUBS(im_sub, SCIM_T_STRING, "Instant messaging address for the User.", NULL,
        "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.", canon_im);
MV_SUBS(photo_sub, SCIM_T_REFERENCE, "URL of a photo of the User.", ref_external,
        "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.", canon_photo);
MV_SUBS(entitlement_sub, SCIM_T_STRING, "The value of an entitlement.", NULL,
        "A label indicating the attribute's function.", NULL);
MV_SUBS(role_sub, SCIM_T_STRING, "The value of a role.", NULL,
        "A label indicating the attribute's function.", NULL);
MV_SUBS(x509_sub, SCIM_T_BINARY, "The value of an X.509 certificate.", NULL,
        "A label indicating the attribute's function.", NULL);

static const struct scim_attr name_sub[] = {
    {.name = "formatted",
     .type = SCIM_T_STRING,
     .description = "The full name, including all middle names, titles, and suffixes as "
                    "appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."},
    {.name = "familyName",
     .type = SCIM_T_STRING,
     .description = "The family name of the User, or last name in most Western languages "
                    "(e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')."},
    {.name = "givenName",
     .type = SCIM_T_STRING,
     .description = "The given name of the User, or first name in most Western languages "
                    "(e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')."},
    {.name = "middleName",
     .type = SCIM_T_STRING,
     .description = "The middle name(s) of the User (e.g., 'Jane' given the full name "
                    "'Ms. Barbara J Jensen, III')."},
    {.name = "honorificPrefix",
     .type = SCIM_T_STRING,
     .description = "The honorific prefix(es) of the User, or title in most Western "
                    "languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')."},
    {.name = "honorificSuffix",
     .type = SCIM_T_STRING,
     .description = "The honorific suffix(es) of the User, or suffix in most Western "
                    "languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')."},
};

static const struct scim_attr address_sub[] = {
    {.name = "formatted",
     .type = SCIM_T_STRING,
     .description = "The full mailing address, formatted for display or use with a "
                    "mailing label."},
    {.name = "streetAddress",
     .type = SCIM_T_STRING,
     .description = "The full street address component, which may include house number, "
                    "street name, P.O. box, and multi-line extended street address information."},
    {.name = "locality", .type = SCIM_T_STRING, .description = "The city or locality component."},
    {.name = "region", .type = SCIM_T_STRING, .description = "The state or region component."},
    {.name = "postalCode",
     .type = SCIM_T_STRING,
     .description = "The zip code or postal code component."},
    {.name = "country", .type = SCIM_T_STRING, .description = "The country name component."},
    {.name = "type",
     .type = SCIM_T_STRING,
     .description = "A label indicating the attribute's function, e.g., 'work' or 'home'.",
     .canonical = canon_address},
    {.name = "primary", .type = SCIM_T_BOOLEAN, .description = D_PRIMARY},
};

static const struct scim_attr group_ref_sub[] = {
    {.name = "value",
     .type = SCIM_T_STRING,
     .case_exact = true,
     .mutability = SCIM_MUT_READONLY,
     .description = "The identifier of the User's group."},
    {.name = "$ref",
     .type = SCIM_T_REFERENCE,
     .case_exact = true,
     .mutability = SCIM_MUT_READONLY,
     .reference_types = ref_user_group,
     .description = "The URI of the corresponding 'Group' resource to which the user belongs."},
    {.name = "display",
     .type = SCIM_T_STRING,
     .mutability = SCIM_MUT_READONLY,
     .description = D_DISPLAY},
    {.name = "type",
     .type = SCIM_T_STRING,
     .mutability = SCIM_MUT_READONLY,
     .canonical = canon_group_type,
     .description = "A label indicating the attribute's function, e.g., 'direct' or 'indirect'."},
};

#define STR(n, d)                                                                                  \
	{                                                                                          \
		.name = n, .type = SCIM_T_STRING, .description = d                                 \
	}
#define MV(n, s, d)                                                                                \
	{                                                                                          \
		.name = n, .type = SCIM_T_COMPLEX, .multi_valued = true, .description = d,         \
		.sub = s, .n_sub = NELEM(s)                                                        \
	}

static const struct scim_attr user_attrs[] = {
    {.name = "userName",
     .type = SCIM_T_STRING,
     .required = true,
     .unique_server = true,
     .description = "Unique identifier for the User, typically used by the user to directly "
                    "authenticate to the service provider. Each User MUST include a non-empty "
                    "userName value. This identifier MUST be unique across the service "
                    "provider's entire set of Users."},
    {.name = "name",
     .type = SCIM_T_COMPLEX,
     .sub = name_sub,
     .n_sub = NELEM(name_sub),
     .description = "The components of the user's real name."},
    STR("displayName", "The name of the User, suitable for display to end-users."),
    STR("nickName", "The casual way to address the user in real life."),
    {.name = "profileUrl",
     .type = SCIM_T_REFERENCE,
     .reference_types = ref_external,
     .description = "A fully qualified URL pointing to a page representing the User's "
                    "online profile."},
    STR("title", "The user's title, such as \"Vice President.\""),
    STR("userType", "Used to identify the relationship between the organization and the "
                    "user. Typical values used might be 'Contractor', 'Employee', 'Intern', "
                    "'Temp', 'External', and 'Unknown', but any value may be used."),
    STR("preferredLanguage", "Indicates the User's preferred written or spoken language, "
                             "e.g., 'en_US'."),
    STR("locale", "Used to indicate the User's default location for purposes of "
                  "localizing items such as currency, date time format, or numerical "
                  "representations."),
    STR("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., "
                    "'America/Los_Angeles'."),
    {.name = "active",
     .type = SCIM_T_BOOLEAN,
     .description = "A Boolean value indicating the User's administrative status."},
    {.name = "password",
     .type = SCIM_T_STRING,
     .mutability = SCIM_MUT_WRITEONLY,
     .returned = SCIM_RET_NEVER,
     .description = "The User's cleartext password. This attribute is intended to be used "
                    "as a means to specify an initial password when creating a new User or "
                    "to reset an existing User's password."},
    MV("emails", email_sub, "Email addresses for the user."),
    MV("phoneNumbers", phone_sub, "Phone numbers for the User."),
    MV("ims", im_sub, "Instant messaging addresses for the User."),
    MV("photos", photo_sub, "URLs of photos of the User."),
    MV("addresses", address_sub, "A physical mailing address for this User."),
    {.name = "groups",
     .type = SCIM_T_COMPLEX,
     .multi_valued = true,
     .mutability = SCIM_MUT_READONLY,
     .sub = group_ref_sub,
     .n_sub = NELEM(group_ref_sub),
     .description = "A list of groups to which the user belongs, either through direct "
                    "membership, through nested groups, or dynamically calculated."},
    MV("entitlements", entitlement_sub,
       "A list of entitlements for the User that represent "
       "a thing the User has."),
    MV("roles", role_sub,
       "A list of roles for the User that collectively represent who the "
       "User is, e.g., 'Student', 'Faculty'."),
    MV("x509Certificates", x509_sub, "A list of certificates issued to the User."),
};

static const struct scim_attr manager_sub[] = {
    {.name = "value",
     .type = SCIM_T_STRING,
     .case_exact = true,
     .description = "The id of the SCIM resource representing the User's manager."},
    {.name = "$ref",
     .type = SCIM_T_REFERENCE,
     .case_exact = true,
     .reference_types = ref_user,
     .description = "The URI of the SCIM resource representing the User's manager."},
    {.name = "displayName",
     .type = SCIM_T_STRING,
     .mutability = SCIM_MUT_READONLY,
     .description = "The displayName of the User's manager. READ-ONLY."},
};

static const struct scim_attr enterprise_attrs[] = {
    STR("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, "
                          "typically based on order of hire or association with an "
                          "organization."),
    STR("costCenter", "Identifies the name of a cost center."),
    STR("organization", "Identifies the name of an organization."),
    STR("division", "Identifies the name of a division."),
    STR("department", "Identifies the name of a department."),
    {.name = "manager",
     .type = SCIM_T_COMPLEX,
     .sub = manager_sub,
     .n_sub = NELEM(manager_sub),
     .description = "The User's manager. A complex type that optionally allows service "
                    "providers to represent organizational hierarchy by referencing the 'id' "
                    "attribute of another User."},
};

static const struct scim_attr member_sub[] = {
    {.name = "value",
     .type = SCIM_T_STRING,
     .case_exact = true,
     .mutability = SCIM_MUT_IMMUTABLE,
     .description = "Identifier of the member of this Group."},
    {.name = "$ref",
     .type = SCIM_T_REFERENCE,
     .case_exact = true,
     .mutability = SCIM_MUT_IMMUTABLE,
     .reference_types = ref_user_group,
     .description = "The URI corresponding to a SCIM resource that is a member of this Group."},
    {.name = "display",
     .type = SCIM_T_STRING,
     .mutability = SCIM_MUT_IMMUTABLE,
     .description = "A human-readable name for the member, primarily used for display purposes."},
    {.name = "type",
     .type = SCIM_T_STRING,
     .mutability = SCIM_MUT_IMMUTABLE,
     .canonical = canon_member_type,
     .description = "A label indicating the type of resource, e.g., 'User' or 'Group'."},
};

static const struct scim_attr group_attrs[] = {
    {.name = "displayName",
     .type = SCIM_T_STRING,
     .required = true,
     .description = "A human-readable name for the Group. REQUIRED."},
    {.name = "members",
     .type = SCIM_T_COMPLEX,
     .multi_valued = true,
     .sub = member_sub,
     .n_sub = NELEM(member_sub),
     .description = "A list of members of the Group."},
};

static const struct scim_attr meta_sub[] = {
    {.name = "resourceType",
     .type = SCIM_T_STRING,
     .case_exact = true,
     .mutability = SCIM_MUT_READONLY,
     .description = "The name of the resource type of the resource."},
    {.name = "created",
     .type = SCIM_T_DATETIME,
     .mutability = SCIM_MUT_READONLY,
     .description = "The \"DateTime\" that the resource was added to the service provider."},
    {.name = "lastModified",
     .type = SCIM_T_DATETIME,
     .mutability = SCIM_MUT_READONLY,
     .description = "The most recent DateTime that the details of this resource were updated "
                    "at the service provider."},
    {.name = "location",
     .type = SCIM_T_REFERENCE,
     .case_exact = true,
     .mutability = SCIM_MUT_READONLY,
     .reference_types = ref_uri,
     .description = "The URI of the resource being returned."},
    {.name = "version",
     .type = SCIM_T_STRING,
     .case_exact = true,
     .mutability = SCIM_MUT_READONLY,
     .description = "The version of the resource being returned."},
};

const struct scim_attr scim_common_attrs[] = {
    {.name = "id",
     .type = SCIM_T_STRING,
     .case_exact = true,
     .mutability = SCIM_MUT_READONLY,
     .returned = SCIM_RET_ALWAYS,
     .unique_server = true,
     .description = "A unique identifier for a SCIM resource as defined by the service "
                    "provider."},
    {.name = "externalId",
     .type = SCIM_T_STRING,
     .case_exact = true,
     .description = "A String that is an identifier for the resource as defined by the "
                    "provisioning client."},
    {.name = "meta",
     .type = SCIM_T_COMPLEX,
     .mutability = SCIM_MUT_READONLY,
     .sub = meta_sub,
     .n_sub = NELEM(meta_sub),
     .description = "A complex attribute containing resource metadata."},
};
const size_t scim_n_common_attrs = NELEM(scim_common_attrs);

static const struct scim_schema schema_user = {
    .id = SCIM_URN_USER,
    .name = "User",
    .description = "User Account",
    .attrs = user_attrs,
    .n_attrs = NELEM(user_attrs),
};

static const struct scim_schema schema_enterprise = {
    .id = SCIM_URN_ENTERPRISE,
    .name = "EnterpriseUser",
    .description = "Enterprise User",
    .attrs = enterprise_attrs,
    .n_attrs = NELEM(enterprise_attrs),
};

static const struct scim_schema schema_group = {
    .id = SCIM_URN_GROUP,
    .name = "Group",
    .description = "Group",
    .attrs = group_attrs,
    .n_attrs = NELEM(group_attrs),
};

static const struct scim_schema *const user_extensions[] = {&schema_enterprise};

const struct scim_rtype scim_rtype_user = {
    .id = "User",
    .endpoint = "/Users",
    .description = "User Account",
    .core = &schema_user,
    .extensions = user_extensions,
    .n_extensions = NELEM(user_extensions),
};

const struct scim_rtype scim_rtype_group = {
    .id = "Group",
    .endpoint = "/Groups",
    .description = "Group",
    .core = &schema_group,
    .extensions = NULL,
    .n_extensions = 0,
};

const struct scim_schema *const scim_all_schemas[] = {&schema_user, &schema_enterprise,
                                                      &schema_group, NULL};

/* strcasecmp() in the C locale whatever the process's locale: SCIM names are ASCII. */
static int
ascii_casecmp(const char *a, const char *b)
{
	unsigned char x, y;

	do {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
	} while (x && x == y);
	return x - y;
}

static int
ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	unsigned char x, y;

	for (; n > 0; n--) {
		x = (unsigned char)*a++;
		y = (unsigned char)*b++;
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y || !x)
			return x - y;
	}
	return 0;
}

static const struct scim_attr *
find_in(const struct scim_attr *attrs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_casecmp(attrs[i].name, name) == 0)
			return &attrs[i];
	return NULL;
}

const struct scim_schema *
scim_rtype_extension(const struct scim_rtype *rt, const char *urn)
{
	size_t i;

	if (!rt || !urn)
		return NULL;
	for (i = 0; i < rt->n_extensions; i++)
		if (ascii_casecmp(rt->extensions[i]->id, urn) == 0)
			return rt->extensions[i];
	return NULL;
}

const struct scim_attr *
scim_schema_find(const struct scim_rtype *rt, const char *urn, const char *name,
                 const struct scim_schema **schema)
{
	const struct scim_schema *s;
	const struct scim_attr *a;

	if (schema)
		*schema = NULL;
	if (!rt || !name)
		return NULL;
	/* The core schema's URN names the core attributes and the common ones. */
	if (!urn || ascii_casecmp(urn, rt->core->id) == 0) {
		if ((a = find_in(rt->core->attrs, rt->core->n_attrs, name))) {
			if (schema)
				*schema = rt->core;
			return a;
		}
		if ((a = find_in(scim_common_attrs, scim_n_common_attrs, name)) && schema)
			*schema = rt->core;
		return a;
	}
	if (!(s = scim_rtype_extension(rt, urn)))
		return NULL;
	if ((a = find_in(s->attrs, s->n_attrs, name)) && schema)
		*schema = s;
	return a;
}

const struct scim_attr *
scim_attr_sub(const struct scim_attr *a, const char *name)
{
	if (!a || !name)
		return NULL;
	return find_in(a->sub, a->n_sub, name);
}

size_t
scim_schema_split_urn(const struct scim_rtype *rt, const char *s, const struct scim_schema **schema)
{
	const struct scim_schema *best = NULL;
	size_t best_len = 0, i, n;

	if (schema)
		*schema = NULL;
	if (!rt || !s)
		return 0;
	/* The longest URN that prefixes s and is followed by ':' wins. */
	for (i = 0; i <= rt->n_extensions; i++) {
		const struct scim_schema *c = i == 0 ? rt->core : rt->extensions[i - 1];

		n = strlen(c->id);
		if (n > best_len && ascii_ncasecmp(s, c->id, n) == 0 && s[n] == ':') {
			best = c;
			best_len = n;
		}
	}
	if (!best)
		return 0;
	if (schema)
		*schema = best;
	return best_len + 1;
}

static const char *
type_name(enum scim_type t)
{
	switch (t) {
	case SCIM_T_STRING:
		return "string";
	case SCIM_T_BOOLEAN:
		return "boolean";
	case SCIM_T_DECIMAL:
		return "decimal";
	case SCIM_T_INTEGER:
		return "integer";
	case SCIM_T_DATETIME:
		return "dateTime";
	case SCIM_T_REFERENCE:
		return "reference";
	case SCIM_T_BINARY:
		return "binary";
	case SCIM_T_COMPLEX:
		return "complex";
	}
	return "string";
}

static const char *
mutability_name(enum scim_mutability m)
{
	switch (m) {
	case SCIM_MUT_READWRITE:
		return "readWrite";
	case SCIM_MUT_READONLY:
		return "readOnly";
	case SCIM_MUT_IMMUTABLE:
		return "immutable";
	case SCIM_MUT_WRITEONLY:
		return "writeOnly";
	}
	return "readWrite";
}

static const char *
returned_name(enum scim_returned r)
{
	switch (r) {
	case SCIM_RET_DEFAULT:
		return "default";
	case SCIM_RET_ALWAYS:
		return "always";
	case SCIM_RET_NEVER:
		return "never";
	case SCIM_RET_REQUEST:
		return "request";
	}
	return "default";
}

/* Sets key to a new array of the NULL-terminated strings v; 0 or -1. */
static int
set_strings(json_t *o, const char *key, const char *const *v)
{
	json_t *a = json_array();

	if (!a || json_object_set_new(o, key, a) < 0)
		return -1;
	for (; *v; v++)
		if (json_array_append_new(a, json_string(*v)) < 0)
			return -1;
	return 0;
}

/*
 * One attribute definition (RFC 7643 §7). caseExact is given for the types
 * compared as strings; a complex attribute has subAttributes instead.
 */
static json_t *
attr_to_json(const struct scim_attr *a)
{
	json_t *o, *subs;
	size_t i;

	o = json_pack("{s:s, s:s, s:b, s:s, s:b}", "name", a->name, "type", type_name(a->type),
	              "multiValued", a->multi_valued, "description",
	              a->description ? a->description : "", "required", a->required);
	if (!o)
		return NULL;
	if (a->type == SCIM_T_COMPLEX) {
		if (!(subs = json_array()) || json_object_set_new(o, "subAttributes", subs) < 0)
			goto fail;
		for (i = 0; i < a->n_sub; i++)
			if (json_array_append_new(subs, attr_to_json(&a->sub[i])) < 0)
				goto fail;
	} else if (a->type != SCIM_T_BOOLEAN && a->type != SCIM_T_DECIMAL &&
	           a->type != SCIM_T_INTEGER) {
		if (json_object_set_new(o, "caseExact", json_boolean(a->case_exact)) < 0)
			goto fail;
	}
	if (a->canonical && set_strings(o, "canonicalValues", a->canonical) < 0)
		goto fail;
	if (a->type == SCIM_T_REFERENCE && a->reference_types &&
	    set_strings(o, "referenceTypes", a->reference_types) < 0)
		goto fail;
	if (json_object_set_new(o, "mutability", json_string(mutability_name(a->mutability))) < 0 ||
	    json_object_set_new(o, "returned", json_string(returned_name(a->returned))) < 0 ||
	    json_object_set_new(o, "uniqueness",
	                        json_string(a->unique_server ? "server" : "none")) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
meta_json(const char *rtype, const char *base_url, const char *dir, const char *id)
{
	return json_pack("{s:s, s:o}", "resourceType", rtype, "location",
	                 json_sprintf("%s/%s/%s", base_url ? base_url : "", dir, id));
}

json_t *
scim_schema_to_json(const struct scim_schema *s, const char *base_url)
{
	json_t *o, *attrs;
	size_t i;

	if (!s)
		return NULL;
	o = json_pack("{s:[s], s:s, s:s, s:s}", "schemas",
	              "urn:ietf:params:scim:schemas:core:2.0:Schema", "id", s->id, "name", s->name,
	              "description", s->description);
	if (!o)
		return NULL;
	if (!(attrs = json_array()) || json_object_set_new(o, "attributes", attrs) < 0)
		goto fail;
	for (i = 0; i < s->n_attrs; i++)
		if (json_array_append_new(attrs, attr_to_json(&s->attrs[i])) < 0)
			goto fail;
	if (json_object_set_new(o, "meta", meta_json("Schema", base_url, "Schemas", s->id)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *
scim_rtype_to_json(const struct scim_rtype *rt, const char *base_url)
{
	json_t *o, *exts;
	size_t i;

	if (!rt)
		return NULL;
	o = json_pack("{s:[s], s:s, s:s, s:s, s:s, s:s}", "schemas",
	              "urn:ietf:params:scim:schemas:core:2.0:ResourceType", "id", rt->id, "name",
	              rt->id, "endpoint", rt->endpoint, "description", rt->description, "schema",
	              rt->core->id);
	if (!o)
		return NULL;
	if (rt->n_extensions > 0) {
		if (!(exts = json_array()) || json_object_set_new(o, "schemaExtensions", exts) < 0)
			goto fail;
		for (i = 0; i < rt->n_extensions; i++)
			if (json_array_append_new(exts, json_pack("{s:s, s:b}", "schema",
			                                          rt->extensions[i]->id, "required",
			                                          0)) < 0)
				goto fail;
	}
	if (json_object_set_new(o, "meta",
	                        meta_json("ResourceType", base_url, "ResourceTypes", rt->id)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *
scim_json_get_key(json_t *obj, const char *name, const char **key)
{
	const char *k;
	json_t *v;

	if (key)
		*key = NULL;
	if (!json_is_object(obj) || !name)
		return NULL;
	/* The exact spelling first: the usual case, and O(1). */
	if ((v = json_object_get(obj, name))) {
		if (key)
			*key = json_object_iter_key(json_object_iter_at(obj, name));
		return v;
	}
	json_object_foreach(obj, k, v)
	{
		if (ascii_casecmp(k, name) == 0) {
			if (key)
				*key = k;
			return v;
		}
	}
	return NULL;
}

json_t *
scim_json_get(json_t *obj, const char *name)
{
	return scim_json_get_key(obj, name, NULL);
}
