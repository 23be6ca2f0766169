#!/usr/bin/env bash
# The run command (npm start): the whole pipeline on this machine. Builds; uses KAFKA_BROKERS/SCHEMA_REGISTRY_URL
# when set, else starts the local Kafka broker and schema registry (unless already running); then the MLLP gateway,
# the router, two demo receiving systems (a lab and a RIS) and the lab and radiology adapters delivering to them, a
# local SMTP sink (aiosmtpd from PyPI, mails written to files) and the notify adapter emailing it, and the console.
# Ctrl-C (or SIGTERM) stops exactly what it started. Ports and folders can be moved with the variables below;
# HL7R_RUN_ID=<id> gives this run its own consumer groups and topics (a second pipeline on the same broker, which
# neither sees nor leaves records of any other run: the e2e test);
# HL7R_SKIP_BUILD=1 uses dist/ as it is.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$HL7R_ROOT/scripts/lib/bootstrap.sh"
hl7r_bootstrap

mllp_port="${MLLP_PORT:-2575}"
gateway_http="${GATEWAY_HTTP_PORT:-9464}"
router_http="${ROUTER_HTTP_PORT:-9465}"
lab_port="${LAB_RECEIVER_PORT:-2576}"
ris_port="${RADIOLOGY_RECEIVER_PORT:-2577}"
lab_http="${LAB_ADAPTER_HTTP_PORT:-9470}"
ris_http="${RADIOLOGY_ADAPTER_HTTP_PORT:-9471}"
notify_http="${NOTIFY_ADAPTER_HTTP_PORT:-9472}"
smtp_port="${NOTIFY_SMTP_PORT:-2578}"
console_http="${CONSOLE_HTTP_PORT:-9480}"
demo="${HL7R_DEMO_DIR:-$HL7R_STATE/demo}"
hash_key="${LOG_HASH_KEY:-local-development-only-key}"
run_suffix="${HL7R_RUN_ID:+-$HL7R_RUN_ID}"

started=()
pids=()
names=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ ${#started[@]} -gt 0 ]; then bash scripts/local-kafka/down.sh "${started[@]}"; fi
}
trap cleanup INT TERM EXIT

if [ "${HL7R_SKIP_BUILD:-0}" != 1 ]; then
  say "building"
  npm run --silent build >&2
fi
if [ -n "${KAFKA_BROKERS:-}" ] && [ -n "${SCHEMA_REGISTRY_URL:-}" ]; then
  say "using KAFKA_BROKERS=$KAFKA_BROKERS SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL"
else
  node scripts/local-kafka/api-versions.mjs "127.0.0.1:${HL7R_KAFKA_PORT:-9092}" || started+=(kafka)
  curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:${HL7R_REGISTRY_PORT:-8081}/apis/ccompat/v7/subjects" || started+=(registry)
  for line in $(bash scripts/local-kafka/up.sh); do export "${line?}"; done
fi

mkdir -p "$demo/logs"
routes="${ROUTES_FILE:-apps/router/config/routes.yaml}"
if [ -n "$run_suffix" ]; then
  # This run's own topics: every topic the apps use, suffixed; each route gets an explicit suffixed topic.
  for v in ADT_TOPIC:hl7.adt.v1 QUARANTINE_TOPIC:hl7.quarantine.v1 DEDUP_TOPIC:hl7.gateway.dedup.v1 \
    PATIENT_STATE_TOPIC:hl7.patient-state.v1 LEDGER_TOPIC:hl7.delivery.v1; do
    export "${v%%:*}=${v#*:}$run_suffix"
  done
  awk -v s="$run_suffix" '{ print } /^  - name: / { print "    topic: hl7.route." $3 ".v1" s }' "$routes" > "$demo/routes.yaml"
  routes="$demo/routes.yaml"
fi
topic_of() { echo "$1${run_suffix}"; }
# launch NAME HTTP_PORT(or -) command...: starts one app in the background, its output in $demo/logs/NAME.log.
launch() {
  local name="$1" http="$2"
  shift 2
  "$@" > "$demo/logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
  local pid=$!
  for _ in $(seq 1 120); do
    if [ "$http" = - ]; then grep -q listening "$demo/logs/$name.log" 2>/dev/null && return 0
    else curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$http/health/ready" && return 0; fi
    kill -0 "$pid" 2>/dev/null || { tail -20 "$demo/logs/$name.log" >&2; die "$name exited during start-up"; }
    sleep 0.5
  done
  die "$name was not ready after 60 s; see $demo/logs/$name.log"
}
# exec: the recorded PID is the app itself, so Ctrl-C reaches it.
node_app() { exec node --disable-warning=TimeoutNegativeWarning "dist/apps/$1/src/main.js"; }

if [ "${HL7R_DEMO_RECEIVERS:-1}" = 0 ]; then
  say "using the receiving systems already listening on 127.0.0.1:$lab_port (lab) and 127.0.0.1:$ris_port (radiology)"
else
  say "starting the demo receivers (lab on $lab_port, radiology on $ris_port)"
  RECEIVER_NAME=LIS RECEIVER_PORT="$lab_port" RECEIVER_OUTPUT_DIR="$demo/lab" launch lab-receiver - node_app mllp-receiver
  RECEIVER_NAME=RIS RECEIVER_PORT="$ris_port" RECEIVER_OUTPUT_DIR="$demo/radiology" launch radiology-receiver - node_app mllp-receiver
  say "starting the demo SMTP sink on $smtp_port (mails to $demo/mail/)"
  . scripts/lib/smtp.sh
  smtp_path="$(hl7r_ensure_aiosmtpd)"
  PYTHONPATH="$smtp_path" launch smtp-sink - python3 -u test/support/smtp-sink.py --port "$smtp_port" --out "$demo/mail" --no-tls
fi
say "starting the MLLP gateway on 127.0.0.1:$mllp_port"
MLLP_HOST=127.0.0.1 MLLP_PORT="$mllp_port" HTTP_PORT="$gateway_http" LISTENER_NAME=local LOG_HASH_KEY="$hash_key" \
  launch mllp-gateway "$gateway_http" node_app mllp-gateway
say "starting the router (routes: apps/router/config/routes.yaml)"
ROUTES_FILE="$routes" HTTP_PORT="$router_http" INSTANCE_ID="local$run_suffix" \
  APPLICATION_ID="hl7-router$run_suffix" DEAD_LETTER_TOPIC="$(topic_of hl7.router.dlq.v1)" \
  launch router "$router_http" node_app router
say "starting the adapters"
ADAPTER_LAB_TARGET="mllp://127.0.0.1:$lab_port" HTTP_PORT="$lab_http" LOG_HASH_KEY="$hash_key" GROUP_ID="hl7-adapter-lab$run_suffix" \
  SOURCE_TOPIC="$(topic_of hl7.route.lab.v1)" DEAD_LETTER_TOPIC="$(topic_of hl7.dlq.lab.v1)" SENT_TOPIC="$(topic_of hl7.sent.lab.v1)" \
  launch adapter-lab "$lab_http" node_app adapter-lab
ADAPTER_RADIOLOGY_TARGET="mllp://127.0.0.1:$ris_port" HTTP_PORT="$ris_http" LOG_HASH_KEY="$hash_key" \
  GROUP_ID="hl7-adapter-radiology$run_suffix" SOURCE_TOPIC="$(topic_of hl7.route.radiology.v1)" \
  DEAD_LETTER_TOPIC="$(topic_of hl7.dlq.radiology.v1)" SENT_TOPIC="$(topic_of hl7.sent.radiology.v1)" \
  launch adapter-radiology "$ris_http" node_app adapter-radiology
# The demo sink speaks plain SMTP on the loopback only (SMTP_STARTTLS=off); a real relay gets smtp://…:587 with STARTTLS.
ADAPTER_NOTIFY_TARGET="${NOTIFY_TARGET:-smtp://127.0.0.1:$smtp_port}" SMTP_STARTTLS="${NOTIFY_SMTP_STARTTLS:-off}" \
  MAIL_FROM="${NOTIFY_MAIL_FROM:-hl7-router@genhosp.example.org}" CONSOLE_URL="http://127.0.0.1:$console_http" \
  HTTP_PORT="$notify_http" LOG_HASH_KEY="$hash_key" GROUP_ID="hl7-adapter-notify$run_suffix" \
  SOURCE_TOPIC="$(topic_of hl7.route.notify.v1)" DEAD_LETTER_TOPIC="$(topic_of hl7.dlq.notify.v1)" SENT_TOPIC="$(topic_of hl7.sent.notify.v1)" \
  launch adapter-notify "$notify_http" node_app adapter-notify
say "starting the console on http://127.0.0.1:$console_http (dev sign-in)"
TARGETS=lab,radiology,notify HTTP_PORT="$console_http" LOG_HASH_KEY="$hash_key" DATA_DIR="$demo/console" CONSOLE_AUTH=dev \
  AUDIT_TOPIC="$(topic_of hl7.audit.v1)" \
  ADAPTER_GROUPS="lab=hl7-adapter-lab$run_suffix,radiology=hl7-adapter-radiology$run_suffix,notify=hl7-adapter-notify$run_suffix" \
  GATEWAY_MLLP_URL="mllp://127.0.0.1:$mllp_port" \
  APP_URLS="gateway=http://127.0.0.1:$gateway_http,router=http://127.0.0.1:$router_http,adapter-lab=http://127.0.0.1:$lab_http,adapter-radiology=http://127.0.0.1:$ris_http,adapter-notify=http://127.0.0.1:$notify_http" \
  GROUP_ID="hl7-console$run_suffix" \
  ROUTE_TOPICS="lab=$(topic_of hl7.route.lab.v1),radiology=$(topic_of hl7.route.radiology.v1),notify=$(topic_of hl7.route.notify.v1)" \
  DEAD_LETTER_TOPICS="lab=$(topic_of hl7.dlq.lab.v1),radiology=$(topic_of hl7.dlq.radiology.v1),notify=$(topic_of hl7.dlq.notify.v1)" \
  SENT_TOPICS="lab=$(topic_of hl7.sent.lab.v1),radiology=$(topic_of hl7.sent.radiology.v1),notify=$(topic_of hl7.sent.notify.v1)" \
  launch console "$console_http" node_app console

cat <<INFO

hl7-router is running:
  KAFKA_BROKERS=$KAFKA_BROKERS
  SCHEMA_REGISTRY_URL=$SCHEMA_REGISTRY_URL
  MLLP gateway       127.0.0.1:$mllp_port   ADT → hl7.adt.v1 (refused input → hl7.quarantine.v1)
  router             hl7.adt.v1 → hl7.route.{lab,radiology,notify}.v1 (and billing, after a bootstrap);
                     patient state in hl7.patient-state.v1
  adapter-lab        → demo LIS on 127.0.0.1:$lab_port (HL7 2.5.1)
  adapter-radiology  → demo RIS on 127.0.0.1:$ris_port (HL7 2.3)
  adapter-notify     → emails A01-A04 events to the subscribed care team (apps/adapter-notify), via smtp://127.0.0.1:$smtp_port
  delivery ledger    hl7.delivery.v1; dead letters hl7.dlq.lab.v1, hl7.dlq.radiology.v1
  health / metrics   http://127.0.0.1:{$gateway_http,$router_http,$lab_http,$ris_http,$notify_http,$console_http}/health/ready
                     and /metrics (gateway, router, adapter-lab, adapter-radiology, adapter-notify, console)
  console            http://127.0.0.1:$console_http  (find a message, its timeline, dead letters and replay; dev sign-in)
  what arrived       $demo/lab/*.hl7 and $demo/radiology/*.hl7 (as the systems received them), $demo/mail/*.json (the emails)
  logs               $demo/logs/
  traces             ${OTEL_EXPORTER_OTLP_ENDPOINT:-off (set OTEL_EXPORTER_OTLP_ENDPOINT; npm run traces shows them)}

Try it:  npm run demo:send          (an admission, transfer, update and discharge of one patient)
         npm run router:bootstrap -- --target billing
Press Ctrl-C to stop what this command started.
INFO
# Any app that exits ends the run (and stops the others).
wait -n "${pids[@]}"
