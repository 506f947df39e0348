using Billing.Resilience.Pricing;
using NodaTime;
using static Billing.Resilience.Tests.Pricing.Fare.FarePlans;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>
/// <c>fare_capping</c> (SCENARIOS.md 3.3) on GBFS 3.1 example 2: 3.00 CAD + 0.25 per started km + 0.50 per started
/// minute, capped at 15.00 per 720 billable minutes. Window k is [720k, 720(k+1)); it costs
/// F(min(d, 720(k+1))) - F(720k), F(0) taken as 0 for window 0; each window is capped at 15.00.
/// </summary>
public class FareCappingTests
{
    private const IntervalRounding Started = IntervalRounding.Started;

    private static string Capped(Duration time, decimal kmAtStart = 0) =>
        FareCalculator.Quote(GbfsExample2(), time, kmAtStart, Started).Total.ToMajorString();

    private static string Capped(Duration time, params DistanceMark[] marks) =>
        FareCalculator.Quote(GbfsExample2(), time, marks, Started).Total.ToMajorString();

    [Theory]
    //          minutes  km  fare      arithmetic
    [InlineData(0, 0, "3.00")] // window 0: F(0) - 0 = 3.00 (the base price is in window 0)
    [InlineData(10, 2, "8.50")] // window 0: 3.00 + 10 x 0.50 + 2 x 0.25 = 8.50 < 15
    [InlineData(24, 0, "15.00")] // window 0: 3.00 + 24 x 0.50 = 15.00, exactly the cap
    [InlineData(30, 0, "15.00")] // window 0: 3.00 + 15.00 = 18.00 -> 15.00
    [InlineData(720, 0, "15.00")] // window 0: 3.00 + 360.00 = 363.00 -> 15.00
    [InlineData(730, 0, "20.00")] // window 0: 15.00; window 1: F(730) - F(720) = 5.00
    [InlineData(800, 0, "30.00")] // window 0: 15.00; window 1: 80 x 0.50 = 40.00 -> 15.00
    [InlineData(1440, 0, "30.00")] // two full windows: 2 x 15.00
    [InlineData(1500, 0, "45.00")] // window 2: 60 x 0.50 = 30.00 -> 15.00; 3 x 15.00
    [InlineData(1450, 0, "35.00")] // window 2: 10 x 0.50 = 5.00; 15.00 + 15.00 + 5.00
    [InlineData(730, 12, "20.00")] // the 12 km counted at the start fall in window 0, which is capped anyway
    public void Gbfs_example_2_across_windows(int minutes, int km, string fare)
        => Assert.Equal(fare, Capped(Minutes(minutes), km));

    [Fact]
    public void A_started_minute_after_a_window_boundary_belongs_to_the_next_window()
    {
        // 1440 min + 1 ns: window 2 is F(1440 + 1 ns) - F(1440) = one more started minute = 0.50; 30.00 + 0.50.
        Assert.Equal("30.50", Capped(Minutes(1440) + Duration.Epsilon));

        // 720.5 min: window 1 is F(720.5) - F(720) = ceil(720.5) - 720 = 1 minute = 0.50; 15.00 + 0.50.
        Assert.Equal("15.50", Capped(Minutes(720.5m)));
    }

    [Fact]
    public void Distance_counts_in_the_window_it_was_travelled_in()
    {
        var time = Minutes(730);

        // 4 km at minute 5 (window 0), 8 km at minute 725 (window 1):
        // window 0: F(720) = 3.00 + 360.00 + ceil(4) x 0.25 = 364.00 -> 15.00
        // window 1: F(730) - F(720) = (3.00 + 365.00 + ceil(12) x 0.25) - 364.00 = 371.00 - 364.00 = 7.00
        Assert.Equal("22.00", Capped(time, Km(4m, Minutes(5)), Km(8m, Minutes(725))));

        // All 12 km at minute 725: window 0 = 363.00 -> 15.00; window 1 = 371.00 - 363.00 = 8.00.
        Assert.Equal("23.00", Capped(time, Km(12m, Minutes(725))));

        // All 12 km at the start: window 0 = 366.00 -> 15.00; window 1 = 371.00 - 366.00 = 5.00.
        Assert.Equal("20.00", Capped(time, Km(12m, Duration.Zero)));
        Assert.Equal("20.00", Capped(time, 12m));

        // Without the cap the same ride is 3.00 + 365.00 + 3.00 = 371.00 wherever the distance was.
        var uncapped = FareCalculator.Quote(GbfsExample2Uncapped(), time, [Km(4m, Minutes(5)), Km(8m, Minutes(725))], Started);
        Assert.Equal("371.00", uncapped.Total.ToMajorString());
    }

    [Fact]
    public void Distance_at_a_window_boundary_belongs_to_the_window_that_starts_there()
    {
        // Windows are half-open: [0, 720) and [720, 1440). 12 km at minute 720 are travelled in window 1:
        // window 0 = 363.00 -> 15.00; window 1 = (3.00 + 365.00 + 3.00) - 363.00 = 8.00.
        Assert.Equal("23.00", Capped(Minutes(730), Km(12m, Minutes(720))));

        // One nanosecond earlier they are in window 0: window 1 = 5.00.
        Assert.Equal("20.00", Capped(Minutes(730), Km(12m, Minutes(720) - Duration.Epsilon)));
    }

    [Fact]
    public void The_FareCap_line_carries_the_reduction()
    {
        // 730 min, no km: uncapped 3.00 + 365.00 = 368.00; capped 15.00 + 5.00 = 20.00; the line is -348.00.
        var quote = FareCalculator.Quote(GbfsExample2(), Minutes(730), 0m, Started);

        Assert.Equal(["Base 3.00", "PerMinute#0 x730 365.00", "PerKm#0 x0 0.00", "FareCap -348.00"], Lines(quote));
        Assert.Equal(20.00m, quote.ExactTotal);

        // At exactly the cap nothing is taken off, and there is no FareCap line.
        var atCap = FareCalculator.Quote(GbfsExample2(), Minutes(24), 0m, Started);
        Assert.DoesNotContain(atCap.LineItems, l => l.Kind == FareLineItemKind.FareCap);
    }

    [Fact]
    public void A_cap_of_zero_makes_every_window_free()
    {
        var plan = GbfsExample2(new FareCap(durationMinutes: 60, price: 0m));

        var quote = FareCalculator.Quote(plan, Minutes(150), 10m, Started);

        // Three windows of at most 0.00 each; the cap takes off the whole 3.00 + 75.00 + 2.50 = 80.50.
        Assert.Equal("0.00", quote.Total.ToMajorString());
        Assert.Equal(-80.50m, quote.LineItems.Single(l => l.Kind == FareLineItemKind.FareCap).ExactAmount);
    }

    [Fact]
    public void Negative_window_costs_are_not_capped_and_the_total_is_clamped()
    {
        // 5.00 USD unlock; a 1.00 credit per started 10 minutes; capped at 2.00 per 30 minutes.
        var plan = new PricingPlan("credit-capped", Usd, 5.00m, [new PricingSegment(0, -1.00m, 10)], fareCap: new FareCap(30, 2.00m));

        // 90 min: window 0 = 5.00 - 3.00 = 2.00 -> 2.00; windows 1 and 2 = -3.00 each (min(2.00, -3.00) = -3.00).
        // 2.00 - 3.00 - 3.00 = -4.00, clamped to 0.00.
        var quote = FareCalculator.Quote(plan, Minutes(90), 0m, Started);
        Assert.Equal(["Base 5.00", "PerMinute#0 x9 -9.00", "ClampToZero 4.00"], Lines(quote));
        Assert.Equal("0.00", quote.Total.ToMajorString());
    }

    // Consequences of SCENARIOS.md 3.3 that surprise: the page is normative, so these pin the behaviour it defines.
    [Fact]
    public void Under_a_cap_completed_rounding_can_cost_more_than_started()
    {
        // 5.00 base + 5.00 per 20 minutes, capped at 5.00 per 10 minutes; 20 billable minutes.
        var plan = new PricingPlan("lumpy", Usd, 5.00m, [new PricingSegment(0, 5.00m, 20)], fareCap: new FareCap(10, 5.00m));

        // started:   F(10) = 5 + 5 = 10, F(20) = 10. window 0 = min(5, 10) = 5; window 1 = min(5, 0) = 0.  Total 5.00.
        // completed: F(10) = 5,          F(20) = 10. window 0 = min(5, 5) = 5;  window 1 = min(5, 5) = 5.  Total 10.00.
        // Started charges the interval in the window that is already capped; completed charges it in the next.
        Assert.Equal("5.00", FareCalculator.Quote(plan, Minutes(20), 0m, IntervalRounding.Started).Total.ToMajorString());
        Assert.Equal("10.00", FareCalculator.Quote(plan, Minutes(20), 0m, IntervalRounding.Completed).Total.ToMajorString());
    }

    [Fact]
    public void Under_a_cap_more_distance_travelled_earlier_can_cost_less()
    {
        // 10.00 base + 0.30 per minute + 10.00 once for any distance (per_km interval 0), capped at 5.00 per 10 minutes.
        var plan = new PricingPlan(
            "distance-fee",
            Usd,
            10.00m,
            [new PricingSegment(0, 0.30m, 1)],
            [new PricingSegment(0, 10.00m, 0)],
            new FareCap(10, 5.00m));

        // 1 km at minute 15: window 0 = 10 + 3 = 13 -> 5; window 1 = (10 + 6 + 10) - 13 = 13 -> 5. Total 10.00.
        var later = FareCalculator.Quote(plan, Minutes(20), [Km(1m, Minutes(15))], Started);

        // Another 1 km at minute 5: window 0 = 10 + 3 + 10 = 23 -> 5; window 1 = 26 - 23 = 3. Total 8.00.
        // The one-off distance fee moved into window 0, which the cap had already filled.
        var more = FareCalculator.Quote(plan, Minutes(20), [Km(1m, Minutes(5)), Km(1m, Minutes(15))], Started);

        Assert.Equal("10.00", later.Total.ToMajorString());
        Assert.Equal("8.00", more.Total.ToMajorString());
    }

    [Fact]
    public void Distance_beyond_the_billable_time_counts_in_the_last_window()
    {
        // An increment stamped at or after the billable time (the convention of Quote with a km total is offset 0):
        // window 0 = 363.00 -> 15.00; window 1 = F(730) with all 12 km - F(720) = 8.00.
        Assert.Equal("23.00", Capped(Minutes(730), Km(12m, Minutes(731))));

        // With no billable time the distance still counts: window 0 = 3.00 + 2 x 0.25 = 3.50.
        Assert.Equal("3.50", Capped(Duration.Zero, 2m));
    }
}
