#!/usr/bin/env bash
# Run a command with Node >= 22 on PATH (installing Node 24 from npm when the machine's node is older).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/node24.sh"
hl7r_ensure_node
exec "$@"
