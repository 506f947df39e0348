using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

public class RentalServiceTests
{
    [Fact]
    public async Task A_start_is_refused_with_paymentUnavailable_first_when_both_backends_are_down()
    {
        using var t = await TestEngine.CreateAsync();
        await t.DownAsync(Dependency.Identity);
        var identityOnly = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        Assert.Equal(StartRefusal.IdentityUnavailable, identityOnly.Refusal);

        await t.DownAsync(Dependency.Payment);
        var both = await t.Rentals.StartAsync(new StartRental("r-2", "u-1", "kickboard"));
        Assert.Equal(StartRefusal.PaymentUnavailable, both.Refusal);
        Assert.Null(both.RentalToken);
        Assert.Null(await t.Rentals.GetStatementAsync("r-2", CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_identity_provider_refuses_the_start_even_before_health_knows()
    {
        using var t = await TestEngine.CreateAsync();
        t.Identity.Available = false;
        var result = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        Assert.Equal(StartRefusal.IdentityUnavailable, result.Refusal);
        Assert.Equal(0, ((InMemoryJournal)t.Journal).Count);
    }

    [Fact]
    public async Task A_denied_rider_and_an_unknown_plan_and_an_invalid_command_are_refused_with_reasons()
    {
        using var t = await TestEngine.CreateAsync();
        t.Identity.DeniedRiders.Add("u-bad");
        Assert.Equal(StartRefusal.RiderNotAuthenticated, (await t.Rentals.StartAsync(new StartRental("r-1", "u-bad", "kickboard"))).Refusal);
        var unknownPlan = await t.Rentals.StartAsync(new StartRental("r-2", "u-1", "scooter"));
        Assert.Equal(StartRefusal.UnknownPlan, unknownPlan.Refusal);
        Assert.Equal("BILLING_PLAN_UNKNOWN", Assert.Single(unknownPlan.Errors).Code);
        var invalid = await t.Rentals.StartAsync(new StartRental("r 3", "", "kickboard"));
        Assert.Equal(StartRefusal.InvalidCommand, invalid.Refusal);
        Assert.Contains(invalid.Errors, e => e.Code == "BILLING_RENTAL_ID_INVALID" && e.Path == "rentalId" && e.Message.Contains("'r 3'", StringComparison.Ordinal));
        Assert.Contains(invalid.Errors, e => e.Code == "BILLING_RIDER_ID_INVALID");
        Assert.Equal(0, ((InMemoryJournal)t.Journal).Count);
    }

    [Fact]
    public async Task A_second_start_of_the_same_rental_is_idempotent_and_another_rider_with_the_same_id_is_refused()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        var again = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        Assert.True(again.Started);
        var other = await t.Rentals.StartAsync(new StartRental("r-1", "u-2", "kickboard"));
        Assert.Equal(StartRefusal.DuplicateRental, other.Refusal);
        Assert.Equal(1, ((InMemoryJournal)t.Journal).Count);
    }

    [Fact]
    public async Task Ending_a_rental_needs_no_remote_system_while_payment_and_identity_are_down()
    {
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m);
        var token = await t.StartAsync("r-1");
        var operationsBefore = t.Gateway.GetOperations().Count;
        t.Advance(Duration.FromMinutes(30));
        await t.DownAsync(Dependency.Payment);
        await t.DownAsync(Dependency.Identity);
        t.Advance(Duration.FromMinutes(10));
        var callsBefore = t.Gateway.GetCalls().Count;

        var receipt = await t.EndAsync("r-1", t.Clock.GetCurrentInstant(), EndSignalSource.Rider, token);

        Assert.Equal(t.Clock.GetCurrentInstant(), receipt.End);
        Assert.Equal(callsBefore, t.Gateway.GetCalls().Count);
        Assert.Equal(operationsBefore, t.Gateway.GetOperations().Count);
        var statement = await t.StatementAsync("r-1");
        Assert.Equal(RentalStatus.PendingSettlement, statement.Status);
        Assert.Equal(Duration.FromMinutes(30), statement.BillableTime);
        Assert.Equal(Duration.FromMinutes(10), statement.FrozenTime);
        Assert.Equal("payment-1", statement.FrozenIntervals.Single(f => f.Outage.Dependency == Dependency.Payment).Outage.OutageId);
    }

    [Fact]
    public async Task A_riders_end_signal_needs_the_rental_token_of_that_rental()
    {
        using var t = await TestEngine.CreateAsync();
        var token1 = await t.StartAsync("r-1");
        await t.StartAsync("r-2", rider: "u-2");
        t.Advance(Duration.FromMinutes(5));
        var now = t.Clock.GetCurrentInstant();

        var missing = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Rider));
        Assert.Equal("BILLING_END_SIGNAL_TOKEN_REQUIRED", Assert.Single(missing.Errors).Code);
        var foreign = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-2", now, EndSignalSource.Rider, token1));
        Assert.Equal("BILLING_RENTAL_TOKEN_BADSIGNATURE", Assert.Single(foreign.Errors).Code);
        var tampered = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Rider, token1[..^2] + "AA"));
        Assert.False(tampered.Accepted);
        var card = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Rider, "4111 1111 1111 1111"));
        Assert.Equal("BILLING_END_SIGNAL_TOKEN_LOOKS_LIKE_CARD", Assert.Single(card.Errors).Code);
        Assert.Null((await t.StatementAsync("r-1")).End);

        Assert.True((await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Rider, token1))).Accepted);
    }

    [Fact]
    public async Task The_same_signal_twice_is_recorded_once()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(12));
        var at = t.Clock.GetCurrentInstant();
        var first = await t.EndAsync("r-1", at);
        t.Advance(Duration.FromMinutes(1));
        var second = await t.EndAsync("r-1", at);
        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Single((await t.StatementAsync("r-1")).ValidSignals);
    }

    [Fact]
    public async Task A_signal_from_the_future_is_kept_and_reported_as_rejected()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var receipt = await t.EndAsync("r-1", t.Clock.GetCurrentInstant() + Duration.FromMinutes(30));
        Assert.Equal(SignalRejectionReason.InFuture, receipt.Rejection);
        Assert.Null(receipt.End);
        Assert.Equal(RentalStatus.Open, (await t.StatementAsync("r-1")).Status);
    }

    [Fact]
    public async Task Replaying_the_journal_in_a_new_engine_gives_the_same_statement()
    {
        var journal = new InMemoryJournal();
        using var first = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m, journal);
        await first.StartAsync("r-1");
        first.Advance(Duration.FromMinutes(7));
        await first.DownAsync(Dependency.Identity);
        await first.Rentals.RecordDistanceAsync(new RecordDistance("r-1", first.Clock.GetCurrentInstant() - Duration.FromMinutes(3), 1.5m));
        first.Advance(Duration.FromMinutes(20));
        await first.EndAsync("r-1", first.Clock.GetCurrentInstant() - Duration.FromMinutes(5));
        await first.UpAsync(Dependency.Identity);
        await first.SettleAsync();
        var before = await first.StatementAsync("r-1");

        using var second = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m, journal, first.Clock, existingGateways: first.Gateways);
        var after = await second.StatementAsync("r-1");

        Assert.Equal(before.Charge, after.Charge);
        Assert.Equal(before.BillableTime, after.BillableTime);
        Assert.Equal(before.FrozenIntervals, after.FrozenIntervals);
        Assert.Equal(before.Status, after.Status);
        Assert.Equal(before.Money.Taken, after.Money.Taken);
        Assert.Equal(before.Fare.LineItems, after.Fare.LineItems);
    }

    [Fact]
    public async Task A_quote_at_any_moment_bills_up_to_now_minus_frozen_time_with_the_outage_that_froze_it()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        await t.DownAsync(Dependency.Payment);
        t.Advance(Duration.FromHours(10));
        var statement = await t.StatementAsync("r-1");
        Assert.Equal(RentalStatus.Open, statement.Status);
        Assert.Equal(Duration.FromMinutes(10), statement.BillableTime);
        Assert.Equal(Money.FromMinorUnits(1000 + 1800, CurrencyCode.KRW), statement.Charge);
        var frozen = Assert.Single(statement.FrozenIntervals);
        Assert.Equal(Dependency.Payment, frozen.Outage.Dependency);
        Assert.True(frozen.Outage.IsOngoing);
        Assert.Equal(Money.FromMinorUnits(1000 + (610 * 180), CurrencyCode.KRW), statement.NaiveFare.Total);
    }

    [Fact]
    public async Task The_same_distance_increment_delivered_twice_is_counted_once()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var at = t.Clock.GetCurrentInstant() - Duration.FromMinutes(2);
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", at, 1.2m)));
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", at, 1.2m)));
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", at, 0.3m)));
        Assert.Equal(1.5m, (await t.StatementAsync("r-1")).BillableKilometres);
    }
}
