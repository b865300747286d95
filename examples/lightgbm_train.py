#!/usr/bin/env python3
"""Trains LightGBM on a Ubiquant-like table loaded by fastdata (the reference workload's
model): the features come as one float32 matrix that fastdata's decoders write themselves.
Prints the training RMSE after the first and the last round.
usage: lightgbm_train.py SOURCE [FEATURES [ROUNDS]]   (SOURCE: s3:// prefix or directory)"""
import sys
import time

import lightgbm as lgb
import numpy as np

import fastdata

source = sys.argv[1]
features = ["f_%d" % i for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 300)]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
t0 = time.perf_counter()
table = fastdata.load(source, columns=["time_id", "target"], matrix=features)
x = table.matrix  # rows x features, float32, Fortran order
assert x is not None  # load(matrix=...) always makes one
y = table.column("target")
print("%d rows x %d features ready in %.3f s" % (x.shape[0], x.shape[1], time.perf_counter() - t0))
model = lgb.train({"objective": "regression", "verbose": -1, "learning_rate": 0.1},
                  lgb.Dataset(x, y), num_boost_round=rounds)
rmse = [float(np.sqrt(np.mean((model.predict(x, num_iteration=k) - y) ** 2))) for k in (1, rounds)]
print("training RMSE %.4f after round 1, %.4f after round %d" % (rmse[0], rmse[1], rounds))
