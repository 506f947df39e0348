using System.Security.Cryptography;
using Billing.Resilience.Pricing;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>The six published feeds of Fixtures/gbfs/SOURCES.md import without errors, with their quirks as warnings.</summary>
public class GbfsRealFeedTests
{
    [Theory]
    [InlineData(GbfsFixtures.Divvy, "95dfa7a9d3369f4ae4e3e1e1efe592b0d3ba46f9bdc40d9a001603fe544b66fc")]
    [InlineData(GbfsFixtures.Nashville, "2bb114f27ca2899f388eaf8705c8263fd6937f9e61c50acbec7f3c4cb9a1851e")]
    [InlineData(GbfsFixtures.Charlotte, "3784c5dc0aeb168b480a02967e8f6f540dccced37192b4ef46d1d55ba4179754")]
    [InlineData(GbfsFixtures.Lillestrom, "e108f276532ed2266229102f4515aed93e93b8c43f0f74f25faa25f5c117182f")]
    [InlineData(GbfsFixtures.Stadtmobil, "325a4487adab68dea63060ba1fb497ece36577438d3726fd4143ca2ce0f094ae")]
    [InlineData(GbfsFixtures.Deer, "c72c5d6f01940839253b46f623a9542525d20a476d3d127e019b98f28ee7ff3e")]
    [InlineData("SOURCES.md", "1d325d6f708dbcd7b6132faaa24ad67cf06008fe017627f8cab72516b6b240a9")]
    public void Fixtures_are_byte_for_byte_copies_of_the_published_files(string file, string sha256)
        => Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(GbfsFixtures.PathOf(file)))));

    [Fact]
    public void Divvy_2_3_reads_the_price_string_exactly_with_a_warning()
    {
        var import = GbfsFixtures.Import(GbfsFixtures.Divvy);

        Assert.Equal("2.3", import.Version);
        Assert.Equal(["EBIKE_SINGLE_RIDE", "BIKE_SINGLE_RIDE", "SCOOTER_SINGLE_RIDE"], import.Plans.Select(p => p.PlanId));
        var ebike = import.Plans[0];
        Assert.Equal(CurrencyCode.USD, ebike.Currency);
        Assert.Equal(1.00m, ebike.Price);
        Assert.Equal(2, ebike.Price.Scale); // "1.00" as written, not through double
        Assert.True(ebike.IsTaxable);
        Assert.Equal("EBIKE SINGLE RIDE", ebike.Name);
        Assert.Equal("$1.00 unlock fee, $0.44 per minute.", ebike.Description);
        Assert.Equal([new PricingSegment(0, 0.44m, 1)], ebike.PerMinutePricing);
        Assert.Empty(ebike.PerKmPricing);
        Assert.Equal(0.18m, import.Plans[1].PerMinutePricing[0].Rate);

        Assert.Equal(3, import.Warnings.Count);
        for (var i = 0; i < 3; i++)
        {
            var warning = import.Warnings[i];
            Assert.Equal(GbfsImportCodes.PriceAsString, warning.Code);
            Assert.Equal($"data.plans[{i}].price", warning.Path);
            Assert.Contains("\"1.00\"", warning.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Nashville_1_1_reads_is_taxable_0_as_false_with_a_warning()
    {
        var import = GbfsFixtures.Import(GbfsFixtures.Nashville);

        Assert.Equal("1.1", import.Version);
        Assert.Equal(5, import.Plans.Count);
        Assert.Equal(
            ["bcycle_nashville_763", "bcycle_nashville_764", "bcycle_nashville_765", "bcycle_nashville_766", "bcycle_nashville_767"],
            import.Plans.Select(p => p.PlanId));
        Assert.All(import.Plans, plan =>
        {
            Assert.False(plan.IsTaxable);
            Assert.Equal(CurrencyCode.USD, plan.Currency);
            Assert.Equal("nashville.bcycle.com", plan.Url);
            Assert.Empty(plan.PerMinutePricing); // 1.x has no segments: the overtime rules are only in the description
            Assert.Empty(plan.PerKmPricing);
        });
        Assert.Equal([5m, 25m, 20m, 120m, 5m], import.Plans.Select(p => p.Price));
        Assert.Equal("Single Ride Pass ", import.Plans[4].Name); // kept as published, trailing space included

        Assert.Equal(5, import.Warnings.Count);
        Assert.All(import.Warnings, w => Assert.Equal(GbfsImportCodes.IsTaxableAsNumber, w.Code));
        Assert.Equal("data.plans[3].is_taxable", import.Warnings[3].Path);
        Assert.Contains("number 0", import.Warnings[3].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Charlotte_bare_array_keeps_8_333_USD_exact_with_a_warning()
    {
        var import = GbfsFixtures.Import(GbfsFixtures.Charlotte);

        Assert.Null(import.Version); // a bare array declares none
        Assert.Equal(["bcycle_charlotte_119", "bcycle_charlotte_120", "bcycle_charlotte_418"], import.Plans.Select(p => p.PlanId));
        var monthly = import.Plans[1];
        Assert.Equal(8.333m, monthly.Price);
        Assert.Equal("Annual Membership Monthly", monthly.Name);
        Assert.Equal(9.99m, import.Plans[2].Price);

        var excess = Assert.Single(import.Warnings, w => w.Code == GbfsImportCodes.ExcessDecimals);
        Assert.Equal("$[1].price", excess.Path);
        Assert.Contains("8.333", excess.Message, StringComparison.Ordinal);
        Assert.Contains("USD", excess.Message, StringComparison.Ordinal);
        Assert.Equal(3, import.Warnings.Count(w => w.Code == GbfsImportCodes.IsTaxableAsNumber));
        Assert.Equal(4, import.Warnings.Count);
    }

    [Fact]
    public void Lillestrom_2_2_is_NOK_without_segments()
    {
        var import = GbfsFixtures.Import(GbfsFixtures.Lillestrom);

        Assert.Equal("2.2", import.Version);
        Assert.Empty(import.Warnings);
        Assert.Equal(2, import.Plans.Count);
        var season = import.Plans[0];
        Assert.Equal("YLS:PricingPlan:D16E7EC0-47F5-427D-9B71-CD079F989CC6", season.PlanId);
        Assert.Equal(CurrencyCode.Parse("NOK"), season.Currency);
        Assert.Equal(50.0m, season.Price);
        Assert.Equal("sesongkort", season.Name);
        Assert.Equal("http://www.bysykkel.org/Abonnement/Satser", season.Url);
        Assert.Contains("påbegynte halvtimer", season.Description, StringComparison.Ordinal); // the rules live only here
        Assert.Empty(season.PerMinutePricing);
        Assert.Empty(season.PerKmPricing);
        Assert.Equal(10.0m, import.Plans[1].Price);
    }

    [Fact]
    public void Stadtmobil_x2gbfs_config_has_33_plans_with_a_km_tier_at_100()
    {
        var import = GbfsFixtures.Import(GbfsFixtures.Stadtmobil);

        Assert.Null(import.Version);
        Assert.Empty(import.Warnings);
        Assert.Equal(33, import.Plans.Count);
        Assert.Equal(33, import.Plans.Select(p => p.PlanId).Distinct(StringComparer.Ordinal).Count());
        PricingSegment[] kmTiers = [new(0, 0.21m, 1, 100), new(100, 0.15m, 1)];
        Assert.All(import.Plans, plan =>
        {
            Assert.Equal(CurrencyCode.EUR, plan.Currency);
            Assert.Equal(1.20m, plan.Price);
            Assert.Equal(kmTiers, plan.PerKmPricing);
            Assert.Single(plan.PerMinutePricing);
        });

        Assert.True(import.TryGetPlan("micro_hour_daytime", out var hourly));
        Assert.Equal(new PricingSegment(0, 1.10m, 60, 1020), hourly.PerMinutePricing[0]);
        Assert.Equal("A Mini - pro Stunde", hourly.Name);
        Assert.True(import.TryGetPlan("micro_24hours", out var day));
        Assert.Equal(new PricingSegment(0, 20.00m, 1440, 7200), day.PerMinutePricing[0]);
        Assert.True(import.TryGetPlan("transporter_week", out var week));
        Assert.Equal(new PricingSegment(0, 242.0m, 10080), week.PerMinutePricing[0]);
        Assert.True(import.TryGetPlan("all_hour_nighttime", out var night));
        Assert.Equal(new PricingSegment(0, 0.50m, 60, 420), night.PerMinutePricing[0]);
    }

    [Fact]
    public void Deer_weekend_plan_with_end_3119_and_interval_3120_is_kept_with_a_warning()
    {
        var import = GbfsFixtures.Import(GbfsFixtures.Deer);

        Assert.Null(import.Version);
        Assert.Equal(["basic_line_hour", "basic_line_day", "basic_line_weekend"], import.Plans.Select(p => p.PlanId));
        Assert.All(import.Plans, plan => Assert.Equal(0m, plan.Price));
        Assert.Equal(new PricingSegment(0, 9.90m, 60), import.Plans[0].PerMinutePricing[0]);
        Assert.Equal(new PricingSegment(0, 69.90m, 1440), import.Plans[1].PerMinutePricing[0]);
        Assert.Equal(new PricingSegment(0, 109.90m, 3120, 3119), import.Plans[2].PerMinutePricing[0]);

        var warning = Assert.Single(import.Warnings);
        Assert.Equal(GbfsImportCodes.IntervalExceedsSegment, warning.Code);
        Assert.Equal("feed_data.pricing_plans[2].per_min_pricing[0].interval", warning.Path);
        Assert.Contains("3120", warning.Message, StringComparison.Ordinal);
        Assert.Contains("3119", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Spec_v3_0_examples_read_localized_names()
    {
        var example1 = GbfsFixtures.Import(GbfsFixtures.SpecV30Example1);
        Assert.Equal("3.0", example1.Version);
        Assert.Empty(example1.Warnings);
        var plan2 = Assert.Single(example1.Plans);
        Assert.Equal("plan2", plan2.PlanId);
        Assert.Equal("One-Way", plan2.Name);
        Assert.Equal("Includes 10km, overage fees apply after 10km.", plan2.Description);
        Assert.Equal([new PricingSegment(10, 1.00m, 1, 25), new PricingSegment(25, 0.50m, 1), new PricingSegment(25, 3.00m, 5)], plan2.PerKmPricing);
        Assert.Null(plan2.ReservationPricePerMinute);

        var example2 = GbfsFixtures.Import(GbfsFixtures.SpecV30Example2);
        var plan3 = Assert.Single(example2.Plans);
        Assert.Equal(CurrencyCode.Parse("CAD"), plan3.Currency);
        Assert.True(plan3.IsTaxable);
        Assert.Equal([new PricingSegment(0, 0.50m, 1)], plan3.PerMinutePricing);
        Assert.Equal([new PricingSegment(0, 0.25m, 1)], plan3.PerKmPricing);
        Assert.Null(plan3.FareCap);
    }

    [Fact]
    public void Spec_v3_1_examples_keep_reservation_price_and_fare_capping()
    {
        var example1 = GbfsFixtures.Import(GbfsFixtures.SpecV31Example1);
        Assert.Equal("3.1-RC", example1.Version);
        Assert.Empty(example1.Warnings);
        var plan2 = Assert.Single(example1.Plans);
        Assert.Equal(0.15m, plan2.ReservationPricePerMinute);
        Assert.Null(plan2.ReservationPriceFlatRate);

        var example2 = GbfsFixtures.Import(GbfsFixtures.SpecV31Example2);
        Assert.Empty(example2.Warnings);
        var plan3 = Assert.Single(example2.Plans);
        Assert.Equal(new FareCap(720, 15.00m), plan3.FareCap);
        Assert.Null(plan3.SurgePricing);
    }

    [Fact]
    public void The_seed_scenario_embeds_its_plans_and_reads_them_with_the_prefix()
    {
        using var scenario = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "seeds", "kakao-2022-10-15.json")));

        var import = GbfsPricingPlans.Parse(scenario.RootElement.GetProperty("pricingPlans"), "pricingPlans");

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Equal("3.0", import.Version);
        Assert.Equal(["kickboard", "bike"], import.Plans.Select(p => p.PlanId));
        Assert.Equal(CurrencyCode.KRW, import.Plans[0].Currency);
        Assert.Equal([new PricingSegment(15, 500m, 5)], import.Plans[1].PerMinutePricing);
    }
}
