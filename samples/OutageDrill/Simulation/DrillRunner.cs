using System.Security.Cryptography;
using Billing.Resilience;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;
using OutageDrill.Scenarios;
using Polly;

namespace OutageDrill.Simulation;

/// <summary>What a drill produced: each rental's statement and start outcome, the gateway's ledger, the outage log.</summary>
internal sealed record DrillResult(
    Scenario Scenario,
    IReadOnlyList<DrillRental> Rentals,
    IReadOnlyList<Outage> Outages,
    SimulatedPaymentGateway Gateway,
    long JournalEvents);

internal sealed record DrillRental(ScenarioRental Rental, CurrencyCode Currency, StartRefusal Refusal, RentalStatement? Statement, RentalLedgerTotals Ledger);

/// <summary>
/// Replays a scenario through the real library on a simulated clock: a real journal, the real reconciler, the
/// simulated payment gateway of Billing.Resilience.Testing, and an identity backend that is down when the scenario says.
/// </summary>
internal static class DrillRunner
{
    private enum Step
    {
        OutageEnds = 0,
        OutageBegins = 1,
        Start = 2,
        Distance = 3,
        Signal = 4,
    }

    private sealed record TimelineEvent(Instant At, Step Step, int Sequence, Func<Task> Run);

    /// <summary>How many inputs (outage bounds, starts, distance records, end signals) the drill replays, at most.</summary>
    public static int CountInputs(Scenario scenario)
        => scenario.Outages.Sum(o => o.To is null ? 1 : 2) + scenario.Rentals.Sum(r => 1 + r.Distance.Count + r.EndSignals.Count);

    /// <summary>Runs the drill; <paramref name="progress"/> is told (done, of) after each input.</summary>
    public static async Task<DrillResult> RunAsync(Scenario scenario, IJournal journal, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var outagesByTime = scenario.Outages.OrderBy(o => o.From.ToInstant()).ToList();
        var firstInstant = new[] { scenario.RunUntil.ToInstant() }
            .Concat(scenario.Rentals.Select(r => r.StartedAt.ToInstant()))
            .Concat(outagesByTime.Select(o => o.From.ToInstant()))
            .Min();
        var clock = new FakeClock(firstInstant);
        var runUntil = scenario.RunUntil.ToInstant();

        var gateway = new SimulatedPaymentGateway("simulated", clock, new SimulatedPaymentGatewayOptions { AuthorizationValidity = scenario.Policy.HoldValidity });
        foreach (var fault in scenario.Faults)
        {
            gateway.AddFault(fault);
        }

        var identity = new ScheduledIdentityProvider(clock, scenario.Outages.Where(o => o.Dependency == Dependency.Identity).ToList());
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans(scenario.Plans)
            .UseIdentityProvider(identity)
            // The drill's outages come from the scenario (its probe), not from circuit breakers: retries of the same
            // request only, without waiting, so a lost response is resolved within the same simulated instant.
            .AddPaymentGateway(gateway, DrillPipeline());
        builder.Metering.FreezeOn = new HashSet<Dependency>(scenario.Policy.FreezeOn);
        builder.Metering.FreezeGrace = scenario.Policy.FreezeGrace;
        builder.Metering.EndSignalSkew = scenario.Policy.EndSignalSkew;
        builder.Metering.IntervalRounding = scenario.Policy.IntervalRounding;
        builder.Payments.HoldAmount = scenario.Policy.HoldAmount;
        builder.Payments.HoldValidity = scenario.Policy.HoldValidity;
        builder.Payments.HoldExpiryWarning = Duration.FromHours(Math.Min(24, scenario.Policy.HoldValidity.TotalHours / 2));
        builder.Reconciler.MaxCallsPerSecond = 1_000;
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "drill", Secret = RandomNumberGenerator.GetBytes(32) });
        builder.RentalTokens.ActiveKeyId = "drill";

        // SCENARIOS.md 3.1: an end signal is accepted whenever it arrives; the longest token lifetime covers a drill
        // (the scenario reader refuses drills longer than that).
        builder.RentalTokens.Lifetime = Duration.FromDays(90);
        using var engine = await builder.BuildAsync(cancellationToken).ConfigureAwait(false);

        var refusals = new Dictionary<string, StartRefusal>(StringComparer.Ordinal);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        var timeline = new List<TimelineEvent>();
        var sequence = 0;
        foreach (var outage in scenario.Outages)
        {
            timeline.Add(new TimelineEvent(outage.From.ToInstant(), Step.OutageBegins, sequence++, async () =>
            {
                if (outage.Dependency == Dependency.Payment)
                {
                    gateway.SetAvailable(false);
                }

                await engine.Health.ReportDownAsync(outage.Dependency, "drill: scenario outage", cancellationToken).ConfigureAwait(false);
            }));
            if (outage.To is { } to)
            {
                timeline.Add(new TimelineEvent(to.ToInstant(), Step.OutageEnds, sequence++, async () =>
                {
                    if (outage.Dependency == Dependency.Payment)
                    {
                        gateway.SetAvailable(true);
                    }

                    await engine.Health.ReportUpAsync(outage.Dependency, cancellationToken).ConfigureAwait(false);
                }));
            }
        }

        foreach (var rental in scenario.Rentals)
        {
            timeline.Add(new TimelineEvent(rental.StartedAt.ToInstant(), Step.Start, sequence++, async () =>
            {
                var result = await engine.Rentals.StartAsync(new StartRental(rental.Id, rental.RiderId, rental.PlanId, "drill"), cancellationToken).ConfigureAwait(false);
                refusals[rental.Id] = result.Refusal;
                if (result.RentalToken is { } token)
                {
                    tokens[rental.Id] = token;
                }
            }));
            foreach (var d in rental.Distance)
            {
                timeline.Add(new TimelineEvent(Instant.Max(d.At.ToInstant(), rental.StartedAt.ToInstant()), Step.Distance, sequence++, async () =>
                {
                    if (refusals.GetValueOrDefault(rental.Id) == StartRefusal.None)
                    {
                        var problems = await engine.Rentals.RecordDistanceAsync(new RecordDistance(rental.Id, d.At.ToInstant(), d.Kilometres), cancellationToken).ConfigureAwait(false);
                        Check(problems, rental.Id);
                    }
                }));
            }

            foreach (var s in rental.EndSignals)
            {
                timeline.Add(new TimelineEvent(s.ReceivedAt.ToInstant(), Step.Signal, sequence++, async () =>
                {
                    if (refusals.GetValueOrDefault(rental.Id) == StartRefusal.None)
                    {
                        var receipt = await engine.Rentals.ReportEndAsync(
                            new ReportEndSignal(rental.Id, s.At.ToInstant(), s.Source, s.Source == EndSignalSource.Rider ? tokens[rental.Id] : null),
                            cancellationToken).ConfigureAwait(false);
                        Check(receipt.Errors, rental.Id);
                    }
                }));
            }
        }

        var ordered = timeline.Where(e => e.At <= runUntil).OrderBy(e => e.At).ThenBy(e => e.Step).ThenBy(e => e.Sequence).ToList();
        var index = 0;
        while (true)
        {
            Instant? nextEvent = index < ordered.Count ? ordered[index].At : null;
            var nextDue = engine.Health.IsDown(Dependency.Payment) ? null : engine.Reconciler.NextDueAt;
            if (nextDue is { } due && due < clock.GetCurrentInstant())
            {
                nextDue = clock.GetCurrentInstant();
            }

            var next = (nextEvent, nextDue) switch
            {
                (null, null) => (Instant?)null,
                ({ } a, null) => a,
                (null, { } b) => b,
                ({ } a, { } b) => Instant.Min(a, b),
            };
            if (next is not { } now || now > runUntil)
            {
                break;
            }

            clock.Reset(now);
            while (index < ordered.Count && ordered[index].At == now)
            {
                await ordered[index].Run().ConfigureAwait(false);
                index++;
                progress?.Invoke(index, ordered.Count);
            }

            await engine.Reconciler.RunOnceAsync(cancellationToken).ConfigureAwait(false);
        }

        clock.Reset(runUntil);
        await engine.Reconciler.RunOnceAsync(cancellationToken).ConfigureAwait(false);

        var rentals = new List<DrillRental>(scenario.Rentals.Count);
        foreach (var rental in scenario.Rentals)
        {
            var statement = await engine.Rentals.GetStatementAsync(rental.Id, runUntil, cancellationToken).ConfigureAwait(false);
            var currency = scenario.Plans.First(p => p.PlanId == rental.PlanId).Currency;
            var ledger = gateway.GetTotals(rental.Id);
            if (ledger.Currency.IsDefault)
            {
                // The gateway never saw the rental: its ledger is all zeros, in the plan's currency.
                var zero = Money.Zero(currency);
                ledger = new RentalLedgerTotals(rental.Id, currency, zero, zero, zero, zero, zero, zero, zero, zero, 0);
            }

            rentals.Add(new DrillRental(rental, currency, refusals.GetValueOrDefault(rental.Id), statement, ledger));
        }

        var journalEvents = await CountEventsAsync(journal, cancellationToken).ConfigureAwait(false);
        return new DrillResult(scenario, rentals, engine.Health.Outages, gateway, journalEvents);
    }

    private static ResiliencePipeline<PaymentResult> DrillPipeline()
        => new ResiliencePipelineBuilder<PaymentResult>()
            .AddRetry(new Polly.Retry.RetryStrategyOptions<PaymentResult>
            {
                ShouldHandle = new PredicateBuilder<PaymentResult>().Handle<TimeoutException>().HandleResult(r => r.Outcome == PaymentOutcome.Unknown),
                MaxRetryAttempts = 2,
                Delay = TimeSpan.Zero,
            })
            .Build();

    private static void Check(IReadOnlyList<ValidationError> errors, string rentalId)
    {
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Rental {rentalId}: the library refused a drill input: {string.Join("; ", errors)}");
        }
    }

    private static async Task<long> CountEventsAsync(IJournal journal, CancellationToken cancellationToken)
    {
        long position = 0;
        while (true)
        {
            var batch = await journal.ReadAllAsync(position, 10_000, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return position;
            }

            position = batch[^1].GlobalPosition;
        }
    }
}

/// <summary>The drill's identity backend: it answers, except during the scenario's identity outages.</summary>
internal sealed class ScheduledIdentityProvider(IClock clock, IReadOnlyList<ScenarioOutage> outages) : IIdentityProvider
{
    public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        foreach (var outage in outages)
        {
            if (outage.From.ToInstant() <= now && (outage.To is not { } to || now < to.ToInstant()))
            {
                throw new HttpRequestException("identity backend unreachable (scenario outage)");
            }
        }

        return ValueTask.FromResult(IdentityVerdict.Authenticated);
    }
}
