#!/usr/bin/env bash
# Start a real single-node Apache Kafka (KRaft, combined broker+controller) and Apicurio Registry (Confluent API)
# on 127.0.0.1, built only from Maven Central jars. Idempotent: a running broker/registry started by this script
# is reused. Prints KAFKA_BROKERS=... and SCHEMA_REGISTRY_URL=... on stdout (progress goes to stderr) and writes
# them to $HL7R_STATE/local.env.
#
#   scripts/local-kafka/up.sh             # both
#   scripts/local-kafka/up.sh kafka       # broker only
#   scripts/local-kafka/up.sh registry    # registry only
#
# Settings (environment): HL7R_KAFKA_VERSION (4.1.2), HL7R_KAFKA_PORT (9092), HL7R_KAFKA_CONTROLLER_PORT (9093),
# HL7R_KAFKA_HEAP (768m), HL7R_APICURIO_VERSION (3.3.3), HL7R_REGISTRY_PORT (8081), HL7R_REGISTRY_MGMT_PORT (9001),
# HL7R_CACHE (~/.cache/hl7-router), HL7R_STATE ($HL7R_CACHE/run), HL7R_REGISTRY_PERSISTENT (0: schemas in memory;
# 1: in an H2 file under the run directory, so a registry restart keeps them, as a production registry does).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../lib/common.sh"

KAFKA_VERSION="${HL7R_KAFKA_VERSION:-4.1.2}"
KAFKA_PORT="${HL7R_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${HL7R_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${HL7R_KAFKA_HEAP:-768m}"
APICURIO_VERSION="${HL7R_APICURIO_VERSION:-3.3.3}"
REGISTRY_PORT="${HL7R_REGISTRY_PORT:-8081}"
REGISTRY_MGMT_PORT="${HL7R_REGISTRY_MGMT_PORT:-9001}"
KAFKA_HOME="$HL7R_CACHE/kafka-$KAFKA_VERSION"
REGISTRY_HOME="$HL7R_CACHE/apicurio-$APICURIO_VERSION"
KAFKA_RUN="$HL7R_STATE/kafka-$KAFKA_PORT"
REGISTRY_RUN="$HL7R_STATE/registry-$REGISTRY_PORT"
# A fixed cluster id keeps the data directory reusable across restarts.
CLUSTER_ID="${HL7R_KAFKA_CLUSTER_ID:-aGw3LXJvdXRlci1sb2NhbA}"
MVN=(mvn -B -q -Dstyle.color=never -f "$here/kafka-broker.pom.xml")

services=("$@"); [ ${#services[@]} -gt 0 ] || services=(kafka registry)

fetch_kafka() {
  [ -f "$KAFKA_HOME/libs/.complete" ] && return 0
  need mvn "Maven resolves the broker jars from Maven Central"
  say "resolving Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME/libs (first run only)"
  rm -rf "$KAFKA_HOME/libs"; mkdir -p "$KAFKA_HOME/libs"
  "${MVN[@]}" -Dkafka.version="$KAFKA_VERSION" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$KAFKA_HOME/libs" >&2 || die "could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central"
  touch "$KAFKA_HOME/libs/.complete"
}

fetch_registry() {
  [ -f "$REGISTRY_HOME/.complete" ] && return 0
  need mvn "Maven fetches Apicurio Registry from Maven Central"
  local artifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all"
  say "fetching $artifact from Maven Central into $REGISTRY_HOME (first run only, ~160 MB)"
  rm -rf "$REGISTRY_HOME"; mkdir -p "$REGISTRY_HOME"
  "${MVN[@]}" dependency:copy -Dartifact="$artifact" -DoutputDirectory="$REGISTRY_HOME" >&2 \
    || die "could not fetch $artifact from Maven Central"
  tar -xzf "$REGISTRY_HOME/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$REGISTRY_HOME"
  rm -f "$REGISTRY_HOME/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  # The tarball layout changed between releases: locate the launcher instead of assuming a path.
  [ -n "$(find "$REGISTRY_HOME" -name quarkus-run.jar -print -quit)" ] || die "no quarkus-run.jar in $artifact"
  touch "$REGISTRY_HOME/.complete"
}

# wait_ready NAME CHECK PIDFILE LOG SECONDS STARTED: poll CHECK until it succeeds; fail with the log's tail if the
# process exits or the deadline passes.
wait_ready() {
  local name="$1" check="$2" pidfile="$3" log="$4" seconds="$5" started="$6"
  for _ in $(seq 1 $((seconds * 2))); do
    "$check" && { say "$name ready in $((SECONDS - started))s"; return 0; }
    pid_alive "$pidfile" || { tail -40 "$log" >&2; die "$name exited during start-up"; }
    sleep 0.5
  done
  tail -40 "$log" >&2; die "$name did not become ready within ${seconds}s"
}

kafka_ready() { node "$here/api-versions.mjs" "127.0.0.1:$KAFKA_PORT"; }

start_kafka() {
  mkdir -p "$KAFKA_RUN/data" "$KAFKA_RUN/logs"
  if pid_alive "$KAFKA_RUN/kafka.pid" && kafka_ready; then
    say "kafka already running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$KAFKA_RUN/kafka.pid"))"; return 0
  fi
  port_free "$KAFKA_PORT" || die "127.0.0.1:$KAFKA_PORT is taken by another process; set HL7R_KAFKA_PORT"
  port_free "$CONTROLLER_PORT" || die "127.0.0.1:$CONTROLLER_PORT is taken; set HL7R_KAFKA_CONTROLLER_PORT"
  fetch_kafka
  cat > "$KAFKA_RUN/server.properties" <<PROPS
# written by scripts/local-kafka/up.sh
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_RUN/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created deliberately by the apps (with their own configs), as in production.
auto.create.topics.enable=false
# HL7 messages can be several MB: allow 20 MiB batches (topics still set max.message.bytes themselves).
message.max.bytes=20971520
replica.fetch.max.bytes=20971520
PROPS
  cat > "$KAFKA_RUN/log4j2.properties" <<'PROPS'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafkaReq.name = kafka.request.logger
logger.kafkaReq.level = WARN
PROPS
  local java; java="$(find_java 17)"
  local cp="$KAFKA_HOME/libs/*" logcfg="-Dlog4j2.configurationFile=$KAFKA_RUN/log4j2.properties"
  "$java" "$logcfg" -cp "$cp" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$KAFKA_RUN/server.properties" \
    --ignore-formatted > "$KAFKA_RUN/logs/format.out" 2>&1 || { cat "$KAFKA_RUN/logs/format.out" >&2; die "kafka storage format failed"; }
  say "starting kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (logs: $KAFKA_RUN/logs/kafka.out)"
  local started=$SECONDS
  "$java" -Xms256m -Xmx"$KAFKA_HEAP" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dkafka.logs.dir="$KAFKA_RUN/logs" "$logcfg" -cp "$cp" kafka.Kafka "$KAFKA_RUN/server.properties" \
    > "$KAFKA_RUN/logs/kafka.out" 2>&1 < /dev/null &
  echo $! > "$KAFKA_RUN/kafka.pid"
  wait_ready kafka kafka_ready "$KAFKA_RUN/kafka.pid" "$KAFKA_RUN/logs/kafka.out" 120 "$started"
}

registry_url() { echo "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"; }
registry_ready() { curl -sf -o /dev/null --max-time 2 "$(registry_url)/subjects"; }

start_registry() {
  mkdir -p "$REGISTRY_RUN"
  if pid_alive "$REGISTRY_RUN/registry.pid" && registry_ready; then
    say "registry already running on 127.0.0.1:$REGISTRY_PORT (pid $(cat "$REGISTRY_RUN/registry.pid"))"; return 0
  fi
  need curl "the readiness check uses curl"
  port_free "$REGISTRY_PORT" || die "127.0.0.1:$REGISTRY_PORT is taken by another process; set HL7R_REGISTRY_PORT"
  port_free "$REGISTRY_MGMT_PORT" || die "127.0.0.1:$REGISTRY_MGMT_PORT is taken; set HL7R_REGISTRY_MGMT_PORT"
  fetch_registry
  local jar java; jar="$(find "$REGISTRY_HOME" -name quarkus-run.jar -print -quit)"
  # Apicurio 3.3 is compiled for Java 21 (class file 65); the broker is fine on 17.
  java="$(find_java 21)"
  local storage=()
  if [ "${HL7R_REGISTRY_PERSISTENT:-0}" = 1 ]; then
    mkdir -p "$REGISTRY_RUN/data"
    storage=("-Dapicurio.datasource.url=jdbc:h2:file:$REGISTRY_RUN/data/registry")
  fi
  say "starting Apicurio Registry $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT (in-memory; logs: $REGISTRY_RUN/registry.out)"
  local started=$SECONDS
  # Working directory = the run dir, so a stray ./config/application.properties elsewhere cannot leak in.
  (
    cd "$REGISTRY_RUN" || exit 1
    exec "$java" -Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
      -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
      "${storage[@]}" -jar "$jar"
  ) > "$REGISTRY_RUN/registry.out" 2>&1 < /dev/null &
  echo $! > "$REGISTRY_RUN/registry.pid"
  wait_ready registry registry_ready "$REGISTRY_RUN/registry.pid" "$REGISTRY_RUN/registry.out" 180 "$started"
}

need node "the ApiVersions readiness probe is a Node script"
mkdir -p "$HL7R_STATE"
envfile="$HL7R_STATE/local.env"
for s in "${services[@]}"; do
  case "$s" in
    kafka) start_kafka; echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" ;;
    registry) start_registry; echo "SCHEMA_REGISTRY_URL=$(registry_url)" ;;
    *) die "unknown service '$s' (kafka | registry)" ;;
  esac
done | tee "$envfile.tmp"
# Keep lines for services not touched in this call.
[ -f "$envfile" ] && grep -v -F -f <(cut -d= -f1 "$envfile.tmp") "$envfile" >> "$envfile.tmp" || true
mv "$envfile.tmp" "$envfile"
