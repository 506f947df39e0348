using System.Globalization;
using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Simulation.Tests.Checks;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;
using Polly;
using Polly.Retry;

namespace Billing.Resilience.Simulation.Tests.World;

/// <summary>How to run a scenario: where it crashes, what sits between the library and the gateway, how much to trace.</summary>
internal sealed record SimulationOptions
{
    /// <summary>Gets the crash plan; null draws crashes from the scenario's <see cref="CrashSpec"/> and the seed.</summary>
    public ICrashPlan? Crashes { get; init; }

    /// <summary>Gets a decorator put between the library and the gateway (mutation experiments); null for none.</summary>
    public Func<IPaymentGateway, IPaymentGateway>? GatewayDecorator { get; init; }

    /// <summary>Gets a value indicating whether every step is traced (replaying one seed), or only the last ones (kept for a failure report).</summary>
    public bool FullTrace { get; init; }
}

/// <summary>What a run found and did.</summary>
internal sealed record SimulationOutcome(
    Scenario Scenario,
    IReadOnlyList<Violation> Violations,
    SimRecord Record,
    IReadOnlyList<AppendRecord> Appends,
    IReadOnlyList<string> Trace,
    string Fingerprint,
    int Steps,
    int ReconcilerRuns,
    int GatewayOperations)
{
    public bool Passed => Violations.Count == 0;
}

/// <summary>
/// The deterministic simulation: one scenario (one seed) drives a fake clock, the clients' commands, the outages of
/// the payment and identity backends, the gateway's faults and the process crashes. The journal (an
/// <see cref="InMemoryJournal"/>, the "disk") and the <see cref="SimulatedPaymentGateway"/> (another company's system)
/// survive a crash; everything else is thrown away and rebuilt with <see cref="BillingEngineBuilder"/> from the journal,
/// and the client whose answer was lost sends its command again. Nothing here reads the wall clock or unseeded randomness.
/// </summary>
internal sealed class Simulator
{
    private const int MaxSteps = 200_000;
    private const int MaxReconcilerRuns = 2_000; // the most a seed needs is about 100 (seeds 1 to 5,000)
    private const int MaxAppends = 2_000; // the most a seed needs is about 500 (seeds 1 to 5,000)
    private static readonly byte[] TokenSecret = Encoding.UTF8.GetBytes("simulation-secret-0123456789abcdef");

    private readonly Scenario scenario;
    private readonly SimulationOptions options;
    private readonly FakeClock clock;
    private readonly InMemoryJournal disk = new();
    private readonly SimulatedPaymentGateway gateway;
    private readonly IPaymentGateway port;
    private readonly SimIdentityProvider identity = new();
    private readonly ICrashPlan crashes;
    private readonly Random restartDelays;
    private readonly Dictionary<Dependency, bool> down = new() { [Dependency.Payment] = false, [Dependency.Identity] = false };
    private readonly LedgerAudit audit = new();
    private readonly List<Violation> violations = [];
    private readonly List<AppendRecord> appends = [];
    private readonly Queue<string> recentTrace = new();
    private readonly List<string> fullTrace = [];
    private readonly List<PricingPlan> plans;
    private CrashingJournal view = null!;
    private BillingEngine engine = null!;
    private int appendNumber;
    private int steps;
    private int reconcilerRuns;
    private string during = "boot";

    private Simulator(Scenario scenario, SimulationOptions options)
    {
        this.scenario = scenario;
        this.options = options;
        clock = new FakeClock(scenario.Start);
        var gatewayOptions = new SimulatedPaymentGatewayOptions
        {
            AuthorizationValidity = scenario.Policy.HoldValidity,
            ReportTimeoutsAsUnknown = scenario.Faults.TimeoutsAsUnknown,
            RandomFaults = new RandomPaymentFaults(scenario.Faults.Seed)
            {
                LostResponseRate = scenario.Faults.LostResponseRate,
                TimeoutRate = scenario.Faults.TimeoutRate,
                ErrorRate = scenario.Faults.ErrorRate,
                SlowRate = scenario.Faults.SlowRate,
            },
        };
        foreach (var rider in scenario.Faults.DeclinedRiders)
        {
            gatewayOptions.DeclinedRiders.Add(rider);
        }

        gateway = new SimulatedPaymentGateway("psp", clock, gatewayOptions);
        foreach (var fault in scenario.Faults.Scripted)
        {
            gateway.AddFault(fault);
        }

        port = options.GatewayDecorator?.Invoke(gateway) ?? gateway;
        crashes = options.Crashes ?? (scenario.Crashes.RatePerAppend > 0
            ? new RandomCrashes(SeedStreams.Derive(scenario.Seed, "crashes"), scenario.Crashes)
            : NoCrashes.Instance);
        restartDelays = SeedStreams.For(scenario.Seed, "restarts");
        plans = scenario.Plans.Select(ToPricingPlan).ToList();
    }

    public SimRecord Record { get; } = new();

    public static async Task<SimulationOutcome> RunAsync(Scenario scenario, SimulationOptions? options = null)
    {
        var simulator = new Simulator(scenario, options ?? new SimulationOptions());
        return await simulator.RunAsync();
    }

    public static PricingPlan ToPricingPlan(PlanSpec plan)
        => new(
            plan.PlanId,
            CurrencyCode.Parse(plan.Currency),
            plan.Price,
            plan.PerMinute.Select(s => new PricingSegment(s.Start, s.Rate, s.Interval, s.End)),
            plan.PerKm.Select(s => new PricingSegment(s.Start, s.Rate, s.Interval, s.End)));

    private Instant Now => clock.GetCurrentInstant();

    private async Task<SimulationOutcome> RunAsync()
    {
        var fingerprint = string.Empty;
        try
        {
            Trace(scenario.Describe());
            await RestartAsync(first: true);
            await DriveAsync();
            await CalmAsync();
            var facts = await JournalFacts.ReadAsync(disk);
            var verifier = new Verifier(scenario, Record, facts, gateway, engine, Now);
            violations.AddRange(await verifier.VerifyAsync());
            if (violations.Count == 0)
            {
                await RestartChangesNothingAsync(facts, verifier.KnownBugRentals);
            }

            fingerprint = (await JournalFacts.ReadAsync(disk)).Fingerprint() + "/"
                + JournalFacts.Digest(string.Join("\n", gateway.GetOperations().Select(o => $"{o.Sequence} {o.Key} {o.Kind} {o.Amount} {o.Reference} {o.At}")));
        }
        catch (StopException)
        {
            // A violation was found mid-run; it is in the list.
        }
        catch (Exception ex)
        {
            violations.Add(new Violation("no-unexpected-exception", $"during {during}: {ex}"));
        }

        var trace = options.FullTrace ? fullTrace : recentTrace.ToList();
        if (violations.Count > 0)
        {
            trace.AddRange(await DossierAsync());
        }

        return new SimulationOutcome(scenario, violations, Record, appends, trace, fingerprint, steps, reconcilerRuns, gateway.GetOperations().Count);
    }

    /// <summary>For each rental a violation names: its plan, its journal and the gateway's calls, to read with the trace.</summary>
    private async Task<List<string>> DossierAsync()
    {
        var lines = new List<string>();
        var facts = await JournalFacts.ReadAsync(disk);
        var named = violations.SelectMany(v => System.Text.RegularExpressions.Regex.Matches(v.Message, @"\br-\d+\b").Select(m => m.Value)).Distinct(StringComparer.Ordinal).Take(3);
        foreach (var rentalId in named)
        {
            var rental = Record.Find(rentalId);
            lines.Add($"--- {rentalId}: {(rental is null ? "?" : scenario.Plans.Single(p => p.PlanId == rental.PlanId).ToString())}");
            lines.AddRange(facts.Of(rentalId).Select(e => $"  journal {e.Position}: {e.Type} {e.Data.GetRawText()}"));
            lines.AddRange(gateway.GetCalls().Where(c => c.RentalId == rentalId).Select(c => $"  gateway call {c.Sequence} at {Format(c.At)}: {c.Kind} {c.Key} fault {c.Fault?.ToString() ?? "-"} -> {c.Outcome} {c.Reason} applied {c.Applied}"));
            lines.Add($"  gateway totals: {gateway.GetTotals(rentalId)}");
        }

        return lines;
    }

    private async Task DriveAsync()
    {
        var queue = new PriorityQueue<Step, (Instant, int, int)>();
        var sequence = 0;
        void Schedule(Step step, int order) => queue.Enqueue(step, (step.At, order, sequence++));
        foreach (var outage in scenario.Outages)
        {
            Schedule(new TruthStep(outage.From, outage.Dependency, Down: true), 0);
            Schedule(new TruthStep(outage.To, outage.Dependency, Down: false), 0);
            Schedule(new ProbeStep(outage.From + outage.DownDetectedAfter, outage.Dependency), 1);
            Schedule(new ProbeStep(outage.To + outage.UpDetectedAfter, outage.Dependency), 1);
        }

        foreach (var command in scenario.Commands)
        {
            Schedule(new CommandStep(command.DeliverAt, command), 2);
        }

        while (queue.TryPeek(out var step, out _))
        {
            await ReconcileDueAsync(step.At);
            if (Now < step.At)
            {
                clock.Reset(step.At);
            }

            queue.Dequeue();
            if (++steps > MaxSteps)
            {
                Fail("terminates", $"more than {MaxSteps} steps");
            }

            switch (step)
            {
                case TruthStep truth:
                    down[truth.Dependency] = truth.Down;
                    if (truth.Dependency == Dependency.Payment)
                    {
                        gateway.SetAvailable(!truth.Down);
                    }
                    else
                    {
                        identity.Available = !truth.Down;
                    }

                    Trace($"{truth.Dependency} is really {(truth.Down ? "down" : "up")}");
                    break;
                case ProbeStep probe:
                    during = $"probe {probe.Dependency}";
                    await GuardAsync(() => ReportTruthAsync(probe.Dependency));
                    break;
                case CommandStep command:
                    await DeliverAsync(command.Command);
                    break;
            }

            Audit();
        }
    }

    /// <summary>Faults stop: every dependency is up, scripted faults are cleared, no more crashes; the reconciler runs until nothing is due.</summary>
    private async Task CalmAsync()
    {
        during = "calm";
        Trace("calm: everything up, scripted faults cleared, no more crashes");
        crashes.Disarm();
        gateway.ClearFaults();
        gateway.SetAvailable(true);
        identity.Available = true;
        down[Dependency.Payment] = false;
        down[Dependency.Identity] = false;
        clock.Advance(Duration.FromSeconds(1));
        await GuardAsync(SyncHealthAsync);
        await ReconcileDueAsync(Now + Duration.FromDays(3));
        if (engine.Reconciler.NextDueAt is { } due)
        {
            Fail("settles-after-faults-stop", $"the reconciler still has {engine.Reconciler.Pending} rental(s) due (next at {Format(due)}) three simulated days after faults stopped");
        }
    }

    /// <summary>
    /// A clean restart after everything settled must not move money or write anything, except for rentals left unsettled
    /// by a known core bug, which the restart's recovery must then settle exactly.
    /// </summary>
    private async Task RestartChangesNothingAsync(JournalFacts before, IReadOnlySet<string> knownBugRentals)
    {
        var operations = gateway.GetOperations().Count;
        await RestartAsync(first: false);
        await ReconcileDueAsync(Now + Duration.FromDays(1));
        var after = await JournalFacts.ReadAsync(disk);
        var newEvents = after.Events.Skip(before.Events.Count).Where(e => !knownBugRentals.Contains(e.StreamId[JournalFacts.RentalPrefix.Length..])).ToList();
        var newOperations = gateway.GetOperations().Skip(operations).Where(o => !knownBugRentals.Contains(o.RentalId)).ToList();
        if (newEvents.Count > 0 || newOperations.Count > 0)
        {
            violations.Add(new Violation(
                "restart-after-settlement-is-a-no-op",
                $"a restart after settlement wrote {newEvents.Count} event(s) and applied {newOperations.Count} operation(s): {string.Join("; ", newEvents.Take(5))}"));
        }

        foreach (var rentalId in knownBugRentals)
        {
            var statement = await engine.Rentals.GetStatementAsync(rentalId, Now, CancellationToken.None);
            var net = gateway.GetTotals(rentalId).Net;
            if (statement is { Status: RentalStatus.Settled } && statement.Charge.MinorUnits == net.MinorUnits)
            {
                continue;
            }

            violations.Add(new Violation("settles-after-faults-stop", $"{rentalId}: left unsettled by a known core bug, and still {statement?.Status} with {net} taken for a charge of {statement?.Charge} after a restart"));
        }
    }

    private async Task DeliverAsync(ClientCommand command)
    {
        var attempts = new List<Instant>();
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 64)
            {
                Fail("commands-are-answered", $"{command} was never answered");
            }

            during = command.ToString();
            attempts.Add(Now);
            try
            {
                await SendAsync(command, attempts, attempt);
                if (view.IsDead)
                {
                    Fail("durable-before-acknowledged", $"{command} was answered although the journal append under it failed (a crash was swallowed)");
                }

                return;
            }
            catch (Exception ex) when (SimulatedCrashException.IsCrash(ex))
            {
                await CrashedAsync(ex);
            }
        }
    }

    private async Task SendAsync(ClientCommand command, List<Instant> attempts, int attempt)
    {
        switch (command)
        {
            case StartCommand start:
            {
                var rental = Record.Rental(start.RentalId, start.RiderId, start.PlanId);
                rental.StartAttempts.Add(Now);
                var result = await engine.Rentals.StartAsync(new StartRental(start.RentalId, start.RiderId, start.PlanId, "session"));
                if (result.Started)
                {
                    if (rental.StartedAt is { } before && before != result.StartedAt)
                    {
                        Fail("start-is-idempotent", $"{start.RentalId} was started at {Format(before)} and again at {Format(result.StartedAt!.Value)}");
                    }

                    rental.StartedAt = result.StartedAt;
                    rental.Token = result.RentalToken;
                    Trace($"start {start.RentalId} ({start.RiderId}, {start.PlanId}): started");
                }
                else
                {
                    rental.Refusals.Add(result.Refusal);
                    Trace($"start {start.RentalId}: refused {result.Refusal}");
                    if (attempt > 0 && result.Refusal == StartRefusal.DuplicateRental && !rental.Started)
                    {
                        Record.Findings.Add(new Finding(
                            "a start retried after a crash between RentalRequested and RentalStarted is answered DuplicateRental: the rental never starts (a hold placed meanwhile is voided by the reconciler)",
                            start.RentalId));
                    }
                }

                break;
            }

            case EndCommand end:
            {
                var rental = Record.Find(end.RentalId)!;
                if (end.Source == EndSignalSource.Rider && rental.Token is null)
                {
                    // The app never got a rental token (the start was refused): it has nothing to end.
                    return;
                }

                var receipt = await engine.Rentals.ReportEndAsync(new ReportEndSignal(end.RentalId, end.At, end.Source, end.Source == EndSignalSource.Rider ? rental.Token : null));
                if (receipt.Accepted)
                {
                    var key = (end.Source, end.At);
                    if (!rental.Signals.TryGetValue(key, out var delivered))
                    {
                        rental.Signals[key] = delivered = [];
                    }

                    delivered.AddRange(attempts);
                    attempts.Clear();
                    Trace($"end {end.RentalId} {end.Source} at {Format(end.At)}: accepted{(receipt.Duplicate ? " (duplicate)" : string.Empty)}, end {(receipt.End is { } e ? Format(e) : "none")}{(receipt.Rejection is { } why ? $", this signal {why}" : string.Empty)}");
                }
                else
                {
                    var codes = string.Join(",", receipt.Errors.Select(e => e.Code));
                    Trace($"end {end.RentalId} {end.Source} at {Format(end.At)}: not accepted {codes}");
                    if (rental.Started)
                    {
                        Fail("ending-never-needs-a-remote-system", $"{end.RentalId} started, but its {end.Source} end signal at {Format(end.At)} was not accepted: {codes}");
                    }
                }

                break;
            }

            case DistanceCommand distance:
            {
                var rental = Record.Find(distance.RentalId)!;
                var errors = await engine.Rentals.RecordDistanceAsync(new RecordDistance(distance.RentalId, distance.At, distance.Kilometres));
                if (errors.Count == 0)
                {
                    var key = (distance.At, distance.Kilometres);
                    rental.Distance[key] = rental.Distance.GetValueOrDefault(key) + 1;
                    Trace($"distance {distance.RentalId} {distance.Kilometres} km at {Format(distance.At)}: accepted");
                }
                else if (rental.Started)
                {
                    Fail("telemetry-is-accepted", $"{distance.RentalId} started, but {distance.Kilometres} km at {Format(distance.At)} was refused: {string.Join(",", errors.Select(e => e.Code))}");
                }

                break;
            }
        }
    }

    private async Task ReconcileDueAsync(Instant until)
    {
        var spins = 0;
        var lastRunAt = Instant.MinValue;
        while (!engine.Health.IsDown(Dependency.Payment) && engine.Reconciler.NextDueAt is { } due && due <= until)
        {
            if (due > Now)
            {
                clock.Reset(due);
            }

            spins = Now == lastRunAt ? spins + 1 : 0;
            lastRunAt = Now;
            if (spins > 50)
            {
                Fail("terminates", $"the reconciler ran 50 times at {Format(Now)} with work still due now");
            }

            during = "reconciler";
            if (++reconcilerRuns > MaxReconcilerRuns)
            {
                Fail("settles-after-faults-stop", $"the reconciler ran {MaxReconcilerRuns} times and still has {engine.Reconciler.Pending} rental(s) pending: it does not come to rest");
            }

            await GuardAsync(async () =>
            {
                var run = await engine.Reconciler.RunOnceAsync();
                if (run.Examined > 0)
                {
                    Trace($"reconciler: examined {run.Examined}, settled {run.Settled}, calls {run.GatewayCalls}, deferred {run.Deferred}, declined {run.Declined}, pending {run.StillPending}");
                }
            });
            Audit();
        }
    }

    /// <summary>Runs an action of the library; when the process dies in it, restarts (no client is waiting for an answer).</summary>
    private async Task GuardAsync(Func<Task> action)
    {
        try
        {
            await action();
            if (view.IsDead)
            {
                Fail("durable-before-acknowledged", $"{during} carried on although a journal append under it failed (a crash was swallowed)");
            }
        }
        catch (Exception ex) when (SimulatedCrashException.IsCrash(ex))
        {
            await CrashedAsync(ex);
        }
    }

    private async Task CrashedAsync(Exception ex)
    {
        var crash = Unwrap(ex);
        Record.Crashes.Add(new CrashRecord(Now, crash.WritePoint, crash.Mode, during));
        Trace($"CRASH {(crash.Mode == CrashMode.BeforeDurable ? "before" : "after")} {crash.WritePoint} was durable, during {during}");
        await RestartAsync(first: false);
    }

    /// <summary>Starts a process: a new engine on the surviving journal and gateway; the probe then reports what is really up and down.</summary>
    private async Task RestartAsync(bool first)
    {
        if (!first)
        {
            clock.Advance(Duration.FromSeconds(restartDelays.Between(0L, (long)scenario.Crashes.MaxRestartDelay.TotalSeconds)));
        }

        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 100)
            {
                Fail("terminates", "the process cannot restart");
            }

            try
            {
                view = new CrashingJournal(disk, crashes, appends.Add, NextAppendNumber);
                engine = await BuildEngineAsync(view);
                if (!first)
                {
                    Record.Restarts++;
                    Trace($"restarted from the journal: {engine.Reconciler.Pending} rental(s) queued for settlement");
                }

                during = "restart: probe";
                await SyncHealthAsync();
                return;
            }
            catch (Exception ex) when (SimulatedCrashException.IsCrash(ex))
            {
                var crash = Unwrap(ex);
                Record.Crashes.Add(new CrashRecord(Now, crash.WritePoint, crash.Mode, "restart"));
                Trace($"CRASH during restart at {crash.WritePoint}");
            }
        }
    }

    private int NextAppendNumber()
    {
        if (++appendNumber > MaxAppends)
        {
            Fail("terminates", $"more than {MaxAppends} journal appends: something appends without end");
        }

        return appendNumber;
    }

    private async Task<BillingEngine> BuildEngineAsync(IJournal journal)
    {
        var policy = scenario.Policy;
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans(plans)
            .UseIdentityProvider(identity)
            .AddPaymentGateway(port, SameKeyRetries());
        builder.Metering.FreezeOn = new HashSet<Dependency>(policy.FreezeOn);
        builder.Metering.FreezeGrace = policy.FreezeGrace;
        builder.Metering.EndSignalSkew = policy.EndSignalSkew;
        builder.Metering.IntervalRounding = policy.CompletedRounding ? IntervalRounding.Completed : IntervalRounding.Started;
        builder.Payments.HoldAmount = policy.HoldAmount;
        builder.Payments.HoldValidity = policy.HoldValidity;
        builder.Payments.HoldExpiryWarning = Duration.FromTicks(policy.HoldValidity.BclCompatibleTicks / 4);
        builder.Reconciler.MaxConcurrency = 1; // one rental at a time: the order of gateway calls, and so of faults, is the seed's
        builder.Reconciler.MaxCallsPerSecond = policy.MaxCallsPerSecond;
        builder.Reconciler.JitterSeed = policy.JitterSeed;
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "sim", Secret = TokenSecret });
        builder.RentalTokens.ActiveKeyId = "sim";
        return await builder.BuildAsync();
    }

    /// <summary>What the default pipeline does (retry the same request after a timeout or a transport error) without waiting on real time.</summary>
    private static ResiliencePipeline<PaymentResult> SameKeyRetries()
        => new ResiliencePipelineBuilder<PaymentResult>()
            .AddRetry(new RetryStrategyOptions<PaymentResult>
            {
                ShouldHandle = new PredicateBuilder<PaymentResult>()
                    .Handle<TimeoutException>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => r.Outcome == PaymentOutcome.Unknown),
                MaxRetryAttempts = 2,
                Delay = TimeSpan.Zero,
                UseJitter = false,
            })
            .Build();

    private async Task SyncHealthAsync()
    {
        await ReportTruthAsync(Dependency.Payment);
        await ReportTruthAsync(Dependency.Identity);
    }

    /// <summary>The probe: tells the library what is really the case now, and records what the library acknowledged.</summary>
    private async Task ReportTruthAsync(Dependency dependency)
    {
        if (down[dependency])
        {
            var outage = await engine.Health.ReportDownAsync(dependency, "probe");
            if (!Record.Outages.TryGetValue(outage.OutageId, out var acked))
            {
                Record.Outages[outage.OutageId] = new AckedOutage(outage.OutageId, dependency, outage.From);
                Trace($"probe: {dependency} down, outage {outage.OutageId} from {Format(outage.From)}");
            }
            else if (acked.From != outage.From)
            {
                Fail("outage-log-is-stable", $"outage {outage.OutageId} began at {Format(acked.From)}, now the library says {Format(outage.From)}");
            }
        }
        else
        {
            var outage = await engine.Health.ReportUpAsync(dependency);
            if (outage is not null)
            {
                if (!Record.Outages.TryGetValue(outage.OutageId, out var acked))
                {
                    Record.Outages[outage.OutageId] = acked = new AckedOutage(outage.OutageId, dependency, outage.From);
                }

                acked.To = outage.To;
                Trace($"probe: {dependency} up, outage {outage.OutageId} ended at {Format(outage.To!.Value)}");
            }
        }
    }

    private void Audit()
    {
        var found = audit.Advance(gateway.GetOperations());
        if (found.Count > 0)
        {
            violations.AddRange(found);
            Trace($"ledger audit: {found.Count} violation(s)");
            throw new StopException();
        }
    }

    private void Fail(string invariant, string message)
    {
        violations.Add(new Violation(invariant, $"at {Format(Now)}: {message}"));
        throw new StopException();
    }

    private void Trace(string line)
    {
        var text = $"{Format(Now)} {line}";
        if (options.FullTrace)
        {
            fullTrace.Add(text);
            return;
        }

        recentTrace.Enqueue(text);
        if (recentTrace.Count > 60)
        {
            recentTrace.Dequeue();
        }
    }

    public static string Format(Instant instant)
    {
        var offset = instant - ScenarioGenerator.DayStart;
        return string.Create(CultureInfo.InvariantCulture, $"d{offset.Days}+{offset.Hours:00}:{offset.Minutes:00}:{offset.Seconds:00}{(offset.SubsecondNanoseconds != 0 ? $".{offset.SubsecondNanoseconds / 1_000_000:000}" : string.Empty)}");
    }

    private static SimulatedCrashException Unwrap(Exception ex) => ex switch
    {
        SimulatedCrashException crash => crash,
        AggregateException aggregate => aggregate.InnerExceptions.Where(SimulatedCrashException.IsCrash).Select(Unwrap).First(),
        _ => Unwrap(ex.InnerException!),
    };

    private abstract record Step(Instant At);

    private sealed record TruthStep(Instant At, Dependency Dependency, bool Down) : Step(At);

    private sealed record ProbeStep(Instant At, Dependency Dependency) : Step(At);

    private sealed record CommandStep(Instant At, ClientCommand Command) : Step(At);

    private sealed class StopException : Exception;
}
