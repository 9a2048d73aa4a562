#!/usr/bin/env bash
# Benchmarks of the real window under Xvfb (launch time, memory against an empty window, frame
# times of a 10,000-message conversation). BENCH_MINUTES sets the memory run's length (default 10;
# the 20,000 messages are spread over it), BENCH_MEMORY_RUNS how many runs (default 3, median
# reported), BENCH_LAUNCHES how many launches (default 10); AGENTDESK_E2E_PROFILE=release measures the
# release build instead of the debug one.
# Prints one "BENCH {json}" line per figure; the full log is target/e2e/bench.log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run --silent build)
mkdir -p target/e2e
status=0
E2E_SUITE=bench bash scripts/e2e.sh > target/e2e/bench.log 2>&1 || status=$?
grep -o 'BENCH .*' target/e2e/bench.log
exit $status
