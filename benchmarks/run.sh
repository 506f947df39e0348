#!/usr/bin/env bash
# Runs the whole benchmark suite in Release (see docs/performance.md): every BenchmarkDotNet benchmark (or those
# matching the filter given as $1), then the reconciler's rate-limit measurement. Starts a throwaway PostgreSQL server
# (eng/postgres.sh) unless BILLING_TEST_POSTGRES is set, and stops it at the end. Prints the machine and its load
# (sampled every 5 s while the suite runs) so the results can be read against them.
#
#   benchmarks/run.sh                  everything (about 10 minutes on 2 cores)
#   benchmarks/run.sh '*Quote*'        only the benchmarks whose name matches; the rate-limit measurement is skipped
#
# Results: BenchmarkDotNet.Artifacts/results/*-report-github.md and the console.
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-*}"
project=benchmarks/Billing.Resilience.Benchmarks
postgres_env=""
sampler=""
loads=$(mktemp)
cleanup() {
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
  if [ -n "$postgres_env" ]; then ./eng/postgres.sh stop || true; fi
  rm -f "$loads"
}
trap cleanup EXIT

if [ -z "${BILLING_TEST_POSTGRES:-}" ]; then
  postgres_env="$(./eng/postgres.sh start)"
  eval "$postgres_env"
fi

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory, $(uname -sr), $(dotnet --version)"
(while true; do cut -d' ' -f1 /proc/loadavg >>"$loads"; sleep 5; done) &
sampler=$!

status=0
dotnet build "$project" -c Release -nologo -v quiet
dotnet run -c Release --project "$project" --no-build -- --filter "$filter"
if [ "$filter" = "*" ]; then
  # Exits with 1 when a limit is not held within 2%; the report is printed either way.
  dotnet run -c Release --project "$project" --no-build -- rate-limit || status=$?
fi

kill "$sampler" 2>/dev/null || true
sampler=""
awk '{ s += $1; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 } END { if (NR) printf "load average (1 min) while running: min %.2f, mean %.2f, max %.2f over %d samples\n", min, s / NR, max, NR }' "$loads"
exit "$status"
