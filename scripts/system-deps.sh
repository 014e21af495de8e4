#!/usr/bin/env bash
# Install the Debian packages this project needs, only those missing.
# Usage: scripts/system-deps.sh [run|test]   (test adds what the test suite needs)
set -euo pipefail

packages=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-run}" = "test" ]; then
  # chromium: browser tests; poppler-utils: PDF checks (pdftotext, pdffonts, pdftoppm);
  # python3-gi + gir1.2-ical-3.0: libical, an independent calendar parser for the tests;
  # openssl: a certificate for the test SMTP server's TLS.
  packages+=(chromium poppler-utils python3-gi gir1.2-ical-3.0 openssl)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Root is needed to install them: run 'sudo $0 ${1:-run}' once, then try again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
