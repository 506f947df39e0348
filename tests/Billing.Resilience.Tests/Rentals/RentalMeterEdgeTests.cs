using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>The meter at its edges: ties between signals, freezes given in any order or touching, outages that chain,
/// distance at the exact edges of a freeze and of the naive end, and distance kept at its place on the billable time
/// line for fare capping.</summary>
public class RentalMeterEdgeTests
{
    private static readonly Instant S = Instant.FromUtc(2022, 10, 15, 5, 50);
    private static readonly MeteringOptions Defaults = new();
    private static readonly PricingPlan PerMinute = new("minute", CurrencyCode.KRW, 0m, [new PricingSegment(0, 100m, 1)]);
    private static readonly PricingPlan PerKm = new("km", CurrencyCode.KRW, 0m, perKmPricing: [new PricingSegment(0, 100m, 1)]);

    private static Instant At(int minutes) => S + Duration.FromMinutes(minutes);

    private static Outage Down(int fromMinutes, int? toMinutes, string id = "o", Dependency dependency = Dependency.Payment)
        => new(id, dependency, At(fromMinutes), toMinutes is { } t ? At(t) : null);

    private static MeterReading Read(IReadOnlyList<EndSignal> signals, IReadOnlyList<Outage>? outages = null, IReadOnlyList<DistanceIncrement>? distance = null, PricingPlan? plan = null, int asOfMinutes = 24 * 60)
        => RentalMeter.Read(S, signals, distance ?? [], outages ?? [], Defaults, plan ?? PerMinute, At(asOfMinutes));

    private static Money Total(IReadOnlyList<EndSignal> signals, IReadOnlyList<Outage>? outages = null, IReadOnlyList<DistanceIncrement>? distance = null, PricingPlan? plan = null, int asOfMinutes = 24 * 60)
        => RentalMeter.Total(S, [.. signals], [.. distance ?? []], [.. outages ?? []], Defaults, plan ?? PerMinute, At(asOfMinutes));

    private static EndSignal Vehicle(int atMinutes) => new(At(atMinutes), At(atMinutes), EndSignalSource.Vehicle);

    [Fact]
    public void Of_two_valid_signals_at_the_same_instant_the_first_received_decides()
    {
        var vehicle = new EndSignal(At(30), At(31), EndSignalSource.Vehicle);
        var rider = new EndSignal(At(30), At(32), EndSignalSource.Rider);

        Assert.Same(vehicle, Read([vehicle, rider]).DecidingSignal);
        Assert.Same(rider, Read([rider, vehicle]).DecidingSignal);
    }

    [Fact]
    public void Freezes_given_newest_first_are_each_frozen()
    {
        // Outages 40-50 and 10-20 (given in that order), ride 0-60: 20 frozen minutes, 40 billed.
        Duration Frozen(params Outage[] outages) => Read([Vehicle(60)], outages).FrozenTime;
        var late = Down(40, 50, "late");
        var early = Down(10, 20, "early");
        var middle = Down(25, 30, "middle");

        Assert.Equal(Duration.FromMinutes(20), Frozen(late, early));
        Assert.Equal(Duration.FromMinutes(25), Frozen(late, middle, early));
        Assert.Equal([new Interval(At(10), At(20)), new Interval(At(25), At(30)), new Interval(At(40), At(50))], Read([Vehicle(60)], [late, middle, early]).FrozenUnion);
        Assert.Equal(Money.FromMinorUnits(3_500, CurrencyCode.KRW), Read([Vehicle(60)], [late, middle, early]).Fare.Total);
        Assert.Equal(Money.FromMinorUnits(3_500, CurrencyCode.KRW), Total([Vehicle(60)], [late, middle, early]));
    }

    [Fact]
    public void Freezes_that_touch_are_one_interval()
    {
        var reading = Read([Vehicle(60)], [Down(20, 30, "b", Dependency.Identity), Down(10, 20, "a")]);

        Assert.Equal([new Interval(At(10), At(30))], reading.FrozenUnion);
        Assert.Equal(Duration.FromMinutes(20), reading.FrozenTime);
        Assert.Equal(2, reading.FrozenIntervals.Count);
    }

    [Fact]
    public void The_naive_end_moves_past_every_outage_in_a_chain()
    {
        // The end at 30 falls in 25-40; its end, 40, falls in 35-50: a naive system ends the rental at 50.
        var reading = Read([Vehicle(30)], [Down(35, 50, "b", Dependency.Identity), Down(25, 40, "a")]);

        Assert.Equal(At(50), reading.NaiveEnd);
        Assert.Equal(Money.FromMinorUnits(5_000, CurrencyCode.KRW), reading.NaiveFare.Total);
    }

    [Fact]
    public void Distance_at_exactly_the_end_of_a_freeze_is_billed_and_at_its_start_is_not()
    {
        var reading = Read(
            [Vehicle(60)],
            [Down(10, 20)],
            [new DistanceIncrement(At(10), 1m), new DistanceIncrement(At(20), 2m)],
            PerKm);

        Assert.Equal(2m, reading.BillableKilometres);
        Assert.Equal(Money.FromMinorUnits(200, CurrencyCode.KRW), reading.Fare.Total);
    }

    [Fact]
    public void Distance_at_exactly_the_naive_end_is_not_in_the_naive_fare()
    {
        var reading = Read([Vehicle(30)], distance: [new DistanceIncrement(At(29), 1m), new DistanceIncrement(At(30), 2m)], plan: PerKm);

        Assert.Equal(1m, reading.NaiveFare.BillableKilometres);
        Assert.Equal(Money.FromMinorUnits(100, CurrencyCode.KRW), reading.NaiveFare.Total);
        Assert.Equal(1m, reading.BillableKilometres);
    }

    [Fact]
    public void Distance_after_a_freeze_is_capped_in_the_window_of_its_billable_time()
    {
        // Ride 0-30, frozen 5-15: 20 billable minutes, cap windows of 10 minutes at 150 KRW. 1 km at minute 2 and 1 km at
        // minute 17 (billable minute 7) both fall in the first window: 200 KRW capped to 150, nothing in the second.
        var capped = new PricingPlan("capped", CurrencyCode.KRW, 0m, perKmPricing: [new PricingSegment(0, 100m, 1)], fareCap: new FareCap(10, 150m));
        IReadOnlyList<DistanceIncrement> distance = [new DistanceIncrement(At(2), 1m), new DistanceIncrement(At(17), 1m)];

        var reading = Read([Vehicle(30)], [Down(5, 15)], distance, capped);

        Assert.Equal(Duration.FromMinutes(20), reading.BillableTime);
        Assert.Equal(Money.FromMinorUnits(150, CurrencyCode.KRW), reading.Fare.Total);
        Assert.Equal(Money.FromMinorUnits(150, CurrencyCode.KRW), Total([Vehicle(30)], [Down(5, 15)], distance, capped));
    }

    [Fact]
    public void Distance_out_of_time_order_is_refused_with_its_own_message()
    {
        IReadOnlyList<DistanceIncrement> distance = [new DistanceIncrement(At(20), 1m), new DistanceIncrement(At(10), 1m)];

        var ex = Assert.Throws<ArgumentException>(() => Read([Vehicle(30)], distance: distance, plan: PerKm));

        Assert.Equal("distance", ex.ParamName);
        Assert.StartsWith("Distance increments are in order of time.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Total_needs_options_and_a_plan()
    {
        Assert.Throws<ArgumentNullException>(() => RentalMeter.Total(S, [], [], [], null!, PerMinute, At(10)));
        Assert.Throws<ArgumentNullException>(() => RentalMeter.Total(S, [], [], [], Defaults, null!, At(10)));
    }
}
