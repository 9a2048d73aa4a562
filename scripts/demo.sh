#!/usr/bin/env bash
# Sets up and runs AgentDesk in demo mode on the embedded sandbox, with simulated customers.
# Arguments go to the app (e.g. --visitors-per-minute 10). `--headless` runs the engine without a
# window instead and prints its events (`agentdesk-cli demo`; see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${1:-}" = "--headless" ]; then
  shift
  cargo build --quiet -p agentdesk-cli
  exec target/debug/agentdesk-cli demo "$@"
fi
(cd ui && npm run build --silent)
cargo build --quiet -p agentdesk
exec target/debug/agentdesk "$@"
