using Billing.Resilience.Pricing;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>What a plan, a segment and a fare cap accept when built in code, at the edges of each rule.</summary>
public class PricingPlanRulesTests
{
    [Fact]
    public void A_segment_may_start_at_zero_have_a_zero_interval_and_end_one_unit_after_its_start()
    {
        var segment = new PricingSegment(0, 1.5m, 0, 1);

        Assert.Equal(0, segment.Start);
        Assert.Equal(1.5m, segment.Rate);
        Assert.Equal(0, segment.Interval);
        Assert.Equal(1, segment.End);
        Assert.Null(new PricingSegment(3, -0.5m, 2).End);
    }

    private static void AssertRefused(Action build, string parameter, string message)
    {
        var ex = Assert.Throws<ArgumentException>(build);
        Assert.Equal(parameter, ex.ParamName);
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_segment_starting_before_zero_is_refused()
        => AssertRefused(() => _ = new PricingSegment(-1, 1m, 1), "start", "A segment starts at a non-negative minute or kilometre.");

    [Fact]
    public void A_negative_interval_is_refused()
        => AssertRefused(() => _ = new PricingSegment(0, 1m, -1), "interval", "A segment interval is not negative.");

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 4)]
    public void A_segment_ending_at_or_before_its_start_is_refused(int start, int end)
        => AssertRefused(() => _ = new PricingSegment(start, 1m, 1, end), "end", "A segment ends after it starts.");

    [Fact]
    public void A_fare_cap_window_lasts_at_least_a_minute_and_its_price_may_be_zero()
    {
        var cap = new FareCap(1, 0m);

        Assert.Equal(1, cap.DurationMinutes);
        Assert.Equal(0m, cap.Price);
        AssertRefused(() => _ = new FareCap(0, 5m), "durationMinutes", "A fare cap window lasts at least one minute.");
        AssertRefused(() => _ = new FareCap(60, -0.01m), "price", "A fare cap price is not negative.");
    }

    [Fact]
    public void A_plan_may_be_free_and_has_no_segments_unless_given()
    {
        var plan = new PricingPlan("free", CurrencyCode.KRW, 0m);

        Assert.Equal("free", plan.PlanId);
        Assert.Equal("free", plan.Name);
        Assert.Equal(string.Empty, plan.Description);
        Assert.Equal(0m, plan.Price);
        Assert.Empty(plan.PerMinutePricing);
        Assert.Empty(plan.PerKmPricing);
        Assert.Null(plan.FareCap);
        Assert.Equal("free (KRW)", plan.ToString());
    }

    [Fact]
    public void A_plan_keeps_its_own_copy_of_the_segments()
    {
        var perMinute = new List<PricingSegment> { new(0, 100m, 1) };
        var perKm = new List<PricingSegment> { new(0, 50m, 1) };
        var plan = new PricingPlan("p", CurrencyCode.KRW, 1_000m, perMinute, perKm, new FareCap(60, 9_000m));

        perMinute.Clear();
        perKm.Clear();

        Assert.Equal(100m, Assert.Single(plan.PerMinutePricing).Rate);
        Assert.Equal(50m, Assert.Single(plan.PerKmPricing).Rate);
        Assert.Equal(new FareCap(60, 9_000m), plan.FareCap);
    }

    [Fact]
    public void A_plan_needs_an_id_a_currency_and_a_price_not_below_zero()
    {
        AssertRefused(() => _ = new PricingPlan(string.Empty, CurrencyCode.KRW, 0m), "planId", "A plan id is required.");
        AssertRefused(() => _ = new PricingPlan(null!, CurrencyCode.KRW, 0m), "planId", "A plan id is required.");
        AssertRefused(() => _ = new PricingPlan("p", default, 0m), "currency", "A currency is required.");
        AssertRefused(() => _ = new PricingPlan("p", CurrencyCode.KRW, -0.01m), "price", "The base price must not be negative.");
    }
}
