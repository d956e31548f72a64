"""Accuracy and speed of hospsim's AutoETS against statsforecast's AutoETS (and,
for reference, statsforecast's AutoARIMA) on a deterministic synthetic set of
monthly hospital-demand series.

Data: 800 monthly series of 60 months (2020-01-01 .. 2024-12-01, month starts),
drawn with a fixed numpy seed (SEED below), 160 of each of five kinds:
  level   a level with noise
  trend   a linear trend (up or down) with noise
  addseas an additive season (on a mild trend) with noise
  mulseas a multiplicative season on a trend with multiplicative noise
  damped  a damped trend (the slope decays by phi each month) with noise
Base levels are log-uniform between 50 and 5000 a month; a series that strays
outside 50 .. 5000 is rescaled as a whole into it (no series spans a factor of
100), and values are rounded to whole numbers (demand counts, all positive).
The kind is the prefix of each unique_id (e.g. `mulseas_0042`).

Protocol: the last 12 months are held out; models are fitted on the first 48
and forecast 12. MASE is scaled by the in-sample seasonal-naive (m = 12) mean
absolute error of the 48 training months, per series, then averaged over
series.

Both tools read files written to a temporary folder: the long CSV
`unique_id,ds,y` of all 60 months, and its first 48 months per series.
  hospsim:       `hospsim backtest ALL.csv --models ets --horizon 12 --folds 1
                  --threads 1 --no-report -q --out DIR` (one fold: it trains on
                  the first 48 months and scores the last 12); its MASE is the
                  mean of per_series.csv's `mase`, and is checked against a
                  MASE computed here from the forecasts of an untimed run with
                  --write-forecasts.
  statsforecast: a fresh Python process that imports pandas and statsforecast,
                  reads TRAIN.csv, fits AutoETS(season_length=12) (or
                  AutoARIMA(season_length=12)) with n_jobs=1, forecasts 12
                  and writes the forecasts to CSV; MASE is computed here from
                  that CSV.
Speed: the CPU time (user + sys) of each whole child process, from
resource.getrusage(RUSAGE_CHILDREN) deltas, median of RUNS runs (every run is
printed). The statsforecast figures include starting Python and importing
pandas and statsforecast; the CPU of a process that only does those imports is
reported on its own. hospsim's backtest also computes 80/95% intervals and its
metrics; a run with `--intervals none` is reported beside it for reference.
Wall times are printed too but are not comparable on a busy machine.
Then hospsim (with intervals) and statsforecast AutoETS run in turn, RUNS
pairs, and the median of the per-pair CPU ratios is printed: the figure to
quote when the machine's speed drifts between the separate timings.

Coverage: the share of held-out months inside hospsim's 80/95% intervals
(its check run) and inside statsforecast AutoETS's (an untimed run with
level=[80, 95]).

Usage: python3 benches/peers/statsforecast_synthetic.py [path/to/hospsim]
       (needs `pip install statsforecast pandas numpy`; RUNS=n in the
       environment changes the number of timed runs, default 3; ARIMA=0
       leaves AutoARIMA out, which is most of the half hour the script takes)
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
sys.path.insert(0, HERE)
from statsforecast_nhs import cpu_of  # noqa: E402  (one timing rule for both scripts)
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
HOSPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "hospsim")
SEED = 20240601
N_PER_KIND = 160
KINDS = ["level", "trend", "addseas", "mulseas", "damped"]
N, H, M = 60, 12, 12
RUNS = int(os.environ.get("RUNS", "3"))
# ARIMA=0 skips AutoARIMA (about 25 of the script's 30 minutes).
WITH_ARIMA = os.environ.get("ARIMA", "1") != "0"
TIE = 1e-5  # per_series.csv holds MASE to about 6 significant digits


def season_shape(rng):
    """A smooth yearly profile with mean 0 and max |value| 1 (winter peak, summer dip, noise)."""
    t = np.arange(M)
    phase = rng.uniform(-0.6, 0.6)
    s = np.cos(2 * np.pi * (t - phase) / M) + rng.uniform(0.0, 0.5) * np.cos(4 * np.pi * (t - rng.uniform(0, M)) / M)
    s = s + rng.normal(0, 0.15, M)
    s = s - s.mean()
    return s / np.abs(s).max()


def make_series(kind, rng):
    t = np.arange(N, dtype=float)
    level = float(np.exp(rng.uniform(np.log(50), np.log(5000))))
    cv = rng.uniform(0.03, 0.12)
    if kind == "level":
        y = level + rng.normal(0, cv * level, N)
    elif kind == "trend":
        change = rng.uniform(0.15, 0.8) * rng.choice([-0.5, 1.0])  # total change over 60 months
        y = level * (1 + change * t / N) + rng.normal(0, cv * level, N)
    elif kind == "addseas":
        amp = rng.uniform(0.08, 0.3) * level
        slope = rng.uniform(-0.1, 0.3) * level / N
        y = level + slope * t + amp * np.tile(season_shape(rng), N // M) + rng.normal(0, cv * level, N)
    elif kind == "mulseas":
        amp = rng.uniform(0.1, 0.35)
        growth = rng.uniform(0.2, 1.2)  # the level grows by this fraction over 60 months
        base = level * (1 + growth * t / N)
        y = base * (1 + amp * np.tile(season_shape(rng), N // M)) * np.exp(rng.normal(0, cv, N))
    elif kind == "damped":
        phi = rng.uniform(0.85, 0.97)
        b0 = rng.uniform(0.01, 0.04) * level * rng.choice([-0.6, 1.0])
        slope = b0 * phi ** t
        y = level + np.cumsum(slope) + rng.normal(0, cv * level, N)
    else:
        raise ValueError(kind)
    # Keep the values within hospital-demand magnitudes (50 .. 5000 a month): rescale
    # the whole series (MASE does not depend on the scale), then round to counts.
    if y.max() > 5000:
        y = y * 5000 / y.max()
    if y.min() < 50:
        y = y * 50 / y.min()
    return np.maximum(np.round(y), 1.0)


def make_data():
    rng = np.random.default_rng(SEED)
    ds = pd.date_range("2020-01-01", periods=N, freq="MS").strftime("%Y-%m-%d")
    frames = []
    for kind in KINDS:
        for i in range(N_PER_KIND):
            frames.append(pd.DataFrame({"unique_id": f"{kind}_{i:04d}", "ds": ds,
                                        "y": make_series(kind, rng).astype(np.int64)}))
    return pd.concat(frames, ignore_index=True)


def mase(y_test, y_hat, y_train):
    scale = np.mean(np.abs(y_train[M:] - y_train[:-M]))
    return np.mean(np.abs(y_test - y_hat)) / scale


def score(df, fc, column):
    """Per-series MASE of forecasts `fc` (unique_id, ds, column) against the last H months of df."""
    out = {}
    fc = fc.set_index(["unique_id", "ds"])[column]
    for uid, g in df.groupby("unique_id", sort=False):
        y = g["y"].to_numpy(float)
        f = fc.loc[uid].reindex(g["ds"].iloc[-H:]).to_numpy(float)
        out[uid] = mase(y[-H:], f, y[:-H])
    return pd.Series(out)


SF_SCRIPT = """
import sys, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import {model}
df = pd.read_csv(sys.argv[1], parse_dates=["ds"])
levels = [int(v) for v in sys.argv[3:]]
sf = StatsForecast(models=[{model}(season_length=12)], freq="MS", n_jobs=1)
fc = sf.forecast(df=df, h=12, level=levels) if levels else sf.forecast(df=df, h=12)
fc.to_csv(sys.argv[2], index=False, date_format="%Y-%m-%d")
"""

IMPORT_SCRIPT = """
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, AutoARIMA
"""


def timed(name, cmd):
    runs = [cpu_of(cmd) for _ in range(RUNS)]
    cpu = sorted(r[0] for r in runs)[len(runs) // 2]
    wall = sorted(r[1] for r in runs)[len(runs) // 2]
    print(f"  {name:<38}{cpu:9.3f} s CPU (median)   runs: "
          + ", ".join(f"{r[0]:.3f}" for r in runs) + f"   [wall median {wall:.2f} s]", flush=True)
    return cpu


def paired(name_a, cmd_a, name_b, cmd_b):
    """Runs a and b in turn, RUNS times each (a b a b ...), and returns their
    median CPU and the median of the per-pair ratios b / a: on a machine whose
    speed drifts, a ratio of neighbouring runs holds where a ratio of medians
    taken minutes apart does not."""
    pairs = [(cpu_of(cmd_a)[0], cpu_of(cmd_b)[0]) for _ in range(RUNS)]
    med = lambda v: sorted(v)[len(v) // 2]
    a, b = med([p[0] for p in pairs]), med([p[1] for p in pairs])
    ratio = med([p[1] / p[0] for p in pairs])
    print(f"  {name_a} / {name_b}, in turn: " + "; ".join(f"{x:.3f} / {y:.3f}" for x, y in pairs)
          + f"  -> {name_b} / {name_a} per pair, median {ratio:.1f}x", flush=True)
    return a, b, ratio


def by_kind(s):
    kinds = s.index.str.split("_").str[0]
    return s.groupby(kinds).mean()


def main():
    import statsforecast
    df = make_data()
    n_series = df["unique_id"].nunique()
    assert (df["y"] > 0).all() and df.groupby("unique_id").size().eq(N).all()
    with tempfile.TemporaryDirectory() as tmp:
        all_path = os.path.join(tmp, "synthetic.csv")
        train_path = os.path.join(tmp, "synthetic_train.csv")
        df.to_csv(all_path, index=False)
        df.groupby("unique_id").head(N - H).to_csv(train_path, index=False)
        scripts = {}
        for model in ("AutoETS", "AutoARIMA"):
            scripts[model] = os.path.join(tmp, f"sf_{model}.py")
            with open(scripts[model], "w") as f:
                f.write(SF_SCRIPT.format(model=model))
        imports = os.path.join(tmp, "imports.py")
        with open(imports, "w") as f:
            f.write(IMPORT_SCRIPT)

        print(f"Synthetic monthly demand: {n_series} series ({N_PER_KIND} each of {', '.join(KINDS)}), "
              f"{N} months, train {N - H}, test {H}; seed {SEED}")
        print(f"values: min {df['y'].min()}, median {df['y'].median():.0f}, max {df['y'].max()}; "
              f"statsforecast {statsforecast.__version__}, hospsim {HOSPSIM}")
        print(f"\nCPU time (user + sys) of the whole child process, one thread, {RUNS} runs each:", flush=True)
        bt = os.path.join(tmp, "bt")
        hs_cmd = [HOSPSIM, "backtest", all_path, "--models", "ets", "--horizon", str(H), "--folds", "1",
                  "--threads", "1", "--no-report", "-q", "--out", bt]
        hs_cpu = timed("hospsim backtest ets", hs_cmd)
        hs_noint_cpu = timed("hospsim backtest ets --intervals none",
                             hs_cmd[:-1] + [os.path.join(tmp, "bt_noint"), "--intervals", "none"])
        hs_arima_cmd = [HOSPSIM, "backtest", all_path, "--models", "arima", "--horizon", str(H), "--folds", "1",
                        "--threads", "1", "--no-report", "-q", "--out", os.path.join(tmp, "bt_arima")]
        hs_arima_cpu = timed("hospsim backtest arima", hs_arima_cmd) if WITH_ARIMA else float("nan")
        sf_ets_fc = os.path.join(tmp, "sf_ets.csv")
        sf_ets_cpu = timed("statsforecast AutoETS", [sys.executable, scripts["AutoETS"], train_path, sf_ets_fc])
        sf_arima_fc = os.path.join(tmp, "sf_arima.csv")
        sf_arima_cpu = (timed("statsforecast AutoARIMA", [sys.executable, scripts["AutoARIMA"], train_path, sf_arima_fc])
                        if WITH_ARIMA else float("nan"))
        imp_cpu = timed("python + imports only", [sys.executable, imports])
        _, _, pair_ratio = paired("hospsim ets", hs_cmd[:-1] + [os.path.join(tmp, "bt_pair")],
                                  "statsforecast AutoETS",
                                  [sys.executable, scripts["AutoETS"], train_path, os.path.join(tmp, "sf_pair.csv")])

        per = pd.read_csv(os.path.join(bt, "per_series.csv"))
        per = per[per["model"] == "ets"].set_index("unique_id")
        hs_failed = int(per["mase"].isna().sum())
        hs = per["mase"].reindex(df["unique_id"].unique())
        # Check: hospsim's MASE recomputed here from its own forecasts (an untimed run).
        chk = os.path.join(tmp, "bt_check")
        subprocess.run(hs_cmd[:-1] + [chk, "--write-forecasts"], check=True)
        cv = pd.read_csv(os.path.join(chk, "cv_forecasts.csv"))
        hs_own = score(df, cv[cv["model"] == "ets"], "mean")
        ids = df["unique_id"].unique()
        if WITH_ARIMA:
            per_arima = pd.read_csv(os.path.join(tmp, "bt_arima", "per_series.csv"))
            hs_arima = per_arima[per_arima["model"] == "arima"].set_index("unique_id")["mase"].reindex(ids)
            sf_arima = score(df, pd.read_csv(sf_arima_fc), "AutoARIMA")
        else:
            hs_arima = sf_arima = pd.Series(np.nan, index=ids)
        sf_ets = score(df, pd.read_csv(sf_ets_fc), "AutoETS")
        # Interval coverage on the held-out year: hospsim's from the check run,
        # statsforecast's from an untimed run with level=[80, 95].
        sf_int_fc = os.path.join(tmp, "sf_ets_int.csv")
        subprocess.run([sys.executable, scripts["AutoETS"], train_path, sf_int_fc, "80", "95"], check=True)
        held = df.groupby("unique_id").tail(H)[["unique_id", "ds", "y"]]
        sf_int = pd.read_csv(sf_int_fc).merge(held, on=["unique_id", "ds"])
        hs_int = cv[cv["model"] == "ets"]
        coverage = {}
        for name, frame, prefix in (("hospsim AutoETS", hs_int, ""), ("statsforecast AutoETS", sf_int, "AutoETS-")):
            coverage[name] = [100 * float(((frame.y >= frame[f"{prefix}lo-{lv}"])
                                           & (frame.y <= frame[f"{prefix}hi-{lv}"])).mean()) for lv in (80, 95)]

        print(f"\nMean MASE over {n_series} series (scale: seasonal naive m = 12 on the 48 training months):")
        print(f"  hospsim AutoETS (per_series.csv)      {hs.mean():.6f}   failed series: {hs_failed}")
        print(f"  hospsim AutoETS (recomputed here)     {hs_own.mean():.6f}   "
              f"max |per-series difference| {np.nanmax(np.abs(hs_own - hs)):.2e}")
        print(f"  statsforecast AutoETS                 {sf_ets.mean():.6f}   NaN: {int(sf_ets.isna().sum())}")
        print(f"  statsforecast AutoARIMA               {sf_arima.mean():.6f}   NaN: {int(sf_arima.isna().sum())}")
        print(f"  hospsim AutoARIMA                     {hs_arima.mean():.6f}   failed series: "
              f"{int(hs_arima.isna().sum())}")
        d = hs - sf_ets
        print(f"  hospsim - statsforecast AutoETS       {hs.mean() - sf_ets.mean():+.6f} "
              f"({100 * (hs.mean() - sf_ets.mean()) / sf_ets.mean():+.3f}%); per series: hospsim lower on "
              f"{int((d < -TIE).sum())}, equal (|d| <= {TIE:g}) on {int((d.abs() <= TIE).sum())}, "
              f"higher on {int((d > TIE).sum())}; median difference {d.median():+.3e}")

        print(f"\n{'kind':<10}{'hospsim ETS':>13}{'sf AutoETS':>13}{'hospsim ARIMA':>15}{'sf AutoARIMA':>14}")
        table = pd.DataFrame({"h": by_kind(hs), "e": by_kind(sf_ets), "ha": by_kind(hs_arima),
                              "a": by_kind(sf_arima)}).reindex(KINDS)
        for kind, r in table.iterrows():
            print(f"{kind:<10}{r['h']:>13.4f}{r['e']:>13.4f}{r['ha']:>15.4f}{r['a']:>14.4f}")

        print(f"\nAutoETS interval coverage on the held-out 12 months ({len(hs_int)} values), 80% / 95%:")
        for name, (c80, c95) in coverage.items():
            print(f"  {name:<24}{c80:6.1f} / {c95:.1f}")

        print(f"\nCPU summary (median of {RUNS}, seconds):")
        print(f"  hospsim AutoETS {hs_cpu:.3f}; statsforecast AutoETS {sf_ets_cpu:.3f} "
              f"({sf_ets_cpu / hs_cpu:.1f}x hospsim); without the imports {sf_ets_cpu - imp_cpu:.3f} "
              f"({(sf_ets_cpu - imp_cpu) / hs_cpu:.1f}x); run in turn, median per-pair ratio {pair_ratio:.1f}x")
        print(f"  hospsim AutoARIMA {hs_arima_cpu:.3f}; statsforecast AutoARIMA {sf_arima_cpu:.3f} "
              f"({sf_arima_cpu / hs_arima_cpu:.1f}x hospsim); without the imports {sf_arima_cpu - imp_cpu:.3f}; "
              f"python + imports alone {imp_cpu:.3f}")


if __name__ == "__main__":
    main()
