#!/usr/bin/env bash
# Sets up and runs AgentDesk in demo mode on the embedded sandbox, with simulated customers.
# Until the workbench window lands, the engine runs headless and prints its events; --auto-reply
# makes the demo agent answer. Extra arguments go to `agentdesk-cli demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet -p agentdesk-cli
exec target/debug/agentdesk-cli demo "$@"
