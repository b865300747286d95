#!/usr/bin/env python3
"""Trains LightGBM on a Ubiquant-like table loaded by fastdata (the reference workload's
model): the features come as one float32 matrix straight from fastdata's buffers.
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
table = fastdata.load(source, columns=["time_id", "target"] + features)
x = table.to_numpy(features, dtype="float32", order="F")
y = table.column("target")
print("%d rows x %d features ready in %.3f s" % (x.shape[0], x.shape[1], time.perf_counter() - t0))
model = lgb.train({"objective": "regression", "verbose": -1, "learning_rate": 0.1},
                  lgb.Dataset(x, y), num_boost_round=rounds)
rmse = float(np.sqrt(np.mean((model.predict(x) - y) ** 2)))
print("trained %d trees, training RMSE %.4f" % (model.num_trees(), rmse))
