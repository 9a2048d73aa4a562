#!/usr/bin/env bash
# Benchmarks of the real window under Xvfb (launch time, memory against an empty window, frame
# times of a 10,000-message conversation). BENCH_MINUTES sets the memory run's length (default 10).
# Prints one "BENCH {json}" line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run --silent build)
E2E_SUITE=bench bash scripts/e2e.sh 2>&1 | grep -o 'BENCH .*'
