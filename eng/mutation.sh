#!/usr/bin/env bash
# Mutation testing of the core package (src/Billing.Resilience) with Stryker.NET, against tests/Billing.Resilience.Tests.
# Not part of CI (a whole run takes hours on 2 cores); see docs/testing.md, "Mutation testing".
#
#   eng/mutation.sh                                   # the whole package
#   eng/mutation.sh '**/Money/**/*.cs'                # one folder (a Stryker --mutate glob, relative to the project)
#   eng/mutation.sh '**/Pricing/*.cs' '**/Money/*.cs' # several globs
#   eng/mutation.sh --tests 'FullyQualifiedName~Billing.Resilience.Tests.MoneyTests' '**/Money/**/*.cs'
#                                                     # only these tests (a dotnet test --filter expression): a
#                                                     # folder's own tests, so that a run takes minutes, not hours
#   eng/mutation.sh --tests 'FILTER' --test-project ../Billing.Resilience.Hosting.Tests/Billing.Resilience.Hosting.Tests.csproj \
#                   '**/DependencyInjection/**/*.cs'  # also run the tests of another test project (path relative to
#                                                     # tests/Billing.Resilience.Tests; the filter applies to both)
#   eng/mutation.sh --concurrency 2 ...               # test two mutants at a time (the config says 1; use 2 only on an
#                                                     # otherwise idle machine: each mutant starts its own test host)
#   eng/mutation.sh --output DIR ...                  # write the reports under DIR (default StrykerOutput/<UTC time>)
#
# The whole package, folder by folder with each folder's own tests, and one score: eng/mutation-package.sh.
#
# Settings are in tests/Billing.Resilience.Tests/stryker-config.json (perTest coverage, concurrency 1, thresholds,
# the tests left out, the mutations ignored). The reports (html, json) go to StrykerOutput/<UTC time>/reports; the last lines printed are the
# mutation score overall and per file.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
dotnet tool restore >/dev/null
output=""
config=stryker-config.json
filter=""
concurrency=""
extra_projects=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tests) filter="$2"; shift 2 ;;
    --test-project) extra_projects+=("$2"); shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    *) break ;;
  esac
done
output="$(realpath -m "${output:-$root/StrykerOutput/$(date -u +%Y%m%dT%H%M%SZ)}")"
if [ -n "$filter" ] || [ ${#extra_projects[@]} -gt 0 ]; then
  # A copy of the configuration with another test-case-filter and more test projects (Stryker reads the filter from
  # the file only).
  mkdir -p "$output"
  config="$output/stryker-config.json"
  python3 - tests/Billing.Resilience.Tests/stryker-config.json "$config" "$filter" "${extra_projects[@]}" <<'PY'
import json, sys
settings = json.load(open(sys.argv[1]))
if sys.argv[3]:
    settings["stryker-config"]["test-case-filter"] = sys.argv[3]
settings["stryker-config"]["test-projects"] += sys.argv[4:]
json.dump(settings, open(sys.argv[2], "w"), indent=2)
PY
fi
args=(--config-file "$config" --output "$output")
if [ -n "$concurrency" ]; then
  args+=(--concurrency "$concurrency")
fi
# The globs mutated by default: everything, minus the exclusions documented in docs/testing.md.
globs=("$@")
if [ ${#globs[@]} -eq 0 ]; then
  globs=('**/*.cs')
fi
for glob in "${globs[@]}"; do
  args+=(--mutate "$glob")
done
# Exclusions (kept here because --mutate on the command line replaces the config file's list).
args+=(--mutate '!**/obj/**/*.cs')
started=$(date +%s)
(cd tests/Billing.Resilience.Tests && dotnet stryker "${args[@]}")
elapsed=$(( $(date +%s) - started ))
report="$(find "$output" -name mutation-report.json | head -n 1)"
echo "mutation: ${elapsed} s; report ${report%/*}/mutation-report.html"
python3 eng/mutation-score.py "$report"
