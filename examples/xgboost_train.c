/* Trains XGBoost (its C API, Debian's libxgboost-dev) on a table loaded by fastdata:
 *   xgboost_train SOURCE [FEATURES [ROUNDS]]
 * loads f_0..f_{FEATURES-1} of a Ubiquant-like table (fastdata gen ubiquant) as the row-major
 * float32 matrix XGDMatrixCreateFromMat wants, written by fastdata's decoders themselves
 * (fdata_load_options.matrix), and `target` as the one column of the table; then prints the
 * training RMSE of each round. */
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

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: xgboost_train SOURCE [FEATURES [ROUNDS]]\n");
        return 2;
    }
    int features = argc > 2 ? atoi(argv[2]) : 20, rounds = argc > 3 ? atoi(argv[3]) : 10;
    char **names = calloc((size_t)features + 1, sizeof *names);
    for (int f = 0; f < features; f++) {
        names[f] = malloc(16);
        snprintf(names[f], 16, "f_%d", f);
    }
    const char *label[] = {"target"};
    struct fdata_matrix x = {(const char *const *)names, (size_t)features, FDATA_MATRIX_FLOAT32,
                             FDATA_MATRIX_ROW_MAJOR, NULL, 0};
    struct fdata_load_options o = {.columns = label, .num_columns = 1, .matrix = &x};
    struct ArrowArrayStream table;
    struct fdata_load_report r;
    struct fdata_error err;
    if (fdata_load((const char *const *)argv + 1, 1, &o, &table, &r, &err) != FDATA_OK) {
        fprintf(stderr, "fastdata: %s\n", err.message);
        return 1;
    }
    /* the labels: the table's one column, put into a one-column matrix of our own buffer */
    struct fdata_matrix y = {label, 1, FDATA_MATRIX_FLOAT32, FDATA_MATRIX_COLUMN_MAJOR,
                             malloc((size_t)r.rows * sizeof(float) + 1), r.rows};
    int64_t row = 0;
    struct ArrowArray b;
    struct ArrowSchema schema;
    table.get_schema(&table, &schema);
    while (table.get_next(&table, &b) == 0 && b.release) {
        fdata_matrix_put(&y, 0, row, schema.children[0]->format, b.children[0], 0, b.length);
        row += b.length;
        b.release(&b);
    }
    schema.release(&schema);
    table.release(&table);
    printf("loaded %lld rows x %d features in %.3f s (%.2f Gbit/s)\n", (long long)r.rows, features,
           r.seconds, r.download_gbit_s);
    DMatrixHandle train;
    BoosterHandle booster;
    CHECK_XGB(XGDMatrixCreateFromMat(x.data, (bst_ulong)row, (bst_ulong)features, NAN, &train));
    CHECK_XGB(XGDMatrixSetFloatInfo(train, "label", y.data, (bst_ulong)row));
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
    fdata_matrix_free(&x);
    free(y.data);
    for (int f = 0; f < features; f++)
        free(names[f]);
    free(names);
    return 0;
}
