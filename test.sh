#!/usr/bin/env bash
# Runs every test of the solution: builds once (warnings are errors), starts what the tests need, runs all test
# projects, and ends with one line "tests: N passed, M failed". Exit code is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
configuration="${CONFIGURATION:-Release}"
log=$(mktemp)
postgres_env=""
cleanup() {
  rm -f "$log"
  if [ -n "$postgres_env" ]; then ./eng/postgres.sh stop || true; fi
}
trap cleanup EXIT

dotnet build Billing.Resilience.sln -c "$configuration" -nologo
# The PostgreSQL journal's tests need a server: a throwaway one (installed if missing, deleted on exit), unless
# BILLING_TEST_POSTGRES already points at one. See eng/postgres.sh.
if [ -z "${BILLING_TEST_POSTGRES:-}" ]; then
  postgres_env="$(./eng/postgres.sh start)"
  eval "$postgres_env"
fi
# The drill's HTML page is opened in a real headless Chromium (Debian's package, installed if missing).
BILLING_TEST_CHROMIUM="$(./eng/chromium.sh)"
export BILLING_TEST_CHROMIUM
status=0
dotnet test Billing.Resilience.sln -c "$configuration" --no-build -nologo 2>&1 | tee "$log" || status=$?

passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: ${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
