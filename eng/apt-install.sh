#!/usr/bin/env bash
# Installs a Debian package for the tests (PostgreSQL, Chromium) when it is missing: needs root, as on CI.
#
#   ./eng/apt-install.sh PACKAGE "what to do instead when this is not root"
set -euo pipefail
package="$1"
instead="$2"
if [ "$(id -u)" -ne 0 ]; then
  echo "apt-install.sh: $package is not installed and this is not root. Install it (sudo apt-get install $package) or $instead." >&2
  exit 1
fi
echo "apt-install.sh: $package not found: installing the Debian package (apt-get install $package)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "$package" >&2
