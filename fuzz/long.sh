#!/usr/bin/env bash
# The long run behind the closing figures: every target to 10,000,000
# executions under the same limits as run.sh, one after another.
#   fuzz/long.sh [RUNS] [TARGET...]
# -detect_leaks=0: the only leak libFuzzer ever reported was glibc's 32-byte
# record of a thread-local destructor (__cxa_thread_atexit_impl), freed when a
# thread exits and so "leaked" by the main thread; a leak is not a fault in
# safe Rust, and the RSS and malloc limits still stop any input that grows.
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-10000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario event_log series snapshot)
cargo +nightly fuzz build -O >/dev/null 2>&1
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  dict=()
  [ -f "$t.dict" ] && dict=(-dict="$t.dict")
  cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
    -runs="$runs" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -max_len=4096 \
    -print_final_stats=1 -detect_leaks=0 "${dict[@]}" > "logs/$t.log" 2>&1 || echo "$t: stopped with an error (see logs/$t.log)"
  grep -E "DONE|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY" "logs/$t.log" | tail -5
done
