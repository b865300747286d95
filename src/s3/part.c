/* One part's answer: its life cycle and the checks on what the server says (see part.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include "../common/common.h"
#include "../memory/memory.h"
#include "budget.h"
#include "part.h"

void s3_part_set_state(struct part *p, enum part_state to) {
    static const unsigned allowed[PART_STATES] = {
        [PART_QUEUED] = 1u << PART_SENT,
        [PART_SENT] = 1u << PART_BODY | 1u << PART_ERROR_DOC | 1u << PART_REFUSED | 1u << PART_QUEUED,
        [PART_BODY] = 1u << PART_DONE | 1u << PART_REFUSED | 1u << PART_QUEUED,
        [PART_ERROR_DOC] = 1u << PART_QUEUED | 1u << PART_DONE, /* DONE: a 416 on 0 bytes */
    };
    assert(allowed[p->state] & (1u << to));
    (void)allowed;
    p->state = to;
}

/* The object's size is known (from an answer of `status`): its reservation becomes exactly
 * that.  A size over the budget's limit is the server's claim: it is refused from a 200 (a
 * server ignoring Range would send it all in one answer), and taken from a 206 only by an
 * object alone in the budget, whose parts then arrive one by one into pages taken as bytes
 * come (s3_object_buffer); never forced in next to other objects. */
int s3_object_set_size(struct downloader *d, struct object *o, int64_t size, long status,
                       struct fdata_error *e) {
    fdata_s3_budget *b = d->opts->budget;
    int over = b && (uint64_t)size > s3_budget_limit(b);
    if (over && status != 206)
        return fdata_set_error(e, FDATA_ENOMEM, "%s: a %ld answer (the byte range ignored) of "
                               "%lld bytes, more than the memory limit of %zu (--memory-limit)",
                               o->url, status, (long long)size, s3_budget_limit(b));
    if (b && (size_t)size > o->reserved &&
        !s3_budget_reserve(b, (size_t)size - o->reserved, o->reserved, !over))
        return fdata_set_error(e, FDATA_ENOMEM, "%s: the answer says the object holds %lld "
                               "bytes, more than the memory limit of %zu (--memory-limit) "
                               "while other objects are held", o->url, (long long)size,
                               s3_budget_limit(b));
    if (b && (size_t)size < o->reserved)
        fdata_s3_budget_release(b, o->reserved - (size_t)size);
    o->size = size;
    o->reserved = b ? (size_t)size : 0;
    return FDATA_OK;
}

/* The object's byte where the bytes this part asks for start, when it holds `total`. */
static int64_t asked_first(const struct part *p, int64_t total) {
    const struct object *o = p->obj;
    if (o->suffix && o->size < 0) /* the first answer says where the last bytes start */
        return total > o->suffix ? total - o->suffix : 0;
    return o->base + p->offset;
}

/* A 2xx answer's headers, checked against what the object's earlier answers (or the
 * listing) said: exactly one Content-Range, for the bytes asked, of the same total, and a
 * Content-Length that agrees; a 200 (Range ignored) only where the object starts.  The
 * first answer fixes the object's size.  Every number here is the server's claim, so none
 * is believed before it agrees with the others. */
static int check_answer(struct part *p, struct fdata_error *e) {
    struct object *o = p->obj;
    const struct response *r = &p->resp;
    int64_t first = 0, last, total = r->content_length;
    if (r->status == 206 && r->content_ranges != 1)
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: %d Content-Range headers in one answer "
                               "(the first: '%s')", o->url, r->content_ranges, r->content_range);
    if (r->status == 206 && (r->range_bad || r->object_size < 0))
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: unusable Content-Range '%s'", o->url,
                               r->content_range);
    if (r->status == 206) {
        first = r->range_first, total = r->object_size;
    } else if (total < 0) {
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: a %ld answer without Content-Length or "
                               "Content-Range", o->url, r->status);
    }
    int64_t listed = p->d->opts->sizes ? p->d->opts->sizes[o->index] : -1;
    if (o->object_size >= 0 && total != o->object_size)
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: the object's size changed between "
                               "answers: %lld bytes, then %lld", o->url,
                               (long long)o->object_size, (long long)total);
    if (listed >= 0 && total != listed)
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: listed (or first answered) as %lld "
                               "bytes, but the answer says %lld", o->url, (long long)listed,
                               (long long)total);
    if (r->status == 206 && r->range_last >= total)
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: unusable Content-Range '%s'", o->url,
                               r->content_range);
    int64_t want = asked_first(p, total);
    if (r->status != 206 && want > 0) /* a suffix too: a 200 only when it is the whole object */
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: the server ignored the byte range "
                               "(asked from byte %lld, a %ld answer of %lld bytes)", o->url,
                               (long long)want, r->status, (long long)total);
    /* a known range (the caller's, or parts after the first answer) must be there whole (a
     * first part started over asks part_size still: its total is checked above) */
    if (o->size >= 0 && p->offset + p->len <= o->size && want + p->len > total)
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: the answer says the object holds %lld "
                               "bytes, but bytes %lld-%lld were asked for (%lld bytes)", o->url,
                               (long long)total, (long long)want, (long long)(want + p->len - 1),
                               (long long)(want + p->len));
    int64_t want_last = (want + p->len < total ? want + p->len : total) - 1;
    last = r->status == 206 ? r->range_last : total - 1;
    if (r->status == 206 && (first != want || last != want_last))
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: asked for bytes %lld-%lld of %lld, the "
                               "answer has '%s'", o->url, (long long)want, (long long)want_last,
                               (long long)total, r->content_range);
    if (r->content_length >= 0 && r->content_length != last - first + 1)
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: Content-Length %lld for %lld bytes of "
                               "range", o->url, (long long)r->content_length,
                               (long long)(last - first + 1));
    /* never more than the buffer holds: the caller's range or suffix, or the object */
    int64_t room = o->size >= 0 ? o->size : o->suffix ? o->suffix : total - first;
    if (p->offset + (last - first + 1) > room)
        return fdata_set_error(e, FDATA_ECORRUPT, "%s: the server ignored the byte range (%lld "
                               "bytes for the %lld asked)", o->url, (long long)(last - first + 1),
                               (long long)(room - p->offset));
    if (o->size < 0) {
        FDATA_RETURN_IF(s3_object_set_size(p->d, o, total - first, r->status, e));
        o->base = first;
    }
    if (o->object_size < 0)
        o->object_size = total;
    p->expect = last - first + 1;
    return FDATA_OK;
}

/* Headers of a part; at their end (the empty line) a 2xx answer is checked before any of
 * its body is believed. */
size_t s3_part_header(char *line, size_t size, size_t n, void *ud) {
    struct part *p = ud;
    size_t len = s3_on_header(line, size, n, &p->resp);
    int end = len <= 2 && (len == 0 || line[0] == '\r' || line[0] == '\n');
    if (!end || p->state != PART_SENT || p->resp.status < 200) /* 1xx: the answer follows */
        return len;
    if (p->resp.status >= 300) {
        s3_part_set_state(p, PART_ERROR_DOC);
        return len;
    }
    int ok = check_answer(p, &p->refusal) == FDATA_OK;
    s3_part_set_state(p, ok ? PART_BODY : PART_REFUSED);
    return ok ? len : 0;
}

/* The object's buffer once its size is known: the caller's, or a new one whose pages are
 * those of released buffers where there are some (fdata_s3_data_free gives them back), else
 * fresh ones, populated at once when the memory budget holds the size (every byte is written
 * next, so not a fault each); otherwise the size is a claim (the server's answer or its
 * listing) and takes memory only as its bytes arrive. */
uint8_t *s3_object_buffer(struct downloader *d, struct object *o) {
    const struct fdata_s3_get_options *opts = d->opts;
    int within = opts->budget && (size_t)o->size <= s3_budget_limit(opts->budget);
    struct fdata_memory *m = d->memory;
    if (!o->data && !o->dest && o->size >= 0 && (uint64_t)o->size < SIZE_MAX / 2)
        o->data = within ? fdata_slab_new_populated((size_t)o->size, m)
                            : fdata_slab_new((size_t)o->size, NULL, m);
    else if (!o->data)
        o->data = o->dest;
    return o->data;
}

/* Body bytes of a checked answer go straight into the object's buffer, allocated at the
 * first byte; never more than the answer's range. */
size_t s3_part_body(char *buf, size_t size, size_t n, void *ud) {
    struct part *p = ud;
    struct object *o = p->obj;
    size_t len = size * n;
    if (p->state == PART_ERROR_DOC) /* for the message */
        return s3_on_body(buf, size, n, &p->resp);
    if (p->state != PART_BODY) /* no checked headers: nothing may be believed */
        return 0;
    if (p->written + (int64_t)len > p->expect) {
        s3_part_set_state(p, PART_REFUSED);
        fdata_set_error(&p->refusal, FDATA_ECORRUPT, "%s: more body bytes than the %lld of "
                        "its range (from byte %lld)", o->url, (long long)p->expect,
                        (long long)(o->base + p->offset));
        return 0;
    }
    if (!s3_object_buffer(p->d, o)) {
        s3_part_set_state(p, PART_REFUSED);
        fdata_set_error(&p->refusal, FDATA_ENOMEM, "%s: no memory for the %lld bytes the answer "
                        "says the object holds", o->url, (long long)o->size);
        return 0;
    }
    memcpy(o->data + p->offset + p->written, buf, len);
    p->written += (int64_t)len;
    return len;
}

