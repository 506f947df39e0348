using Billing.Resilience.Pricing;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>The fare calculator's argument checks, with the message each gives, and distance counting where decimal
/// division rounds in its last digit.</summary>
public class FareInputEdgeTests
{
    private static readonly PricingPlan Plan = new("p", CurrencyCode.KRW, 1_000m, [new PricingSegment(0, 100m, 1)], [new PricingSegment(0, 50m, 1)]);

    private static void AssertRefused(Action quote, string parameter, string message)
    {
        var ex = Assert.Throws<ArgumentException>(quote);
        Assert.Equal(parameter, ex.ParamName);
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_billable_distance_is_refused()
        => AssertRefused(() => FareCalculator.Quote(Plan, Duration.FromMinutes(5), -0.001m, IntervalRounding.Started), "billableKilometres", "Billable distance is not negative.");

    [Fact]
    public void Negative_billable_time_is_refused_by_Quote_and_Total()
    {
        AssertRefused(() => FareCalculator.Quote(Plan, Duration.FromNanoseconds(-1), 0m, IntervalRounding.Started), "billableTime", "Billable time is not negative.");
        AssertRefused(() => FareCalculator.Total(Plan, Duration.FromNanoseconds(-1), [], IntervalRounding.Started), "billableTime", "Billable time is not negative.");
    }

    [Fact]
    public void A_negative_distance_increment_is_refused()
        => AssertRefused(() => FareCalculator.Total(Plan, Duration.FromMinutes(5), [new DistanceMark(Duration.FromMinutes(1), -1m)], IntervalRounding.Started), "distance", "Distance increments are not negative.");

    [Fact]
    public void An_increment_before_the_start_of_billable_time_is_refused()
        => AssertRefused(() => FareCalculator.Total(Plan, Duration.FromMinutes(5), [new DistanceMark(Duration.FromNanoseconds(-1), 1m)], IntervalRounding.Started), "distance", "Distance increments are not before the start of billable time.");

    [Fact]
    public void Increments_out_of_order_are_refused()
        => AssertRefused(
            () => FareCalculator.Total(Plan, Duration.FromMinutes(5), [new DistanceMark(Duration.FromMinutes(2), 1m), new DistanceMark(Duration.FromMinutes(1), 1m)], IntervalRounding.Started),
            "distance",
            "Distance increments are in order of billable offset.");

    [Fact]
    public void Increments_at_the_same_offset_and_zero_kilometres_are_accepted()
    {
        var total = FareCalculator.Total(Plan, Duration.FromMinutes(5), [new DistanceMark(Duration.Zero, 0m), new DistanceMark(Duration.FromMinutes(1), 1m), new DistanceMark(Duration.FromMinutes(1), 1m)], IntervalRounding.Started);

        Assert.Equal(Money.FromMinorUnits(1_000 + 500 + 100, CurrencyCode.KRW), total);
    }

    // 29,999,999,999.999999999999999999 / 3 is 9,999,999,999.999999999999999999666..., which a decimal (28 significant
    // digits here) rounds up to 10,000,000,000: the count must still be exact.
    [Theory]
    [InlineData(IntervalRounding.Completed, 9_999_999_999L)]
    [InlineData(IntervalRounding.Started, 10_000_000_000L)]
    public void Distance_intervals_are_counted_exactly_where_decimal_division_rounds_up(IntervalRounding rounding, long units)
    {
        var plan = new PricingPlan("km", CurrencyCode.KRW, 0m, perKmPricing: [new PricingSegment(0, 1m, 3)]);

        var quote = FareCalculator.Quote(plan, Duration.Zero, 29_999_999_999.999999999999999999m, rounding);

        var line = Assert.Single(quote.LineItems, l => l.Kind == FareLineItemKind.PerKm);
        Assert.Equal(units, line.Units);
        Assert.Equal(Money.FromMinorUnits(units, CurrencyCode.KRW), quote.Total);
    }

    [Theory]
    [InlineData(IntervalRounding.Completed, 1_000_000_000_000L)]
    [InlineData(IntervalRounding.Started, 1_000_000_000_000L)]
    public void A_distance_that_is_a_whole_number_of_long_intervals_is_counted_exactly(IntervalRounding rounding, long units)
    {
        var plan = new PricingPlan("km", CurrencyCode.KRW, 0m, perKmPricing: [new PricingSegment(0, 1m, 7)]);

        var quote = FareCalculator.Quote(plan, Duration.Zero, 7_000_000_000_000m, rounding);

        Assert.Equal(units, Assert.Single(quote.LineItems, l => l.Kind == FareLineItemKind.PerKm).Units);
    }
}
