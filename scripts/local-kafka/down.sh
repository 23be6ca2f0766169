#!/usr/bin/env bash
# Stop the broker and/or registry that scripts/local-kafka/up.sh started (by recorded PID only).
#   scripts/local-kafka/down.sh [kafka] [registry] [--wipe]   (--wipe also deletes the broker's data directory)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../lib/common.sh"
KAFKA_RUN="$HL7R_STATE/kafka-${HL7R_KAFKA_PORT:-9092}"
REGISTRY_RUN="$HL7R_STATE/registry-${HL7R_REGISTRY_PORT:-8081}"
wipe=0; services=()
for a in "$@"; do case "$a" in --wipe) wipe=1 ;; kafka|registry) services+=("$a") ;; *) die "unknown argument '$a'" ;; esac; done
[ ${#services[@]} -gt 0 ] || services=(registry kafka)
for s in "${services[@]}"; do
  case "$s" in
    kafka) stop_pid kafka "$KAFKA_RUN/kafka.pid" 60; [ "$wipe" = 1 ] && rm -rf "$KAFKA_RUN/data" ;;
    registry) stop_pid registry "$REGISTRY_RUN/registry.pid" 30 ;;
  esac
done
say "stopped: ${services[*]}"
