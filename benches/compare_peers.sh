#!/usr/bin/env bash
# Side-by-side speed runs of hospsim against the peers in ../shared/peers (SimPy 4.1.2,
# Ciw 3.2.7 and the bare hand-written Rust event loop), on the same models, in one run.
# Every command is timed as a whole process by the peers' own bench_runner.py
# (1 warm-up + RUNS timed runs; median wall, CPU and peak RSS). The peers write no
# report, so the hospsim runs against them pass --no-report; the default-hospital
# runs keep the report (what a user gets).
#
#   bash benches/compare_peers.sh            # all; needs pip (PyPI) for simpy and ciw
#   RUNS=5 ONLY="mmc ed" bash benches/compare_peers.sh
#
# Not part of CI: it installs Python packages and takes a few minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$root/../shared/peers}
runs=${RUNS:-3}
only=${ONLY:-"mmc ed ed_stable memory"}
work=$(mktemp -d /tmp/hospsim-peers.XXXX)
cp -r "$peers"/. "$work"/
chmod -R u+w "$work"
cd "$root" && cargo build --release --quiet
bin="$root/target/release/hospsim"
(cd "$work/limit" && cargo build --release --quiet)
limit="$work/limit/target/release/limit"
if [ ! -x "$work/.venv/bin/python" ]; then
  python3 -m venv "$work/.venv" && "$work/.venv/bin/pip" install -q simpy==4.1.2 ciw==3.2.7
fi
py="$work/.venv/bin/python"
runner="$work/des/bench_runner.py"
out="$work/results.md"

time_cmd() { # label, cmd...
  local label=$1; shift
  local res
  res=$(python3 "$runner" -n "$runs" --warmup 1 -- "$@")
  local wall cpu mib
  wall=$(echo "$res" | awk '/wall s/ {print $4}')
  cpu=$(echo "$res" | awk '/cpu s/ {print $5}')
  mib=$(echo "$res" | awk '/peak MiB/ {print $5}')
  printf '| %s | %s | %s | %s |\n' "$label" "$wall" "$cpu" "$mib" | tee -a "$out"
}

echo "| run | wall s (median of $runs) | cpu s | peak MiB |" | tee "$out"
echo "|---|---|---|---|" | tee -a "$out"
if [[ " $only " == *" mmc "* ]]; then
  time_cmd "bare loop (limit heap) M/M/10 1M" "$limit" heap 1000000
  time_cmd "hospsim M/M/10 1M" "$bin" run "$root/scenarios/bench/mmc_1m.toml" -q --threads 1 --no-report --out "$work/o1"
  time_cmd "SimPy M/M/10 1M" "$py" "$work/des/mmc_simpy.py" --customers 1000000
  time_cmd "Ciw M/M/10 1M" "$py" "$work/des/mmc_ciw.py" --customers 1000000
fi
if [[ " $only " == *" ed "* ]]; then
  time_cmd "hospsim ED overloaded, 365 d" "$bin" run "$root/scenarios/bench/ed_overloaded.toml" -q --threads 1 --no-report --out "$work/o2"
  time_cmd "SimPy ED overloaded, 365 d" "$py" "$work/des/ed_simpy.py" --days 365
fi
if [[ " $only " == *" ed_stable "* ]]; then
  time_cmd "hospsim ED stable, 365 d" "$bin" run "$root/scenarios/bench/ed_overloaded.toml" -q --threads 1 --no-report --out "$work/o3" --set resources.doctor.capacity=5 --set resources.ward_bed.capacity=160
  time_cmd "SimPy ED stable, 365 d" "$py" "$work/des/ed_simpy.py" --days 365 --doctors 5 --beds 160
fi
if [[ " $only " == *" memory "* ]]; then
  time_cmd "hospsim default hospital 1 rep, 1 year" "$bin" run "$root/scenarios/general_hospital.toml" -q --threads 1 --reps 1 --set "sim.horizon=365 d" --set "sim.warmup=0 d" --out "$work/o4"
  time_cmd "hospsim default hospital 1 rep, 10 years" "$bin" run "$root/scenarios/general_hospital.toml" -q --threads 1 --reps 1 --set "sim.horizon=3650 d" --set "sim.warmup=0 d" --out "$work/o5"
  time_cmd "hospsim default hospital 1 rep, 10 years, daily samples" "$bin" run "$root/scenarios/general_hospital.toml" -q --threads 1 --reps 1 --set "sim.horizon=3650 d" --set "sim.warmup=0 d" --set "sim.sample_interval=1 d" --out "$work/o6"
  time_cmd "hospsim default hospital 20 reps, 1 year, 1 thread" "$bin" run "$root/scenarios/general_hospital.toml" -q --threads 1 --set "sim.horizon=365 d" --set "sim.warmup=0 d" --out "$work/o7"
  time_cmd "hospsim default hospital 20 reps, 1 year, 2 threads" "$bin" run "$root/scenarios/general_hospital.toml" -q --threads 2 --set "sim.horizon=365 d" --set "sim.warmup=0 d" --out "$work/o8"
fi
echo "results: $out"
