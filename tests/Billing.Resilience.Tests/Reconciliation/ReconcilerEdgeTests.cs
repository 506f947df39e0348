using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Billing.Resilience.Telemetry;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>
/// The reconciler where the settlement tests do not go: recovery, what each kind of run reports, leases, an end still
/// ahead, backoff, failures of one rental, racing writers, catching up with other instances, and the logs.
/// </summary>
public sealed class ReconcilerEdgeTests : IDisposable
{
    private readonly MetricsRecorder metrics = new();

    public void Dispose() => metrics.Dispose();

    [Fact]
    public async Task Recovery_queues_what_needs_money_counts_open_rentals_and_watches_their_holds()
    {
        var journal = new InMemoryJournal();
        var clock = new FakeClock(TestEngine.T0);
        static void Options(BillingEngineBuilder b)
        {
            b.Payments.HoldAmount = 10_000m;
            b.Payments.HoldValidity = Duration.FromHours(2);
            b.Payments.HoldExpiryWarning = Duration.FromHours(1);
        }

        IReadOnlyList<SimulatedPaymentGateway> gateways;
        using (var before = await TestEngine.CreateAsync(Options, journal, clock))
        {
            gateways = before.Gateways;
            await before.StartAsync("r-open");
            await before.StartAsync("r-ended", rider: "u-2");
            await before.StartAsync("r-settled", rider: "u-3");
            before.Advance(Duration.FromMinutes(10));
            await before.EndAsync("r-settled", before.Clock.GetCurrentInstant());
            await before.SettleAsync();
            await before.EndAsync("r-ended", before.Clock.GetCurrentInstant());
        }

        clock.Advance(Duration.FromMinutes(20));
        using var t = await TestEngine.CreateAsync(Options, journal, clock, existingGateways: gateways);

        Assert.Equal(1, t.Engine.Reconciler.Pending);
        Assert.Equal(1, t.Engine.Core.Metrics.Open);
        Assert.Equal(clock.GetCurrentInstant(), t.Engine.Reconciler.NextDueAt);
        Assert.Equal(1, await t.Engine.Reconciler.RecoverAsync());
        var first = await t.Engine.Reconciler.RunOnceAsync(); // 30 min after the holds: they expire in 90 min
        Assert.Equal((1, 1, 0), (first.Examined, first.Settled, first.HoldsExpiringSoon));
        Assert.Equal(RentalStatus.Settled, (await t.StatementAsync("r-ended")).Status);

        t.Advance(Duration.FromMinutes(31)); // r-open's hold expires within the hour now; r-ended's was released
        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon);
        Assert.Equal(0, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon); // reported once
    }

    [Fact]
    public async Task The_end_of_a_payment_outage_makes_waiting_rentals_due_at_once_but_not_its_start_or_another_dependency()
    {
        using var t = await TestEngine.CreateAsync(b => b.Reconciler.RetryBaseDelay = Duration.FromMinutes(1));
        await t.StartAsync("r-1");
        t.Gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Error);
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        var run = await t.Engine.Reconciler.RunOnceAsync();
        Assert.Equal((1, 0, 1, 1), (run.Examined, run.Settled, run.Deferred, run.StillPending));
        var backoff = t.Engine.Reconciler.NextDueAt!.Value;
        Assert.True(backoff >= t.Clock.GetCurrentInstant() + Duration.FromSeconds(30));

        t.Advance(Duration.FromSeconds(5));
        await t.DownAsync(Dependency.Identity);
        await t.UpAsync(Dependency.Identity);
        await t.DownAsync(Dependency.Payment);
        Assert.Equal(backoff, t.Engine.Reconciler.NextDueAt);

        t.Advance(Duration.FromSeconds(5));
        await t.UpAsync(Dependency.Payment);
        Assert.Equal(t.Clock.GetCurrentInstant(), t.Engine.Reconciler.NextDueAt);
    }

    [Fact]
    public async Task While_payment_calls_are_refused_a_run_reads_nothing_and_defers_every_due_rental()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        await t.StartAsync("r-2", rider: "u-2");
        t.Advance(Duration.FromMinutes(10));
        await t.DownAsync(Dependency.Payment);
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        await t.EndAsync("r-2", t.Clock.GetCurrentInstant());

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal(new ReconciliationRun(t.Clock.GetCurrentInstant(), 0, 0, 0, 2, 0, 2, 0, 0), run);
    }

    [Fact]
    public async Task A_rental_leased_by_another_instance_is_looked_at_again_when_the_lease_would_end()
    {
        var claims = new InMemorySettlementClaims();
        using var t = await TestEngine.CreateAsync(b =>
        {
            b.UseSettlementClaims(claims, "me");
            b.Reconciler.LeaseDuration = Duration.FromSeconds(30);
        });
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var now = t.Clock.GetCurrentInstant();
        await t.EndAsync("r-1", now);
        Assert.True(await claims.TryClaimAsync(RentalId.From("r-1"), "other", now, now + Duration.FromSeconds(10), CancellationToken.None));

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 0, 1, 0), (run.Examined, run.Settled, run.Deferred, run.GatewayCalls));
        Assert.Equal(now + Duration.FromSeconds(30), t.Engine.Reconciler.NextDueAt);
        Assert.Empty(t.Gateway.GetCalls());

        t.Advance(Duration.FromSeconds(30));
        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).Settled);
        Assert.True(await claims.TryClaimAsync(RentalId.From("r-1"), "other", t.Clock.GetCurrentInstant(), t.Clock.GetCurrentInstant() + Duration.FromSeconds(10), CancellationToken.None)); // released
    }

    [Fact]
    public async Task A_rental_whose_end_is_still_ahead_is_settled_at_its_end_not_before()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var end = t.Clock.GetCurrentInstant() + Duration.FromSeconds(60); // within the skew tolerance
        Assert.Equal(end, (await t.EndAsync("r-1", end)).End);

        var early = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 0, 1, 0), (early.Examined, early.Settled, early.Deferred, early.GatewayCalls));
        Assert.Equal(end, t.Engine.Reconciler.NextDueAt);
        t.Clock.Reset(end);
        var onTime = await t.Engine.Reconciler.RunOnceAsync();
        Assert.Equal((1, 1, 0, 1), (onTime.Examined, onTime.Settled, onTime.Deferred, onTime.GatewayCalls));
    }

    [Fact]
    public async Task An_open_rental_or_an_unknown_one_that_is_due_leaves_the_queue_without_a_call()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var receipt = await t.EndAsync("r-1", t.Clock.GetCurrentInstant() + Duration.FromHours(1)); // from the future: rejected, but queued
        Assert.NotNull(receipt.Rejection);
        t.Engine.Core.Queue.MarkDue(RentalId.From("r-ghost"), t.Clock.GetCurrentInstant());
        Assert.Equal(2, t.Engine.Reconciler.Pending);

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal(new ReconciliationRun(t.Clock.GetCurrentInstant(), 2, 0, 0, 0, 0, 0, 0, 0), run);
        Assert.Null(t.Engine.Reconciler.NextDueAt);
    }

    [Fact]
    public async Task A_settled_rental_looked_at_again_counts_as_settled_but_its_settlement_is_measured_once()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var now = t.Clock.GetCurrentInstant();
        await t.EndAsync("r-1", now);
        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).Settled);
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", now - Duration.FromMinutes(1), 0.5m)));

        var again = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 1, 0), (again.Examined, again.Settled, again.GatewayCalls));
        var meter = t.Engine.Core.Metrics.Meter;
        Assert.Equal(1, metrics.Recorded(meter, "billing.reconciliation.settled"));
        Assert.Equal(1, metrics.Recorded(meter, "billing.reconciliation.lag"));
    }

    [Fact]
    public async Task A_declined_charge_is_logged_as_debt_and_reported()
    {
        var logs = new ListLoggerFactory();
        using var t = await TestEngine.CreateAsync(b => b.UseLoggerFactory(logs));
        await t.StartAsync("r-1");
        t.Gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Decline);
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());

        var run = await t.Engine.Reconciler.RunOnceAsync();
        var report = await t.Engine.Reconciler.ReportAsync();

        Assert.Equal((1, 0, 1, 0, 0), (run.Examined, run.Settled, run.Declined, run.Deferred, run.StillPending));
        var log = Assert.Single(logs.Entries, e => e.EventId == 4001);
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.StartsWith("Rental r-1: charge of ", log.Message, StringComparison.Ordinal);
        Assert.EndsWith($" declined ({SimulatedPaymentReasons.InsufficientFunds}); debt to collect", log.Message, StringComparison.Ordinal);
        var totals = Assert.Single(report.Totals);
        var charge = Money.FromMinorUnits(1000 + 1800, CurrencyCode.KRW);
        Assert.Equal(
            new SettlementTotals(CurrencyCode.KRW, 1, 0, 1, 1, 0, 0, charge, charge, Money.Zero(CurrencyCode.KRW), charge),
            totals);
        Assert.Contains(charge.ToString(), log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_attempts_back_off_exponentially_with_jitter_up_to_the_longest_delay()
    {
        using var t = await TestEngine.CreateAsync(b =>
        {
            b.Reconciler.RetryBaseDelay = Duration.FromSeconds(10);
            b.Reconciler.RetryMaxDelay = Duration.FromSeconds(40);
            b.Reconciler.JitterSeed = 7;
        });
        await t.StartAsync("r-1");
        t.Gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Error, 6);
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());

        double[] ceilings = [10, 20, 40, 40, 40, 40];
        foreach (var ceiling in ceilings)
        {
            var run = await t.Engine.Reconciler.RunOnceAsync();
            Assert.Equal(1, run.Deferred);
            var delay = (t.Engine.Reconciler.NextDueAt!.Value - t.Clock.GetCurrentInstant()).TotalSeconds;
            Assert.InRange(delay, ceiling / 2, ceiling);
            t.Clock.Reset(t.Engine.Reconciler.NextDueAt!.Value);
        }

        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).Settled);
    }

    [Fact]
    public async Task A_journal_error_for_one_rental_is_logged_and_retried_later_while_the_others_settle()
    {
        var journal = new FaultyJournal();
        var logs = new ListLoggerFactory();
        using var t = await TestEngine.CreateAsync(b => b.UseLoggerFactory(logs).Reconciler.RetryBaseDelay = Duration.FromSeconds(10), journal);
        await t.StartAsync("r-1");
        await t.StartAsync("r-2", rider: "u-2");
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        await t.EndAsync("r-2", t.Clock.GetCurrentInstant());
        journal.Failure = stream => stream == "rental-r-1" ? new IOException("disk full") : null;

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((2, 1, 1, 1), (run.Examined, run.Settled, run.Failed, run.StillPending));
        Assert.InRange((t.Engine.Reconciler.NextDueAt!.Value - t.Clock.GetCurrentInstant()).TotalSeconds, 5, 10);
        var log = Assert.Single(logs.Entries, e => e.EventId == 4003);
        Assert.Equal((LogLevel.Error, "Rental r-1: settlement failed; retrying with backoff"), (log.Level, log.Message));
        Assert.IsType<IOException>(log.Exception);

        journal.Failure = _ => new InvalidOperationException("not a rental's problem");
        t.Clock.Reset(t.Engine.Reconciler.NextDueAt!.Value);
        await Assert.ThrowsAsync<InvalidOperationException>(() => t.Engine.Reconciler.RunOnceAsync());

        journal.Failure = null;
        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).Settled);
    }

    [Theory]
    [InlineData("invariant")]
    [InlineData("arithmetic")]
    [InlineData("currency")]
    [InlineData("timeout")]
    [InlineData("input")]
    public async Task Failures_that_concern_one_rental_do_not_end_the_run(string kind)
    {
        var journal = new FaultyJournal();
        using var t = await TestEngine.CreateAsync(journal: journal);
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        Exception error = kind switch
        {
            "invariant" => new InvariantViolationException("broken"),
            "arithmetic" => new OverflowException(),
            "currency" => new CurrencyMismatchException(CurrencyCode.KRW, CurrencyCode.USD),
            "timeout" => new TimeoutException(),
            _ => new InvalidInputException([]),
        };
        journal.Failure = _ => error;

        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).Failed);
    }

    [Fact]
    public async Task A_settlement_that_meets_another_writer_reads_the_rental_again_and_goes_on()
    {
        var journal = new FaultyJournal();
        using var t = await TestEngine.CreateAsync(journal: journal);
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        journal.Conflicts = 1;

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 1, 0), (run.Examined, run.Settled, run.Deferred));
        Assert.Equal(RentalStatus.Settled, (await t.StatementAsync("r-1")).Status);
    }

    [Fact]
    public async Task A_rental_that_keeps_meeting_other_writers_is_deferred_after_sixteen_tries()
    {
        var journal = new FaultyJournal();
        using var t = await TestEngine.CreateAsync(journal: journal);
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        journal.Conflicts = 1_000;
        journal.Attempts = 0;

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 0, 1), (run.Examined, run.Settled, run.Deferred));
        Assert.Equal(16, journal.Attempts);
        Assert.Empty(t.Gateway.GetCalls());
        Assert.True(t.Engine.Reconciler.NextDueAt > t.Clock.GetCurrentInstant(), "backed off, not due again at once");
    }

    [Fact]
    public async Task A_rental_ended_while_the_reconciler_reads_it_open_stays_queued_and_is_settled_next_run()
    {
        var journal = new FaultyJournal();
        using var t = await TestEngine.CreateAsync(b => b.RentalCache.Capacity = 0, journal);
        await t.StartAsync("r-1");
        while (t.Engine.Reconciler.Pending > 0)
        {
            await t.Engine.Reconciler.RunOnceAsync();
        }

        t.Advance(Duration.FromMinutes(10));
        var now = t.Clock.GetCurrentInstant();
        t.Engine.Core.Queue.MarkDue(RentalId.From("r-1"), now); // looked at while open (a recovery, a hold to watch)

        // The rider ends the rental right after the reconciler has read it: it holds an open rental with nothing to do.
        journal.AfterNextStreamRead = async _ => await t.EndAsync("r-1", now);
        var first = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal(0, first.Settled);
        Assert.Equal(1, t.Engine.Reconciler.Pending); // the end signal's due mark survived the reconciler's "nothing to do"
        var second = await t.Engine.Reconciler.RunOnceAsync();
        Assert.Equal(1, second.Settled);
        Assert.Equal(RentalStatus.Settled, (await t.StatementAsync("r-1")).Status);
    }

    [Fact]
    public async Task With_claims_a_run_catches_up_with_what_other_instances_wrote_rentals_and_outages()
    {
        var journal = new InMemoryJournal();
        var claims = new InMemorySettlementClaims();
        using var a = await TestEngine.CreateAsync(b => b.UseSettlementClaims(claims, "a"), journal);
        // One settlement at a time: b's own writes then land in the journal rental by rental (r-1's intent and
        // outcome, then r-2's), so each catch-up batch of two events names one rental. With parallel settlements the
        // four writes interleave as the scheduler pleases.
        using var b = await TestEngine.CreateAsync(
            b =>
            {
                b.UseSettlementClaims(claims, "b");
                b.Reconciler.MaxCatchUpEventsPerRun = 2;
                b.Reconciler.MaxConcurrency = 1;
            },
            journal,
            a.Clock);
        await a.StartAsync("r-1");
        await a.StartAsync("r-2", rider: "u-2");
        a.Advance(Duration.FromMinutes(10));
        await a.EndAsync("r-1", a.Clock.GetCurrentInstant());
        await a.EndAsync("r-2", a.Clock.GetCurrentInstant());

        // Two events a run: the starts, the ends, then b's own charges of r-1 and of r-2 (intent and outcome each).
        var runs = new List<ReconciliationRun>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(await b.Engine.Reconciler.RunOnceAsync());
        }

        Assert.Equal([2, 2, 1, 1, 0], runs.Select(r => r.Examined));
        Assert.Equal([2, 2, 1, 1, 0], runs.Select(r => r.Settled));
        Assert.Equal(2, runs[0].GatewayCalls);
        Assert.Equal(RentalStatus.Settled, (await a.StatementAsync("r-2")).Status);

        await a.Engine.Health.ReportDownAsync(Dependency.Payment, "test");
        Assert.False(b.Engine.Health.IsDown(Dependency.Payment));
        await b.Engine.Reconciler.RunOnceAsync();
        Assert.True(b.Engine.Health.IsDown(Dependency.Payment));
    }

    [Fact]
    public async Task The_report_groups_rentals_by_currency_and_by_the_outages_that_froze_them()
    {
        var dollars = new Billing.Resilience.Pricing.PricingPlan("dollar-bike", CurrencyCode.USD, 1m, [new Billing.Resilience.Pricing.PricingSegment(0, 0.5m, 1)]);
        using var t = await TestEngine.CreateAsync(b => b.AddPricingPlans([dollars]));
        await t.StartAsync("r-krw");
        await t.StartAsync("r-usd", plan: "dollar-bike", rider: "u-2");
        await t.StartAsync("r-open", rider: "u-3");
        t.Advance(Duration.FromMinutes(10));
        await t.DownAsync(Dependency.Identity);
        t.Advance(Duration.FromMinutes(10));
        await t.UpAsync(Dependency.Identity);
        await t.EndAsync("r-krw", t.Clock.GetCurrentInstant());
        await t.EndAsync("r-usd", t.Clock.GetCurrentInstant());
        await t.DownAsync(Dependency.Payment);
        t.Advance(Duration.FromMinutes(5));

        var report = await t.Engine.Reconciler.ReportAsync();

        // A naive system ends no rental while the payment backend is down: it bills all three up to now (25 minutes).
        Assert.Equal(t.Clock.GetCurrentInstant(), report.AsOf);
        var won = CurrencyCode.KRW;
        var dollar = CurrencyCode.USD;
        Assert.Equal(
            [
                new SettlementTotals(won, 2, 0, 1, 0, 1, 0, Money.FromMinorUnits(2 * 2_800, won), Money.FromMinorUnits(2 * 5_500, won), Money.Zero(won), Money.Zero(won)),
                new SettlementTotals(dollar, 1, 0, 1, 0, 0, 0, Money.FromMinorUnits(600, dollar), Money.FromMinorUnits(1_350, dollar), Money.Zero(dollar), Money.Zero(dollar)),
            ],
            report.Totals.OrderBy(x => x.Currency.Code, StringComparer.Ordinal).ToArray());

        Assert.Equal(["identity-1", "payment-1"], report.Outages.Select(o => o.Outage.OutageId));
        var identity = report.Outages[0];
        Assert.Equal(2, identity.Totals.Count);
        Assert.Equal(2, Assert.Single(identity.Totals, x => x.Currency == won).Rentals);
        Assert.Equal(1, Assert.Single(identity.Totals, x => x.Currency == dollar).Rentals);
        var payment = Assert.Single(report.Outages[1].Totals); // only r-open was still running
        Assert.Equal((won, 1, 1), (payment.Currency, payment.Rentals, payment.Open));
    }
}
