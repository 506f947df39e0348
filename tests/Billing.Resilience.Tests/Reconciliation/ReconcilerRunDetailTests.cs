using System.Diagnostics;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>
/// Details of a reconciliation run that the settlement tests take for granted: how many rentals it works on at once,
/// the lease it asks for, a payment outage that begins between two steps of one rental, which holds it keeps watching,
/// the debt it reports when part of a charge was taken, refused rentals in the report, its trace and its logs.
/// </summary>
public sealed class ReconcilerRunDetailTests
{
    /// <summary>A hold of 1,000 KRW against a ten-minute kickboard ride of 2,800 KRW: a capture, then a charge of the rest.</summary>
    private static void SmallHold(BillingEngineBuilder b) => b.Payments.HoldAmount = 1_000m;

    [Fact]
    public async Task A_run_works_on_at_most_MaxConcurrency_rentals_at_once()
    {
        foreach (var (limit, rentals) in new[] { (1, 4), (3, 6) })
        {
            var clock = new FakeClock(TestEngine.T0);
            var gateway = new WrappedGateway(new SimulatedPaymentGateway("primary", clock)) { HoldUntilInFlight = limit };
            using var t = await TestEngine.CreateAsync(b => b.AddPaymentGateway(gateway, TestEngine.NoWaitPipeline()).Reconciler.MaxConcurrency = limit, clock: clock, gateways: 0);
            for (var i = 0; i < rentals; i++)
            {
                await t.StartAsync($"r-{i}", rider: $"u-{i}");
            }

            t.Advance(Duration.FromMinutes(10));
            for (var i = 0; i < rentals; i++)
            {
                await t.EndAsync($"r-{i}", t.Clock.GetCurrentInstant());
            }

            var run = await t.Engine.Reconciler.RunOnceAsync();

            Assert.Equal(rentals, run.Settled);
            Assert.Equal(limit, gateway.MostInFlight);
        }
    }

    [Fact]
    public async Task A_run_asked_to_stop_before_it_begins_calls_nobody()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.Engine.Reconciler.RunOnceAsync(canceled.Token));

        Assert.Empty(t.Gateway.GetCalls());
        Assert.Equal(RentalStatus.PendingSettlement, (await t.StatementAsync("r-1")).Status);
    }

    [Fact]
    public async Task A_lease_is_asked_for_from_now_until_now_plus_LeaseDuration_and_released_after()
    {
        var claims = new RecordingClaims();
        using var t = await TestEngine.CreateAsync(b =>
        {
            b.UseSettlementClaims(claims, "me");
            b.Reconciler.LeaseDuration = Duration.FromSeconds(45);
        });
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var now = t.Clock.GetCurrentInstant();
        await t.EndAsync("r-1", now);

        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).Settled);

        Assert.Equal([("claim", "r-1", "me", now, now + Duration.FromSeconds(45)), ("release", "r-1", "me", default, default)], claims.Calls);
    }

    [Fact]
    public async Task A_payment_outage_that_begins_between_two_steps_of_a_rental_stops_it_before_the_next_call()
    {
        var clock = new FakeClock(TestEngine.T0);
        var simulated = new SimulatedPaymentGateway("primary", clock);
        var gateway = new WrappedGateway(simulated);
        using var t = await TestEngine.CreateAsync(b => SmallHold(b.AddPaymentGateway(gateway, TestEngine.NoWaitPipeline())), clock: clock, gateways: 0);
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        gateway.After = async request =>
        {
            // The capture has come back: the backend goes down before the charge of the rest is sent.
            if (request.Kind == PaymentOperationKind.Capture)
            {
                await t.Engine.Health.ReportDownAsync(Dependency.Payment, "went down during settlement");
            }
        };

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 0, 1, 1), (run.Examined, run.Settled, run.Deferred, run.GatewayCalls));
        Assert.Equal([PaymentOperationKind.Authorize, PaymentOperationKind.Capture], simulated.GetCalls().Select(c => c.Kind));
        var statement = await t.StatementAsync("r-1");
        Assert.Equal((RentalStatus.PendingSettlement, 1_000L), (statement.Status, statement.Money.Taken.MinorUnits));
    }

    [Fact]
    public async Task A_settled_rental_no_longer_has_its_hold_watched_but_a_deferred_one_still_does()
    {
        static void Options(BillingEngineBuilder b)
        {
            b.Payments.HoldAmount = 10_000m;
            b.Payments.HoldValidity = Duration.FromHours(2);
            b.Payments.HoldExpiryWarning = Duration.FromHours(1);
            b.Reconciler.RetryBaseDelay = Duration.FromHours(1);
            b.Reconciler.RetryMaxDelay = Duration.FromHours(1);
        }

        using var t = await TestEngine.CreateAsync(Options);
        await t.StartAsync("r-settled");
        await t.StartAsync("r-failing", rider: "u-2");
        t.Gateway.AddFault("r-failing", PaymentOperationKind.Capture, PaymentFaultKind.Error, 10);
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-settled", t.Clock.GetCurrentInstant());
        await t.EndAsync("r-failing", t.Clock.GetCurrentInstant());

        var first = await t.Engine.Reconciler.RunOnceAsync();
        Assert.Equal((2, 1, 1), (first.Examined, first.Settled, first.Deferred));

        t.Advance(Duration.FromMinutes(65)); // both holds would expire within the hour; only r-failing's is still open
        var second = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal(1, second.HoldsExpiringSoon);
    }

    [Fact]
    public async Task A_hold_about_to_expire_is_logged_with_its_expiry_and_the_hours_left()
    {
        var logs = new ListLoggerFactory();
        using var t = await TestEngine.CreateAsync(b =>
        {
            b.UseLoggerFactory(logs);
            b.Payments.HoldAmount = 10_000m;
            b.Payments.HoldValidity = Duration.FromHours(6);
            b.Payments.HoldExpiryWarning = Duration.FromHours(2);
        });
        await t.StartAsync("r-1");
        var expires = t.Clock.GetCurrentInstant() + Duration.FromHours(6);
        t.Advance(Duration.FromMinutes(4 * 60 + 30)); // 1.5 h left

        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon);

        var log = Assert.Single(logs.Entries, e => e.EventId == 4002);
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Equal(
            $"Rental r-1: its hold expires at {expires} (in 1.5 h) and the rental is not settled; after that the fare is charged afresh, without the hold",
            log.Message);
    }

    [Fact]
    public async Task The_debt_of_a_charge_declined_after_part_was_captured_is_what_is_still_missing()
    {
        var logs = new ListLoggerFactory();
        using var t = await TestEngine.CreateAsync(b => SmallHold(b.UseLoggerFactory(logs)));
        await t.StartAsync("r-1");
        t.Gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Decline);
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());

        var run = await t.Engine.Reconciler.RunOnceAsync();
        var report = await t.Engine.Reconciler.ReportAsync();

        Assert.Equal((1, 0, 1), (run.Examined, run.Settled, run.Declined));
        var won = CurrencyCode.KRW;
        var totals = Assert.Single(report.Totals);
        Assert.Equal((Money.FromMinorUnits(2_800, won), Money.FromMinorUnits(1_000, won), Money.FromMinorUnits(1_800, won)), (totals.Charge, totals.Taken, totals.Debt));
        var log = Assert.Single(logs.Entries, e => e.EventId == 4001);
        Assert.StartsWith($"Rental r-1: charge of {Money.FromMinorUnits(1_800, won)} declined", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_report_counts_a_start_refused_for_its_hold_as_refused_with_nothing_charged()
    {
        using var t = await TestEngine.CreateAsync(SmallHold);
        t.Gateway.AddFault("r-refused", PaymentOperationKind.Authorize, PaymentFaultKind.Decline);
        var refused = await t.Rentals.StartAsync(new StartRental("r-refused", "u-bad", "kickboard", "session"));
        Assert.False(refused.Started);
        await t.StartAsync("r-1");

        var report = await t.Engine.Reconciler.ReportAsync();

        var won = CurrencyCode.KRW;
        var totals = Assert.Single(report.Totals);
        Assert.Equal((2, 1, 1, 0), (totals.Rentals, totals.Open, totals.Refused, totals.Settled));
        Assert.Equal(Money.Zero(won), totals.Taken);
    }

    [Fact]
    public async Task A_refused_rental_that_is_due_leaves_the_queue_without_counting_as_settled()
    {
        using var t = await TestEngine.CreateAsync(SmallHold);
        t.Gateway.AddFault("r-refused", PaymentOperationKind.Authorize, PaymentFaultKind.Decline);
        Assert.False((await t.Rentals.StartAsync(new StartRental("r-refused", "u-1", "kickboard", "session"))).Started);
        t.Engine.Core.Queue.MarkDue(RentalId.From("r-refused"), t.Clock.GetCurrentInstant());

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 0, 0, 0), (run.Examined, run.Settled, run.Deferred, run.GatewayCalls));
        Assert.Equal(0, t.Engine.Reconciler.Pending);
    }

    [Fact]
    public async Task An_operation_whose_outcome_stays_unknown_is_looked_up_in_a_later_run_not_at_once()
    {
        using var t = await TestEngine.CreateAsync(b => b.Reconciler.RetryBaseDelay = Duration.FromSeconds(10));
        await t.StartAsync("r-1");
        t.Gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Timeout, 3); // the call and both retries
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());

        var run = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((1, 0, 1), (run.Examined, run.Settled, run.Deferred));
        Assert.Equal(0, t.Gateway.LookupCount);
        Assert.True(t.Engine.Reconciler.NextDueAt > t.Clock.GetCurrentInstant());
        await t.SettleAsync();
        Assert.Equal(RentalStatus.Settled, (await t.StatementAsync("r-1")).Status);
        Assert.Equal(1, t.Gateway.LookupCount);
    }

    [Fact]
    public async Task With_claims_a_new_instance_catches_up_only_with_what_was_written_after_its_recovery()
    {
        var journal = new InMemoryJournal();
        var claims = new InMemorySettlementClaims();
        var clock = new FakeClock(TestEngine.T0);
        using (var first = await TestEngine.CreateAsync(b => b.UseSettlementClaims(claims, "a"), journal, clock))
        {
            await first.StartAsync("r-settled");
            await first.StartAsync("r-open", rider: "u-2");
            first.Advance(Duration.FromMinutes(10));
            await first.EndAsync("r-settled", first.Clock.GetCurrentInstant());
            await first.SettleAsync();
        }

        using var second = await TestEngine.CreateAsync(b => b.UseSettlementClaims(claims, "b"), journal, clock);
        Assert.Equal(0, second.Engine.Reconciler.Pending); // recovered at build: nothing to settle

        var run = await second.Engine.Reconciler.RunOnceAsync();

        Assert.Equal((0, 0, 0), (run.Examined, run.Settled, run.GatewayCalls));
    }

    [Fact]
    public async Task A_run_is_traced_as_billing_reconcile()
    {
        using var t = await TestEngine.CreateAsync();
        using var testSource = new ActivitySource("Billing.Resilience.Tests.ReconcilerRunDetail");
        using var activities = new ActivityRecorder(testSource);

        string parent;
        using (var test = testSource.StartActivity("test")!)
        {
            parent = test.Id!;
            await t.Engine.Reconciler.RunOnceAsync();
        }

        var run = Assert.Single(activities.Stopped, a => a.ParentId == parent);
        Assert.Equal("billing.reconcile", run.OperationName);
    }

    /// <summary>
    /// A gateway in front of the simulated one that can hold each operation until enough are in flight (at most 5 s, so that a loaded machine
    /// still lets the last of them arrive; the wait ends as soon as they have)
    /// and counts the most in flight at once, and that runs a callback after an operation has come back.
    /// </summary>
    private sealed class WrappedGateway(SimulatedPaymentGateway inner) : IPaymentGateway
    {
        private int inFlight;
        private int most;

        public int HoldUntilInFlight { get; init; }

        public int MostInFlight => Volatile.Read(ref most);

        public Func<PaymentRequest, Task>? After { get; set; }

        public string Name => inner.Name;

        public async ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref inFlight);
            int seen;
            while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen)
            {
            }

            try
            {
                var waited = Stopwatch.StartNew();
                while (request.Kind != PaymentOperationKind.Authorize && Volatile.Read(ref inFlight) < HoldUntilInFlight && waited.ElapsedMilliseconds < 5_000)
                {
                    await Task.Delay(1, cancellationToken);
                }

                var result = await inner.ExecuteAsync(request, cancellationToken);
                if (After is { } after)
                {
                    await after(request);
                }

                return result;
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken) => inner.LookupAsync(key, cancellationToken);
    }

    private sealed class RecordingClaims : ISettlementClaims
    {
        private readonly InMemorySettlementClaims inner = new();

        public List<(string Call, string Rental, string Owner, Instant Now, Instant Until)> Calls { get; } = [];

        public ValueTask<bool> TryClaimAsync(RentalId rentalId, string owner, Instant now, Instant until, CancellationToken cancellationToken)
        {
            Calls.Add(("claim", rentalId.Value, owner, now, until));
            return inner.TryClaimAsync(rentalId, owner, now, until, cancellationToken);
        }

        public ValueTask ReleaseAsync(RentalId rentalId, string owner, CancellationToken cancellationToken)
        {
            Calls.Add(("release", rentalId.Value, owner, default, default));
            return inner.ReleaseAsync(rentalId, owner, cancellationToken);
        }
    }
}
