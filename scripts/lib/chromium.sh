# shellcheck shell=bash
# Debian's Chromium for the console's browser test (playwright-core drives it; nothing downloads a browser). Sourced
# after common.sh.

# Prints the path of Chromium ($CHROMIUM_PATH, else /usr/bin/chromium), installing Debian's package on first use
# (root only; about a minute). Installer output goes to stderr.
hl7r_ensure_chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  # Not there (and not another CHROMIUM_PATH): Debian's package, about a minute.
  [ -x "$path" ] || hl7r_apt_install chromium
  echo "$path"
}
