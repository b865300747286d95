/* Filters over partition values: each file's keys against the filter, before any request. */
#include <stdio.h>
#include <string.h>
#include "../common/common.h"
#include "filter.h"

#define US_PER_DAY INT64_C(86400000000)

static long key_of(const struct partitions *p, const char *column) {
    for (size_t k = 0; k < p->n_keys; k++)
        if (strcmp(p->keys[k], column) == 0)
            return (long)k;
    return -1;
}

/* A date, timestamp or text literal as microseconds since the epoch; 0 when it is none. */
static int literal_time(const struct fdata_value *v, int64_t *us) {
    union part_value pv;
    if (v->type == FDATA_VALUE_DATE || v->type == FDATA_VALUE_TIMESTAMP) {
        *us = v->type == FDATA_VALUE_DATE ? v->i * US_PER_DAY : v->i;
        return 1;
    }
    if (v->type != FDATA_VALUE_STRING || !partitions_parse_value(PART_TIMESTAMP, v->s, &pv))
        return 0;
    *us = pv.i;
    return 1;
}

/* Whether a literal can be compared with a key of type t. */
static int suits(enum part_type t, const struct fdata_value *v) {
    int64_t us;
    switch (t) {
    case PART_INT64: case PART_FLOAT64:
        return v->type == FDATA_VALUE_INT || v->type == FDATA_VALUE_FLOAT;
    case PART_DATE32: case PART_TIMESTAMP: return literal_time(v, &us);
    case PART_STRING: return v->type == FDATA_VALUE_STRING;
    }
    return 0;
}

static const char *kind_of(const struct fdata_value *v) {
    static const char *const kinds[] = {"an integer", "a number", "a string", "a date",
                                        "a timestamp"};
    return v->type >= 0 && v->type <= FDATA_VALUE_TIMESTAMP ? kinds[v->type] : "a value";
}

int filter_bind(const struct fdata_filter *f, const struct partitions *p,
                struct fdata_error *err) {
    static const char *const type_names[] = {"int64", "float64", "date32", "timestamp", "string"};
    if (f->kind == F_AND || f->kind == F_OR || f->kind == F_NOT) {
        FDATA_RETURN_IF(filter_bind(f->a, p, err));
        return f->b ? filter_bind(f->b, p, err) : FDATA_OK;
    }
    long k = key_of(p, f->column);
    if (k < 0) {
        char keys[256] = "none";
        size_t len = 0;
        for (size_t i = 0; i < p->n_keys && len < sizeof keys; i++)
            len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s", i ? ", " : "",
                                    p->keys[i]);
        return fdata_set_error(err, FDATA_EINVAL, "filter: '%s' is not a partition column "
                               "(these are: %s); filters on the files' own columns are not "
                               "supported yet", f->column, keys);
    }
    for (size_t i = 0; i < f->n_values; i++)
        if (!suits(p->types[k], &f->values[i]))
            return fdata_set_error(err, FDATA_EINVAL, "filter: column '%s' is %s, but %s%s%s "
                                   "is %s", f->column, type_names[p->types[k]],
                                   f->values[i].type == FDATA_VALUE_STRING ? "'" : "",
                                   f->values[i].type == FDATA_VALUE_STRING ? f->values[i].s
                                                                           : "a literal",
                                   f->values[i].type == FDATA_VALUE_STRING ? "'" : "",
                                   kind_of(&f->values[i]));
    return FDATA_OK;
}

/* -1, 0, 1: the key's value against a literal that suits its type. */
static int compare(const struct partitions *p, size_t file, size_t k, const struct fdata_value *v) {
    const union part_value *x = &p->values[file * p->n_keys + k];
    int64_t us = 0, mine;
    switch (p->types[k]) {
    case PART_INT64:
        if (v->type == FDATA_VALUE_INT)
            return (x->i > v->i) - (x->i < v->i);
        return ((double)x->i > v->f) - ((double)x->i < v->f);
    case PART_FLOAT64: {
        double lit = v->type == FDATA_VALUE_INT ? (double)v->i : v->f;
        return (x->f > lit) - (x->f < lit);
    }
    case PART_DATE32: case PART_TIMESTAMP:
        literal_time(v, &us);
        mine = p->types[k] == PART_DATE32 ? x->i * US_PER_DAY : x->i;
        return (mine > us) - (mine < us);
    case PART_STRING: {
        int c = strcmp(p->text[file * p->n_keys + k], v->s);
        return (c > 0) - (c < 0);
    }
    }
    return 0;
}

enum truth { NO, YES, UNKNOWN }; /* UNKNOWN: SQL's null, which selects nothing */

static enum truth eval(const struct fdata_filter *f, const struct partitions *p, size_t file) {
    if (f->kind == F_NOT) {
        enum truth a = eval(f->a, p, file);
        return a == UNKNOWN ? UNKNOWN : a == YES ? NO : YES;
    }
    if (f->kind == F_AND || f->kind == F_OR) {
        enum truth a = eval(f->a, p, file), b = eval(f->b, p, file);
        enum truth decisive = f->kind == F_AND ? NO : YES;
        if (a == decisive || b == decisive)
            return decisive;
        return a == UNKNOWN || b == UNKNOWN ? UNKNOWN : a;
    }
    size_t k = (size_t)key_of(p, f->column);
    int is_null = p->text[file * p->n_keys + k] == NULL;
    if (f->kind == F_NULL)
        return is_null != f->negate ? YES : NO;
    if (is_null)
        return UNKNOWN;
    if (f->kind == F_IN) {
        int found = 0;
        for (size_t i = 0; i < f->n_values && !found; i++)
            found = compare(p, file, k, &f->values[i]) == 0;
        return found != f->negate ? YES : NO;
    }
    int c = compare(p, file, k, &f->values[0]);
    static const int ok[6][3] = { /* [op][c + 1]: whether c satisfies op */
        {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1},
    };
    return ok[f->op][c + 1] ? YES : NO;
}

int filter_selects_file(const struct fdata_filter *f, const struct partitions *p, size_t file) {
    return eval(f, p, file) == YES;
}
