# shellcheck shell=bash
# A real SMTP server for the notify adapter's tests: aiosmtpd from PyPI, installed into the project cache (no root,
# nothing from outside PyPI). Sourced after common.sh.

HL7R_AIOSMTPD_VERSION="${HL7R_AIOSMTPD_VERSION:-1.4.6}"

# Prints the directory to put on PYTHONPATH for aiosmtpd (test/support/smtp-sink.py), installing it there first.
hl7r_ensure_aiosmtpd() {
  local target="$HL7R_CACHE/aiosmtpd-$HL7R_AIOSMTPD_VERSION"
  if ! PYTHONPATH="$target" python3 -c 'import aiosmtpd' 2>/dev/null; then
    need python3 "the SMTP tests run aiosmtpd (PyPI) under python3"
    say "installing aiosmtpd==$HL7R_AIOSMTPD_VERSION from PyPI into $target"
    pip_into "$target" "aiosmtpd==$HL7R_AIOSMTPD_VERSION" || die "could not install aiosmtpd from PyPI"
  fi
  echo "$target"
}
