/* Thrift compact protocol reader: encodings of each type, skipping, and every bound. */
#include "check.h"
#include "parquet/thrift.h"

static void test_scalar_fields(void) {
    /* struct { 1: i32 = -3 (zigzag 5), 2: i64 = 300 (zigzag 600 = 0xd8 0x04), 3: true,
     *          20 (long form, zigzag 40): binary "ab" } */
    const uint8_t in[] = {0x15, 0x05, 0x16, 0xd8, 0x04, 0x11, 0x08, 0x28, 0x02, 'a', 'b', 0x00};
    struct tc_reader r;
    tc_init(&r, in, sizeof in);
    int16_t last = 0, id;
    int type;
    tc_struct_begin(&r);
    CHECK(tc_next_field(&r, &last, &type, &id) && id == 1 && type == TC_I32);
    CHECK(tc_i32(&r, type) == -3);
    CHECK(tc_next_field(&r, &last, &type, &id) && id == 2 && type == TC_I64);
    CHECK(tc_i64(&r, type) == 300);
    CHECK(tc_next_field(&r, &last, &type, &id) && id == 3 && tc_bool(&r, type) == 1);
    CHECK(tc_next_field(&r, &last, &type, &id) && id == 20 && type == TC_BINARY);
    const uint8_t *s;
    uint32_t n;
    tc_binary(&r, type, &s, &n);
    CHECK(n == 2 && memcmp(s, "ab", 2) == 0);
    CHECK(!tc_next_field(&r, &last, &type, &id));
    tc_struct_end(&r);
    CHECK(r.error == NULL && r.p == in + sizeof in);
}

static void test_lists(void) {
    /* short list of 3 i32 (header 0x35), then a long list of 16 bytes (0xf3 0x10) */
    uint8_t in[3 + 1 + 2 + 16] = {0x35, 0x02, 0x04, 0x06, 0xf3, 0x10};
    struct tc_reader r;
    int elem;
    tc_init(&r, in, sizeof in);
    uint32_t n = tc_list_begin(&r, TC_LIST, &elem);
    CHECK(n == 3 && elem == TC_I32);
    CHECK(tc_i32(&r, elem) == 1 && tc_i32(&r, elem) == 2 && tc_i32(&r, elem) == 3);
    n = tc_list_begin(&r, TC_LIST, &elem);
    CHECK(n == 16 && elem == TC_BYTE);
    tc_skip(&r, TC_BYTE);
    CHECK(r.error == NULL);
}

static void test_skip_nested(void) {
    /* field 1: struct { field 1: list<struct{}> of 2 empty structs, field 2: map<i32,i32>{1:2} } */
    const uint8_t in[] = {0x1c, 0x19, 0x2c, 0x00, 0x00, 0x1b, 0x01, 0x55, 0x02, 0x04, 0x00, 0x00};
    struct tc_reader r;
    tc_init(&r, in, sizeof in);
    tc_skip(&r, TC_STRUCT);
    CHECK(r.error == NULL && r.p == in + sizeof in);
}

static void test_bounds(void) {
    struct tc_reader r;
    int elem;
    /* a list claiming 1000 elements in 2 bytes */
    const uint8_t big[] = {0xf5, 0xe8, 0x07, 0x00};
    tc_init(&r, big, sizeof big);
    CHECK(tc_list_begin(&r, TC_LIST, &elem) == 0 && r.error != NULL);
    /* binary longer than the input */
    const uint8_t bin[] = {0x0a, 'x'};
    const uint8_t *s;
    uint32_t n;
    tc_init(&r, bin, sizeof bin);
    tc_binary(&r, TC_BINARY, &s, &n);
    CHECK(r.error != NULL && n == 0);
    /* unterminated varint */
    const uint8_t var[] = {0x80, 0x80};
    tc_init(&r, var, sizeof var);
    tc_i64(&r, TC_I64);
    CHECK(r.error != NULL);
    /* structs nested deeper than the limit: field 1 struct, over and over */
    uint8_t deep[200];
    memset(deep, 0x1c, sizeof deep);
    tc_init(&r, deep, sizeof deep);
    tc_skip(&r, TC_STRUCT);
    CHECK(r.error != NULL);
    /* a wrong type for a field is an error, not a misread */
    const uint8_t str[] = {0x02, 'h', 'i'};
    tc_init(&r, str, sizeof str);
    tc_i32(&r, TC_BINARY);
    CHECK(r.error != NULL);
    /* errors are sticky: reads after one return 0 */
    CHECK(tc_i64(&r, TC_I64) == 0);
}

int main(void) {
    test_scalar_fields();
    test_lists();
    test_skip_nested();
    test_bounds();
    return check_result("test_thrift");
}
