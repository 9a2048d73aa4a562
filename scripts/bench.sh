#!/usr/bin/env bash
# The benchmarks behind BENCHMARKS.md: release build, then soak runs that print their figures as
# JSON lines. Takes about three minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --quiet -p agentdesk-cli
cli=target/release/agentdesk-cli
echo "# machine: $(nproc) cores, $(free -g 2>/dev/null | awk '/Mem:/{print $2" GiB"}'), $(uname -sm), $(date -u +%F)"
echo "# clean, 500 sessions, 10,000 and 20,000 messages/s offered"
$cli soak --sessions 500 --seconds 20 --rate 10000 2>/dev/null
$cli soak --sessions 500 --seconds 15 --rate 20000 2>/dev/null
echo "# light on the platform: 500 customers writing twice a second (history_reads_per_message)"
$cli soak --faults none --sessions 500 --seconds 20 --rate 1000 2>/dev/null
echo "# chaos, 200 sessions, 3,000 messages/s"
$cli soak --faults chaos --sessions 200 --seconds 30 --rate 3000 2>/dev/null
echo "# chaos and SIGKILL every 2 s"
$cli soak --faults chaos --sessions 200 --seconds 30 --rate 3000 --kill-every 2 2>/dev/null
echo "# the reply assistant's prompt: 20 articles, a 200-message conversation with personal data"
$cli bench-assist
