/* Nested columns from hand-built pages and levels: a null list, an empty list, a list of a
 * null and a list with values stay distinct; a record may continue on the next v1 page;
 * nested structs get validity per level; hostile level streams are errors. */
#include <stdlib.h>
#include "check.h"
#include "arrow/build.h"
#include "common/common.h"
#include "memory/memory.h"
#include "parquet/assemble.h"
#include "parquet/schema.h"

/* optional group a (LIST) { repeated group list { optional int32 element } } */
static void list_schema(struct pq_schema_element *e) {
    memset(e, 0, 4 * sizeof *e);
    for (int i = 0; i < 4; i++) {
        e[i].type = -1;
        e[i].converted = PQ_CT_NONE;
    }
    e[0] = (struct pq_schema_element){.type = -1, .repetition = -1, .name = "schema", .num_children = 1, .converted = PQ_CT_NONE};
    e[1] = (struct pq_schema_element){.type = -1, .repetition = PQ_OPTIONAL, .name = "a", .num_children = 1, .converted = PQ_CT_LIST};
    e[2] = (struct pq_schema_element){.type = -1, .repetition = PQ_REPEATED, .name = "list", .num_children = 1, .converted = PQ_CT_NONE};
    e[3] = (struct pq_schema_element){.type = PQ_INT32, .repetition = PQ_OPTIONAL, .name = "element", .converted = PQ_CT_NONE};
}

/* A v1 DATA_PAGE header, PLAIN values, RLE levels (thrift compact protocol by hand). */
static size_t page_header(uint8_t *p, int size, int num_values) {
    size_t n = 0;
    p[n++] = 0x15; p[n++] = 0x00;                   /* 1: type = DATA_PAGE */
    p[n++] = 0x15; p[n++] = (uint8_t)(size * 2);     /* 2: uncompressed size */
    p[n++] = 0x15; p[n++] = (uint8_t)(size * 2);     /* 3: compressed size */
    p[n++] = 0x2c;                                   /* 5: data_page_header */
    p[n++] = 0x15; p[n++] = (uint8_t)(num_values * 2); /* num_values */
    p[n++] = 0x15; p[n++] = 0x00;                    /* encoding PLAIN */
    p[n++] = 0x15; p[n++] = 0x06;                    /* definition levels RLE */
    p[n++] = 0x15; p[n++] = 0x06;                    /* repetition levels RLE */
    p[n++] = 0x00;
    p[n++] = 0x00;
    return n;
}

/* Appends one page: rep levels (bit width 1), def levels (bit width 2), int32 values. */
static size_t put_page(uint8_t *out, const uint8_t *rep, const uint8_t *def, int n,
                       const int32_t *values, int k) {
    uint8_t body[64];
    size_t b = 0;
    uint8_t rep_bits = 0, def_bits[2] = {0, 0};
    for (int i = 0; i < n; i++) {
        rep_bits |= (uint8_t)(rep[i] << i);
        def_bits[i / 4] |= (uint8_t)(def[i] << (2 * (i % 4)));
    }
    const uint8_t rep_stream[] = {2, 0, 0, 0, 0x03, rep_bits};
    const uint8_t def_stream[] = {3, 0, 0, 0, 0x03, def_bits[0], def_bits[1]};
    memcpy(body + b, rep_stream, sizeof rep_stream), b += sizeof rep_stream;
    memcpy(body + b, def_stream, sizeof def_stream), b += sizeof def_stream;
    memcpy(body + b, values, 4 * (size_t)k), b += 4 * (size_t)k;
    size_t h = page_header(out, (int)b, n);
    memcpy(out + h, body, b);
    return h + b;
}

static void test_list_across_pages(void) {
    struct pq_schema_element e[4];
    list_schema(e);
    struct pq_metadata md = {.num_schema = 4, .schema = e};
    struct pq_schema s;
    struct fdata_error err = {0};
    CHECK(pq_schema_build(&md, &s, &err) == FDATA_OK);
    CHECK(s.num_leaves == 1 && s.leaves[0].max_def == 3 && s.leaves[0].max_rep == 1);
    /* rows: null list, [], [null], [1, null, 2]; the last record continues on page 2 */
    const uint8_t rep1[] = {0, 0, 0, 0}, def1[] = {0, 1, 2, 3};
    const uint8_t rep2[] = {1, 1}, def2[] = {2, 3};
    const int32_t v1[] = {1}, v2[] = {2};
    uint8_t chunk[256];
    size_t n = put_page(chunk, rep1, def1, 4, v1, 1);
    n += put_page(chunk + n, rep2, def2, 2, v2, 1);
    struct pq_scratch scratch = {0};
    struct pq_chunk_input in = {.leaf = &s.leaves[0], .data = chunk, .size = n, .codec = PQ_UNCOMPRESSED,
                                .num_rows = 4, .num_values = 6, .scratch = &scratch};
    struct pq_leaf_result r = {0};
    CHECK(pq_decode_chunk(&in, &r.array, &r.levels, &err) == FDATA_OK);
    CHECK(r.levels.count == 6 && r.array.length == 4 && r.array.null_count == 2);
    const int32_t *vals = r.array.buffers[1];
    const uint8_t *bits = r.array.buffers[0];
    CHECK(vals[1] == 1 && vals[3] == 2 && bits[0] == 0x0a); /* null, 1, null, 2 */

    uint8_t selected[1] = {1}, large[8] = {0};
    int fields[1] = {0};
    struct pq_projection p = {.selected = selected, .num_fields = 1, .fields = fields, .large = large};
    struct ArrowArray list;
    CHECK(pq_assemble_field(&s, &p, s.fields[0], &r, 4, &list, &err) == FDATA_OK);
    CHECK(list.length == 4 && list.null_count == 1);
    const int32_t *off = list.buffers[1];
    const uint8_t *lbits = list.buffers[0];
    CHECK(off[0] == 0 && off[1] == 0 && off[2] == 0 && off[3] == 1 && off[4] == 4);
    CHECK(lbits[0] == 0x0e); /* rows 1..3 are lists, row 0 is null */
    CHECK(list.children[0]->length == 4);
    list.release(&list);

    /* the same chunk claiming 5 rows: the records do not add up */
    struct pq_leaf_result bad = {0};
    in.num_rows = 5;
    CHECK(pq_decode_chunk(&in, &bad.array, &bad.levels, &err) == FDATA_ECORRUPT);
    CHECK(strstr(err.message, "records") != NULL && bad.array.release == NULL);
    /* a chunk whose first entry continues a record */
    uint8_t cont[128];
    in.data = cont;
    in.size = put_page(cont, rep2, def2, 2, v2, 1);
    in.num_rows = 1;
    in.num_values = 2;
    CHECK(pq_decode_chunk(&in, &bad.array, &bad.levels, &err) == FDATA_ECORRUPT);
    CHECK(strstr(err.message, "first repetition level") != NULL);
    /* a definition level wider than its bit width (an RLE run of 4 at width 2) */
    uint8_t hostile[128];
    const uint8_t body[] = {2, 0, 0, 0, 0x03, 0x00, 2, 0, 0, 0, 0x08, 0x04};
    size_t hn = page_header(hostile, sizeof body, 4);
    memcpy(hostile + hn, body, sizeof body);
    in.data = hostile;
    in.size = hn + sizeof body;
    in.num_rows = 4;
    in.num_values = 4;
    CHECK(pq_decode_chunk(&in, &bad.array, &bad.levels, &err) == FDATA_ECORRUPT);
    CHECK(strstr(err.message, "definition levels") != NULL && bad.levels.def == NULL);
    /* more level entries claimed than the chunk's bytes could hold */
    in.num_values = (int64_t)1 << 40;
    CHECK(pq_decode_chunk(&in, &bad.array, &bad.levels, &err) == FDATA_ECORRUPT);
    pq_levels_free(&r.levels);
    pq_scratch_free(&scratch);
    pq_schema_free(&s);
}

/* optional group s { optional group t { optional int32 x } }: null at every level */
static void test_nested_struct_validity(void) {
    struct pq_schema_element e[4] = {
        {.type = -1, .repetition = -1, .name = "schema", .num_children = 1, .converted = PQ_CT_NONE},
        {.type = -1, .repetition = PQ_OPTIONAL, .name = "s", .num_children = 1, .converted = PQ_CT_NONE},
        {.type = -1, .repetition = PQ_OPTIONAL, .name = "t", .num_children = 1, .converted = PQ_CT_NONE},
        {.type = PQ_INT32, .repetition = PQ_OPTIONAL, .name = "x", .converted = PQ_CT_NONE},
    };
    struct pq_metadata md = {.num_schema = 4, .schema = e};
    struct pq_schema s;
    struct fdata_error err = {0};
    CHECK(pq_schema_build(&md, &s, &err) == FDATA_OK);
    CHECK(s.leaves[0].max_def == 3 && s.leaves[0].max_rep == 0 && s.leaves[0].nested);
    uint8_t def[4] = {0, 1, 2, 3}, rep[4] = {0, 0, 0, 0};
    struct pq_leaf_result r = {.levels = {.def = def, .rep = rep, .count = 4, .cap = 4}};
    int32_t *vals = fdata_aligned_calloc(16);
    uint8_t *vbits = fdata_aligned_calloc(1);
    vals[3] = 5;
    vbits[0] = 0x08;
    void *bufs[2] = {vbits, vals};
    fdata_array_make(&r.array, 4, 3, 2, bufs);
    uint8_t selected[1] = {1}, large[8] = {0};
    int fields[1] = {0};
    struct pq_projection p = {.selected = selected, .num_fields = 1, .fields = fields, .large = large};
    struct ArrowArray st;
    CHECK(pq_assemble_field(&s, &p, s.fields[0], &r, 4, &st, &err) == FDATA_OK);
    CHECK(st.null_count == 1 && ((const uint8_t *)st.buffers[0])[0] == 0x0e);
    const struct ArrowArray *t = st.children[0];
    CHECK(t->null_count == 2 && ((const uint8_t *)t->buffers[0])[0] == 0x0c);
    CHECK(t->children[0]->null_count == 3);
    st.release(&st);
    /* levels that give the struct 3 rows where the field has 4 */
    def[0] = 0;
    rep[1] = 0;
    fdata_array_make(&r.array, 4, 0, 2, (void *[]){NULL, fdata_aligned_calloc(16)});
    CHECK(pq_assemble_field(&s, &p, s.fields[0], &r, 3, &st, &err) == FDATA_ECORRUPT);
    if (r.array.release)
        r.array.release(&r.array);
    pq_schema_free(&s);
}

/* Schemas that break the LIST/MAP rules are refused when the file is opened. */
static void test_malformed_nested_schema(void) {
    struct pq_schema_element e[3] = {
        {.type = -1, .repetition = -1, .name = "schema", .num_children = 1, .converted = PQ_CT_NONE},
        {.type = -1, .repetition = PQ_OPTIONAL, .name = "m", .num_children = 1, .converted = PQ_CT_MAP},
        {.type = PQ_INT32, .repetition = PQ_OPTIONAL, .name = "not_repeated", .converted = PQ_CT_NONE},
    };
    struct pq_metadata md = {.num_schema = 3, .schema = e};
    struct pq_schema s;
    struct fdata_error err = {0};
    CHECK(pq_schema_build(&md, &s, &err) == FDATA_ECORRUPT && strstr(err.message, "MAP 'm'"));
    e[1].converted = PQ_CT_LIST;
    CHECK(pq_schema_build(&md, &s, &err) == FDATA_ECORRUPT && strstr(err.message, "LIST 'm'"));
    /* a group claiming more children than exist */
    e[1].converted = PQ_CT_NONE;
    e[1].num_children = 5;
    CHECK(pq_schema_build(&md, &s, &err) == FDATA_ECORRUPT);
}

int main(void) {
    test_list_across_pages();
    test_nested_struct_validity();
    test_malformed_nested_schema();
    return check_result("test_assemble");
}
