using Billing.Resilience.Pricing;
using CsCheck;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>
/// Properties of <see cref="FareCalculator"/> over random plans (overlapping segments, ends, interval 0, negative
/// rates, caps), billable times up to three days and distance travelled at random points of it.
/// </summary>
public class FarePropertyTests
{
    private const long Iterations = 1_500;

    private static readonly IntervalRounding[] Roundings = [IntervalRounding.Started, IntervalRounding.Completed];

    private static readonly Gen<FareCap> AnyCap = Gen.Select(
        Gen.Frequency((1, Gen.Int[1, 60]), (2, Gen.Int[60, 1440])),
        Gen.Int[0, 30_000].Select(i => i / 1000m),
        (minutes, price) => new FareCap(minutes, price));

    private static readonly Gen<Duration> Extra = Gen.Frequency(
        (1, Gen.Long[1, 1_000_000_000].Select(Duration.FromNanoseconds)),
        (1, Gen.Int[1, 120].Select(m => Duration.FromMinutes(m))),
        (1, Gen.Long[1, 86_400_000_000_000L].Select(Duration.FromNanoseconds)));

    [Fact]
    public void Agrees_with_a_literal_reading_of_SCENARIOS_3_3()
        => FareGen.Ride(allowNegativeRates: true).Sample(
            ride =>
            {
                foreach (var rounding in Roundings)
                {
                    var quote = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, rounding);
                    var expected = ReferenceFare.ExactTotal(ride.Plan, ride.Time, ride.Distance, rounding);
                    Assert.Equal(expected, quote.ExactTotal);
                    Assert.Equal(Money.FromMajor(expected, ride.Plan.Currency, MidpointRounding.ToEven), quote.Total);
                }
            },
            iter: Iterations);

    [Fact]
    public void Line_items_sum_to_the_total_in_both_columns()
        => FareGen.Ride(allowNegativeRates: true).Sample(
            ride =>
            {
                foreach (var rounding in Roundings)
                {
                    var quote = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, rounding);
                    var lines = quote.LineItems;

                    Assert.Equal(quote.Total.MinorUnits, lines.Sum(l => l.Amount.MinorUnits));
                    Assert.Equal(quote.Total.ToMajor(), lines.Sum(l => l.ExactAmount));
                    Assert.Equal(quote.ExactTotal, lines.Where(l => l.Kind != FareLineItemKind.Rounding).Sum(l => l.ExactAmount));
                    Assert.All(lines, l => Assert.Equal(ride.Plan.Currency, l.Amount.Currency));
                    Assert.All(
                        lines.Where(l => l.Kind != FareLineItemKind.Rounding),
                        l => Assert.Equal(Money.FromMajor(l.ExactAmount, ride.Plan.Currency, MidpointRounding.ToEven), l.Amount));
                    AssertLineStructure(ride.Plan, quote);
                }
            },
            iter: Iterations);

    [Fact]
    public void Total_equals_Quote_Total()
        => FareGen.Ride(allowNegativeRates: true).Sample(
            ride =>
            {
                foreach (var rounding in Roundings)
                {
                    var quote = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, rounding);
                    Assert.Equal(quote.Total, FareCalculator.Total(ride.Plan, ride.Time, ride.Distance, rounding));

                    // A distance total is the same as one increment at the start of the ride.
                    var km = ride.Kilometres;
                    var atStart = FareCalculator.Quote(ride.Plan, ride.Time, km, rounding);
                    Assert.Equal(atStart.Total, FareCalculator.Total(ride.Plan, ride.Time, [new DistanceMark(Duration.Zero, km)], rounding));
                    Assert.Equal(km, atStart.BillableKilometres);
                    Assert.Equal(km, quote.BillableKilometres);
                    Assert.Equal(ride.Time, quote.BillableTime);
                }
            },
            iter: Iterations);

    [Fact]
    public void Fare_never_falls_as_billable_time_grows_without_negative_rates()
        => Gen.Select(FareGen.Ride(allowNegativeRates: false), Extra).Sample(
            (ride, extra) =>
            {
                foreach (var rounding in Roundings)
                {
                    var shorter = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, rounding);
                    var longer = FareCalculator.Quote(ride.Plan, ride.Time + extra, ride.Distance, rounding);
                    Assert.True(shorter.ExactTotal <= longer.ExactTotal, $"{rounding}: {shorter.ExactTotal} then {longer.ExactTotal}");
                    Assert.True(shorter.Total <= longer.Total);
                }
            },
            iter: Iterations);

    [Fact]
    public void Fare_never_falls_as_distance_grows_without_negative_rates_or_cap()
        => FareGen.Ride(allowNegativeRates: false, allowCap: false)
            .SelectMany(ride => Gen.Select(FareGen.Distance(ride.Time), FareGen.Kilometres, (more, km) => (ride, more, km)))
            .Sample(
                t =>
                {
                    var (ride, more, km) = t;
                    foreach (var rounding in Roundings)
                    {
                        var before = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, rounding);

                        // More increments anywhere in the ride, and a longer total.
                        var merged = ride.Distance.Concat(more).OrderBy(m => m.BillableOffset).ToArray();
                        var after = FareCalculator.Quote(ride.Plan, ride.Time, merged, rounding);
                        var longer = FareCalculator.Quote(ride.Plan, ride.Time, ride.Kilometres + km, rounding);

                        Assert.True(before.ExactTotal <= after.ExactTotal, $"{rounding}: {before.ExactTotal} then {after.ExactTotal}");
                        Assert.True(before.ExactTotal <= longer.ExactTotal, $"{rounding}: {before.ExactTotal} then {longer.ExactTotal}");
                    }
                },
                iter: Iterations);

    // With fare_capping, when distance was travelled matters (FareCappingTests shows more distance earlier costing
    // less), so monotonicity in distance holds for distance counted at the start of the ride, as `quote` counts it.
    [Fact]
    public void Capped_fare_never_falls_as_distance_counted_at_the_start_grows_without_negative_rates()
        => Gen.Select(FareGen.Ride(allowNegativeRates: false), AnyCap, FareGen.Kilometres, FareGen.Kilometres).Sample(
            (ride, cap, km, more) =>
            {
                var plan = WithCap(ride.Plan, cap);
                foreach (var rounding in Roundings)
                {
                    var before = FareCalculator.Quote(plan, ride.Time, km, rounding);
                    var after = FareCalculator.Quote(plan, ride.Time, km + more, rounding);
                    Assert.True(before.ExactTotal <= after.ExactTotal, $"{rounding}: {before.ExactTotal} then {after.ExactTotal}");
                }
            },
            iter: Iterations);

    [Fact]
    public void Started_counts_at_least_the_intervals_Completed_counts()
        => FareGen.Ride(allowNegativeRates: true).Sample(
            ride =>
            {
                var started = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, IntervalRounding.Started);
                var completed = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, IntervalRounding.Completed);
                var segmentLines = started.LineItems.Zip(completed.LineItems).Where(p => p.First.Units is not null);
                Assert.All(segmentLines, p => Assert.True(p.First.Units >= p.Second.Units));
                Assert.All(segmentLines, p => Assert.True(p.First.Units - p.Second.Units <= 1));
            },
            iter: Iterations);

    // Under a cap this does not hold: FareCappingTests.Under_a_cap_completed_rounding_can_cost_more_than_started.
    [Fact]
    public void Started_fare_is_at_least_Completed_fare_without_negative_rates_or_cap()
        => FareGen.Ride(allowNegativeRates: false, allowCap: false).Sample(
            ride =>
            {
                var started = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, IntervalRounding.Started);
                var completed = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, IntervalRounding.Completed);
                Assert.True(started.ExactTotal >= completed.ExactTotal, $"started {started.ExactTotal}, completed {completed.ExactTotal}");
                Assert.True(started.Total >= completed.Total);
            },
            iter: Iterations);

    [Fact]
    public void Capped_fare_never_exceeds_the_uncapped_fare_nor_the_cap_per_window()
        => Gen.Select(FareGen.Ride(allowNegativeRates: true), AnyCap).Sample(
            (ride, cap) =>
            {
                var capped = WithCap(ride.Plan, cap);
                var uncapped = WithCap(ride.Plan, null);
                var window = (Int128)cap.DurationMinutes * 60_000_000_000;
                var nanos = (Int128)ride.Time.ToInt64Nanoseconds();
                var windows = Int128.Max(1, (nanos + window - 1) / window); // max(1, ceil(d / D))
                var most = cap.Price * (decimal)windows;

                foreach (var rounding in Roundings)
                {
                    var withCap = FareCalculator.Quote(capped, ride.Time, ride.Distance, rounding);
                    var withoutCap = FareCalculator.Quote(uncapped, ride.Time, ride.Distance, rounding);
                    Assert.True(withCap.ExactTotal <= withoutCap.ExactTotal, $"capped {withCap.ExactTotal}, uncapped {withoutCap.ExactTotal}");
                    Assert.True(withCap.ExactTotal <= most, $"capped {withCap.ExactTotal}, {windows} windows of {cap.Price}");
                    Assert.True(withCap.Total <= withoutCap.Total);
                    Assert.True(withCap.Total <= Money.FromMajor(most, capped.Currency, MidpointRounding.ToEven));
                }
            },
            iter: Iterations);

    [Fact]
    public void Total_is_never_negative_and_the_clamp_is_explained()
        => FareGen.Ride(allowNegativeRates: true).Sample(
            ride =>
            {
                foreach (var rounding in Roundings)
                {
                    var quote = FareCalculator.Quote(ride.Plan, ride.Time, ride.Distance, rounding);
                    Assert.False(quote.Total.IsNegative);
                    Assert.True(quote.ExactTotal >= 0);

                    var beforeClamp = quote.LineItems
                        .Where(l => l.Kind is not (FareLineItemKind.ClampToZero or FareLineItemKind.Rounding))
                        .Sum(l => l.ExactAmount);
                    var clamp = quote.LineItems.SingleOrDefault(l => l.Kind == FareLineItemKind.ClampToZero);
                    if (beforeClamp < 0)
                    {
                        Assert.NotNull(clamp);
                        Assert.Equal(-beforeClamp, clamp.ExactAmount);
                        Assert.Equal(0m, quote.ExactTotal);
                    }
                    else
                    {
                        Assert.Null(clamp);
                        Assert.Equal(beforeClamp, quote.ExactTotal);
                    }
                }
            },
            iter: Iterations);

    private static PricingPlan WithCap(PricingPlan plan, FareCap? cap)
        => new(plan.PlanId, plan.Currency, plan.Price, plan.PerMinutePricing, plan.PerKmPricing, cap);

    private static void AssertLineStructure(PricingPlan plan, FareQuote quote)
    {
        var lines = quote.LineItems;
        var expected = new List<(FareLineItemKind, int?)> { (FareLineItemKind.Base, null) };
        expected.AddRange(Enumerable.Range(0, plan.PerMinutePricing.Count).Select(i => (FareLineItemKind.PerMinute, (int?)i)));
        expected.AddRange(Enumerable.Range(0, plan.PerKmPricing.Count).Select(i => (FareLineItemKind.PerKm, (int?)i)));
        Assert.Equal(expected, lines.Take(expected.Count).Select(l => (l.Kind, l.Segment)));

        // Then, each at most once and in this order: FareCap (a reduction), ClampToZero (an increase), Rounding.
        var tail = lines.Skip(expected.Count).Select(l => l.Kind).ToList();
        Assert.Equal(tail.Distinct().Order(), tail);
        Assert.All(tail, k => Assert.Contains(k, new[] { FareLineItemKind.FareCap, FareLineItemKind.ClampToZero, FareLineItemKind.Rounding }));
        Assert.All(lines.Where(l => l.Kind == FareLineItemKind.FareCap), l => Assert.True(l.ExactAmount < 0));
        Assert.All(lines.Where(l => l.Kind == FareLineItemKind.ClampToZero), l => Assert.True(l.ExactAmount > 0));
        Assert.All(lines.Where(l => l.Units is not null), l => Assert.True(l.Units >= 0));
        Assert.Equal(quote.Total.ToMajor() != quote.ExactTotal || lines.Where(l => l.Kind != FareLineItemKind.Rounding).Sum(l => l.Amount.MinorUnits) != quote.Total.MinorUnits,
            tail.Contains(FareLineItemKind.Rounding));
    }
}
