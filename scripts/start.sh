#!/usr/bin/env bash
# The run command (npm start): the pipeline on this machine. Builds, starts the local Kafka broker and schema
# registry (unless already running), then the apps that exist so far, and stops on Ctrl-C exactly what it started.
# Stage: issues #2-#4 (Kafka, registry, MLLP gateway, router). The adapters and demo peers join with #5-#6.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$HL7R_ROOT/scripts/lib/bootstrap.sh"
hl7r_bootstrap

started=()
pids=()
kafka_port="${HL7R_KAFKA_PORT:-9092}"
registry_port="${HL7R_REGISTRY_PORT:-8081}"
mllp_port="${MLLP_PORT:-2575}"
http_port="${HTTP_PORT:-9464}"
router_http_port="${ROUTER_HTTP_PORT:-9465}"
node scripts/local-kafka/api-versions.mjs "127.0.0.1:$kafka_port" || started+=(kafka)
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$registry_port/apis/ccompat/v7/subjects" || started+=(registry)

cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ ${#started[@]} -gt 0 ]; then bash scripts/local-kafka/down.sh "${started[@]}"; fi
}
trap cleanup INT TERM EXIT

say "building"
npm run --silent build >&2
env_lines="$(bash scripts/local-kafka/up.sh)"
for line in $env_lines; do export "${line?}"; done

mkdir -p "$HL7R_STATE/logs"
say "starting the MLLP gateway on 127.0.0.1:$mllp_port"
MLLP_HOST=127.0.0.1 MLLP_PORT="$mllp_port" HTTP_PORT="$http_port" LISTENER_NAME=local \
  LOG_HASH_KEY="${LOG_HASH_KEY:-local-development-only-key}" \
  node --disable-warning=TimeoutNegativeWarning dist/apps/mllp-gateway/src/main.js > "$HL7R_STATE/logs/mllp-gateway.log" 2>&1 &
pids+=($!)
wait_ready() { # NAME PID PORT LOG
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$3/health/ready" && return 0
    kill -0 "$2" 2>/dev/null || { tail -20 "$4" >&2; die "$1 exited during start-up"; }
    sleep 0.5
  done
  die "$1 was not ready after 60 s; see $4"
}
wait_ready "the gateway" "${pids[0]}" "$http_port" "$HL7R_STATE/logs/mllp-gateway.log"

say "starting the router (routes: apps/router/config/routes.yaml)"
ROUTES_FILE="${ROUTES_FILE:-apps/router/config/routes.yaml}" HTTP_PORT="$router_http_port" INSTANCE_ID=local \
  node --disable-warning=TimeoutNegativeWarning dist/apps/router/src/main.js > "$HL7R_STATE/logs/router.log" 2>&1 &
pids+=($!)
wait_ready "the router" "${pids[1]}" "$router_http_port" "$HL7R_STATE/logs/router.log"

cat <<INFO

hl7-router is running:
$(printf '  %s\n' $env_lines)
  MLLP gateway:  127.0.0.1:$mllp_port (ADT → hl7.adt.v1, refused input → hl7.quarantine.v1)
  health:        http://127.0.0.1:$http_port/health/ready   metrics: http://127.0.0.1:$http_port/metrics
  router:        hl7.adt.v1 → hl7.route.lab.v1, hl7.route.radiology.v1 (billing after a bootstrap); state in hl7.patient-state.v1
  health:        http://127.0.0.1:$router_http_port/health/ready   metrics: http://127.0.0.1:$router_http_port/metrics
  logs:          $HL7R_STATE/logs/{mllp-gateway,router}.log, $HL7R_STATE/kafka-$kafka_port/logs/kafka.out

Try it:  npm run mllp:send -- test/fixtures/hl7/public/fhir-converter/adt-a01-v28-full.hl7
         npm run router:bootstrap -- --target billing
The adapters and demo receivers are not built yet (issues #5-#6).
Press Ctrl-C to stop what this command started.
INFO
wait -n "${pids[@]}"
