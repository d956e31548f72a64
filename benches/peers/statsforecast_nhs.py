"""Accuracy and speed of hospsim's forecasting models against statsforecast,
on the NHS England monthly A&E attendances (../shared/data/nhs_ae_monthly.csv).

Protocol (the issue's): every series with all 36 months and no gap; the last
12 months are held out; models are fitted on the first 24 and forecast 12.
MASE is scaled by the in-sample seasonal-naive (m = 12) mean absolute error of
the training part, per series, then averaged over series.

Both tools see the same file (written to a temporary folder); hospsim runs as
`hospsim backtest --folds 1 --horizon 12 --threads 1`, statsforecast with
n_jobs=1. Interval coverage (the share of the held-out months inside the
80% and 95% intervals) is compared for the models both give intervals for.
Speed: the CPU time (user + sys) of a whole process that fits
AutoETS (and AutoARIMA) with seasonal search to every series and forecasts
12 months.

Usage: python3 benches/peers/statsforecast_nhs.py [path/to/hospsim]
"""

import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "nhs_ae_monthly.csv"))
HOSPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "hospsim")
H, M = 12, 12

MODELS = {  # hospsim name -> statsforecast alias
    "naive": "Naive",
    "snaive": "SeasonalNaive",
    "ses": "SESOpt",
    "ets": "AutoETS",
    "theta": "Theta",
    "otm": "OptimizedTheta",
    "arima": "AutoARIMA",
}


def complete_series(df):
    df = df.copy()
    df["ds"] = pd.to_datetime(df["ds"])
    keep = []
    for uid, g in df.groupby("unique_id", sort=False):
        months = g["ds"].dt.year * 12 + g["ds"].dt.month
        if len(g) == 36 and (np.diff(np.sort(months.values)) == 1).all():
            keep.append(uid)
    out = df[df["unique_id"].isin(keep)][["unique_id", "ds", "y"]]
    return out.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def mase(y_test, y_hat, y_train):
    scale = np.mean(np.abs(y_train[M:] - y_train[:-M]))
    return np.mean(np.abs(y_test - y_hat)) / scale


INTERVAL_MODELS = ("AutoETS", "Theta", "AutoARIMA")


def statsforecast_accuracy(df):
    """Mean MASE per model, and coverage at 80 / 95% for INTERVAL_MODELS."""
    from statsforecast import StatsForecast
    from statsforecast.models import (AutoARIMA, AutoETS, Naive, OptimizedTheta, SeasonalNaive,
                                      SimpleExponentialSmoothingOptimized, Theta)
    train = df.groupby("unique_id").head(36 - H)
    test = df.groupby("unique_id").tail(H)
    points = [Naive(), SeasonalNaive(season_length=M),
              SimpleExponentialSmoothingOptimized(alias="SESOpt"),
              OptimizedTheta(season_length=M)]
    # SES has no intervals in statsforecast, so the interval models run apart.
    with_levels = [AutoETS(season_length=M), Theta(season_length=M), AutoARIMA(season_length=M)]
    fc = StatsForecast(models=points, freq="MS", n_jobs=1).forecast(df=train, h=H)
    fl = StatsForecast(models=with_levels, freq="MS", n_jobs=1).forecast(df=train, h=H, level=[80, 95])
    fc = fc.merge(fl, on=["unique_id", "ds"])
    scores = {alias: [] for alias in MODELS.values()}
    for uid, g in test.groupby("unique_id"):
        y_train = train[train["unique_id"] == uid]["y"].to_numpy(float)
        f = fc[fc["unique_id"] == uid]
        for alias in scores:
            scores[alias].append(mase(g["y"].to_numpy(float), f[alias].to_numpy(float), y_train))
    held = fc.merge(test, on=["unique_id", "ds"])
    coverage = {}
    for alias in INTERVAL_MODELS:
        coverage[alias] = tuple(
            100 * float(((held.y >= held[f"{alias}-lo-{lv}"]) & (held.y <= held[f"{alias}-hi-{lv}"])).mean())
            for lv in (80, 95))
    return {a: float(np.mean(v)) for a, v in scores.items()}, coverage


def hospsim_accuracy(path, out):
    subprocess.run([HOSPSIM, "backtest", path, "--models", ",".join(MODELS), "--horizon", str(H),
                    "--folds", "1", "--threads", "1", "--quiet", "--no-report", "--out", out], check=True)
    per = pd.read_csv(os.path.join(out, "per_series.csv"))
    metrics = pd.read_csv(os.path.join(out, "metrics.csv")).set_index("model")
    coverage = {m: (100 * float(metrics.loc[m, "coverage-80"]), 100 * float(metrics.loc[m, "coverage-95"]))
                for m in MODELS if MODELS[m] in INTERVAL_MODELS}
    return {m: float(per[per["model"] == m]["mase"].mean()) for m in MODELS}, coverage


SPEED_SCRIPT = """
import sys, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS
model = {"ets": AutoETS, "arima": AutoARIMA}[sys.argv[2]](season_length=12)
df = pd.read_csv(sys.argv[1], parse_dates=["ds"])
StatsForecast(models=[model], freq="MS", n_jobs=1).forecast(df=df, h=12)
"""


def cpu_of(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main():
    df = complete_series(pd.read_csv(DATA))
    n_series = df["unique_id"].nunique()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "nhs_complete.csv")
        out = df.copy()
        out["ds"] = out["ds"].dt.strftime("%Y-%m-%d")
        out.to_csv(path, index=False)
        train_path = os.path.join(tmp, "nhs_train.csv")
        out.groupby("unique_id").head(36 - H).to_csv(train_path, index=False)

        sf, sf_cover = statsforecast_accuracy(df)
        hs, hs_cover = hospsim_accuracy(path, os.path.join(tmp, "bt"))
        print(f"NHS England monthly A&E attendances: {n_series} complete series, train 24 months, test 12")
        print(f"{'model':<16}{'hospsim MASE':>14}{'statsforecast':>15}{'difference':>12}")
        for ours, theirs in MODELS.items():
            d = hs[ours] - sf[theirs]
            print(f"{ours + ' / ' + theirs:<30}"[:16] + f"{hs[ours]:>14.4f}{sf[theirs]:>15.4f}{d:>+12.4f}")
        print("\nCoverage of the held-out months, 80% / 95% intervals (nominal 80.0 / 95.0):")
        for ours, theirs in MODELS.items():
            if ours in hs_cover:
                h80, h95 = hs_cover[ours]
                s80, s95 = sf_cover[theirs]
                print(f"  {ours:<6} hospsim {h80:5.1f} / {h95:5.1f}   statsforecast {theirs:<10} {s80:5.1f} / {s95:5.1f}")

        script = os.path.join(tmp, "speed.py")
        with open(script, "w") as f:
            f.write(SPEED_SCRIPT)
        for model, label in (("ets", "AutoETS"), ("arima", "AutoARIMA")):
            runs = []
            for _ in range(3):
                py = cpu_of([sys.executable, script, train_path, model])
                rs = cpu_of([HOSPSIM, "forecast", train_path, "--model", model, "--horizon", "12",
                             "--threads", "1", "--quiet", "--no-report", "--out", os.path.join(tmp, "fc")])
                runs.append((py, rs))
            py_cpu = sorted(r[0][0] for r in runs)[1]
            rs_cpu = sorted(r[1][0] for r in runs)[1]
            print(f"\n{label} (seasonal search) on {n_series} series, one thread, whole process, median of 3:")
            print(f"  statsforecast {py_cpu:8.2f} s CPU")
            print(f"  hospsim       {rs_cpu:8.2f} s CPU   ({py_cpu / rs_cpu:.1f}x less)")

if __name__ == "__main__":
    main()
