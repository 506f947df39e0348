using Billing.Resilience.Pricing;
using NodaTime;
using static Billing.Resilience.Tests.Pricing.Fare.FarePlans;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>Hand-computed fares for the rules of SCENARIOS.md 3.3, the arithmetic written beside each.</summary>
public class FareExamplesTests
{
    private const IntervalRounding Started = IntervalRounding.Started;
    private const IntervalRounding Completed = IntervalRounding.Completed;

    private static string Total(PricingPlan plan, Duration time, decimal km = 0, IntervalRounding rounding = Started)
        => FareCalculator.Quote(plan, time, km, rounding).Total.ToMajorString();

    [Fact]
    public void Base_price_only()
    {
        var plan = new PricingPlan("unlock", Usd, 1.00m);

        var quote = FareCalculator.Quote(plan, Minutes(10), 3.5m, Started);

        // price 1.00 once, nothing else.
        Assert.Equal(Money.FromMinorUnits(100, Usd), quote.Total);
        Assert.Equal(["Base 1.00"], Lines(quote));
        Assert.Equal("unlock", quote.PlanId);
        Assert.Equal(Usd, quote.Currency);
        Assert.Equal(Minutes(10), quote.BillableTime);
        Assert.Equal(3.5m, quote.BillableKilometres);
        Assert.Equal(1.00m, quote.ExactTotal);

        // The base price is charged once even for no billable time at all.
        Assert.Equal("1.00", Total(plan, Duration.Zero));
        Assert.Equal("0.00", Total(new PricingPlan("free", Usd, 0m), Minutes(10)));
    }

    [Fact]
    public void Per_started_minute_versus_per_completed_minute()
    {
        var plan = Kickboard(); // 1000 KRW + 180 KRW per minute, start 0, interval 1

        // 30 min exactly: started ceil(30 / 1) = 30, completed floor(30 / 1) = 30: 1000 + 30 x 180 = 6400.
        Assert.Equal("6400", Total(plan, Minutes(30), rounding: Started));
        Assert.Equal("6400", Total(plan, Minutes(30), rounding: Completed));

        // 30 min 1 s: started ceil(30.0166...) = 31: 1000 + 31 x 180 = 6580; completed floor(30.0166...) = 30: 6400.
        var thirtyMinutesOneSecond = Minutes(30) + Duration.FromSeconds(1);
        Assert.Equal("6580", Total(plan, thirtyMinutesOneSecond, rounding: Started));
        Assert.Equal("6400", Total(plan, thirtyMinutesOneSecond, rounding: Completed));

        var quote = FareCalculator.Quote(plan, thirtyMinutesOneSecond, 0m, Started);
        Assert.Equal(["Base 1000", "PerMinute#0 x31 5580"], Lines(quote));
    }

    [Fact]
    public void Interval_zero_charges_the_rate_once_when_past_the_start()
    {
        // A one-off 500 KRW fee once the ride passes minute 10.
        var plan = new PricingPlan("late-fee", Krw, 0m, [new PricingSegment(start: 10, rate: 500m, interval: 0)]);

        // x = 10 is not > 10: n = 0.
        Assert.Equal("0", Total(plan, Minutes(10)));

        // x = 10 min + 1 ns > 10: n = 1, whatever the rounding.
        Assert.Equal("500", Total(plan, Minutes(10) + Duration.Epsilon));
        Assert.Equal("500", Total(plan, Minutes(10) + Duration.Epsilon, rounding: Completed));

        // Still once after three days.
        Assert.Equal("500", Total(plan, Duration.FromDays(3)));

        // From start 0: nothing at 0 billable time, the fee from the first nanosecond.
        var fromStart = new PricingPlan("unlock-as-segment", Krw, 0m, [new PricingSegment(start: 0, rate: 500m, interval: 0)]);
        Assert.Equal("0", Total(fromStart, Duration.Zero));
        Assert.Equal("500", Total(fromStart, Duration.Epsilon, rounding: Completed));
    }

    [Theory]
    //               seconds  rounding   fare     arithmetic (1000 + n x 500, n counted from minute 15 in 5-minute intervals)
    [InlineData(14 * 60, Started, "1000")] // x = 14 <= 15: n = 0
    [InlineData(15 * 60, Started, "1000")] // x = 15 <= 15: n = 0
    [InlineData((15 * 60) + 1, Started, "1500")] // ceil((15.0166 - 15) / 5) = 1
    [InlineData(20 * 60, Started, "1500")] // ceil(5 / 5) = 1
    [InlineData(25 * 60, Started, "2000")] // ceil(10 / 5) = 2: 1000 + 2 x 500
    [InlineData((25 * 60) + 1, Started, "2500")] // ceil(10.0166 / 5) = 3
    [InlineData((15 * 60) + 1, Completed, "1000")] // floor(0.0166 / 5) = 0
    [InlineData(24 * 60, Completed, "1500")] // floor(9 / 5) = 1
    [InlineData(25 * 60, Completed, "2000")] // floor(10 / 5) = 2
    public void Segment_starting_after_zero_bike_plan(int seconds, IntervalRounding rounding, string fare)
        => Assert.Equal(fare, Total(Bike(), Duration.FromSeconds(seconds), rounding: rounding));

    [Fact]
    public void End_is_exclusive_and_the_rate_stops_there()
    {
        // 1.00 USD; 0.30 per started minute up to minute 20 (exclusive); 0.10 per started minute from minute 20.
        var plan = new PricingPlan(
            "tiered",
            Usd,
            1.00m,
            [new PricingSegment(start: 0, rate: 0.30m, interval: 1, end: 20), new PricingSegment(start: 20, rate: 0.10m, interval: 1)]);

        // 19.5 min: seg0 x = 19.5, ceil(19.5) = 20 -> 6.00; seg1 x = 19.5 <= 20 -> 0. 1.00 + 6.00 = 7.00.
        Assert.Equal("7.00", Total(plan, Minutes(19.5m)));

        // 20 min: seg0 x = min(20, 20) = 20 -> 20 units, 6.00; seg1 x = 20 is not > 20 -> 0. 7.00.
        Assert.Equal("7.00", Total(plan, Minutes(20)));

        // 20 min 1 s: seg0 x = min(20.0166, 20) = 20, still 20 units (the rate stopped); seg1 ceil(0.0166) = 1 -> 0.10.
        var quote = FareCalculator.Quote(plan, Minutes(20) + Duration.FromSeconds(1), 0m, Started);
        Assert.Equal(["Base 1.00", "PerMinute#0 x20 6.00", "PerMinute#1 x1 0.10"], Lines(quote));
        Assert.Equal("7.10", quote.Total.ToMajorString());

        // 30 min: 1.00 + 20 x 0.30 + 10 x 0.10 = 8.00; three hours: 1.00 + 6.00 + 160 x 0.10 = 23.00.
        Assert.Equal("8.00", Total(plan, Minutes(30)));
        Assert.Equal("23.00", Total(plan, Minutes(180)));

        // completed, 19.5 min: seg0 floor(19.5) = 19 -> 5.70; 6.70.
        Assert.Equal("6.70", Total(plan, Minutes(19.5m), rounding: Completed));
    }

    [Theory]
    //                 km     fare     arithmetic (2.00 + seg0 [10, 25) 1.00/km + seg1 [25, inf) 0.50/km + seg2 [25, inf) 3.00 per 5 km)
    [InlineData("8", Started, "2.00")] // nothing before km 10
    [InlineData("10", Started, "2.00")] // seg0 x = 10 is not > 10
    [InlineData("8", Completed, "2.00")]
    [InlineData("10.5", Started, "3.00")] // seg0 ceil(0.5) = 1 -> 1.00
    [InlineData("10.5", Completed, "2.00")] // seg0 floor(0.5) = 0
    [InlineData("25", Completed, "17.00")] // seg0 floor(15) = 15 -> 15.00
    [InlineData("25", Started, "17.00")] // seg0 x = min(25, 25) = 25, ceil(15) = 15 -> 15.00; seg1, seg2 x = 25 not > 25
    [InlineData("32", Started, "26.50")] // seg0 15.00; seg1 ceil(7) = 7 -> 3.50; seg2 ceil(7 / 5) = 2 -> 6.00
    [InlineData("32", Completed, "23.50")] // seg0 15.00; seg1 floor(7) = 7 -> 3.50; seg2 floor(1.4) = 1 -> 3.00
    [InlineData("40", Started, "33.50")] // seg0 15.00; seg1 ceil(15) = 15 -> 7.50; seg2 ceil(15 / 5) = 3 -> 9.00
    public void Overlapping_per_km_segments_gbfs_example_1(string km, IntervalRounding rounding, string fare)
        => Assert.Equal(fare, Total(GbfsExample1(), Duration.FromMinutes(5), decimal.Parse(km, System.Globalization.CultureInfo.InvariantCulture), rounding));

    [Fact]
    public void Overlapping_per_minute_segments_add_up()
    {
        // 0.20 per minute from 0 and, on top, 0.05 per minute from minute 10.
        var plan = new PricingPlan("overlap", Usd, 0m, [new PricingSegment(0, 0.20m, 1), new PricingSegment(10, 0.05m, 1)]);

        // 15 min: 15 x 0.20 = 3.00 plus ceil(15 - 10) = 5 x 0.05 = 0.25: 3.25.
        Assert.Equal("3.25", Total(plan, Minutes(15)));
    }

    [Fact]
    public void Negative_rates_are_discounts()
    {
        // 1.00 USD + 0.20 per minute, the first 10 minutes free: -0.20 per minute up to minute 10.
        var plan = new PricingPlan("first-10-free", Usd, 1.00m, [new PricingSegment(0, 0.20m, 1), new PricingSegment(0, -0.20m, 1, end: 10)]);

        // 5 min: 1.00 + 5 x 0.20 - 5 x 0.20 = 1.00.
        Assert.Equal("1.00", Total(plan, Minutes(5)));

        // 15 min: 1.00 + 15 x 0.20 - 10 x 0.20 = 2.00.
        var quote = FareCalculator.Quote(plan, Minutes(15), 0m, Started);
        Assert.Equal(["Base 1.00", "PerMinute#0 x15 3.00", "PerMinute#1 x10 -2.00"], Lines(quote));
        Assert.Equal("2.00", quote.Total.ToMajorString());
    }

    [Fact]
    public void A_fare_that_discounts_make_negative_is_clamped_to_zero()
    {
        // A 1.00 USD credit (interval 0, charged once) against 0.25 per started minute.
        var plan = new PricingPlan("credit", Usd, 0m, [new PricingSegment(0, -1.00m, 0), new PricingSegment(0, 0.25m, 1)]);

        // 2 min: -1.00 + 2 x 0.25 = -0.50, clamped to 0: the ClampToZero line gives back 0.50.
        var quote = FareCalculator.Quote(plan, Minutes(2), 0m, Started);
        Assert.Equal(["Base 0.00", "PerMinute#0 x1 -1.00", "PerMinute#1 x2 0.50", "ClampToZero 0.50"], Lines(quote));
        Assert.Equal(Money.Zero(Usd), quote.Total);
        Assert.Equal(0m, quote.ExactTotal);
        Assert.Equal(0.50m, quote.LineItems[^1].ExactAmount);

        // 10 min: -1.00 + 2.50 = 1.50, nothing to clamp.
        var later = FareCalculator.Quote(plan, Minutes(10), 0m, Started);
        Assert.DoesNotContain(later.LineItems, l => l.Kind == FareLineItemKind.ClampToZero);
        Assert.Equal("1.50", later.Total.ToMajorString());
    }

    [Fact]
    public void Per_km_with_decimal_distance()
    {
        var plan = new PricingPlan("per-km", Cad, 0m, perKmPricing: [new PricingSegment(0, 0.25m, 1)]);

        // 1.8 km: started ceil(1.8) = 2 -> 0.50; completed floor(1.8) = 1 -> 0.25; 2 km is 2 either way.
        Assert.Equal("0.50", Total(plan, Minutes(5), 1.8m, Started));
        Assert.Equal("0.25", Total(plan, Minutes(5), 1.8m, Completed));
        Assert.Equal("0.50", Total(plan, Minutes(5), 2m, Completed));
        Assert.Equal(["Base 0.00", "PerKm#0 x2 0.50"], Lines(FareCalculator.Quote(plan, Minutes(5), 1.8m, Started)));

        // The smallest distance past a boundary still starts an interval.
        Assert.Equal("0.75", Total(plan, Minutes(5), 2.000001m, Started));
    }

    [Fact]
    public void Real_car_sharing_plan_with_hour_intervals_and_a_km_tier()
    {
        // stadtmobil micro_hour_daytime, 3 hours and 100.5 km:
        // 1.20 + per_min ceil(180 / 60) = 3 x 1.10 = 3.30
        //      + per_km [0, 100): x = min(100.5, 100) = 100, 100 x 0.21 = 21.00
        //      + per_km [100, inf): ceil(0.5) = 1 x 0.15 = 0.15          = 25.65 EUR
        var quote = FareCalculator.Quote(StadtmobilMicroHourDaytime(), Minutes(180), 100.5m, Started);

        Assert.Equal(["Base 1.20", "PerMinute#0 x3 3.30", "PerKm#0 x100 21.00", "PerKm#1 x1 0.15"], Lines(quote));
        Assert.Equal("25.65", quote.Total.ToMajorString());

        // A whole day: the hourly segment ends at minute 1020, ceil(1020 / 60) = 17 x 1.10 = 18.70; 1.20 + 18.70 = 19.90.
        Assert.Equal("19.90", Total(StadtmobilMicroHourDaytime(), Duration.FromDays(1)));
    }

    [Fact]
    public void Rounding_happens_once_at_the_end_half_to_even()
    {
        var plan = new PricingPlan("eighth", Usd, 0m, [new PricingSegment(0, 0.125m, 1)]);

        // 1 min: 0.125 is 12.5 cents, to even 12: 0.12. The Rounding line holds the exact -0.005.
        var one = FareCalculator.Quote(plan, Minutes(1), 0m, Started);
        Assert.Equal("0.12", one.Total.ToMajorString());
        Assert.Equal(0.125m, one.ExactTotal);
        Assert.Equal(["Base 0.00", "PerMinute#0 x1 0.12", "Rounding 0.00"], Lines(one));
        Assert.Equal(-0.005m, one.LineItems[^1].ExactAmount);

        // 3 min: 3 x 0.125 = 0.375 is 37.5 cents, to even 38: 0.38.
        Assert.Equal("0.38", Total(plan, Minutes(3)));

        // 5 min: 0.625, 62.5 cents, to even 62.
        Assert.Equal("0.62", Total(plan, Minutes(5)));
    }

    [Fact]
    public void One_rounding_of_the_total_not_one_per_line()
    {
        // Three segments of 0.125 USD per minute. Rounding each line would give 3 x 0.12 = 0.36;
        // the fare rounds the exact total once: 0.375 -> 0.38, and the Rounding line carries the 0.02 difference.
        var plan = new PricingPlan(
            "three-eighths",
            Usd,
            0m,
            [new PricingSegment(0, 0.125m, 1), new PricingSegment(0, 0.125m, 1), new PricingSegment(0, 0.125m, 1)]);

        var quote = FareCalculator.Quote(plan, Minutes(1), 0m, Started);

        Assert.Equal("0.38", quote.Total.ToMajorString());
        Assert.Equal(["Base 0.00", "PerMinute#0 x1 0.12", "PerMinute#1 x1 0.12", "PerMinute#2 x1 0.12", "Rounding 0.02"], Lines(quote));
        Assert.Equal(0.005m, quote.LineItems[^1].ExactAmount); // 0.38 - 0.375
    }

    [Fact]
    public void Three_decimal_price_rounds_in_the_Rounding_line()
    {
        // Charlotte B-cycle publishes 8.333 USD: the fare is 8.33, the line keeps the exact 8.333.
        var quote = FareCalculator.Quote(CharlotteAnnualMonthly(), Minutes(30), 0m, Started);

        Assert.Equal("8.33", quote.Total.ToMajorString());
        Assert.Equal(8.333m, quote.LineItems[0].ExactAmount);
        Assert.Equal(["Base 8.33", "Rounding 0.00"], Lines(quote));
        Assert.Equal(-0.003m, quote.LineItems[1].ExactAmount);
    }

    [Fact]
    public void Rounding_to_a_currency_without_minor_digits()
    {
        // 0.5 KRW per started minute: 5 min = 2.5 -> 2 (even), 7 min = 3.5 -> 4 (even).
        var plan = new PricingPlan("half-won", Krw, 0m, [new PricingSegment(0, 0.5m, 1)]);

        Assert.Equal("2", Total(plan, Minutes(5)));
        Assert.Equal("4", Total(plan, Minutes(7)));
    }

    [Fact]
    public void Rounding_to_three_minor_digits()
    {
        // 0.0125 BHD per started minute: 1 min = 0.0125 -> 0.012 (12.5 fils, to even 12); 3 min = 0.0375 -> 0.038.
        var plan = new PricingPlan("fils", Bhd, 0.100m, [new PricingSegment(0, 0.0125m, 1)]);

        Assert.Equal("0.112", Total(plan, Minutes(1)));
        Assert.Equal("0.138", Total(plan, Minutes(3)));
    }

    [Theory]
    //          billable time (ns)       started  completed   arithmetic (1000 + n x 180)
    [InlineData(0L, "1000", "1000")] // x = 0 is not > 0
    [InlineData(1L, "1180", "1000")] // one nanosecond starts a minute: ceil = 1, floor = 0
    [InlineData(500_000_000L, "1180", "1000")] // 0.5 s
    [InlineData(59_999_000_000L, "1180", "1000")] // 59.999 s: ceil(0.99998) = 1, floor = 0
    [InlineData(60_000_000_000L, "1180", "1180")] // exactly 1 min
    [InlineData(735_000_000_000L, "3340", "3160")] // 12.25 min: ceil = 13 -> 2340, floor = 12 -> 2160
    [InlineData(1_799_999_999_999L, "6400", "6220")] // 29 min 59.999999999 s: ceil = 30, floor = 29
    public void Billable_time_is_never_rounded_before_the_formula(long nanoseconds, string started, string completed)
    {
        var time = Duration.FromNanoseconds(nanoseconds);

        Assert.Equal(started, Total(Kickboard(), time, rounding: Started));
        Assert.Equal(completed, Total(Kickboard(), time, rounding: Completed));
    }

    [Fact]
    public void Fractional_minutes_are_not_rounded()
    {
        // 12.25 min with 100 KRW per started 4 minutes: ceil(12.25 / 4) = 4 -> 400, floor = 3 -> 300.
        var plan = new PricingPlan("four", Krw, 0m, [new PricingSegment(0, 100m, 4)]);

        Assert.Equal("400", Total(plan, Minutes(12.25m), rounding: Started));
        Assert.Equal("300", Total(plan, Minutes(12.25m), rounding: Completed));

        // 12 min exactly is 3 intervals either way: the quarter minute above is what made the fourth.
        Assert.Equal("300", Total(plan, Minutes(12), rounding: Started));
    }

    // Regression: the calculator converted billable time with Duration.ToInt64Nanoseconds, which throws
    // OverflowException past about 292 years although Duration goes far beyond that.
    [Fact]
    public void Billable_time_beyond_292_years_does_not_overflow()
    {
        // 200,000 days = 288,000,000 minutes: 1000 + 288,000,000 x 180 = 51,840,001,000 KRW.
        var time = Duration.FromDays(200_000);

        Assert.Equal("51840001000", Total(Kickboard(), time));
        Assert.Equal(Money.FromMinorUnits(51_840_001_000, Krw), FareCalculator.Total(Kickboard(), time, [], Started));
    }

    [Fact]
    public void Quote_lines_name_every_segment_even_when_it_charges_nothing()
    {
        // GBFS example 1 at 5 km: nothing past the base price, but each segment has its line with 0 units.
        var quote = FareCalculator.Quote(GbfsExample1(), Minutes(20), 5m, Started);

        Assert.Equal(["Base 2.00", "PerKm#0 x0 0.00", "PerKm#1 x0 0.00", "PerKm#2 x0 0.00"], Lines(quote));
    }

    [Fact]
    public void Programmer_errors_are_rejected()
    {
        var plan = Kickboard();

        Assert.Throws<ArgumentNullException>(() => FareCalculator.Quote(null!, Minutes(1), 0m, Started));
        Assert.Throws<ArgumentException>(() => FareCalculator.Quote(plan, Duration.FromSeconds(-1), 0m, Started));
        Assert.Throws<ArgumentException>(() => FareCalculator.Quote(plan, Minutes(1), -0.1m, Started));
        Assert.Throws<ArgumentException>(() => FareCalculator.Total(plan, Minutes(1), [Km(-1m, Duration.Zero)], Started));
        Assert.Throws<ArgumentException>(() => FareCalculator.Total(plan, Minutes(9), [Km(1m, Minutes(5)), Km(1m, Minutes(4))], Started));
    }

    [Fact]
    public void Distance_before_the_start_of_billable_time_is_rejected()
        => Assert.Throws<ArgumentException>(() => FareCalculator.Total(Kickboard(), Minutes(9), [Km(1m, Duration.FromSeconds(-1))], Started));
}
