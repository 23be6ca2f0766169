#!/usr/bin/env bash
# The run command (npm start): the whole pipeline on this machine. Starts what it needs and stops, on Ctrl-C,
# exactly what it started.
# Stage: issue #2 (foundation). Starts the local Kafka broker and the schema registry; the apps join as they land.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$HL7R_ROOT/scripts/lib/bootstrap.sh"
hl7r_bootstrap

started=()
kafka_port="${HL7R_KAFKA_PORT:-9092}"
registry_port="${HL7R_REGISTRY_PORT:-8081}"
node scripts/local-kafka/api-versions.mjs "127.0.0.1:$kafka_port" || started+=(kafka)
curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$registry_port/apis/ccompat/v7/subjects" || started+=(registry)

cleanup() {
  trap - INT TERM EXIT
  if [ ${#started[@]} -gt 0 ]; then bash scripts/local-kafka/down.sh "${started[@]}"; fi
}
trap cleanup INT TERM EXIT

env_lines="$(bash scripts/local-kafka/up.sh)"
cat <<INFO

hl7-router is running (foundation stage):
$(printf '  %s\n' $env_lines)
  Kafka logs:    $HL7R_STATE/kafka-$kafka_port/logs/kafka.out
  Registry logs: $HL7R_STATE/registry-$registry_port/registry.out

The MLLP gateway, router and adapters are not built yet (issues #3-#6); they will start here as they land.
Press Ctrl-C to stop what this command started${started[*]:+ (${started[*]})}.
INFO
while true; do sleep 3600 & wait $!; done
