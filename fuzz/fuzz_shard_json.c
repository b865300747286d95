/* libFuzzer target: any bytes as a shard's JSON (fdata_shard_from_json: it may come over the
 * network), its table schema too; a shard that parses must write itself back as JSON that
 * parses to the same (the same text again: files, counts and schema). */
#include <stdlib.h>
#include <string.h>
#include "fastdata/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct fdata_shard s, back;
    struct fdata_error err;
    if (fdata_shard_from_json((const char *)data, size, &s, &err) != FDATA_OK)
        return 0;
    char *json = NULL, *again = NULL;
    if (fdata_shard_to_json(&s, &json, &err) == FDATA_OK) {
        if (fdata_shard_from_json(json, strlen(json), &back, &err) != FDATA_OK ||
            back.num_files != s.num_files || back.rows != s.rows || back.bytes != s.bytes ||
            !back.schema.release != !s.schema.release)
            abort(); /* what we write we must read */
        if (fdata_shard_to_json(&back, &again, &err) == FDATA_OK && strcmp(json, again) != 0)
            abort(); /* and read as it was */
        fdata_shard_free(&back);
    }
    free(again);
    free(json);
    fdata_shard_free(&s);
    return 0;
}
