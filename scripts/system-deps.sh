#!/usr/bin/env bash
# Install the Debian packages the test suite drives for real, when they are missing.
# Runs apt-get only as root; otherwise says what is missing (tests then skip locally,
# and fail under CI=true where they must run).
set -euo pipefail
need=()
command -v libreoffice >/dev/null 2>&1 || command -v soffice >/dev/null 2>&1 \
  || need+=(libreoffice-calc-nogui)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "missing system packages (install them to run every test): ${need[*]}" >&2
fi
