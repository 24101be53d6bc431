#!/usr/bin/env bash
# Debian packages the tests drive as real peers: Chromium (portal browser tests) and rsyslog
# (the SIEM syslog receiver). Installed once from Debian's archive when missing.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog rsyslog-gnutls)
if [ ${#missing[@]} -eq 0 ]; then
  echo "chromium and rsyslog: present"
  exit 0
fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "missing Debian packages: ${missing[*]} (install them with apt-get install -y ${missing[*]})"
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "installing ${missing[*]} from Debian's packages"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
