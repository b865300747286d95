/* libFuzzer target: any bytes as a shard's JSON (fdata_shard_from_json: it may come over the
 * network); a shard that parses must write itself back as JSON that parses to the same. */
#include <stdlib.h>
#include <string.h>
#include "fastdata/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct fdata_shard s, back;
    struct fdata_error err;
    if (fdata_shard_from_json((const char *)data, size, &s, &err) != FDATA_OK)
        return 0;
    char *json = NULL;
    if (fdata_shard_to_json(&s, &json, &err) == FDATA_OK) {
        if (fdata_shard_from_json(json, strlen(json), &back, &err) != FDATA_OK ||
            back.num_files != s.num_files || back.rows != s.rows || back.bytes != s.bytes)
            abort(); /* what we write we must read */
        fdata_shard_free(&back);
    }
    free(json);
    fdata_shard_free(&s);
    return 0;
}
