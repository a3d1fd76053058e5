"""XGBoost side of bench/forest (run with Debian's /usr/bin/python3 + python3-xgboost).

  make <dir>                 trains the benchmark model (500 trees, depth 8, binary:logistic)
                             on synthetic data and writes <dir>/model.json and <dir>/input.f32
                             (100,000 rows x 32 float32 features, 2% NaN)
  measure <dir> <batches> <seconds>
                             times Booster.inplace_predict on the first `batch` rows of
                             input.f32 at nthread=1 and nthread=all cores (rows per wall second and per
                             CPU second of the process); prints one JSON object
                             and writes <dir>/xgboost_pred.f32 (probabilities for all rows)
"""
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb

NUM_FEATURE = 32
NUM_ROWS = 100_000


def make(out_dir):
    rng = np.random.default_rng(20261125)
    n_train = 20_000
    x = rng.standard_normal((n_train, NUM_FEATURE)).astype(np.float32)
    logit = x[:, 0] * x[:, 1] + np.sin(x[:, 2] * 2) + 0.5 * x[:, 3] - x[:, 4] ** 2 + 0.3 * x[:, 5:10].sum(axis=1)
    y = (logit + rng.standard_normal(n_train) * 0.5 > 0).astype(np.float32)
    x[rng.random(x.shape) < 0.02] = np.nan
    dtrain = xgb.DMatrix(x, label=y)
    params = {"objective": "binary:logistic", "max_depth": 8, "eta": 0.05, "tree_method": "hist",
              "nthread": os.cpu_count(), "seed": 7, "min_child_weight": 0.0, "lambda": 0.1}
    booster = xgb.train(params, dtrain, num_boost_round=500)
    booster.save_model(os.path.join(out_dir, "model.json"))
    xin = rng.standard_normal((NUM_ROWS, NUM_FEATURE)).astype(np.float32)
    xin[rng.random(xin.shape) < 0.02] = np.nan
    xin.tofile(os.path.join(out_dir, "input.f32"))


def measure(out_dir, batches, seconds):
    booster = xgb.Booster(model_file=os.path.join(out_dir, "model.json"))
    x = np.fromfile(os.path.join(out_dir, "input.f32"), dtype=np.float32).reshape(-1, NUM_FEATURE)
    result = {"xgboost_version": xgb.__version__, "threads_all": os.cpu_count(), "runs": []}
    for nthread, label in ((1, "1"), (os.cpu_count(), "all")):
        booster.set_param({"nthread": nthread})
        for batch in batches:
            rows = x[:batch]
            booster.inplace_predict(rows)  # warm up
            reps, start, cpu_start = 0, time.perf_counter(), time.process_time()
            while True:
                booster.inplace_predict(rows)
                reps += 1
                elapsed = time.perf_counter() - start
                if elapsed >= seconds and reps >= 3:
                    break
            cpu = time.process_time() - cpu_start
            result["runs"].append({"threads": label, "batch": batch, "rows_per_s": batch * reps / elapsed,
                                   "rows_per_cpu_s": batch * reps / cpu, "us_per_call": elapsed / reps * 1e6})
    booster.set_param({"nthread": os.cpu_count()})
    booster.inplace_predict(x).astype(np.float32).tofile(os.path.join(out_dir, "xgboost_pred.f32"))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "measure":
        measure(sys.argv[2], [int(b) for b in sys.argv[3].split(",")], float(sys.argv[4]))
    else:
        sys.exit(__doc__)
