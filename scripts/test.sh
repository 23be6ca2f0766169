#!/usr/bin/env bash
# The test command (npm test): unit, integration and e2e jest projects. Integration and e2e tests run against a
# real Kafka broker and schema registry: KAFKA_BROKERS/SCHEMA_REGISTRY_URL if set, else Docker (testcontainers),
# else the local broker this project starts itself (and stops afterwards). It builds dist/ first (HL7R_SKIP_BUILD=1
# skips that). Extra arguments go to jest, e.g.
#   npm test -- --selectProjects unit
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$HL7R_ROOT/scripts/lib/bootstrap.sh"
hl7r_bootstrap
# e2e tests run the built apps (dist/) as processes, the way they ship: build first (about 4 s).
if [ "${HL7R_SKIP_BUILD:-0}" != 1 ]; then
  say "building dist/ for the e2e tests"
  npm run --silent build >&2
fi
say "node $(node -v); running jest"
# shellcheck disable=SC2086
exec node $HL7R_JEST_NODE_OPTIONS node_modules/jest/bin/jest.js "$@"
