using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>SCENARIOS.md 3.1 and 3.2, rule by rule, on the pure meter.</summary>
public class RentalMeterTests
{
    private static readonly Instant S = Instant.FromUtc(2022, 10, 15, 5, 50); // 14:50 KST
    private static readonly MeteringOptions Defaults = new();

    private static Instant At(int minutes) => S + Duration.FromMinutes(minutes);

    private static EndSignal Signal(int atMinutes, int receivedMinutes, EndSignalSource source = EndSignalSource.Vehicle)
        => new(At(atMinutes), At(receivedMinutes), source);

    private static Outage Down(Dependency dependency, int fromMinutes, int? toMinutes, string id = "o")
        => new(id, dependency, At(fromMinutes), toMinutes is { } t ? At(t) : null);

    private static MeterReading Read(IReadOnlyList<EndSignal> signals, IReadOnlyList<Outage>? outages = null, IReadOnlyList<DistanceIncrement>? distance = null, MeteringOptions? options = null, int asOfMinutes = 24 * 60, PricingPlan? plan = null)
        => RentalMeter.Read(S, signals, distance ?? [], outages ?? [], options ?? Defaults, plan ?? TestEngine.Kickboard, At(asOfMinutes));

    [Fact]
    public void Earliest_valid_signal_decides_the_end_whatever_the_order_of_arrival()
    {
        var forward = Read([Signal(35, 60), Signal(33, 90)]);
        var reverse = Read([Signal(33, 90), Signal(35, 60)]);
        Assert.Equal(At(33), forward.End);
        Assert.Equal(At(33), reverse.End);
        Assert.Equal(forward.Fare.Total, reverse.Fare.Total);
    }

    [Fact]
    public void A_signal_at_or_before_the_start_is_rejected_as_beforeStart()
    {
        var reading = Read([Signal(0, 10), Signal(-5, 10)]);
        Assert.Null(reading.End);
        Assert.All(reading.RejectedSignals, r => Assert.Equal(SignalRejectionReason.BeforeStart, r.Reason));
    }

    [Fact]
    public void A_signal_later_than_its_receipt_plus_the_skew_is_rejected_as_inFuture()
    {
        var withinSkew = new EndSignal(At(30) + Duration.FromSeconds(120), At(30), EndSignalSource.Vehicle);
        var beyondSkew = new EndSignal(At(30) + Duration.FromSeconds(121), At(30), EndSignalSource.Operator);
        var reading = Read([withinSkew, beyondSkew]);
        Assert.Equal(withinSkew.At, reading.End);
        var rejected = Assert.Single(reading.RejectedSignals);
        Assert.Equal(SignalRejectionReason.InFuture, rejected.Reason);
        Assert.Same(beyondSkew, rejected.Signal);
    }

    [Fact]
    public void BeforeStart_is_checked_before_inFuture()
    {
        var both = new EndSignal(S - Duration.FromMinutes(1), S - Duration.FromMinutes(10), EndSignalSource.Rider);
        Assert.Equal(SignalRejectionReason.BeforeStart, Assert.Single(Read([both]).RejectedSignals).Reason);
    }

    [Fact]
    public void A_riders_claim_contradicted_by_later_telemetry_is_rejected_but_a_vehicles_is_not()
    {
        var distance = new[] { new DistanceIncrement(At(40), 2.4m) };
        var reading = Read([Signal(25, 600, EndSignalSource.Rider), Signal(80, 700, EndSignalSource.Vehicle)], distance: distance);
        Assert.Equal(At(80), reading.End);
        Assert.Equal(SignalRejectionReason.ContradictedByTelemetry, Assert.Single(reading.RejectedSignals).Reason);

        var vehicleOnly = Read([Signal(25, 600, EndSignalSource.Vehicle)], distance: distance);
        Assert.Equal(At(25), vehicleOnly.End);
    }

    [Fact]
    public void Telemetry_at_exactly_the_claimed_end_does_not_contradict_it()
    {
        var reading = Read([Signal(25, 600, EndSignalSource.Rider)], distance: [new DistanceIncrement(At(25), 1m)]);
        Assert.Equal(At(25), reading.End);
    }

    [Fact]
    public void Overlapping_payment_and_identity_outages_freeze_their_union_once()
    {
        // Identity down from 30 to 90, payment from 32 to 60: frozen 30..50 (end at 50), 20 minutes, not 38.
        var reading = Read([Signal(50, 1000)], [Down(Dependency.Identity, 30, 90, "i"), Down(Dependency.Payment, 32, 60, "p")]);
        Assert.Equal(Duration.FromMinutes(20), reading.FrozenTime);
        Assert.Equal(Duration.FromMinutes(30), reading.BillableTime);
        Assert.Equal(2, reading.FrozenIntervals.Count);
        Assert.Equal(new Interval(At(30), At(50)), reading.FrozenIntervals.Single(f => f.Outage.OutageId == "i").Interval);
        Assert.Equal(new Interval(At(32), At(50)), reading.FrozenIntervals.Single(f => f.Outage.OutageId == "p").Interval);
        Assert.Equal(Money.FromMinorUnits(1000 + (30 * 180), CurrencyCode.KRW), reading.Fare.Total);
    }

    [Fact]
    public void An_outage_still_open_at_the_end_of_the_run_freezes_until_then_and_the_naive_rental_runs_until_then()
    {
        var reading = Read([Signal(40, 100)], [Down(Dependency.Payment, 20, null)], asOfMinutes: 300);
        Assert.Equal(At(40), reading.End);
        Assert.Equal(Duration.FromMinutes(20), reading.FrozenTime);
        Assert.Equal(At(300), reading.NaiveEnd);
        Assert.Equal(Money.FromMinorUnits(1000 + (300 * 180), CurrencyCode.KRW), reading.NaiveFare.Total);

        var open = Read([], [Down(Dependency.Payment, 20, null)], asOfMinutes: 300);
        Assert.Null(open.End);
        Assert.Equal(At(300), open.BilledUntil);
        Assert.Equal(Duration.FromMinutes(20), open.BillableTime);
        Assert.Equal(Duration.FromMinutes(280), open.FrozenTime);
    }

    [Fact]
    public void A_grace_longer_than_the_outage_freezes_nothing()
    {
        var options = new MeteringOptions { FreezeGrace = Duration.FromMinutes(15) };
        var reading = Read([Signal(60, 100)], [Down(Dependency.Payment, 20, 30)], options: options);
        Assert.Empty(reading.FrozenIntervals);
        Assert.Equal(Duration.FromMinutes(60), reading.BillableTime);
    }

    [Fact]
    public void A_grace_shorter_than_the_outage_delays_the_freeze()
    {
        var options = new MeteringOptions { FreezeGrace = Duration.FromMinutes(5) };
        var reading = Read([Signal(60, 100)], [Down(Dependency.Payment, 20, 30)], options: options);
        Assert.Equal(new Interval(At(25), At(30)), Assert.Single(reading.FrozenIntervals).Interval);
    }

    [Fact]
    public void Outages_of_dependencies_outside_the_freeze_policy_do_not_freeze()
    {
        var options = new MeteringOptions { FreezeOn = new HashSet<Dependency> { Dependency.Payment } };
        var reading = Read([Signal(60, 100)], [Down(Dependency.Identity, 20, 30)], options: options);
        Assert.Empty(reading.FrozenIntervals);
        Assert.Equal(At(60), reading.NaiveEnd);
    }

    [Fact]
    public void An_outage_before_the_start_or_after_the_end_does_not_freeze()
    {
        var reading = Read([Signal(60, 100)], [Down(Dependency.Payment, -30, -10, "before"), Down(Dependency.Payment, 60, 90, "after")]);
        Assert.Empty(reading.FrozenIntervals);
    }

    [Fact]
    public void Distance_travelled_while_frozen_is_not_billed_and_billed_distance_keeps_its_place_on_the_billable_time_line()
    {
        var distance = new[] { new DistanceIncrement(At(15), 1.8m), new DistanceIncrement(At(40), 0.9m), new DistanceIncrement(At(55), 0.5m) };
        var reading = Read([Signal(70, 200)], [Down(Dependency.Identity, 30, 50)], distance);
        Assert.Equal(2.3m, reading.BillableKilometres);
        Assert.Equal(Duration.FromMinutes(50), reading.BillableTime);
    }

    [Fact]
    public void Half_open_intervals_a_signal_at_the_outage_start_is_not_frozen_at_all()
    {
        var reading = Read([Signal(30, 100)], [Down(Dependency.Payment, 30, 60)]);
        Assert.Empty(reading.FrozenIntervals);
        Assert.Equal(At(60), reading.NaiveEnd);
    }
}
