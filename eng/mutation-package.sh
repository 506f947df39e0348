#!/usr/bin/env bash
# The mutation score of the whole core package (src/Billing.Resilience): six Stryker runs, one per group of folders,
# each against that group's own tests, then one table per file and folder and one score (eng/mutation-score.py).
# Every source file belongs to exactly one group; a file tested twice stops the script. Not part of CI.
#
#   eng/mutation-package.sh                  # concurrency 1 (any machine)
#   eng/mutation-package.sh --concurrency 2  # two mutants at a time: about an hour on an idle 2-core machine
#   eng/mutation-package.sh --only reconciler,gbfs --concurrency 2   # some groups (names below)
#
# Reports: StrykerOutput/package-<UTC time>/<group>/reports; the combined table is printed last and written to
# StrykerOutput/package-<UTC time>/score.txt. Why each group runs its own tests: docs/testing.md, "Mutation testing".
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency=()
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --concurrency) concurrency=(--concurrency "$2"); shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
out="$(pwd)/StrykerOutput/package-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
T='FullyQualifiedName~Billing.Resilience.Tests.'
H='FullyQualifiedName~Billing.Resilience.Hosting.Tests.'

run() {
  local name="$1" filter="$2"
  shift 2
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then
    return
  fi
  echo "== $name ($(date -u +%H:%M:%S))"
  local skip=0 arg
  : > "$out/$name.globs"
  for arg in "$@"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    if [ "$arg" = --test-project ]; then skip=1; continue; fi
    echo "$arg" >> "$out/$name.globs"
  done
  eng/mutation.sh "${concurrency[@]}" --output "$out/$name" --tests "$filter" "$@" | tail -n 40 | tee "$out/$name.txt"
}

run reconciler "${T}Reconciliation.SettlementTests|${T}Reconciliation.ReportTests|${T}Reconciliation.PacingTests|${T}Reconciliation.SettlementQueueTests|${T}Reconciliation.ReconcilerOptionsAndClaimsTests|${T}Reconciliation.ReconcilerEdgeTests|${T}Reconciliation.ReconcilerRunDetailTests|${T}Reconciliation.MultiInstanceTests|${T}Rentals.RentalRepositoryTests|${T}Rentals.RentalServiceTests|${T}Corpus.OptionsCorpus|${T}Engine|${T}Telemetry|${T}Outages" \
  '**/Reconciliation/Reconciler.cs' '**/Reconciliation/SettlementQueue.cs' '**/Reconciliation/ISettlementClaims.cs' \
  '**/Reconciliation/ReconciliationReport.cs' '**/Reconciliation/ReconcilerOptions.cs' '**/Rentals/RentalRepository.cs'

run engine-rentals "${T}Rentals.RentalServiceTests|${T}Rentals.RentalServiceEdgeTests|${T}Rentals.RentalStateTests|${T}Rentals.RentalStateEdgeTests|${T}Rentals.PerRentalLimitTests|${T}Rentals.CommandValidatorTests|${T}Corpus.CommandCorpus|${T}Corpus.OptionsCorpus|${T}Payments.PaymentOptionsTests|${T}Reconciliation.ReportTests|${T}Reconciliation.SettlementTests|${T}Outages|${T}SmokeTests|${T}Engine|${T}Telemetry" \
  '**/Rentals/Commands.cs' '**/Rentals/RentalStatement.cs' '**/Rentals/RentalState.cs' '**/Rentals/RentalService.cs' \
  '**/BillingEngineBuilder.cs' '**/BillingCore.cs' '**/BillingEngine.cs' '**/OptionsValidation.cs' '**/Preconditions.cs' \
  '**/InvalidInputException.cs' '**/ClockTimeProvider.cs' '**/InvariantViolationException.cs' '**/ValidationError.cs'

run journal-outages-telemetry-di "${T}Journal|${T}Outages|${T}Telemetry|${H}DependencyInjection" \
  --test-project ../Billing.Resilience.Hosting.Tests/Billing.Resilience.Hosting.Tests.csproj \
  '**/Journal/**/*.cs' '**/Outages/**/*.cs' '**/Telemetry/**/*.cs' '**/DependencyInjection/**/*.cs'

run payments-meter "${T}Payments|${T}Telemetry|${T}Reconciliation.PacingTests|${T}Reconciliation.SettlementPlannerTests|${T}Reconciliation.CallPermitsAndHoldWatchTests|${T}Reconciliation.SettlementTests|${T}Outages|${T}Rentals|${T}Corpus.OptionsCorpus" \
  '**/Payments/**/*.cs' '**/Reconciliation/SettlementPlanner.cs' '**/Reconciliation/HoldWatch.cs' '**/Reconciliation/CallPermits.cs' \
  '**/Rentals/RentalMeter.cs' '**/Rentals/RentalMeter.Benchmarks.cs' '**/Rentals/RentalTokens.cs' '**/Rentals/EndSignal.cs' \
  '**/Rentals/RentalId.cs' '**/Rentals/MeteringOptions.cs' '**/Rentals/FrozenInterval.cs' '**/Rentals/IIdentityProvider.cs'

run money-pricing "${T}MoneyTests|${T}Pricing.Fare|${T}Corpus.OptionsCorpus" \
  '**/Money/**/*.cs' '**/Pricing/*.cs'

run gbfs "${T}Pricing.Gbfs|${T}Corpus.GbfsCorpus" \
  '**/Pricing/Gbfs/**/*.cs'

mapfile -t reports < <(find "$out" -name mutation-report.json | sort)
python3 eng/mutation-score.py "${reports[@]}" | tee "$out/score.txt"

# Every source file of the package belongs to exactly one group (a new folder needs a glob in a group).
[ -n "$only" ] && exit 0
python3 - "$out" src/Billing.Resilience <<'PY'
import pathlib, re, sys
def regex(glob):
    out = ""
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out += "(?:.*/)?"; i += 3
        elif glob[i] == "*":
            out += "[^/]*"; i += 1
        else:
            out += re.escape(glob[i]); i += 1
    return re.compile(out + r"\Z")
groups = {g.stem: [regex(line.strip()) for line in g.read_text().splitlines() if line.strip()]
          for g in pathlib.Path(sys.argv[1]).glob("*.globs")}
package = pathlib.Path(sys.argv[2])
problems = []
for source in sorted(package.rglob("*.cs")):
    relative = source.relative_to(package).as_posix()
    if relative.split("/")[0] in ("obj", "bin"):
        continue
    owners = [name for name, patterns in groups.items() if any(p.match(relative) for p in patterns)]
    if len(owners) != 1:
        problems.append(f"{relative}: {', '.join(owners) if owners else 'no group'}")
print("files in no group or in two: " + ("; ".join(problems) if problems else "none"))
PY
