/* SPDX-License-Identifier: MIT */
/*
 * SCIM filter and PATCH path parsing (RFC 7644 §3.4.2.2, §3.5.2): a lexer
 * and a recursive-descent parser whose recursion is bounded by the nesting
 * limit (every recursion opens a "(", "not (" or "[", counted before the
 * descent), so hostile input cannot exhaust the stack, and whose work is
 * linear in the input. "and" and "or" chains are built right-leaning so
 * that freeing and matching walk a chain in a loop and recurse only into
 * nested constructs. Evaluation is in scim_filter_match.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncd/scim_filter.h"

/* Whatever a caller passes, recursion never goes deeper than this. */
#define HARD_MAX_DEPTH     1024
#define DEFAULT_MAX_LENGTH 8192
#define DEFAULT_MAX_DEPTH  16

enum tok {
	TK_END,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACK,
	TK_RBRACK,
	TK_STRING,
	TK_WORD,
};

struct parser {
	const char *s;
	size_t len, pos;
	const struct scim_rtype *rt;
	unsigned max_depth, open;
	const char *what;  /* "filter" or "path": first word of every message */
	const char *etype; /* invalidFilter or invalidPath */
	struct scim_err *e;
	enum tok tok; /* the current token: s[tstart .. tstart + tlen) */
	size_t tstart, tlen;
	bool have_prev; /* the token before it, for "after ..." in messages */
	size_t pstart, plen;
};

static int parse_or(struct parser *p, bool inner, struct scim_filter **out, unsigned *h);

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
ascii_casecmp(const char *a, const char *b)
{
	while (*a && lower((unsigned char)*a) == lower((unsigned char)*b))
		a++, b++;
	return lower((unsigned char)*a) - lower((unsigned char)*b);
}

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Writes s[0..n) into buf as a quoted, printable-ASCII excerpt (details must be UTF-8). */
static const char *
excerpt(const char *s, size_t n, char *buf, size_t size)
{
	size_t i, o = 0, max = size - 6;

	buf[o++] = '"';
	for (i = 0; i < n && o < max; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[o++] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char)c : '?';
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* Fails with "<what>: <message> at offset <off>". */
__attribute__((format(printf, 3, 4))) static int
perr(struct parser *p, size_t off, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return scim_fail(p->e, 400, p->etype, "%s: %s at offset %zu", p->what, msg, off);
}

static int
oom(struct parser *p)
{
	return scim_fail(p->e, 500, NULL, "out of memory parsing a %s", p->what);
}

/* Fails with "expected X [after "prev"]" at the current token. */
static int
expected(struct parser *p, const char *what)
{
	size_t start = p->pstart, n = p->plen;
	char q[64];

	if (!p->have_prev)
		return perr(p, p->tstart, "expected %s", what);
	if (n >= 2 && p->s[start] == '"') { /* a string: its text between the quotes */
		start++;
		n -= 2;
	}
	return perr(p, p->tstart, "expected %s after %s", what,
	            excerpt(p->s + start, n, q, sizeof(q)));
}

/* Moves to the next token; -1 on a lexical error. */
static int
advance(struct parser *p)
{
	static const char punct[] = "()[]";
	static const enum tok punct_tok[] = {TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK};
	const char *q;
	size_t i;

	if (p->tok != TK_END || p->tlen) {
		p->have_prev = true;
		p->pstart = p->tstart;
		p->plen = p->tlen;
	}
	while (p->pos < p->len && is_space((unsigned char)p->s[p->pos]))
		p->pos++;
	p->tstart = i = p->pos;
	if (i == p->len) {
		p->tok = TK_END;
		p->tlen = 0;
		return 0;
	}
	if ((q = memchr(punct, p->s[i], 4))) {
		p->tok = punct_tok[q - punct];
		p->tlen = 1;
		p->pos = i + 1;
		return 0;
	}
	if (p->s[i] == '"') {
		for (i++; i < p->len && p->s[i] != '"'; i++)
			if (p->s[i] == '\\')
				i++;
		if (i >= p->len)
			return perr(p, p->tstart, "unterminated string");
		p->tok = TK_STRING;
		p->pos = i + 1;
		p->tlen = p->pos - p->tstart;
		return 0;
	}
	for (; i < p->len; i++) {
		unsigned char c = (unsigned char)p->s[i];
		if (is_space(c) || memchr(punct, c, 4) || c == '"')
			break;
		if (c < 0x20 || c == 0x7f)
			return perr(p, i, "control character 0x%02x", c);
	}
	p->tok = TK_WORD;
	p->tlen = i - p->tstart;
	p->pos = i;
	return 0;
}

/* Whether the current token is the word kw (case-insensitive). */
static bool
is_kw(const struct parser *p, const char *kw)
{
	size_t i, n = strlen(kw);

	if (p->tok != TK_WORD || p->tlen != n)
		return false;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)p->s[p->tstart + i]) != kw[i])
			return false;
	return true;
}

/* Counts one more open "(", "not (" or "[". */
static int
enter(struct parser *p)
{
	if (++p->open > p->max_depth)
		return perr(p, p->tstart, "nested deeper than %u levels", p->max_depth);
	return 0;
}

static int
check_height(struct parser *p, unsigned h, size_t off)
{
	if (h > p->max_depth)
		return perr(p, off, "nested deeper than %u levels", p->max_depth);
	return 0;
}

static struct scim_filter *
node(enum scim_op op)
{
	struct scim_filter *f = calloc(1, sizeof(*f));

	if (f)
		f->op = op;
	return f;
}

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static size_t
put_utf8(char *o, uint32_t cp)
{
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4, k;
	static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};

	for (k = n - 1; k > 0; k--, cp >>= 6)
		o[k] = (char)(0x80 | (cp & 0x3f));
	o[0] = (char)(lead[n] | cp);
	return n;
}

/* The 4 hex digits at s[i..i+4) (i + 4 <= end), or -1. */
static long
hex4(const char *s, size_t i, size_t end)
{
	long v = 0;
	size_t k;

	if (i + 4 > end)
		return -1;
	for (k = i; k < i + 4; k++) {
		int c = lower((unsigned char)s[k]);
		if (is_digit(c))
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else
			return -1;
	}
	return v;
}

/* The current string token as a JSON string (RFC 8259 escapes, valid UTF-8), or NULL. */
static json_t *
decode_string(struct parser *p)
{
	size_t i = p->tstart + 1, end = p->tstart + p->tlen - 1, o = 0, n;
	const char *s = p->s;
	char *buf;
	json_t *v;
	long cp, lo;

	if (!(buf = malloc(p->tlen)))
		return oom(p), NULL;
	while (i < end) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			static const char from[] = "\"\\/bfnrtu", to[] = "\"\\/\b\f\n\r\t";
			const char *esc = strchr(from, s[i + 1]);

			if (!esc || !s[i + 1])
				goto bad_escape;
			switch (*esc) {
			default:
				buf[o++] = to[esc - from];
				break;
			case 'u':
				if ((cp = hex4(s, i + 2, end)) < 0)
					goto bad_escape;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					goto bad_escape;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (i + 12 > end || s[i + 6] != '\\' || s[i + 7] != 'u' ||
					    (lo = hex4(s, i + 8, end)) < 0xdc00 || lo > 0xdfff)
						goto bad_escape;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
				if (cp == 0) {
					perr(p, i, "\\u0000 in a string");
					goto fail;
				}
				o += put_utf8(buf + o, (uint32_t)cp);
				i += 4;
				break;
			}
			i += 2;
		} else if (c < 0x20 || c == 0x7f) {
			perr(p, i, "control character 0x%02x in a string", c);
			goto fail;
		} else if (!(n = utf8_len((const unsigned char *)s + i, end - i))) {
			perr(p, i, "invalid UTF-8 in a string");
			goto fail;
		} else {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		}
	}
	if (!(v = json_stringn(buf, o)))
		oom(p);
	free(buf);
	return v;
bad_escape:
	perr(p, i, "invalid escape sequence in a string");
fail:
	free(buf);
	return NULL;
}

/* Whether w[0..n) is a JSON number (RFC 8259 §6); *real when it has a fraction or exponent. */
static bool
is_number(const char *w, size_t n, bool *real)
{
	size_t i = 0;

	*real = false;
	if (i < n && w[i] == '-')
		i++;
	if (i < n && w[i] == '0')
		i++;
	else if (i < n && is_digit((unsigned char)w[i]))
		while (i < n && is_digit((unsigned char)w[i]))
			i++;
	else
		return false;
	if (i < n && w[i] == '.') {
		*real = true;
		if (++i >= n || !is_digit((unsigned char)w[i]))
			return false;
		while (i < n && is_digit((unsigned char)w[i]))
			i++;
	}
	if (i < n && (w[i] == 'e' || w[i] == 'E')) {
		*real = true;
		if (++i < n && (w[i] == '+' || w[i] == '-'))
			i++;
		if (i >= n || !is_digit((unsigned char)w[i]))
			return false;
		while (i < n && is_digit((unsigned char)w[i]))
			i++;
	}
	return i == n;
}

/*
 * The current word as a comparison value: true, false, null (any case), a
 * number, or else (a client deviation: externalId eq 5a74b3d5) a string.
 */
static json_t *
word_value(struct parser *p)
{
	const char *w = p->s + p->tstart;
	size_t n = p->tlen, i, k;
	char *tmp;
	bool real;
	json_t *v;

	if (is_kw(p, "true"))
		return json_true();
	if (is_kw(p, "false"))
		return json_false();
	if (is_kw(p, "null"))
		return json_null();
	if (is_number(w, n, &real)) {
		long long ll;
		double d;

		if (!(tmp = strndup(w, n)))
			return oom(p), NULL;
		errno = 0;
		if (!real) {
			ll = strtoll(tmp, NULL, 10);
			if (errno == 0) {
				free(tmp);
				return json_integer(ll);
			}
			errno = 0;
		}
		d = strtod(tmp, NULL);
		free(tmp);
		if (!isfinite(d)) {
			perr(p, p->tstart, "number out of range");
			return NULL;
		}
		return json_real(d);
	}
	for (i = 0; i < n; i += k)
		if (!(k = utf8_len((const unsigned char *)w + i, n - i))) {
			perr(p, p->tstart + i, "invalid UTF-8");
			return NULL;
		}
	if (!(v = json_stringn(w, n)))
		oom(p);
	return v;
}

/* Whether w[0..n) is ATTRNAME (ALPHA *(ALPHA / DIGIT / "-" / "_")) or "$ref". */
static bool
is_attrname(const char *w, size_t n)
{
	size_t i;

	if (n == 4 && memcmp(w, "$ref", 4) == 0)
		return true;
	if (n == 0 || !is_alpha((unsigned char)w[0]))
		return false;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return false;
	}
	return true;
}

static void
ref_clear(struct scim_attr_ref *r)
{
	free(r->urn);
	free(r->attr);
	free(r->sub);
	r->urn = r->attr = r->sub = NULL;
}

/*
 * Parses w[0..n) (at offset off) as [URN ":"] ATTRNAME ["." ATTRNAME], or
 * with inner (inside "[ ]") as a bare sub-attribute name.
 */
static int
parse_ref(struct parser *p, const char *w, size_t n, size_t off, bool inner,
          struct scim_attr_ref *r)
{
	const struct scim_schema *schema = NULL;
	size_t skip = 0, dot;
	char q[64], *tmp;

	memset(r, 0, sizeof(*r));
	if (!inner && memchr(w, ':', n)) {
		if (!(tmp = strndup(w, n)))
			return oom(p);
		skip = scim_schema_split_urn(p->rt, tmp, &schema);
		if (!skip && (ascii_casecmp(tmp, p->rt->core->id) == 0 ||
		              scim_rtype_extension(p->rt, tmp))) {
			free(tmp);
			return perr(p, off + n,
			            "expected \":\" and an attribute name after the schema URN");
		}
		free(tmp);
		if (!skip) {
			const char *colon = memrchr(w, ':', n);
			return perr(p, off, "%s is not a schema of %s resources",
			            excerpt(w, (size_t)(colon - w), q, sizeof(q)), p->rt->id);
		}
		if (schema != p->rt->core && !(r->urn = strdup(schema->id)))
			return oom(p);
	}
	w += skip;
	n -= skip;
	off += skip;
	for (dot = 0; dot < n && w[dot] != '.'; dot++)
		;
	if (!is_attrname(w, dot) || (inner && dot < n)) {
		ref_clear(r);
		return perr(p, off, "expected %s, not %s",
		            inner ? "a sub-attribute name" : "an attribute name",
		            excerpt(w, n, q, sizeof(q)));
	}
	if (dot < n && !is_attrname(w + dot + 1, n - dot - 1)) {
		ref_clear(r);
		return perr(p, off + dot + 1, "expected a sub-attribute name, not %s",
		            excerpt(w + dot + 1, n - dot - 1, q, sizeof(q)));
	}
	if (!(r->attr = strndup(w, dot)) ||
	    (dot < n && !(r->sub = strndup(w + dot + 1, n - dot - 1)))) {
		ref_clear(r);
		return oom(p);
	}
	return 0;
}

static const struct {
	const char *name;
	enum scim_op op;
} ops[] = {
    {"eq", SCIM_OP_EQ}, {"ne", SCIM_OP_NE}, {"co", SCIM_OP_CO}, {"sw", SCIM_OP_SW},
    {"ew", SCIM_OP_EW}, {"gt", SCIM_OP_GT}, {"ge", SCIM_OP_GE}, {"lt", SCIM_OP_LT},
    {"le", SCIM_OP_LE}, {"pr", SCIM_OP_PR},
};

/* attrPath "pr" / attrPath compareOp compValue / attrPath "[" valFilter "]"; at a word. */
static int
parse_attr_exp(struct parser *p, bool inner, struct scim_filter **out, unsigned *h)
{
	struct scim_filter *f, *in = NULL;
	size_t i, start = p->tstart;
	unsigned hh;

	*h = 0;
	if (!(f = node(SCIM_OP_EQ)))
		return oom(p);
	if (parse_ref(p, p->s + p->tstart, p->tlen, p->tstart, inner, &f->ref) < 0 ||
	    advance(p) < 0)
		goto fail;
	if (p->tok == TK_LBRACK) {
		if (inner) {
			perr(p, p->tstart, "a value path cannot be nested in another");
			goto fail;
		}
		if (f->ref.sub) {
			perr(p, p->tstart,
			     "a value path must name an attribute without a sub-attribute");
			goto fail;
		}
		if (enter(p) < 0 || advance(p) < 0 || parse_or(p, true, &in, &hh) < 0)
			goto fail;
		f->op = SCIM_OP_VALUE_PATH;
		f->left = in;
		if (p->tok != TK_RBRACK) {
			expected(p, "\"and\", \"or\" or \"]\"");
			goto fail;
		}
		p->open--;
		*h = hh + 1;
		if (check_height(p, *h, start) < 0 || advance(p) < 0)
			goto fail;
		*out = f;
		return 0;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (is_kw(p, ops[i].name))
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		expected(p, "a comparison operator");
		goto fail;
	}
	f->op = ops[i].op;
	if (advance(p) < 0)
		goto fail;
	if (f->op != SCIM_OP_PR) {
		if (p->tok == TK_STRING)
			f->value = decode_string(p);
		else if (p->tok == TK_WORD && !is_kw(p, "and") && !is_kw(p, "or"))
			f->value = word_value(p);
		else {
			expected(p, "a value (a string, number, true, false or null)");
			goto fail;
		}
		if (!f->value || advance(p) < 0)
			goto fail;
	}
	*out = f;
	return 0;
fail:
	scim_filter_free(f);
	return -1;
}

/* "(" FILTER ")" / "not" "(" FILTER ")" / attribute expression. */
static int
parse_term(struct parser *p, bool inner, struct scim_filter **out, unsigned *h)
{
	struct scim_filter *f = NULL, *n;
	size_t start = p->tstart, i;
	bool is_not = false;
	unsigned hh;

	*out = NULL;
	if (is_kw(p, "not")) {
		for (i = p->pos; i < p->len && is_space((unsigned char)p->s[i]); i++)
			;
		if (i == p->len || p->s[i] != '(') {
			perr(p, i, "expected \"(\" after \"not\"");
			return -1;
		}
		is_not = true;
		if (advance(p) < 0)
			return -1;
	}
	if (p->tok == TK_LPAREN) {
		if (enter(p) < 0 || advance(p) < 0 || parse_or(p, inner, &f, &hh) < 0)
			return -1;
		if (p->tok != TK_RPAREN) {
			scim_filter_free(f);
			return expected(p, "\"and\", \"or\" or \")\"");
		}
		p->open--;
		*h = hh + 1;
		if (check_height(p, *h, start) < 0 || advance(p) < 0) {
			scim_filter_free(f);
			return -1;
		}
		if (is_not) {
			if (!(n = node(SCIM_OP_NOT))) {
				scim_filter_free(f);
				return oom(p);
			}
			n->left = f;
			f = n;
		}
		*out = f;
		return 0;
	}
	if (p->tok == TK_WORD && !is_kw(p, "and") && !is_kw(p, "or"))
		return parse_attr_exp(p, inner, out, h);
	if (p->tok == TK_END && !p->have_prev)
		return perr(p, 0, "the %s is empty", p->what);
	return expected(p, inner ? "a sub-attribute name, \"(\" or \"not\""
	                         : "an attribute name, \"(\" or \"not\"");
}

/*
 * A chain of operands joined by kw ("and" over terms, "or" over "and"
 * chains), built right-leaning: a and (b and c). A chain is one level.
 */
static int
parse_chain(struct parser *p, bool inner, bool is_or, struct scim_filter **out, unsigned *h)
{
	struct scim_filter *root = NULL, **slot = &root, *n;
	size_t start = p->tstart;
	unsigned hh, hmax;
	bool chain = false;
	int r;

	*out = NULL;
	r = is_or ? parse_chain(p, inner, false, slot, &hmax) : parse_term(p, inner, slot, &hmax);
	if (r < 0)
		return -1;
	while (is_kw(p, is_or ? "or" : "and")) {
		chain = true;
		if (advance(p) < 0)
			goto fail;
		if (!(n = node(is_or ? SCIM_OP_OR : SCIM_OP_AND))) {
			oom(p);
			goto fail;
		}
		n->left = *slot;
		*slot = n;
		slot = &n->right;
		r = is_or ? parse_chain(p, inner, false, slot, &hh)
		          : parse_term(p, inner, slot, &hh);
		if (r < 0)
			goto fail;
		if (hh > hmax)
			hmax = hh;
	}
	*h = hmax + chain;
	if (check_height(p, *h, start) < 0)
		goto fail;
	*out = root;
	return 0;
fail:
	scim_filter_free(root);
	return -1;
}

static int
parse_or(struct parser *p, bool inner, struct scim_filter **out, unsigned *h)
{
	return parse_chain(p, inner, true, out, h);
}

static int
parser_init(struct parser *p, const char *text, size_t len, const struct scim_rtype *rt,
            const struct scim_limits *lim, bool path, struct scim_err *e)
{
	size_t max_len = lim ? lim->filter_max_length : DEFAULT_MAX_LENGTH;

	memset(p, 0, sizeof(*p));
	p->s = text;
	p->len = len;
	p->rt = rt;
	p->e = e;
	p->what = path ? "path" : "filter";
	p->etype = path ? SCIM_ERR_INVALID_PATH : SCIM_ERR_INVALID_FILTER;
	p->max_depth = lim ? lim->filter_max_depth : DEFAULT_MAX_DEPTH;
	if (p->max_depth > HARD_MAX_DEPTH)
		p->max_depth = HARD_MAX_DEPTH;
	if (!rt)
		return scim_fail(e, 500, NULL, "%s: no resource type", p->what);
	if (!text)
		return scim_fail(e, 400, p->etype, "%s: the %s is empty", p->what, p->what);
	if (len > max_len)
		return scim_fail(e, 400, p->etype, "%s: longer than %zu bytes", p->what, max_len);
	return advance(p);
}

int
scim_filter_parse(const char *text, size_t len, const struct scim_rtype *rt,
                  const struct scim_limits *lim, struct scim_filter **out, struct scim_err *e)
{
	struct scim_filter *f = NULL;
	struct parser p;
	unsigned h;

	*out = NULL;
	if (parser_init(&p, text, len, rt, lim, false, e) < 0 || parse_or(&p, false, &f, &h) < 0)
		return -1;
	if (p.tok != TK_END) {
		scim_filter_free(f);
		return expected(&p, p.tok == TK_RPAREN
		                        ? "\"and\", \"or\" or the end of the filter "
		                          "(unbalanced \")\")"
		                        : "\"and\", \"or\" or the end of the filter");
	}
	*out = f;
	return 0;
}

struct scim_filter *
scim_filter_free(struct scim_filter *f)
{
	struct scim_filter *next;

	/* Down the right-leaning chains in a loop; left operands are nested, hence bounded. */
	while (f) {
		ref_clear(&f->ref);
		json_decref(f->value);
		scim_filter_free(f->left);
		next = f->right;
		free(f);
		f = next;
	}
	return NULL;
}

int
scim_path_parse(const char *text, const struct scim_rtype *rt, const struct scim_limits *lim,
                struct scim_path **out, struct scim_err *e)
{
	struct scim_path *path;
	struct parser p;
	size_t rbrack;
	unsigned h;

	*out = NULL;
	if (parser_init(&p, text, text ? strlen(text) : 0, rt, lim, true, e) < 0)
		return -1;
	if (p.tok != TK_WORD)
		return p.tok == TK_END ? perr(&p, 0, "the path is empty")
		                       : expected(&p, "an attribute name");
	if (!(path = calloc(1, sizeof(*path))))
		return oom(&p);
	if (parse_ref(&p, p.s + p.tstart, p.tlen, p.tstart, false, &path->ref) < 0 ||
	    advance(&p) < 0)
		goto fail;
	if (p.tok == TK_LBRACK) {
		if (path->ref.sub) {
			perr(&p, p.tstart,
			     "a value path must name an attribute without a sub-attribute");
			goto fail;
		}
		if (enter(&p) < 0 || advance(&p) < 0 || parse_or(&p, true, &path->filter, &h) < 0)
			goto fail;
		if (p.tok != TK_RBRACK) {
			expected(&p, "\"and\", \"or\" or \"]\"");
			goto fail;
		}
		p.open--;
		rbrack = p.pos;
		if (check_height(&p, h + 1, 0) < 0 || advance(&p) < 0)
			goto fail;
		/* valuePath "." subAttr: "emails[type eq \"work\"].value" */
		if (p.tok == TK_WORD && p.tstart == rbrack && p.s[p.tstart] == '.') {
			if (!is_attrname(p.s + p.tstart + 1, p.tlen - 1)) {
				char q[64];
				perr(&p, p.tstart + 1, "expected a sub-attribute name, not %s",
				     excerpt(p.s + p.tstart + 1, p.tlen - 1, q, sizeof(q)));
				goto fail;
			}
			if (!(path->ref.sub = strndup(p.s + p.tstart + 1, p.tlen - 1))) {
				oom(&p);
				goto fail;
			}
			if (advance(&p) < 0)
				goto fail;
		}
	}
	if (p.tok != TK_END) {
		expected(&p, path->filter ? "\".\" and a sub-attribute name, or the end of the path"
		                          : "\"[\" or the end of the path");
		goto fail;
	}
	*out = path;
	return 0;
fail:
	scim_path_free(path);
	return -1;
}

struct scim_path *
scim_path_free(struct scim_path *p)
{
	if (p) {
		ref_clear(&p->ref);
		scim_filter_free(p->filter);
		free(p);
	}
	return NULL;
}
