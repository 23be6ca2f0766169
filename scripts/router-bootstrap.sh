#!/usr/bin/env bash
# npm run router:bootstrap -- --target <name>: give a target every patient's current state, then live traffic.
# Uses the router's environment; when KAFKA_BROKERS is not set it takes the local pipeline's (npm start) broker and
# registry, and ROUTES_FILE defaults to the local pipeline's routes (apps/router/config/routes.yaml).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$HL7R_ROOT/scripts/lib/node24.sh"
hl7r_ensure_node
if [ -z "${KAFKA_BROKERS:-}" ] && [ -f "$HL7R_STATE/local.env" ]; then
  set -a
  # shellcheck disable=SC1091
  . "$HL7R_STATE/local.env"
  set +a
fi
export ROUTES_FILE="${ROUTES_FILE:-$HL7R_ROOT/apps/router/config/routes.yaml}"
[ -f "$HL7R_ROOT/dist/apps/router/src/bootstrap/bootstrap-main.js" ] || die "not built: run npm run build first"
exec node --disable-warning=TimeoutNegativeWarning "$HL7R_ROOT/dist/apps/router/src/bootstrap/bootstrap-main.js" "$@"
