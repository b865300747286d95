/* Filters: the builders, and the parser of the text form (recursive descent; grammar in
 * fastdata/load.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/common.h"
#include "filter.h"

/* ---- builders ---- */

/* Whether a value's s is text it owns (a string's, a decimal's). */
static int has_text(const struct fdata_value *v) {
    return v->type == FDATA_VALUE_STRING || v->type == FDATA_VALUE_DECIMAL;
}

static void free_values(struct fdata_value *v, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        if (has_text(&v[i]))
            free((char *)v[i].s);
    free(v);
}

void fdata_filter_free(fdata_filter *f) {
    if (!f)
        return;
    fdata_filter_free(f->a);
    fdata_filter_free(f->b);
    free(f->column);
    free_values(f->values, f->n_values);
    free(f);
}

/* A leaf over `column` with copies of values[0..n). */
static fdata_filter *leaf(int kind, const char *column, const struct fdata_value *values,
                          size_t n) {
    fdata_filter *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->kind = kind;
    f->column = strdup(column);
    f->values = calloc(n + 1, sizeof *f->values);
    int ok = f->column && f->values;
    for (size_t i = 0; ok && i < n; i++, f->n_values++) {
        f->values[i] = values[i];
        if (has_text(&values[i]))
            ok = (f->values[i].s = strdup(values[i].s ? values[i].s : "")) != NULL;
        if (ok && values[i].type == FDATA_VALUE_DECIMAL) /* its nearest double, for others */
            ok = filter_decimal_double(f->values[i].s, &f->values[i].f);
    }
    if (!ok) {
        fdata_filter_free(f);
        return NULL;
    }
    return f;
}

fdata_filter *fdata_filter_compare(const char *column, int op, const struct fdata_value *v) {
    fdata_filter *f = op >= FDATA_FILTER_EQ && op <= FDATA_FILTER_GE ? leaf(F_CMP, column, v, 1)
                                                                     : NULL;
    if (f)
        f->op = op;
    return f;
}

fdata_filter *fdata_filter_in(const char *column, const struct fdata_value *values, size_t n) {
    return leaf(F_IN, column, values, n);
}

fdata_filter *fdata_filter_is_null(const char *column, int is_not_null) {
    fdata_filter *f = leaf(F_NULL, column, NULL, 0);
    if (f)
        f->negate = is_not_null != 0;
    return f;
}

static fdata_filter *node(int kind, fdata_filter *a, fdata_filter *b) {
    fdata_filter *f = a && (b || kind == F_NOT) ? calloc(1, sizeof *f) : NULL;
    if (!f) {
        fdata_filter_free(a);
        fdata_filter_free(b);
        return NULL;
    }
    f->kind = kind;
    f->a = a;
    f->b = b;
    return f;
}

fdata_filter *fdata_filter_and(fdata_filter *a, fdata_filter *b) { return node(F_AND, a, b); }
fdata_filter *fdata_filter_or(fdata_filter *a, fdata_filter *b) { return node(F_OR, a, b); }
fdata_filter *fdata_filter_not(fdata_filter *a) { return node(F_NOT, a, NULL); }

/* ---- the parser ---- */

struct parser {
    const char *text, *at;
    struct fdata_error *err;
    int failed;
};

static void skip_space(struct parser *p) {
    while (isspace((unsigned char)*p->at))
        p->at++;
}

/* Records the first error: what was expected, where. */
static fdata_filter *expected(struct parser *p, const char *what) {
    if (!p->failed)
        fdata_set_error(p->err, FDATA_EINVAL, "filter: expected %s at character %d of \"%s\" "
                        "(at \"%.40s\")", what, (int)(p->at - p->text) + 1, p->text,
                        *p->at ? p->at : "the end");
    p->failed = 1;
    return NULL;
}

static fdata_filter *out_of_memory(struct parser *p) {
    if (!p->failed)
        fdata_set_error(p->err, FDATA_ENOMEM, "out of memory");
    p->failed = 1;
    return NULL;
}

/* Whether the next word is `kw` (any case, not followed by a name character); consumed. */
static int keyword(struct parser *p, const char *kw) {
    skip_space(p);
    size_t n = strlen(kw);
    if (strncasecmp(p->at, kw, n) != 0 || isalnum((unsigned char)p->at[n]) || p->at[n] == '_')
        return 0;
    p->at += n;
    return 1;
}

static int symbol(struct parser *p, const char *sym) {
    skip_space(p);
    size_t n = strlen(sym);
    if (strncmp(p->at, sym, n) != 0)
        return 0;
    p->at += n;
    return 1;
}

/* 'text' with '' for a quote, into a malloc'ed string (NULL: not one, or out of memory). */
static char *quoted(struct parser *p, char quote) {
    skip_space(p);
    if (*p->at != quote)
        return NULL;
    const char *r = p->at + 1;
    char *s = malloc(strlen(r) + 1), *w = s;
    for (; s && *r; r++) {
        if (*r == quote && r[1] != quote)
            break;
        *w++ = *r;
        r += *r == quote; /* a doubled quote */
    }
    if (!s || *r != quote) {
        free(s);
        return NULL;
    }
    *w = '\0';
    p->at = r + 1;
    return s;
}

static int is_reserved(const char *word, size_t n) {
    static const char *const words[] = {"and", "or", "not", "in", "between", "is", "null",
                                        "true", "false"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && strncasecmp(word, words[i], n) == 0)
            return 1;
    return 0;
}

/* A column name or struct path (name.name...; malloc'ed), or NULL. */
static char *column(struct parser *p) {
    skip_space(p);
    if (*p->at == '"')
        return quoted(p, '"');
    const char *start = p->at;
    if (!isalpha((unsigned char)*start) && *start != '_')
        return NULL;
    const char *end = start;
    while (isalnum((unsigned char)*end) || *end == '_' ||
           (*end == '.' && (isalpha((unsigned char)end[1]) || end[1] == '_')))
        end++;
    if (is_reserved(start, (size_t)(end - start)))
        return NULL;
    p->at = end;
    return strndup(start, (size_t)(end - start));
}

/* A literal into *v (a string's text malloc'ed); 0 when there is none. */
static void drop(struct fdata_value *v) {
    if (has_text(v))
        free((char *)v->s);
    memset(v, 0, sizeof *v);
}

static int literal(struct parser *p, struct fdata_value *v) {
    memset(v, 0, sizeof *v);
    skip_space(p);
    const char *start = p->at;
    if (keyword(p, "true") || keyword(p, "false")) {
        v->type = FDATA_VALUE_BOOL;
        v->i = tolower((unsigned char)*start) == 't';
        return 1;
    }
    int typed = keyword(p, "date") ? FDATA_VALUE_DATE : keyword(p, "timestamp") ? FDATA_VALUE_TIMESTAMP : -1;
    if (typed >= 0 || *p->at == '\'') {
        char *s = quoted(p, '\'');
        if (!s) {
            p->at = start;
            return 0;
        }
        union part_value pv;
        if (typed < 0) {
            v->type = FDATA_VALUE_STRING;
            v->s = s;
            return 1;
        }
        int ok = partitions_parse_value(typed == FDATA_VALUE_DATE ? PART_DATE32 : PART_TIMESTAMP,
                                        s, &pv);
        free(s);
        v->type = typed;
        v->i = pv.i;
        if (!ok)
            p->at = start;
        return ok;
    }
    const char *digits = p->at + (*p->at == '-' || *p->at == '+');
    if (!(isdigit((unsigned char)digits[0]) || (digits[0] == '.' && isdigit((unsigned char)digits[1]))) ||
        (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')))
        return 0;
    char *end;
    errno = 0;
    long long i = strtoll(p->at, &end, 10);
    if (end != p->at && (*end == '\0' || !strchr(".eE", *end)) && errno == 0) {
        v->type = FDATA_VALUE_INT;
        v->i = i;
        p->at = end;
        return 1;
    }
    strtod(p->at, &end); /* a number that is no int64: its text, exact for decimals */
    char *text = end != p->at ? strndup(p->at, (size_t)(end - p->at)) : NULL;
    if (!text || !filter_decimal_double(text, &v->f)) {
        free(text);
        return 0;
    }
    v->type = FDATA_VALUE_DECIMAL;
    v->s = text;
    p->at = end;
    return 1;
}

static fdata_filter *expression(struct parser *p);

/* IN (literal, ...) after the column. */
static fdata_filter *in_list(struct parser *p, const char *name) {
    if (!symbol(p, "("))
        return expected(p, "'(' after IN");
    struct fdata_value *vals = NULL;
    size_t n = 0, cap = 0;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            struct fdata_value *more = realloc(vals, cap * sizeof *more);
            if (!more) {
                free_values(vals, n);
                return out_of_memory(p);
            }
            vals = more;
        }
        if (!literal(p, &vals[n])) {
            free_values(vals, n);
            return expected(p, "a value");
        }
        n++;
    } while (symbol(p, ","));
    fdata_filter *f = symbol(p, ")") ? fdata_filter_in(name, vals, n) : expected(p, "')' or ','");
    free_values(vals, n);
    return f || p->failed ? f : out_of_memory(p);
}

/* Whether what follows ends a predicate: the end, ')', AND or OR (not consumed). */
static int at_predicate_end(struct parser *p) {
    skip_space(p);
    const char *at = p->at;
    int end = !*at || *at == ')' || keyword(p, "and") || keyword(p, "or");
    p->at = at;
    return end;
}

/* column op literal, [NOT] IN, [NOT] BETWEEN, IS [NOT] NULL. */
static fdata_filter *predicate(struct parser *p) {
    char *name = column(p);
    if (!name)
        return expected(p, "a column name");
    static const struct { const char *sym; int op; } ops[] = {
        {"<=", FDATA_FILTER_LE}, {">=", FDATA_FILTER_GE}, {"!=", FDATA_FILTER_NE},
        {"<>", FDATA_FILTER_NE}, {"=", FDATA_FILTER_EQ}, {"<", FDATA_FILTER_LT},
        {">", FDATA_FILTER_GT},
    };
    fdata_filter *f = NULL;
    struct fdata_value lo = {0}, hi = {0};
    int negate = keyword(p, "not"), op = -1;
    for (size_t i = 0; !negate && op < 0 && i < sizeof ops / sizeof ops[0]; i++)
        if (symbol(p, ops[i].sym))
            op = ops[i].op;
    if (op >= 0) {
        f = literal(p, &lo) ? fdata_filter_compare(name, op, &lo) : expected(p, "a value");
        drop(&lo);
    } else if (keyword(p, "in")) {
        if ((f = in_list(p, name)))
            f->negate = negate;
    } else if (keyword(p, "between")) {
        if (!literal(p, &lo))
            f = expected(p, "a value after BETWEEN");
        else if (!keyword(p, "and") || !literal(p, &hi))
            f = expected(p, "AND and a value");
        else
            f = fdata_filter_and(fdata_filter_compare(name, FDATA_FILTER_GE, &lo),
                                 fdata_filter_compare(name, FDATA_FILTER_LE, &hi));
        drop(&lo);
        drop(&hi);
        if (f && negate)
            f = fdata_filter_not(f);
    } else if (!negate && keyword(p, "is")) {
        int not_null = keyword(p, "not");
        f = keyword(p, "null") ? fdata_filter_is_null(name, not_null) : expected(p, "NULL");
    } else if (!negate && at_predicate_end(p)) { /* a boolean column alone: = TRUE */
        struct fdata_value yes = {.type = FDATA_VALUE_BOOL, .i = 1};
        f = fdata_filter_compare(name, FDATA_FILTER_EQ, &yes);
    } else {
        f = expected(p, negate ? "IN or BETWEEN after NOT" : "an operator (= != < <= > >= IN "
                     "BETWEEN IS)");
    }
    free(name);
    return f || p->failed ? f : out_of_memory(p);
}

static fdata_filter *primary(struct parser *p) {
    if (keyword(p, "not")) {
        fdata_filter *a = primary(p);
        return a ? fdata_filter_not(a) : NULL;
    }
    if (!symbol(p, "("))
        return predicate(p);
    fdata_filter *f = expression(p);
    if (f && !symbol(p, ")")) {
        fdata_filter_free(f);
        return expected(p, "')'");
    }
    return f;
}

/* a OR b OR ... over conjunctions, a AND b AND ... over primaries (AND binds tighter). */
static fdata_filter *chain(struct parser *p, int kind) {
    fdata_filter *f = kind == F_AND ? primary(p) : chain(p, F_AND);
    while (f && keyword(p, kind == F_AND ? "and" : "or")) {
        fdata_filter *b = kind == F_AND ? primary(p) : chain(p, F_AND);
        f = b ? node(kind, f, b) : (fdata_filter_free(f), NULL);
    }
    return f || p->failed ? f : out_of_memory(p);
}

static fdata_filter *expression(struct parser *p) { return chain(p, F_OR); }

int fdata_filter_parse(const char *text, fdata_filter **out, struct fdata_error *err) {
    struct parser p = {text, text, err, 0};
    *out = NULL;
    fdata_filter *f = expression(&p);
    skip_space(&p);
    if (f && *p.at) {
        fdata_filter_free(f);
        f = expected(&p, "AND, OR or the end");
    }
    if (!f)
        return err && err->code ? err->code : FDATA_EINVAL;
    *out = f;
    return FDATA_OK;
}
