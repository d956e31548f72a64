#!/usr/bin/env bash
# Fuzzes hospsim's inputs with libFuzzer (cargo-fuzz, nightly toolchain).
#   fuzz/run.sh [SECONDS] [TARGET...]     default 60 s each, every target
# Targets: scenario (scenario text through load and compile, then a short run),
# event_log, series, snapshot (the readers of hospsim-formats). Every input
# that crashes, hangs or allocates past the limits is written to
# fuzz/artifacts/TARGET/; minimise it with `cargo +nightly fuzz tmin TARGET FILE`
# and add it to tests/broken_fuzz/TARGET/ (the stable test suite replays them).
# Needs: cargo install cargo-fuzz; rustup toolchain install nightly.
# -detect_leaks=0: the only leak libFuzzer ever reported was glibc's 32-byte
# record of a thread-local destructor (__cxa_thread_atexit_impl), freed when a
# thread exits and so "leaked" by the main thread; a leak is not a fault in
# safe Rust, and the RSS and malloc limits still stop any input that grows.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario event_log series snapshot)
cargo +nightly fuzz build -O "${targets[@]/#/}" >/dev/null 2>&1 || cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  dict=()
  [ -f "$t.dict" ] && dict=(-dict="$t.dict")
  regress=()
  [ -d "../tests/broken_fuzz/$t" ] && regress=("../tests/broken_fuzz/$t")
  echo "== $t: $secs s"
  cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" "${regress[@]}" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -max_len=4096 \
    -print_final_stats=1 -detect_leaks=0 "${dict[@]}" 2>&1 \
    | grep -E "^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb|cov:|ERROR|SUMMARY|artifact" \
    | tail -6
done
