/* OffsetIndex and ColumnIndex (parquet.thrift field ids), parsed and checked. */
#include <stdlib.h>
#include "../common/common.h"
#include "page_index.h"
#include "thrift.h"

/* The index's bytes, when its claimed place lies inside the file. */
static int index_bytes(size_t file_size, int64_t offset, int32_t length, struct tc_reader *r,
                       const uint8_t *file) {
    if (length <= 0 || offset < 0 || (uint64_t)offset > file_size ||
        (uint64_t)length > file_size - (uint64_t)offset)
        return 0;
    tc_init(r, file + offset, (size_t)length);
    return 1;
}

static void parse_location(struct tc_reader *r, struct pq_page *pg) {
    int16_t last = 0, id;
    int type;
    pg->offset = pg->size = pg->first_row = -1;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (id == 1)
            pg->offset = tc_i64(r, type);
        else if (id == 2)
            pg->size = tc_i32(r, type);
        else if (id == 3)
            pg->first_row = tc_i64(r, type);
        else
            tc_skip(r, type);
    }
    tc_struct_end(r);
}

/* OffsetIndex: field 1, the page locations (allocated here). */
static int parse_offset_index(struct tc_reader *r, struct pq_chunk_pages *out) {
    int16_t last = 0, id;
    int type, elem;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (id != 1 || out->pages) {
            tc_skip(r, type);
            continue;
        }
        uint32_t n = tc_list_begin(r, type, &elem);
        if (r->error || elem != TC_STRUCT || n == 0) {
            tc_fail(r, "page locations are not a list of structs");
            break;
        }
        if (!(out->pages = calloc(n, sizeof *out->pages)))
            return FDATA_ENOMEM;
        out->num_pages = (int)n;
        for (uint32_t i = 0; i < n && !r->error; i++)
            parse_location(r, &out->pages[i]);
    }
    tc_struct_end(r);
    return FDATA_OK;
}

/* Each page within the chunk, after the one before, its rows ascending from 0. */
static int locations_hold(const struct pq_chunk_pages *p, int64_t num_rows, int64_t chunk_start,
                          int64_t chunk_end) {
    int64_t end = chunk_start;
    for (int i = 0; i < p->num_pages; i++) {
        struct pq_page *pg = &p->pages[i];
        int64_t next_row = i + 1 < p->num_pages ? p->pages[i + 1].first_row : num_rows;
        if (pg->offset < end || pg->size <= 0 || pg->size > chunk_end - pg->offset ||
            (i == 0 && pg->first_row != 0) || next_row <= pg->first_row || next_row > num_rows)
            return 0;
        end = pg->offset + pg->size;
        pg->rows = next_row - pg->first_row;
    }
    return p->num_pages > 0;
}

/* A list field of ColumnIndex, which must have one element per page, of type `want`. */
static uint32_t page_list(struct tc_reader *r, int type, int want, int pages) {
    int elem;
    uint32_t n = tc_list_begin(r, type, &elem);
    int ok = want == TC_TRUE ? (elem == TC_TRUE || elem == TC_FALSE) : elem == want;
    if (!r->error && (!ok || n != (uint32_t)pages))
        tc_fail(r, "column index list does not match the pages");
    return r->error ? 0 : n;
}

/* ColumnIndex into the pages; 0 when it does not hold. */
static int parse_column_index(struct tc_reader *r, struct pq_chunk_pages *p) {
    int16_t last = 0, id;
    int type, seen = 0;
    for (int i = 0; i < p->num_pages; i++)
        p->pages[i].null_count = -1;
    tc_struct_begin(r);
    while (tc_next_field(r, &last, &type, &id)) {
        if (id < 1 || id > 5 || id == 4) {
            tc_skip(r, type);
            continue;
        }
        seen |= 1 << id;
        uint32_t n = page_list(r, type, id == 1 ? TC_TRUE : id == 5 ? TC_I64 : TC_BINARY,
                               p->num_pages);
        for (uint32_t i = 0; i < n && !r->error; i++) {
            struct pq_page *pg = &p->pages[i];
            if (id == 1)
                pg->null_page = tc_i64(r, TC_BYTE) == 1; /* a bool element is one byte */
            else if (id == 2)
                tc_binary(r, TC_BINARY, &pg->min, &pg->min_len);
            else if (id == 3)
                tc_binary(r, TC_BINARY, &pg->max, &pg->max_len);
            else if ((pg->null_count = tc_i64(r, TC_I64)) < 0 || pg->null_count > pg->rows)
                tc_fail(r, "null count out of range");
        }
    }
    tc_struct_end(r);
    return !r->error && (seen & 0xe) == 0xe;
}

int pq_chunk_pages_parse(const uint8_t *file, size_t file_size, const struct pq_column_chunk *cc,
                         int64_t num_rows, int64_t chunk_start, int64_t chunk_end,
                         struct pq_chunk_pages *out, struct fdata_error *err) {
    struct tc_reader r;
    memset(out, 0, sizeof *out);
    if (num_rows <= 0 || !index_bytes(file_size, cc->offset_index_offset,
                                      cc->offset_index_length, &r, file))
        return FDATA_OK;
    if (parse_offset_index(&r, out) != FDATA_OK)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (r.error || !locations_hold(out, num_rows, chunk_start, chunk_end)) {
        pq_chunk_pages_free(out);
        return FDATA_OK;
    }
    if (index_bytes(file_size, cc->column_index_offset, cc->column_index_length, &r, file))
        out->has_stats = parse_column_index(&r, out);
    return FDATA_OK;
}

void pq_chunk_pages_free(struct pq_chunk_pages *p) {
    free(p->pages);
    memset(p, 0, sizeof *p);
}

/* Widens [*start, *end) by an index's claimed place, when it lies in the file. */
static void widen(size_t file_size, int64_t offset, int32_t length, int64_t *start, int64_t *end) {
    if (length <= 0 || offset < 0 || (uint64_t)offset > file_size ||
        (uint64_t)length > file_size - (uint64_t)offset)
        return;
    if (*start == *end) {
        *start = offset;
        *end = offset + length;
    }
    if (offset < *start)
        *start = offset;
    if (offset + length > *end)
        *end = offset + length;
}

void pq_page_index_span(const struct pq_metadata *md, size_t file_size, int64_t *start,
                        int64_t *end) {
    *start = *end = 0;
    for (int g = 0; g < md->num_row_groups; g++) {
        for (int c = 0; c < md->row_groups[g].num_columns; c++) {
            const struct pq_column_chunk *cc = &md->row_groups[g].columns[c];
            widen(file_size, cc->offset_index_offset, cc->offset_index_length, start, end);
            widen(file_size, cc->column_index_offset, cc->column_index_length, start, end);
        }
    }
}
