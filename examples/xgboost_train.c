/* Trains XGBoost (its C API, Debian's libxgboost-dev) on a table loaded by fastdata:
 *   xgboost_train SOURCE [FEATURES [ROUNDS]]
 * loads `target` and f_0..f_{FEATURES-1} of a Ubiquant-like table (fastdata gen ubiquant),
 * lays the features out row-major as XGDMatrixCreateFromMat wants, and prints the training
 * RMSE of each round. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>
#include "fastdata/load.h"

#define CHECK_XGB(call)                                                       \
    do {                                                                      \
        if ((call) != 0) {                                                    \
            fprintf(stderr, "xgboost: %s\n", XGBGetLastError());              \
            return 1;                                                         \
        }                                                                     \
    } while (0)

/* Value k of a float32 column (NaN when null). */
static float value(const struct ArrowArray *a, int64_t k) {
    int64_t j = k + a->offset;
    const uint8_t *valid = a->buffers[0];
    if (valid && !(valid[j >> 3] >> (j & 7) & 1))
        return NAN;
    return ((const float *)a->buffers[1])[j];
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: xgboost_train SOURCE [FEATURES [ROUNDS]]\n");
        return 2;
    }
    int features = argc > 2 ? atoi(argv[2]) : 20, rounds = argc > 3 ? atoi(argv[3]) : 10;
    char **names = calloc((size_t)features + 1, sizeof *names);
    names[0] = "target";
    for (int f = 0; f < features; f++) {
        names[f + 1] = malloc(16);
        snprintf(names[f + 1], 16, "f_%d", f);
    }
    struct fdata_load_options o = {.columns = (const char *const *)names, .num_columns = (size_t)features + 1};
    struct ArrowArrayStream table;
    struct fdata_load_report r;
    struct fdata_error err;
    if (fdata_load((const char *const *)argv + 1, 1, &o, &table, &r, &err) != FDATA_OK) {
        fprintf(stderr, "fastdata: %s\n", err.message);
        return 1;
    }
    float *x = malloc((size_t)r.rows * (size_t)features * sizeof *x), *y = malloc((size_t)r.rows * sizeof *y);
    int64_t row = 0;
    struct ArrowArray b;
    while (table.get_next(&table, &b) == 0 && b.release) {
        for (int64_t k = 0; k < b.length; k++) {
            y[row + k] = value(b.children[0], k);
            for (int f = 0; f < features; f++)
                x[(row + k) * features + f] = value(b.children[f + 1], k);
        }
        row += b.length;
        b.release(&b);
    }
    table.release(&table);
    printf("loaded %lld rows x %d features in %.3f s (%.2f Gbit/s)\n", (long long)r.rows, features,
           r.seconds, r.download_gbit_s);
    DMatrixHandle train;
    BoosterHandle booster;
    CHECK_XGB(XGDMatrixCreateFromMat(x, (bst_ulong)row, (bst_ulong)features, NAN, &train));
    CHECK_XGB(XGDMatrixSetFloatInfo(train, "label", y, (bst_ulong)row));
    CHECK_XGB(XGBoosterCreate(&train, 1, &booster));
    CHECK_XGB(XGBoosterSetParam(booster, "objective", "reg:squarederror"));
    CHECK_XGB(XGBoosterSetParam(booster, "max_depth", "6"));
    const char *names_eval[] = {"train"};
    for (int i = 0; i < rounds; i++) {
        const char *eval;
        CHECK_XGB(XGBoosterUpdateOneIter(booster, i, train));
        CHECK_XGB(XGBoosterEvalOneIter(booster, i, &train, names_eval, 1, &eval));
        printf("%s\n", eval);
    }
    XGBoosterFree(booster);
    XGDMatrixFree(train);
    free(x), free(y);
    for (int f = 1; f <= features; f++)
        free(names[f]);
    free(names);
    return 0;
}
