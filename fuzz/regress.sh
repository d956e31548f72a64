#!/usr/bin/env bash
# Replays the fuzzing regression cases through the fuzz targets, once each and
# under the fuzzers' limits; no fuzzing. Fails if any case crashes, hangs or
# allocates past the limits.
#   fuzz/regress.sh [TARGET...]     default: every folder of tests/broken_fuzz/
# Cases are the raw inputs in tests/broken_fuzz/TARGET/ (see its README).
# Needs cargo-fuzz and the nightly toolchain, like run.sh; CI does not run
# this script: the stable suite (tests/fuzz_regressions.rs) replays the same
# files through the CLI. Build flags are run.sh's (-O) so that the two share a
# build; FUZZ_FLAGS="-O -a" adds overflow checks and debug assertions.
set -euo pipefail
cd "$(dirname "$0")"
cases=../tests/broken_fuzz
read -r -a flags <<< "${FUZZ_FLAGS:--O}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$cases"/*/; do targets+=("$(basename "$d")"); done
fi
mkdir -p logs
failed=()
for t in "${targets[@]}"; do
  files=()
  for f in "$cases/$t"/*; do [ -f "$f" ] && files+=("$f"); done
  if [ ${#files[@]} -eq 0 ]; then
    echo "== $t: no cases"
    continue
  fi
  echo "== $t: ${#files[@]} case(s)"
  # Files (not a folder) as arguments: libFuzzer runs each once and names it.
  if cargo +nightly fuzz run "${flags[@]}" "$t" "${files[@]}" -- \
    -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 > "logs/regress-$t.log" 2>&1; then
    grep -c "^Executed " "logs/regress-$t.log" | sed 's/^/   passed: /'
  else
    grep -E "^Running:|panicked|ERROR|SUMMARY|error" "logs/regress-$t.log" | tail -8
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]} (full output in fuzz/logs/regress-TARGET.log)"
  exit 1
fi
echo "all regression cases pass"
