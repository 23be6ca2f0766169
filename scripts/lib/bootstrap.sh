# shellcheck shell=bash
# Source after common.sh: Node >= 22 on PATH and node_modules in step with package-lock.json.
. "$(dirname "${BASH_SOURCE[0]}")/node24.sh"

hl7r_bootstrap() {
  hl7r_ensure_node || die "could not provide Node.js >= 22"
  cd "$HL7R_ROOT"
  # npm writes node_modules/.package-lock.json on every install: older than package-lock.json means stale.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing dependencies (npm ci)"
    npm ci --no-audit --no-fund >&2
  fi
}

# Node flags for jest: native ES modules (NestJS 12 is ESM-only) and quiet about the two warnings we know of.
export HL7R_JEST_NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning --disable-warning=TimeoutNegativeWarning"
