#include "retrieve/ig_retrieve_spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ig_num.h"

#define DAY 86400.0

/* Each source balances the others through its weight; quotas keep one
 * source from filling the list. Sources whose input is missing are left
 * out of the default spec (and only of it). */
const char ig_rspec_default[] =
	"# what users like this one took, item-to-item from the latest\n"
	"# engagements, then in-network, embeddings, popularity and exploration\n"
	"users:    recent(n=50).users(200)                    weight=2    quota=500\n"
	"cooccur:  recent(n=50).cooccur(300)                  weight=1    quota=500\n"
	"cluster:  pop(cluster, 500)                          weight=1    quota=500\n"
	"follow:   follows.posted(10)                         weight=0.6  quota=100\n"
	"account:  profile.authors(20).similar(10).posted(5)  weight=0.4  quota=100\n"
	"knn:      profile(50).knn(20)                        weight=0.1  quota=100\n"
	"poptopic: pop(topic)                                 weight=0.2  quota=100\n"
	"pop:      pop(global, 100)                           weight=0.2  quota=100\n"
	"trending: trending                                   weight=0.05 quota=50\n"
	"explore:  profile.topics(5).explore.fresh(10)        weight=0.1  quota=50\n"
	"total=500\n"
	"mix=rank\n";

static const struct {
	const char *name;
	int in, out;
	uint32_t count;
} ops[IG_ROP_COUNT] = {
	[IG_ROP_RECENT] = {"recent", IG_RK_USER, IG_RK_ITEMS, 20},
	[IG_ROP_PROFILE] = {"profile", IG_RK_USER, IG_RK_ITEMS, 100},
	[IG_ROP_FOLLOWS] = {"follows", IG_RK_USER, IG_RK_ACCOUNTS, 100},
	[IG_ROP_POP] = {"pop", IG_RK_USER, IG_RK_ITEMS, 100},
	[IG_ROP_TRENDING] = {"trending", IG_RK_USER, IG_RK_ITEMS, 50},
	[IG_ROP_FRESH] = {"fresh", IG_RK_USER, IG_RK_ITEMS, 50},
	[IG_ROP_COOCCUR] = {"cooccur", IG_RK_ITEMS, IG_RK_ITEMS, 20},
	[IG_ROP_KNN] = {"knn", IG_RK_ITEMS, IG_RK_ITEMS, 20},
	[IG_ROP_AUTHORS] = {"authors", IG_RK_ITEMS, IG_RK_ACCOUNTS, 20},
	[IG_ROP_TOPICS] = {"topics", IG_RK_ITEMS, IG_RK_TOPICS, 10},
	[IG_ROP_SIMILAR] = {"similar", IG_RK_ACCOUNTS, IG_RK_ACCOUNTS, 10},
	[IG_ROP_POSTED] = {"posted", IG_RK_ACCOUNTS, IG_RK_ITEMS, 5},
	[IG_ROP_EXPLORE] = {"explore", IG_RK_TOPICS, IG_RK_TOPICS, 0},
	[IG_ROP_TOWER] = {"tower", IG_RK_USER, IG_RK_ITEMS, 100},
	[IG_ROP_USERS] = {"users", IG_RK_ITEMS, IG_RK_ITEMS, 50},
};

static const char *const kind_names[] = {"the user", "items", "accounts", "topics"};

const char *ig_rop_name(int op)
{
	return op >= 0 && op < IG_ROP_COUNT ? ops[op].name : "?";
}

static int op_find(const char *s, size_t len)
{
	int i;

	for (i = 0; i < IG_ROP_COUNT; i++)
		if (strlen(ops[i].name) == len && memcmp(ops[i].name, s, len) == 0)
			return i;
	return -1;
}

enum tok { T_EOF, T_END, T_NAME, T_NUM, T_LP, T_RP, T_DOT, T_COMMA, T_SEMI, T_COLON, T_EQ, T_BAD };

typedef struct parser {
	const char *text, *origin;
	const char *p;          /* next byte */
	int line;
	const char *line_start;
	int paren;              /* inside parentheses: ';' separates arguments */
	/* the current token */
	int tok;
	const char *ts;
	size_t tlen;
	double num;
	int num_int;            /* the number is a whole number without unit */
	int tline, tcol;
	char *err;
	size_t errlen;
	/* what the current step's arguments (or source's options) and the
	 * spec's statements have set, as GIVEN_ bits: a second value for one
	 * is refused, where the last one used to win */
	unsigned given, spec_given;
} parser;

enum {
	GIVEN_COUNT = 1u << 0, GIVEN_MODE = 1u << 1, GIVEN_N = 1u << 2, GIVEN_HALF_LIFE = 1u << 3,
	GIVEN_SESSION = 1u << 4, GIVEN_MAX_AGE = 1u << 5, GIVEN_EXPOSURE = 1u << 6,
	GIVEN_TYPE = 1u << 7, /* << the event type */
	GIVEN_WEIGHT = 1u << 0, GIVEN_QUOTA = 1u << 1, /* a source's options */
	GIVEN_TOTAL = 1u << 0, GIVEN_MIX = 1u << 1     /* the spec's */
};

static int fail(parser *ps, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The message, then the offending line and a caret under COL. */
static int fail(parser *ps, int line, int col, const char *fmt, ...)
{
	const char *ls = ps->text, *le;
	size_t off;
	int l = 1, i, n;
	va_list ap;

	while (l < line && *ls) {
		if (*ls++ == '\n')
			l++;
	}
	le = strchr(ls, '\n');
	if (!le)
		le = ls + strlen(ls);
	n = snprintf(ps->err, ps->errlen, "%s:%d:%d: ", ps->origin, line, col);
	off = n > 0 && (size_t)n < ps->errlen ? (size_t)n : ps->errlen - 1;
	va_start(ap, fmt);
	n = vsnprintf(ps->err + off, ps->errlen - off, fmt, ap);
	va_end(ap);
	off += n > 0 && (size_t)n < ps->errlen - off ? (size_t)n : ps->errlen - off - 1;
	n = snprintf(ps->err + off, ps->errlen - off, "\n%.*s\n", (int)(le - ls > 200 ? 200 : le - ls), ls);
	off += n > 0 && (size_t)n < ps->errlen - off ? (size_t)n : ps->errlen - off - 1;
	for (i = 1; i < col && i <= 200 && off + 2 < ps->errlen; i++)
		ps->err[off++] = ls[i - 1] == '\t' ? '\t' : ' ';
	if (off + 1 < ps->errlen)
		ps->err[off++] = '^';
	ps->err[off] = '\0';
	return -1;
}

static int is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A number: digits, an optional fraction and exponent, and an optional
 * time unit (s, m, h, d, w) that scales it to seconds. */
static void lex_number(parser *ps)
{
	const char *q = ps->p;
	char buf[64];
	size_t len;
	double scale = 1;

	while (is_digit(*q))
		q++;
	if (*q == '.' && is_digit(q[1]))
		for (q++; is_digit(*q); q++)
			;
	if ((*q == 'e' || *q == 'E') && (is_digit(q[1]) || ((q[1] == '-' || q[1] == '+') && is_digit(q[2]))))
		for (q += 2; is_digit(*q); q++)
			;
	len = (size_t)(q - ps->p);
	ps->num_int = 1;
	if (memchr(ps->p, '.', len) || memchr(ps->p, 'e', len) || memchr(ps->p, 'E', len))
		ps->num_int = 0;
	if (*q && strchr("smhdw", *q) && !is_name_char(q[1])) {
		scale = *q == 's' ? 1 : *q == 'm' ? 60 : *q == 'h' ? 3600 : *q == 'd' ? DAY : 7 * DAY;
		ps->num_int = 0;
		q++;
	}
	ps->tok = T_NUM;
	if (is_name_char(*q) || len >= sizeof buf) {
		while (is_name_char(*q) || *q == '.')
			q++;
		ps->tok = T_BAD;
	} else {
		memcpy(buf, ps->p, len);
		buf[len] = '\0';
		if (ig_parse_double(buf, &ps->num) != 0)
			ps->tok = T_BAD;
		ps->num *= scale;
	}
	ps->tlen = (size_t)(q - ps->p);
	ps->p = q;
}

static void next(parser *ps)
{
	for (;;) {
		while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
			ps->p++;
		if (*ps->p == '#')
			while (*ps->p && *ps->p != '\n')
				ps->p++;
		/* a newline inside parentheses is a space */
		if (*ps->p == '\n' && ps->paren) {
			ps->p++;
			ps->line++;
			ps->line_start = ps->p;
			continue;
		}
		break;
	}
	ps->ts = ps->p;
	ps->tline = ps->line;
	ps->tcol = (int)(ps->p - ps->line_start) + 1;
	ps->tlen = 1;
	switch (*ps->p) {
	case '\0':
		ps->tok = T_EOF;
		ps->tlen = 0;
		return;
	case '\n':
		ps->tok = T_END;
		ps->p++;
		ps->line++;
		ps->line_start = ps->p;
		return;
	case ';':
		ps->tok = ps->paren ? T_SEMI : T_END;
		break;
	case '(':
		ps->tok = T_LP;
		break;
	case ')':
		ps->tok = T_RP;
		break;
	case '.':
		ps->tok = T_DOT;
		break;
	case ',':
		ps->tok = T_COMMA;
		break;
	case ':':
		ps->tok = T_COLON;
		break;
	case '=':
		ps->tok = T_EQ;
		break;
	default:
		if (is_name_start((unsigned char)*ps->p)) {
			const char *q = ps->p;

			while (is_name_char((unsigned char)*q))
				q++;
			ps->tok = T_NAME;
			ps->tlen = (size_t)(q - ps->p);
			ps->p = q;
			return;
		}
		if (is_digit((unsigned char)*ps->p)) {
			lex_number(ps);
			return;
		}
		ps->tok = T_BAD;
		/* one UTF-8 character */
		ps->tlen = 1;
		while ((ps->p[ps->tlen] & 0xC0) == 0x80)
			ps->tlen++;
		ps->p += ps->tlen;
		return;
	}
	ps->p++;
}

static int tok_is(const parser *ps, const char *word)
{
	return ps->tok == T_NAME && strlen(word) == ps->tlen && memcmp(ps->ts, word, ps->tlen) == 0;
}

/* What the current token is, for messages. */
static const char *tok_desc(const parser *ps, char *buf, size_t size)
{
	switch (ps->tok) {
	case T_EOF:
		return "the end";
	case T_END:
		return "the end of the line";
	default:
		snprintf(buf, size, "'%.*s'", (int)(ps->tlen > 40 ? 40 : ps->tlen), ps->ts);
		return buf;
	}
}

static int expected(parser *ps, const char *what, const char *after)
{
	char buf[64];

	return fail(ps, ps->tline, ps->tcol, "expected %s%s%s, got %s", what, after ? " after " : "",
		    after ? after : "", tok_desc(ps, buf, sizeof buf));
}

static int count_value(parser *ps, const char *what, uint32_t min, uint32_t *out)
{
	if (ps->tok != T_NUM || !ps->num_int || ps->num < min || ps->num > 1000000)
		return fail(ps, ps->tline, ps->tcol, "%s: expected a whole number from %u to 1000000", what, min);
	*out = (uint32_t)ps->num;
	return 0;
}

static int mode_of(const char *s, size_t len)
{
	static const char *const names[] = {"", "global", "topic", "cluster", "user", "parent", "sibling"};
	int i;

	for (i = 1; i < (int)(sizeof names / sizeof names[0]); i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

static int mode_allowed(int op, int mode)
{
	switch (op) {
	case IG_ROP_POP:
		return mode == IG_RMODE_GLOBAL || mode == IG_RMODE_TOPIC || mode == IG_RMODE_CLUSTER;
	case IG_ROP_KNN:
		return mode == IG_RMODE_USER;
	case IG_ROP_EXPLORE:
		return mode == IG_RMODE_PARENT || mode == IG_RMODE_SIBLING;
	default:
		return 0;
	}
}

static int types_allowed(int op)
{
	return op == IG_ROP_RECENT || op == IG_ROP_PROFILE;
}

static void types_start(ig_rstep *st)
{
	if (!st->has_types) {
		memset(st->types, 0, sizeof st->types);
		st->has_types = 1;
	}
}

/* Marks BIT of *GIVEN set; fails, naming WHAT (of STEP, if not NULL) at
 * LINE:COL, when it was. */
static int once(parser *ps, unsigned *given, unsigned bit, int line, int col, const char *step, const char *what)
{
	if (*given & bit)
		return step ? fail(ps, line, col, "%s: %s given twice", step, what)
			    : fail(ps, line, col, "%s given twice", what);
	*given |= bit;
	return 0;
}

/* KEY=VALUE inside a step's parentheses; the current token is VALUE. */
static int parse_keyed(parser *ps, ig_rstep *st, const char *key, size_t klen, int kline, int kcol)
{
	char name[40];
	int ev;

	snprintf(name, sizeof name, "%.*s", (int)(klen < 32 ? klen : 32), key);
	ev = ig_event_parse(name);
	if (strcmp(name, "n") == 0)
		return once(ps, &ps->given, GIVEN_N, kline, kcol, ops[st->op].name, "n") ||
		       count_value(ps, "n", 1, &st->keep);
	if (ev >= 0 && types_allowed(st->op)) {
		if (once(ps, &ps->given, GIVEN_TYPE << ev, kline, kcol, ops[st->op].name, name) != 0)
			return -1;
		if (ps->tok != T_NUM || ps->num < 0 || ps->num > 1e6)
			return fail(ps, ps->tline, ps->tcol, "%s: expected a weight from 0 to 1000000", name);
		types_start(st);
		st->types[ev] = ps->num;
		return 0;
	}
	if (strcmp(name, "half_life") == 0 &&
	    (st->op == IG_ROP_PROFILE || st->op == IG_ROP_POSTED)) {
		if (once(ps, &ps->given, GIVEN_HALF_LIFE, kline, kcol, ops[st->op].name, "half_life") != 0)
			return -1;
		if (ps->tok != T_NUM || ps->num <= 0 || ps->num > 1e12)
			return fail(ps, ps->tline, ps->tcol, "half_life: expected a positive duration, as 30d");
		st->half_life = ps->num;
		return 0;
	}
	if (strcmp(name, "session") == 0 && st->op == IG_ROP_RECENT) {
		if (once(ps, &ps->given, GIVEN_SESSION, kline, kcol, ops[st->op].name, "session") != 0)
			return -1;
		if (ps->tok != T_NUM || ps->num <= 0 || ps->num > 1e12)
			return fail(ps, ps->tline, ps->tcol, "session: expected a positive duration, as 30m");
		st->session = ps->num;
		return 0;
	}
	if (strcmp(name, "max_age") == 0 && st->op == IG_ROP_FRESH) {
		if (once(ps, &ps->given, GIVEN_MAX_AGE, kline, kcol, ops[st->op].name, "max_age") != 0)
			return -1;
		if (ps->tok != T_NUM || ps->num <= 0 || ps->num > 1e12)
			return fail(ps, ps->tline, ps->tcol, "max_age: expected a positive duration, as 3d");
		st->max_age = ps->num;
		return 0;
	}
	if (strcmp(name, "exposure") == 0 && st->op == IG_ROP_FRESH)
		return once(ps, &ps->given, GIVEN_EXPOSURE, kline, kcol, ops[st->op].name, "exposure") ||
		       count_value(ps, "exposure", 0, &st->max_exposure);
	return fail(ps, kline, kcol, "%s takes no argument '%s'", ops[st->op].name, name);
}

static int parse_arg(parser *ps, ig_rstep *st)
{
	if (ps->tok == T_NUM) {
		if (ops[st->op].count == 0 && st->op != IG_ROP_EXPLORE)
			return fail(ps, ps->tline, ps->tcol, "%s takes no number", ops[st->op].name);
		if (once(ps, &ps->given, GIVEN_COUNT, ps->tline, ps->tcol, ops[st->op].name, "a count") != 0 ||
		    count_value(ps, ops[st->op].name, 1, &st->count) != 0)
			return -1;
		next(ps);
		return 0;
	}
	if (ps->tok == T_NAME) {
		const char *key = ps->ts;
		size_t klen = ps->tlen;
		int kline = ps->tline, kcol = ps->tcol, mode, ev;
		char name[40];

		next(ps);
		if (ps->tok == T_EQ) {
			next(ps);
			if (parse_keyed(ps, st, key, klen, kline, kcol) != 0)
				return -1;
			next(ps);
			return 0;
		}
		snprintf(name, sizeof name, "%.*s", (int)(klen < 32 ? klen : 32), key);
		mode = mode_of(key, klen);
		if (mode > 0 && mode_allowed(st->op, mode)) {
			st->mode = mode;
			return once(ps, &ps->given, GIVEN_MODE, kline, kcol, ops[st->op].name, "a mode");
		}
		ev = ig_event_parse(name);
		if (ev >= 0 && types_allowed(st->op)) {
			double w[IG_EV_COUNT];

			if (once(ps, &ps->given, GIVEN_TYPE << ev, kline, kcol, ops[st->op].name, name) != 0)
				return -1;
			ig_event_weights_default(w);
			types_start(st);
			st->types[ev] = w[ev] > 0 ? w[ev] : 1;
			return 0;
		}
		return fail(ps, kline, kcol, "%s takes no argument '%s'", ops[st->op].name, name);
	}
	return expected(ps, "an argument", ops[st->op].name);
}

static void step_defaults(ig_rstep *st, int op)
{
	memset(st, 0, sizeof *st);
	st->op = op;
	st->in = ops[op].in;
	st->out = ops[op].out;
	st->count = ops[op].count;
	ig_event_weights_default(st->types);
	st->half_life = op == IG_ROP_POSTED ? 7 * DAY : 30 * DAY;
	st->max_age = 3 * DAY;
	st->max_exposure = 10;
	if (op == IG_ROP_POP)
		st->mode = IG_RMODE_GLOBAL;
}

/* The kinds a step takes: pop and fresh also take topics. */
static int step_takes(const ig_rstep *st, int kind)
{
	if (kind == st->in)
		return 1;
	return kind == IG_RK_TOPICS && (st->op == IG_ROP_POP || st->op == IG_ROP_FRESH);
}

static int parse_step(parser *ps, ig_rsource *src, int in_kind)
{
	ig_rstep *st;
	int op;
	char buf[64];

	if (ps->tok != T_NAME)
		return expected(ps, "a step name", src->nsteps ? "'.'" : NULL);
	op = op_find(ps->ts, ps->tlen);
	if (op < 0)
		return fail(ps, ps->tline, ps->tcol, "unknown step %s", tok_desc(ps, buf, sizeof buf));
	if (src->nsteps == IG_RSPEC_MAX_STEPS)
		return fail(ps, ps->tline, ps->tcol, "a source has at most %d steps", IG_RSPEC_MAX_STEPS);
	st = &src->steps[src->nsteps];
	step_defaults(st, op);
	st->line = ps->tline;
	st->col = ps->tcol;
	ps->given = 0;
	/* A chain that does not start from the user starts from the profile. */
	if (src->nsteps == 0 && in_kind == IG_RK_USER && !step_takes(st, IG_RK_USER)) {
		if (src->nsteps + 2 > IG_RSPEC_MAX_STEPS)
			return fail(ps, ps->tline, ps->tcol, "too many steps");
		step_defaults(&src->steps[0], IG_ROP_PROFILE);
		src->steps[0].line = st->line;
		src->steps[0].col = st->col;
		src->nsteps = 1;
		in_kind = IG_RK_ITEMS;
		if (!step_takes(&(ig_rstep){.op = op, .in = ops[op].in}, in_kind) && op != IG_ROP_FOLLOWS)
			return fail(ps, ps->tline, ps->tcol, "%s takes %s; start the chain with a step that takes the user",
				    ops[op].name, kind_names[ops[op].in]);
		st = &src->steps[1];
		step_defaults(st, op);
		st->line = ps->tline;
		st->col = ps->tcol;
	}
	if (!step_takes(st, in_kind))
		return fail(ps, ps->tline, ps->tcol, "%s takes %s, got %s", ops[op].name, kind_names[st->in],
			    kind_names[in_kind]);
	if (in_kind == IG_RK_TOPICS && (op == IG_ROP_POP || op == IG_ROP_FRESH))
		st->in = IG_RK_TOPICS, st->mode = op == IG_ROP_POP ? IG_RMODE_TOPIC : 0;
	next(ps);
	if (ps->tok == T_LP) {
		ps->paren = 1;
		next(ps);
		if (ps->tok != T_RP) {
			for (;;) {
				if (parse_arg(ps, st) != 0)
					return -1;
				if (ps->tok == T_COMMA || ps->tok == T_SEMI) {
					next(ps);
					continue;
				}
				if (ps->tok != T_RP) {
					snprintf(buf, sizeof buf, "the arguments of %s", ops[op].name);
					ps->paren = 0;
					return expected(ps, "')'", buf);
				}
				break;
			}
		}
		ps->paren = 0;
		next(ps);
	}
	if (st->in == IG_RK_TOPICS && st->op == IG_ROP_POP && st->mode != IG_RMODE_TOPIC)
		return fail(ps, st->line, st->col, "pop over topics is per topic");
	src->nsteps++;
	return 0;
}

static int parse_option(parser *ps, ig_rsource *src)
{
	int is_weight = tok_is(ps, "weight"), line = ps->tline, col = ps->tcol;
	char buf[64];

	if (!is_weight && !tok_is(ps, "quota"))
		return fail(ps, ps->tline, ps->tcol, "expected weight= or quota=, got %s",
			    tok_desc(ps, buf, sizeof buf));
	if (once(ps, &ps->given, is_weight ? GIVEN_WEIGHT : GIVEN_QUOTA, line, col, NULL,
		 is_weight ? "weight" : "quota") != 0)
		return -1;
	next(ps);
	if (ps->tok != T_EQ)
		return expected(ps, "'='", is_weight ? "weight" : "quota");
	next(ps);
	if (is_weight) {
		if (ps->tok != T_NUM || ps->num < 0 || ps->num > 1e6)
			return fail(ps, ps->tline, ps->tcol, "weight: expected a number from 0 to 1000000");
		src->weight = ps->num;
	} else if (count_value(ps, "quota", 1, &src->quota) != 0) {
		return -1;
	}
	next(ps);
	return 0;
}

/* The name a source gets when none is given: its first step that is not a
 * seed step (profile.cooccur is "cooccur"), else its first. */
static void default_name(ig_rsource *src)
{
	int i;

	for (i = 0; i < src->nsteps; i++)
		if (src->steps[i].op != IG_ROP_PROFILE && src->steps[i].op != IG_ROP_RECENT)
			break;
	if (i == src->nsteps)
		i = 0;
	snprintf(src->name, sizeof src->name, "%s", ops[src->steps[i].op].name);
}

static int parse_source(parser *ps, ig_rspec *s)
{
	ig_rsource *src;
	int i, kind = IG_RK_USER;
	const char *label = NULL;
	size_t label_len = 0;
	int line = ps->tline, col = ps->tcol;

	if (s->nsources == IG_RSPEC_MAX_SOURCES)
		return fail(ps, line, col, "at most %d sources", IG_RSPEC_MAX_SOURCES);
	src = &s->src[s->nsources];
	memset(src, 0, sizeof *src);
	src->weight = 1;
	src->line = line;
	src->col = col;
	if (ps->tok == T_NAME) {
		/* NAME ':' labels the source */
		const char *save = ps->p, *ls = ps->line_start;
		int sl = ps->line, stok = ps->tok;
		const char *sts = ps->ts;
		size_t stlen = ps->tlen;
		int stl = ps->tline, stc = ps->tcol;

		next(ps);
		if (ps->tok == T_COLON) {
			label = sts;
			label_len = stlen;
			if (label_len >= IG_RSPEC_MAX_NAME)
				return fail(ps, stl, stc, "a source name has at most %d bytes", IG_RSPEC_MAX_NAME - 1);
			next(ps);
		} else {
			ps->p = save;
			ps->line_start = ls;
			ps->line = sl;
			ps->tok = stok;
			ps->ts = sts;
			ps->tlen = stlen;
			ps->tline = stl;
			ps->tcol = stc;
		}
	}
	for (;;) {
		if (parse_step(ps, src, kind) != 0)
			return -1;
		kind = src->steps[src->nsteps - 1].out;
		if (ps->tok != T_DOT)
			break;
		next(ps);
	}
	ps->given = 0;
	while (ps->tok == T_NAME)
		if (parse_option(ps, src) != 0)
			return -1;
	if (ps->tok != T_END && ps->tok != T_EOF)
		return expected(ps, "'.', weight=, quota= or the end of the source", NULL);
	if (kind != IG_RK_ITEMS) {
		const ig_rstep *last = &src->steps[src->nsteps - 1];

		return fail(ps, last->line, last->col, "the chain ends with %s after %s; end it with a step that gives items",
			    kind_names[kind], ops[last->op].name);
	}
	if (label)
		snprintf(src->name, sizeof src->name, "%.*s", (int)label_len, label);
	else
		default_name(src);
	for (i = 0; i < s->nsources; i++)
		if (strcmp(s->src[i].name, src->name) == 0)
			return fail(ps, line, col, "source '%s' named twice; label one, as 'NAME: %s'", src->name,
				    src->name);
	src->needs_history = src->steps[0].op == IG_ROP_RECENT || src->steps[0].op == IG_ROP_PROFILE ||
			     (src->steps[0].op == IG_ROP_POP && src->steps[0].mode != IG_RMODE_GLOBAL);
	s->nsources++;
	return 0;
}

int ig_rspec_parse(ig_rspec *s, const char *text, const char *origin, char *err, size_t errlen)
{
	parser ps;

	memset(s, 0, sizeof *s);
	memset(&ps, 0, sizeof ps);
	ps.text = text;
	ps.origin = origin;
	ps.p = text;
	ps.line = 1;
	ps.line_start = text;
	ps.err = err;
	ps.errlen = errlen;
	next(&ps);
	while (ps.tok != T_EOF) {
		if (ps.tok == T_END) {
			next(&ps);
			continue;
		}
		if (tok_is(&ps, "total")) {
			int line = ps.tline, col = ps.tcol;

			next(&ps);
			if (ps.tok == T_EQ) {
				if (once(&ps, &ps.spec_given, GIVEN_TOTAL, line, col, NULL, "total") != 0)
					return -1;
				next(&ps);
				if (count_value(&ps, "total", 1, &s->total) != 0)
					return -1;
				next(&ps);
				if (ps.tok != T_END && ps.tok != T_EOF)
					return expected(&ps, "the end of the line", "total=N");
				continue;
			}
			return fail(&ps, line, col, "expected 'total=N' or a source");
		}
		if (tok_is(&ps, "mix")) {
			int line = ps.tline, col = ps.tcol;

			next(&ps);
			if (ps.tok != T_EQ)
				return fail(&ps, line, col, "expected 'mix=rank' or 'mix=score' or a source");
			if (once(&ps, &ps.spec_given, GIVEN_MIX, line, col, NULL, "mix") != 0)
				return -1;
			next(&ps);
			if (tok_is(&ps, "rank"))
				s->mix = IG_RMIX_RANK;
			else if (tok_is(&ps, "score"))
				s->mix = IG_RMIX_SCORE;
			else
				return fail(&ps, ps.tline, ps.tcol, "mix: expected rank or score");
			next(&ps);
			if (ps.tok != T_END && ps.tok != T_EOF)
				return expected(&ps, "the end of the line", "mix=");
			continue;
		}
		if (parse_source(&ps, s) != 0)
			return -1;
	}
	if (s->nsources == 0)
		return fail(&ps, ps.tline, ps.tcol, "no source");
	return 0;
}
