#!/usr/bin/env bash
# Prints the path of a Chromium for the drill's browser test (tests/OutageDrill.Tests/Browser), installing Debian's
# package "chromium" when none is found (needs root, as on CI). Progress goes to stderr.
#
#   export BILLING_TEST_CHROMIUM="$(./eng/chromium.sh)"
set -euo pipefail

for candidate in "${BILLING_TEST_CHROMIUM:-}" /usr/bin/chromium "$(command -v chromium 2>/dev/null || true)" "$(command -v chromium-browser 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done

"$(dirname "$0")/apt-install.sh" chromium "point BILLING_TEST_CHROMIUM at a Chromium"
echo /usr/bin/chromium
