using Billing.Resilience.Pricing;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsDocuments;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>What is read silently: the shapes, number forms and optional fields the spec allows.</summary>
public class GbfsAcceptanceTests
{
    [Fact]
    public void A_valid_plan_is_read_whole()
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(
            ("url", "\"https://example.com/plans\""),
            ("surge_pricing", "true"),
            ("reservation_price_flat_rate", "1.50"),
            ("per_km_pricing", """[{"start":0,"rate":-0.10,"interval":0,"end":2}]"""))));

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Empty(import.Warnings);
        Assert.Equal("3.0", import.Version);
        var plan = Assert.Single(import.Plans);
        Assert.Equal("p1", plan.PlanId);
        Assert.Equal("Plan", plan.Name);
        Assert.Equal("A plan", plan.Description);
        Assert.Equal(CurrencyCode.USD, plan.Currency);
        Assert.Equal(1.00m, plan.Price);
        Assert.False(plan.IsTaxable);
        Assert.Equal("https://example.com/plans", plan.Url);
        Assert.True(plan.SurgePricing);
        Assert.Equal(1.50m, plan.ReservationPriceFlatRate);
        Assert.Null(plan.ReservationPricePerMinute);
        Assert.Equal([new PricingSegment(0, 0.50m, 1)], plan.PerMinutePricing);
        Assert.Equal([new PricingSegment(0, -0.10m, 0, 2)], plan.PerKmPricing); // negative rates are discounts
        Assert.Equal(new FareCap(720, 15.00m), plan.FareCap);
    }

    [Fact]
    public void Null_optional_members_are_not_given()
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(
            ("url", "null"), ("surge_pricing", "null"), ("reservation_price_per_min", "null"), ("reservation_price_flat_rate", "null"),
            ("per_km_pricing", "null"), ("fare_capping", "null"), ("per_min_pricing", """[{"start":0,"rate":0.5,"interval":1,"end":null}]"""))));

        var plan = Assert.Single(import.Plans);
        Assert.Empty(import.Warnings);
        Assert.Null(plan.Url);
        Assert.Null(plan.SurgePricing);
        Assert.Null(plan.ReservationPricePerMinute);
        Assert.Null(plan.ReservationPriceFlatRate);
        Assert.Null(plan.FareCap);
        Assert.Empty(plan.PerKmPricing);
        Assert.Null(plan.PerMinutePricing[0].End);
    }

    [Theory]
    [InlineData("1E2", 100)]
    [InlineData("60.0", 60)]
    [InlineData("2147483647", int.MaxValue)]
    public void Whole_numbers_in_any_JSON_form_are_integers(string start, int expected)
    {
        var import = GbfsPricingPlans.Parse(SegmentWith("start", start));

        Assert.Equal(expected, Assert.Single(import.Plans).PerMinutePricing[0].Start);
    }

    [Theory]
    [InlineData("0.1234567890123456789012345678", "0.1234567890123456789012345678")] // 28 digits: a decimal holds them all
    [InlineData("1000000000", "1000000000")] // the limit itself
    [InlineData("-0", "0")]
    [InlineData("2.50E-1", "0.25")]
    public void Prices_are_exact(string price, string expected)
    {
        var import = GbfsPricingPlans.Parse(PlanWith("price", price));

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Assert.Single(import.Plans).Price);
    }

    [Fact]
    public void The_first_localized_text_is_taken()
    {
        var import = GbfsPricingPlans.Parse(PlanWith("name", """[{"text":"Eins","language":"de"},{"text":"One","language":"en"}]"""));

        Assert.Equal("Eins", Assert.Single(import.Plans).Name);
    }

    [Fact]
    public void Unknown_members_are_ignored()
    {
        var json = Envelope(Plan(("vehicle_type_ids", "[\"bike\"]"), ("price_per_parsec", "{\"x\":[1,2]}")))
            .Replace("\"version\"", "\"last_updated\":1,\"ttl\":0,\"extra\":{},\"version\"", StringComparison.Ordinal);

        var import = GbfsPricingPlans.Parse(json);

        Assert.True(import.IsValid);
        Assert.Empty(import.Warnings);
    }

    [Fact]
    public void A_byte_order_mark_is_ignored()
        => Assert.True(GbfsPricingPlans.Parse("\uFEFF" + Envelope(ValidPlan)).IsValid);

    [Fact]
    public void An_empty_plans_array_imports_no_plan()
    {
        var import = GbfsPricingPlans.Parse("{\"version\":\"2.3\",\"data\":{\"plans\":[]}}");

        Assert.True(import.IsValid);
        Assert.Empty(import.Plans);
    }

    [Fact]
    public void Data_wins_over_feed_data_when_a_document_has_both()
    {
        var json = "{\"data\":{\"plans\":[" + Plan(("plan_id", "\"from-data\"")) + "]},\"feed_data\":{\"pricing_plans\":[" + Plan(("plan_id", "\"from-feed-data\"")) + "]}}";

        Assert.Equal("from-data", Assert.Single(GbfsPricingPlans.Parse(json).Plans).PlanId);
    }

    [Fact]
    public void Plan_ids_are_compared_ordinally()
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(("plan_id", "\"Day\"")), Plan(("plan_id", "\"day\""))));

        Assert.Equal(["Day", "day"], import.Plans.Select(p => p.PlanId));
        Assert.False(import.TryGetPlan("DAY", out _));
    }
}
