#!/usr/bin/env bash
# Prints the path of a Chromium for the drill's browser test (tests/OutageDrill.Tests/Browser), installing Debian's
# package "chromium" when none is found (needs root, as on CI). Progress goes to stderr.
#
#   export BILLING_TEST_CHROMIUM="$(./eng/chromium.sh)"
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

for candidate in "${BILLING_TEST_CHROMIUM:-}" /usr/bin/chromium "$(command -v chromium 2>/dev/null || true)" "$(command -v chromium-browser 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done

if [ "$(id -u)" -ne 0 ]; then
  log "Chromium is not installed and this is not root. Install it (sudo apt-get install chromium) or point BILLING_TEST_CHROMIUM at one."
  exit 1
fi

log "Chromium not found: installing the Debian package (apt-get install chromium)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
echo /usr/bin/chromium
