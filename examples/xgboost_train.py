#!/usr/bin/env python3
"""Trains XGBoost on a Ubiquant-like table loaded by fastdata: the features come as one
float32 matrix that fastdata's decoders write themselves (load(matrix=...)), handed to
xgboost.DMatrix as it is (nulls are NaN, XGBoost's missing value).  Prints the training RMSE
of the first and last round.
usage: xgboost_train.py SOURCE [FEATURES [ROUNDS]]   (SOURCE: s3:// prefix or directory)"""
import sys
import time

import xgboost as xgb

import fastdata

source = sys.argv[1]
features = ["f_%d" % i for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 300)]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
t0 = time.perf_counter()
table = fastdata.load(source, columns=["target"], matrix=features, matrix_order="C")
x, y = table.matrix, table.column("target")
assert x is not None  # load(matrix=...) always makes one
print("%d rows x %d features ready in %.3f s" % (x.shape[0], x.shape[1], time.perf_counter() - t0))
train = xgb.DMatrix(x, label=y, missing=float("nan"))
history: dict[str, dict[str, list[float]]] = {}
xgb.train({"objective": "reg:squarederror", "max_depth": 6, "eval_metric": "rmse"}, train,
          num_boost_round=rounds, evals=[(train, "train")], evals_result=history, verbose_eval=False)
rmse = history["train"]["rmse"]
print("training RMSE %.4f after round 1, %.4f after round %d" % (rmse[0], rmse[-1], len(rmse)))
