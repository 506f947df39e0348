using Billing.Resilience.Pricing;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>
/// Fares of imported plans, computed by hand from SCENARIOS.md 3.3 (the arithmetic is in each comment) and pinned:
/// n = ceil((min(d, end) - start) / interval) for started intervals, floor(...) for completed ones, when
/// min(d, end) &gt; start; the total rounded once, half to even, to the currency's minor unit.
/// </summary>
public class GbfsFareTests
{
    private static readonly CurrencyCode Usd = CurrencyCode.USD;
    private static readonly CurrencyCode Eur = CurrencyCode.EUR;
    private static readonly CurrencyCode Cad = CurrencyCode.Parse("CAD");

    [Theory]
    // started: ceil(12.25 / 1) = 13 minutes -> 1.00 + 13 x 0.44 = 1.00 + 5.72 = 6.72
    [InlineData("EBIKE_SINGLE_RIDE", IntervalRounding.Started, "6.72")]
    // completed: floor(12.25 / 1) = 12 minutes -> 1.00 + 12 x 0.44 = 1.00 + 5.28 = 6.28
    [InlineData("EBIKE_SINGLE_RIDE", IntervalRounding.Completed, "6.28")]
    // started: 13 minutes -> 1.00 + 13 x 0.18 = 1.00 + 2.34 = 3.34
    [InlineData("BIKE_SINGLE_RIDE", IntervalRounding.Started, "3.34")]
    public void Divvy_ride_of_12_25_minutes(string planId, IntervalRounding rounding, string expected)
    {
        var plan = GbfsFixtures.Plan(GbfsFixtures.Divvy, planId);

        var quote = FareCalculator.Quote(plan, Duration.FromSeconds(735), 0m, rounding); // 12.25 min = 735 s

        Assert.Equal(Money.Parse(expected, Usd), quote.Total);
    }

    [Fact]
    public void Nashville_single_ride_is_its_price_only()
    {
        // 1.1 has no segments: 5.0000 whatever the duration; "$5 per 30 minutes" is only in the description.
        var plan = GbfsFixtures.Plan(GbfsFixtures.Nashville, "bcycle_nashville_763");

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(45), 0m, IntervalRounding.Started);

        Assert.Equal(Money.Parse("5.00", Usd), quote.Total);
    }

    [Fact]
    public void Charlotte_8_333_USD_is_rounded_once_at_the_end_to_8_33()
    {
        // 8.333 kept exact by the import; the fare rounds it once, half to even: 8.333 -> 8.33.
        var plan = GbfsFixtures.Plan(GbfsFixtures.Charlotte, "bcycle_charlotte_120");

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(10), 0m, IntervalRounding.Started);

        Assert.Equal(8.333m, quote.ExactTotal);
        Assert.Equal(Money.Parse("8.33", Usd), quote.Total);
    }

    [Fact]
    public void Lillestrom_season_pass_is_50_NOK_whatever_the_duration()
    {
        // No segments: the fee for started half hours is only stated in Norwegian in the description.
        var plan = GbfsFixtures.Plan(GbfsFixtures.Lillestrom, "YLS:PricingPlan:D16E7EC0-47F5-427D-9B71-CD079F989CC6");

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(120), 0m, IntervalRounding.Started);

        Assert.Equal(Money.Parse("50.00", CurrencyCode.Parse("NOK")), quote.Total);
    }

    [Theory]
    // 190 min: ceil(190 / 60) = 4 hours x 1.10 = 4.40; km 0-100: ceil(100 / 1) = 100 x 0.21 = 21.00;
    // km from 100: ceil(30 / 1) = 30 x 0.15 = 4.50; total 1.20 + 4.40 + 21.00 + 4.50 = 31.10
    [InlineData("micro_hour_daytime", "130", IntervalRounding.Started, "31.10")]
    // floor(190 / 60) = 3 x 1.10 = 3.30; km as above: 1.20 + 3.30 + 21.00 + 4.50 = 30.00
    [InlineData("micro_hour_daytime", "130", IntervalRounding.Completed, "30.00")]
    // 130.5 km: ceil(30.5) = 31 x 0.15 = 4.65; 1.20 + 4.40 + 21.00 + 4.65 = 31.25
    [InlineData("micro_hour_daytime", "130.5", IntervalRounding.Started, "31.25")]
    // floor(30.5) = 30 x 0.15 = 4.50; 1.20 + 3.30 + 21.00 + 4.50 = 30.00
    [InlineData("micro_hour_daytime", "130.5", IntervalRounding.Completed, "30.00")]
    // 24-hour plan: ceil(190 / 1440) = 1 x 20.00; 1.20 + 20.00 + 21.00 + 4.50 = 46.70
    [InlineData("micro_24hours", "130", IntervalRounding.Started, "46.70")]
    public void Stadtmobil_car_for_3_hours_10_minutes(string planId, string km, IntervalRounding rounding, string expected)
    {
        var plan = GbfsFixtures.Plan(GbfsFixtures.Stadtmobil, planId);

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(190), decimal.Parse(km, System.Globalization.CultureInfo.InvariantCulture), rounding);

        Assert.Equal(Money.Parse(expected, Eur), quote.Total);
    }

    [Fact]
    public void Stadtmobil_daytime_hours_stop_at_the_segment_end()
    {
        // 18 h = 1080 min, but the segment ends at 1020: ceil(1020 / 60) = 17 x 1.10 = 18.70; 1.20 + 18.70 = 19.90
        var plan = GbfsFixtures.Plan(GbfsFixtures.Stadtmobil, "micro_hour_daytime");

        var quote = FareCalculator.Quote(plan, Duration.FromHours(18), 0m, IntervalRounding.Started);

        Assert.Equal(Money.Parse("19.90", Eur), quote.Total);
    }

    [Theory]
    // started: ceil(61 / 60) = 2 x 9.90 = 19.80 (price 0)
    [InlineData("basic_line_hour", 61, IntervalRounding.Started, "19.80")]
    // completed: floor(61 / 60) = 1 x 9.90 = 9.90
    [InlineData("basic_line_hour", 61, IntervalRounding.Completed, "9.90")]
    // weekend, 30 h: min(1800, 3119) = 1800, ceil(1800 / 3120) = 1 x 109.90
    [InlineData("basic_line_weekend", 1800, IntervalRounding.Started, "109.90")]
    // weekend, 3200 min: min(3200, 3119) = 3119, ceil(3119 / 3120) = 1 x 109.90
    [InlineData("basic_line_weekend", 3200, IntervalRounding.Started, "109.90")]
    // completed: floor(1800 / 3120) = 0, and never more than floor(3119 / 3120) = 0: what the warning says
    [InlineData("basic_line_weekend", 1800, IntervalRounding.Completed, "0.00")]
    public void Deer_fares(string planId, int minutes, IntervalRounding rounding, string expected)
    {
        var plan = GbfsFixtures.Plan(GbfsFixtures.Deer, planId);

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(minutes), 0m, rounding);

        Assert.Equal(Money.Parse(expected, Eur), quote.Total);
    }

    [Theory]
    // 30 km: km 10-25: ceil(15 / 1) = 15 x 1.00 = 15.00; from 25: ceil(5 / 1) = 5 x 0.50 = 2.50;
    // every 5 km from 25: ceil(5 / 5) = 1 x 3.00; total 2.00 + 15.00 + 2.50 + 3.00 = 22.50
    [InlineData(GbfsFixtures.SpecV30Example1, "30", IntervalRounding.Started, "22.50")]
    [InlineData(GbfsFixtures.SpecV30Example1, "30", IntervalRounding.Completed, "22.50")]
    // 31 km: 15 x 1.00 = 15.00; ceil(6) = 6 x 0.50 = 3.00; ceil(6 / 5) = 2 x 3.00 = 6.00; 2.00 + 15.00 + 3.00 + 6.00 = 26.00
    [InlineData(GbfsFixtures.SpecV30Example1, "31", IntervalRounding.Started, "26.00")]
    // completed: 15.00 + floor(6) = 6 x 0.50 = 3.00 + floor(6 / 5) = 1 x 3.00; 2.00 + 15.00 + 3.00 + 3.00 = 23.00
    [InlineData(GbfsFixtures.SpecV30Example1, "31", IntervalRounding.Completed, "23.00")]
    // 8 km: no segment has started (10 and 25 not reached): 2.00
    [InlineData(GbfsFixtures.SpecV30Example1, "8", IntervalRounding.Started, "2.00")]
    // 3.1 example 1 is example 1 plus a reservation price, which is not part of the rental's fare: 22.50
    [InlineData(GbfsFixtures.SpecV31Example1, "30", IntervalRounding.Started, "22.50")]
    public void Spec_example_1_distance_tiers(string file, string km, IntervalRounding rounding, string expected)
    {
        var plan = Assert.Single(GbfsFixtures.Import(file).Plans);

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(20), decimal.Parse(km, System.Globalization.CultureInfo.InvariantCulture), rounding);

        Assert.Equal(Money.Parse(expected, Usd), quote.Total);
    }

    [Theory]
    // 20 min, 4.2 km: ceil(20) = 20 x 0.50 = 10.00; ceil(4.2) = 5 x 0.25 = 1.25; 3.00 + 10.00 + 1.25 = 14.25
    [InlineData(IntervalRounding.Started, "14.25")]
    // floor(20) = 20 x 0.50 = 10.00; floor(4.2) = 4 x 0.25 = 1.00; 3.00 + 10.00 + 1.00 = 14.00
    [InlineData(IntervalRounding.Completed, "14.00")]
    public void Spec_v3_0_example_2_time_and_distance(IntervalRounding rounding, string expected)
    {
        var plan = Assert.Single(GbfsFixtures.Import(GbfsFixtures.SpecV30Example2).Plans);

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(20), 4.2m, rounding);

        Assert.Equal(Money.Parse(expected, Cad), quote.Total);
    }

    [Theory]
    // F(t) = 3.00 + 0.50 x ceil(t) + 0.25 x ceil(km within the first t minutes); 10 km counted at the start.
    // 30 h = 1800 min, windows of 720: F(720) = 3.00 + 360.00 + 2.50 = 365.50 -> min(15, 365.50) = 15.00;
    // F(1440) - F(720) = 725.50 - 365.50 = 360.00 -> 15.00; F(1800) - F(1440) = 905.50 - 725.50 = 180.00 -> 15.00.
    // Capped: 45.00 (uncapped it would be 905.50).
    [InlineData(1800, "10", "45.00")]
    // 24 h 10 min = 1450 min: 15.00 + 15.00 + (F(1450) - F(1440) = 10 x 0.50 = 5.00) = 35.00
    [InlineData(1450, "10", "35.00")]
    // exactly one window, 720 min, no distance: min(15.00, 3.00 + 360.00) = 15.00
    [InlineData(720, "0", "15.00")]
    // 10 min, 2 km: 3.00 + 5.00 + 0.50 = 8.50, under the cap
    [InlineData(10, "2", "8.50")]
    public void Spec_v3_1_example_2_fare_capping_at_15_CAD_per_720_minutes(int minutes, string km, string expected)
    {
        var plan = Assert.Single(GbfsFixtures.Import(GbfsFixtures.SpecV31Example2).Plans);

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(minutes), decimal.Parse(km, System.Globalization.CultureInfo.InvariantCulture), IntervalRounding.Started);

        Assert.Equal(Money.Parse(expected, Cad), quote.Total);
    }

    [Fact]
    public void Spec_v3_1_example_2_fare_capping_counts_distance_in_the_window_it_was_travelled()
    {
        // 1450 min; 2 km at minute 0, 3 km at minute 1000 (window 1), 1 km at minute 1445 (window 2).
        // F(720)  = 3.00 + 360.00 + 0.25 x ceil(2) = 363.50 -> window 0: min(15.00, 363.50)          = 15.00
        // F(1440) = 3.00 + 720.00 + 0.25 x ceil(5) = 724.25 -> window 1: min(15.00, 724.25 - 363.50) = 15.00
        // F(1450) = 3.00 + 725.00 + 0.25 x ceil(6) = 729.50 -> window 2: min(15.00, 729.50 - 724.25) =  5.25
        // Capped: 35.25 CAD.
        var plan = Assert.Single(GbfsFixtures.Import(GbfsFixtures.SpecV31Example2).Plans);
        DistanceMark[] distance =
        [
            new(Duration.Zero, 2m),
            new(Duration.FromMinutes(1000), 3m),
            new(Duration.FromMinutes(1445), 1m),
        ];

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(1450), distance, IntervalRounding.Started);

        Assert.Equal(Money.Parse("35.25", Cad), quote.Total);
    }

    [Fact]
    public void Seed_kickboard_for_30_minutes_is_the_6400_KRW_of_the_SCENARIOS_report_example()
    {
        // SCENARIOS.md 4, rental r-1: 1000 + 30 x 180 = 6400 KRW.
        using var scenario = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "seeds", "kakao-2022-10-15.json")));
        var import = GbfsPricingPlans.Parse(scenario.RootElement.GetProperty("pricingPlans"), "pricingPlans");
        Assert.True(import.TryGetPlan("kickboard", out var kickboard));

        var quote = FareCalculator.Quote(kickboard, Duration.FromMinutes(30), 1.8m, IntervalRounding.Started);

        Assert.Equal(Money.Parse("6400", CurrencyCode.KRW), quote.Total);
    }
}
