using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Simulation.Tests.World;
using Billing.Resilience.Testing;
using NodaTime;

namespace Billing.Resilience.Simulation.Tests.Checks;

/// <summary>
/// The checks after a run, once faults stopped and the reconciler came to rest: the gateway's ledger, the journal
/// against what clients were told, the payment sequence of every rental, eventual settlement, and the library's bill
/// against the reference model. Each violation names its invariant (docs/testing.md lists them).
/// </summary>
internal sealed class Verifier(Scenario scenario, SimRecord record, JournalFacts facts, SimulatedPaymentGateway gateway, BillingEngine engine, Instant asOf)
{
    private readonly List<Violation> violations = [];
    private readonly HashSet<string> knownBugRentals = new(StringComparer.Ordinal);

    /// <summary>Gets the rentals whose only problem is a bug listed in <see cref="KnownCoreBugs"/> (a restart may move their money).</summary>
    public IReadOnlySet<string> KnownBugRentals => knownBugRentals;

    public async Task<List<Violation>> VerifyAsync()
    {
        var outages = OutageLog();
        var outageEvents = OutageEvents();
        CheckLedger();
        var ids = record.Rentals.Select(r => r.RentalId).Concat(facts.Rentals.Keys).Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            await CheckRentalAsync(id, outages, outageEvents);
        }

        return violations;
    }

    private void Add(string invariant, string message) => violations.Add(new Violation(invariant, message));

    /// <summary>The outage log: well formed, and holding every transition the probe was told about.</summary>
    private List<ModelOutage> OutageLog()
    {
        var log = new List<(string Id, ModelOutage Outage)>();
        foreach (var e in facts.Other)
        {
            if (e.StreamId != DependencyHealth.StreamId)
            {
                Add("journal-streams-are-known", $"event in unknown stream: {e}");
                continue;
            }

            var id = e.Str("outageId");
            var dependency = Enum.Parse<Dependency>(e.Str("dependency"));
            switch (e.Type)
            {
                case "OutageBegan":
                    if (log.Any(o => o.Outage.Dependency == dependency && o.Outage.To is null))
                    {
                        Add("outage-log-well-formed", $"{id} began while another {dependency} outage was ongoing");
                    }

                    if (log.Any(o => o.Id == id))
                    {
                        Add("outage-log-well-formed", $"outage id {id} began twice");
                    }

                    log.Add((id, new ModelOutage(dependency, e.Time("at"), null)));
                    break;
                case "OutageEnded":
                    var index = log.FindIndex(o => o.Id == id && o.Outage.To is null);
                    if (index < 0)
                    {
                        Add("outage-log-well-formed", $"{id} ended but was not ongoing");
                        break;
                    }

                    var to = e.Time("at");
                    if (to < log[index].Outage.From)
                    {
                        Add("outage-log-well-formed", $"{id} ended at {Simulator.Format(to)}, before it began");
                    }

                    log[index] = (id, log[index].Outage with { To = to });
                    break;
                default:
                    Add("journal-streams-are-known", $"unexpected event in the outage log: {e}");
                    break;
            }
        }

        foreach (var acked in record.Outages.Values)
        {
            var found = log.FirstOrDefault(o => o.Id == acked.OutageId);
            if (found.Outage is null)
            {
                Add("accepted-events-are-durable", $"outage {acked.OutageId} ({acked.Dependency} from {Simulator.Format(acked.From)}) was acknowledged but is not in the journal");
            }
            else if (found.Outage.From != acked.From || (acked.To is { } to && found.Outage.To != to))
            {
                Add("accepted-events-are-durable", $"outage {acked.OutageId} was acknowledged as {Simulator.Format(acked.From)}..{acked.To} but the journal has {found.Outage}");
            }
        }

        return log.Select(o => o.Outage).ToList();
    }

    private List<(JournalEvent Began, JournalEvent? Ended)> OutageEvents()
        => facts.Other.Where(e => e.Type == "OutageBegan")
            .Select(b => (b, facts.Other.FirstOrDefault(e => e.Type == "OutageEnded" && e.Str("outageId") == b.Str("outageId"))))
            .ToList();

    /// <summary>Exactly-once money on the gateway's ledger, and the outbox: nothing applied that was not journaled first.</summary>
    private void CheckLedger()
    {
        foreach (var v in gateway.CheckInvariants())
        {
            Add("gateway-ledger-invariants", v.ToString());
        }

        foreach (var call in gateway.GetCalls().Where(c => c.Reason == SimulatedPaymentReasons.IdempotencyKeyReused))
        {
            Add("one-key-one-request", $"{call.RentalId}: key {call.Key} was sent again with other parameters ({call.Kind} at {Simulator.Format(call.At)})");
        }

        var requested = new Dictionary<string, JournalEvent>(StringComparer.Ordinal);
        foreach (var e in facts.Events.Where(e => e.Type == "PaymentRequested"))
        {
            requested.TryAdd(e.Str("key"), e);
        }

        foreach (var op in gateway.GetOperations())
        {
            if (!requested.TryGetValue(op.Key.Value, out var intent))
            {
                Add("outbox-before-call", $"{op.RentalId}: the gateway applied {op.Kind} {op.Id} under key {op.Key}, which the journal never requested");
            }
            else if (intent.Str("kind") != op.Kind.ToString() || (op.Kind != PaymentOperationKind.Void && intent.Long("amountMinorUnits") != op.Amount.MinorUnits))
            {
                Add("outbox-before-call", $"{op.RentalId}: key {op.Key} was journaled as {intent} but applied as {op.Kind} {op.Amount}");
            }
        }
    }

    private async Task CheckRentalAsync(string rentalId, List<ModelOutage> outages, List<(JournalEvent Began, JournalEvent? Ended)> outageEvents)
    {
        var rental = record.Find(rentalId);
        var events = facts.Of(rentalId);
        var started = events.Where(e => e.Type == "RentalStarted").ToList();
        var signals = events.Where(e => e.Type == "EndSignalReceived")
            .Select(e => (Source: Enum.Parse<EndSignalSource>(e.Str("source")), At: e.Time("at"), ReceivedAt: e.Time("receivedAt"))).ToList();
        var distance = events.Where(e => e.Type == "DistanceRecorded").Select(e => (At: e.Time("at"), Kilometres: e.Dec("kilometres"))).ToList();

        // Nothing applied twice.
        foreach (var type in new[] { "RentalRequested", "RentalStarted", "RentalRefused" })
        {
            if (events.Count(e => e.Type == type) > 1)
            {
                Add("nothing-applied-twice", $"{rentalId}: {events.Count(e => e.Type == type)} × {type}");
            }
        }

        if (started.Count > 0 && events.Any(e => e.Type == "RentalRefused"))
        {
            Add("nothing-applied-twice", $"{rentalId}: both started and refused");
        }

        foreach (var g in signals.GroupBy(s => (s.Source, s.At)).Where(g => g.Count() > 1))
        {
            Add("nothing-applied-twice", $"{rentalId}: end signal {g.Key.Source} at {Simulator.Format(g.Key.At)} journaled {g.Count()} times");
        }

        foreach (var g in distance.GroupBy(d => d).Where(g => g.Count() > 1))
        {
            var message = $"{rentalId}: {g.Key.Kilometres} km at {Simulator.Format(g.Key.At)} journaled {g.Count()} times (billed {g.Count()} times)";
            if (KnownCoreBugs.DistanceIsNotDeduplicated)
            {
                record.Findings.Add(new Finding("KNOWN CORE BUG distance-not-deduplicated: a distance report delivered twice is journaled and billed twice", message));
            }
            else
            {
                Add("nothing-applied-twice", message);
            }
        }

        CheckPaymentSequence(rentalId, events);

        // Every acknowledged fact is in the journal, and nothing is in it that nobody was told about.
        var isStarted = started.Count > 0;
        if (rental is null)
        {
            Add("no-phantom-rental", $"{rentalId}: in the journal but no client ever asked for it");
            return;
        }

        if (rental.Started && !isStarted)
        {
            Add("accepted-events-are-durable", $"{rentalId}: the client was told the rental started at {Simulator.Format(rental.StartedAt!.Value)}; the journal has no start");
            return;
        }

        var clientKnowsStarted = rental.Started;
        if (!rental.Started && isStarted)
        {
            var message = $"{rentalId}: the client was told {string.Join(", ", rental.Refusals)}, but the journal started it ({started[0]}) and bills it";
            if (KnownCoreBugs.StartRetryIsAnsweredFromHealthFirst
                && rental.StartAttempts.Count > 1
                && rental.Refusals.Any(r => r is StartRefusal.PaymentUnavailable or StartRefusal.IdentityUnavailable))
            {
                record.Findings.Add(new Finding("KNOWN CORE BUG start-retry-answered-from-health-first: a start retried while a dependency is down is refused although it had started", message));
                knownBugRentals.Add(rentalId);
                clientKnowsStarted = true; // the library bills it: hold it to everything a started rental must satisfy
            }
            else
            {
                Add("no-phantom-start", message);
            }
        }

        if (rental.Started && isStarted && started[0].Time("startedAt") != rental.StartedAt)
        {
            Add("accepted-events-are-durable", $"{rentalId}: started at {Simulator.Format(rental.StartedAt!.Value)} by the answer, {started[0]} by the journal");
        }

        foreach (var ((source, at), delivered) in rental.Signals)
        {
            var journaled = signals.Where(s => s.Source == source && s.At == at).ToList();
            if (journaled.Count == 0)
            {
                Add("accepted-events-are-durable", $"{rentalId}: end signal {source} at {Simulator.Format(at)} was accepted but is not in the journal");
            }
            else if (!delivered.Contains(journaled[0].ReceivedAt))
            {
                Add("received-at-is-a-delivery", $"{rentalId}: end signal {source} at {Simulator.Format(at)} is stamped received at {Simulator.Format(journaled[0].ReceivedAt)}, but it was delivered at {string.Join(", ", delivered.Select(Simulator.Format))}");
            }
        }

        foreach (var s in signals.Where(s => !rental.Signals.ContainsKey((s.Source, s.At))))
        {
            Add("no-phantom-signal", $"{rentalId}: the journal has an end signal {s.Source} at {Simulator.Format(s.At)} that was never accepted");
        }

        foreach (var (increment, _) in rental.Distance.Where(d => !distance.Contains(d.Key)))
        {
            Add("accepted-events-are-durable", $"{rentalId}: {increment.Kilometres} km at {Simulator.Format(increment.At)} was accepted but is not in the journal");
        }

        foreach (var d in distance.Where(d => !rental.Distance.ContainsKey(d)))
        {
            Add("no-phantom-signal", $"{rentalId}: the journal has {d.Kilometres} km at {Simulator.Format(d.At)} that was never accepted");
        }

        var ledger = gateway.GetTotals(rentalId);
        var statement = await engine.Rentals.GetStatementAsync(rentalId, asOf, CancellationToken.None);
        if (!clientKnowsStarted)
        {
            // A refused start is charged nothing and keeps no hold once the reconciler has voided it (or it expired).
            if (!ledger.Net.IsZero)
            {
                Add("refused-start-takes-nothing", $"{rentalId}: refused ({string.Join(",", rental.Refusals)}) but the gateway took {ledger.Net}");
            }

            if (!ledger.Held.IsZero)
            {
                Add("refused-start-keeps-no-hold", $"{rentalId}: refused ({string.Join(",", rental.Refusals)}) but the gateway still holds {ledger.Held}");
            }

            if (statement is not null && statement.Status != RentalStatus.Refused)
            {
                Add("refused-start-takes-nothing", $"{rentalId}: the client was told it was refused, the statement says {statement.Status}");
            }

            return;
        }

        // 3.1: no rental starts while a dependency is recorded down. The library learns of an outage when it records it, so
        // "while" is by journal order: the start's first event must not lie between an outage's begin and end events.
        var start = rental.StartedAt ?? started[0].Time("startedAt");
        var startPosition = events[0].Position;
        foreach (var (began, ended) in outageEvents.Where(o => o.Began.Position < startPosition && (o.Ended is null || o.Ended.Position > startPosition)))
        {
            Add("no-start-during-outage", $"{rentalId}: started at {Simulator.Format(start)} (journal position {startPosition}) while {began.Str("dependency")} was recorded down ({began}..{ended?.ToString() ?? "ongoing"})");
        }

        if (statement is null)
        {
            Add("accepted-events-are-durable", $"{rentalId}: started, but the library has no statement for it");
            return;
        }

        var plan = scenario.Plans.Single(p => p.PlanId == rental.PlanId);
        var modelSignals = signals.Select(s => new ModelSignal(s.Source, s.At, s.ReceivedAt)).ToList();
        var model = ReferenceModel.Read(plan, scenario.Policy, start, modelSignals, distance, outages, asOf);
        CompareWithModel(rentalId, statement, model, plan);

        // Where the money stands, by the gateway's own ledger.
        var charge = model.ChargeMinorUnits;
        if (statement.Money.HasUnresolvedOperation)
        {
            Add("settles-after-faults-stop", $"{rentalId}: an operation of unknown outcome is left after faults stopped");
        }

        if (statement.Money.Taken.MinorUnits != ledger.Net.MinorUnits)
        {
            Add("library-knows-what-the-gateway-did", $"{rentalId}: the library believes {statement.Money.Taken} was taken, the gateway took {ledger.Net}");
        }

        if (model.End is null)
        {
            // An open rental is not settled. It may have been, against an end that later stopped counting (a rider's
            // claim contradicted by late telemetry): then what was taken stays (what it owes "so far" is no bound: a plan
            // with a discount segment owes less the longer it runs, down to zero).
            var everEnded = model.Verdicts.Any(v => v.Value == SignalRejectionReason.ContradictedByTelemetry);
            if (!everEnded && (!ledger.Captured.IsZero || !ledger.Charged.IsZero))
            {
                Add("open-rental-takes-nothing", $"{rentalId}: no signal ever counted, yet the gateway captured {ledger.Captured} and charged {ledger.Charged}");
            }
            else if (!ledger.Net.IsZero)
            {
                record.Findings.Add(new Finding(
                    "a rental settled against a rider's end that late telemetry then contradicted is open again: the money taken stays and nothing more moves until a new end arrives",
                    $"{rentalId}: taken {ledger.Net}, owed so far {charge} minor units"));
            }

            return;
        }

        if (statement.Status == RentalStatus.Settled)
        {
            if (ledger.Net.MinorUnits != charge)
            {
                Add("money-equals-charge", $"{rentalId}: settled, captured + charged - refunded = {ledger.Net} at the gateway, the charge is {charge} minor units ({ledger})");
            }

            if (!ledger.Held.IsZero)
            {
                Add("no-hold-left-after-settlement", $"{rentalId}: settled, but the gateway still holds {ledger.Held}");
            }
        }
        else if (statement.Status == RentalStatus.PendingSettlement && statement.Money.DeclineReason is { } reason)
        {
            // Debt to collect: only when the gateway really declined the charge (its stored answer for the key), and only for what is missing.
            var lastCharge = events.LastOrDefault(e => e.Type == "PaymentRequested" && e.Str("kind") == nameof(PaymentOperationKind.Charge));
            var stored = lastCharge is null ? null : await gateway.LookupAsync(IdempotencyKey.From(lastCharge.Str("key")), CancellationToken.None);
            if (stored?.Outcome != PaymentOutcome.Declined || ledger.Net.MinorUnits >= charge)
            {
                Add("debt-is-real", $"{rentalId}: pending as a debt ({reason}) but the gateway's answer to its last charge is {stored?.Outcome.ToString() ?? "nothing"} and it took {ledger.Net} of {charge} minor units");
            }
        }
        else
        {
            var message = $"{rentalId}: ended at {Simulator.Format(model.End.Value)} but is {statement.Status} after faults stopped: taken {statement.Money.Taken}, charge {statement.Charge}, hold open {statement.Money.HoldOpen}; gateway {ledger}";
            var settledBeforeItsEnd = events.Any(e => e.Type == "PaymentCompleted" && e.Str("outcome") == "Succeeded" && e.Time("at") < model.End.Value
                && (e.Str("key").Contains("/capture/", StringComparison.Ordinal) || e.Str("key").Contains("/charge/", StringComparison.Ordinal)));
            if (KnownCoreBugs.SettledBeforeItsEnd && settledBeforeItsEnd && ledger.Net.MinorUnits > charge)
            {
                record.Findings.Add(new Finding("KNOWN CORE BUG settled-before-its-end: settled before its (future-stamped) end, the charge dropped when an outage was recorded, and nothing re-queues the refund until a restart", message));
                knownBugRentals.Add(rentalId);
            }
            else
            {
                Add("settles-after-faults-stop", message);
            }
        }
    }

    /// <summary>SCENARIOS.md 3.1 to 3.3: the library's statement equals the reference model's reading.</summary>
    private void CompareWithModel(string rentalId, RentalStatement statement, ModelReading model, PlanSpec plan)
    {
        var problems = new List<string>();
        if (statement.End != model.End)
        {
            problems.Add($"end {Show(statement.End)} vs model {Show(model.End)}");
        }

        if (statement.BillableTime != model.Billable)
        {
            problems.Add($"billable {statement.BillableTime} vs model {model.Billable}");
        }

        if (statement.FrozenTime != model.Frozen)
        {
            problems.Add($"frozen {statement.FrozenTime} vs model {model.Frozen}");
        }

        if (statement.BillableKilometres != model.Kilometres)
        {
            problems.Add($"km {statement.BillableKilometres} vs model {model.Kilometres}");
        }

        if (statement.Charge.MinorUnits != model.ChargeMinorUnits || statement.Charge.Currency.Code != plan.Currency)
        {
            problems.Add($"charge {statement.Charge} vs model {model.ChargeMinorUnits} minor units {plan.Currency} ({plan})");
        }

        foreach (var ((source, at), verdict) in model.Verdicts)
        {
            var rejected = statement.RejectedSignals.FirstOrDefault(r => r.Signal.Source == source && r.Signal.At == at)?.Reason;
            if (rejected != verdict)
            {
                problems.Add($"signal {source} at {Simulator.Format(at)}: library {(rejected?.ToString() ?? "valid")}, model {(verdict?.ToString() ?? "valid")}");
            }
        }

        if (problems.Count > 0)
        {
            Add("meter-matches-model", $"{rentalId} (start {Simulator.Format(statement.StartedAt)}): {string.Join("; ", problems)}");
        }

        static string Show(Instant? t) => t is { } v ? Simulator.Format(v) : "none";
    }

    /// <summary>No new operation is sent while an earlier one's outcome is unknown; every key is requested once and completed at most once definitively.</summary>
    private void CheckPaymentSequence(string rentalId, IReadOnlyList<JournalEvent> events)
    {
        var outcomes = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Type == "PaymentRequested")
            {
                var key = e.Str("key");
                var open = outcomes.Where(o => o.Value is null or "Unknown").Select(o => o.Key).ToList();
                if (open.Count > 0)
                {
                    Add("no-operation-while-one-is-unknown", $"{rentalId}: {key} was requested while {string.Join(", ", open)} had no known outcome");
                }

                if (!outcomes.TryAdd(key, null))
                {
                    Add("key-requested-once", $"{rentalId}: key {key} requested twice");
                }
            }
            else if (e.Type == "PaymentCompleted")
            {
                var key = e.Str("key");
                if (!outcomes.TryGetValue(key, out var before))
                {
                    Add("outbox-before-call", $"{rentalId}: completion of {key}, which was never requested");
                }
                else if (before is not (null or "Unknown"))
                {
                    Add("completed-once", $"{rentalId}: {key} completed {e.Str("outcome")} after it had completed {before}");
                }

                outcomes[key] = e.Str("outcome");
            }
        }
    }
}
