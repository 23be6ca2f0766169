# shellcheck shell=bash
# Debian's Chromium for the console's browser test (playwright-core drives it; nothing downloads a browser). Sourced
# after common.sh.

# Prints the path of Chromium ($CHROMIUM_PATH, else /usr/bin/chromium), installing Debian's package on first use
# (root only; about a minute). Installer output goes to stderr.
hl7r_ensure_chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ ! -x "$path" ]; then
    [ "$(id -u)" = 0 ] || die "Chromium is missing at $path: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH"
    say "installing Debian's chromium (first run only, about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends chromium >&2 ||
      { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends chromium >&2; } ||
      die "could not install Debian's chromium"
  fi
  echo "$path"
}
