using Billing.Resilience.Pricing;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsDocuments;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>What real feeds get wrong but a careful importer accepts: read as intended, with a warning that says so.</summary>
public class GbfsWarningTests
{
    private const string P = "data.plans[0]";

    [Theory]
    [InlineData(null, "the plan has no name")]
    [InlineData("null", "the plan has no name")]
    [InlineData("\"\"", "(it is \"\")")]
    [InlineData("\"  \"", "(it is \"  \")")]
    [InlineData("[]", "(it is [])")]
    [InlineData("[{\"text\":\"\",\"language\":\"en\"}]", "(it is [{\"text\":\"\",\"language\":\"en\"}])")]
    public void A_missing_name_is_replaced_by_the_plan_id(string? name, string inMessage)
    {
        var import = GbfsPricingPlans.Parse(PlanWith("name", name));

        var plan = Assert.Single(import.Plans);
        Assert.Equal("p1", plan.Name);
        AssertOnlyWarning(import, GbfsImportCodes.MissingName, P + ".name", inMessage);
    }

    [Fact]
    public void A_missing_description_is_empty()
    {
        var import = GbfsPricingPlans.Parse(PlanWith("description", null));

        Assert.Equal(string.Empty, Assert.Single(import.Plans).Description);
        AssertOnlyWarning(import, GbfsImportCodes.MissingDescription, P + ".description", "no description");
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("null", "null")]
    public void A_missing_is_taxable_is_false(string? isTaxable, string inMessage)
    {
        var import = GbfsPricingPlans.Parse(PlanWith("is_taxable", isTaxable));

        Assert.False(Assert.Single(import.Plans).IsTaxable);
        AssertOnlyWarning(import, GbfsImportCodes.MissingIsTaxable, P + ".is_taxable", inMessage);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("1.0", true)]
    public void Is_taxable_as_0_or_1_is_a_boolean(string isTaxable, bool expected)
    {
        var import = GbfsPricingPlans.Parse(PlanWith("is_taxable", isTaxable));

        Assert.Equal(expected, Assert.Single(import.Plans).IsTaxable);
        AssertOnlyWarning(import, GbfsImportCodes.IsTaxableAsNumber, P + ".is_taxable", "number " + isTaxable);
    }

    [Theory]
    [InlineData("\"1.00\"", "1.00")]
    [InlineData("\"0\"", "0")]
    [InlineData("\".5\"", "0.5")]
    [InlineData("\"1.\"", "1")]
    public void A_price_string_is_read_exactly(string price, string expected)
    {
        var import = GbfsPricingPlans.Parse(PlanWith("price", price));

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Assert.Single(import.Plans).Price);
        AssertOnlyWarning(import, GbfsImportCodes.PriceAsString, P + ".price", price);
    }

    [Theory]
    [InlineData("price", "USD", "1.005", "1.005")]
    [InlineData("price", "KRW", "1000.5", "1000.5")]
    [InlineData("price", "JPY", "\"99.9\"", "\"99.9\"")]
    [InlineData("reservation_price_per_min", "EUR", "0.155", "0.155")]
    public void More_decimals_than_the_currency_are_kept_exact(string member, string currency, string value, string inMessage)
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(("currency", $"\"{currency}\""), (member, value))));

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        var warning = Assert.Single(import.Warnings, w => w.Path == $"{P}.{member}" && w.Code == GbfsImportCodes.ExcessDecimals);
        Assert.Contains(inMessage, warning.Message, StringComparison.Ordinal);
        Assert.Contains(currency, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_decimals_in_a_rate_and_a_fare_cap_are_kept_exact()
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(
            ("per_min_pricing", """[{"start":0,"rate":0.1666,"interval":1}]"""),
            ("fare_capping", """{"duration":60,"price":9.999}"""))));

        var plan = Assert.Single(import.Plans);
        Assert.Equal(0.1666m, plan.PerMinutePricing[0].Rate);
        Assert.Equal(9.999m, plan.FareCap!.Price);
        Assert.Equal(
            [("data.plans[0].per_min_pricing[0].rate", GbfsImportCodes.ExcessDecimals), ("data.plans[0].fare_capping.price", GbfsImportCodes.ExcessDecimals)],
            import.Warnings.Select(w => (w.Path, w.Code)));
    }

    [Fact]
    public void Three_decimals_fit_a_three_digit_currency()
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(("currency", "\"BHD\""), ("price", "1.234"))));

        Assert.Equal(1.234m, Assert.Single(import.Plans).Price);
        Assert.Empty(import.Warnings);
    }

    [Theory]
    [InlineData("""{"start":0,"rate":109.90,"interval":3120,"end":3119}""", "interval 3120", "from 0 to 3119 (3119 minutes)")]
    [InlineData("""{"start":10,"rate":1,"interval":30,"end":20}""", "interval 30", "from 10 to 20 (10 minutes)")]
    public void An_interval_longer_than_its_segment_is_kept(string segment, string interval, string span)
    {
        var import = GbfsPricingPlans.Parse(Segment(segment));

        Assert.Single(import.Plans);
        var warning = Assert.Single(import.Warnings);
        Assert.Equal(GbfsImportCodes.IntervalExceedsSegment, warning.Code);
        Assert.Equal(P + ".per_min_pricing[0].interval", warning.Path);
        Assert.Contains(interval, warning.Message, StringComparison.Ordinal);
        Assert.Contains(span, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"start":0,"rate":40,"interval":3720,"end":3720}""")] // Stadtmobil weekend: interval = end - start
    [InlineData("""{"start":0,"rate":5,"interval":0,"end":30}""")] // charged once
    [InlineData("""{"start":0,"rate":0.5,"interval":60}""")] // no end
    public void An_interval_that_fits_its_segment_is_not_a_warning(string segment)
        => Assert.Empty(GbfsPricingPlans.Parse(Segment(segment)).Warnings);

    [Theory]
    [InlineData("\"4.0\"", "4.0", "\"4.0\"")]
    [InlineData("\"v2\"", "v2", "\"v2\"")]
    [InlineData("3", null, "3")]
    public void An_unknown_version_is_read_as_the_known_ones(string version, string? expected, string inMessage)
    {
        var json = Envelope(ValidPlan).Replace("\"version\":\"3.0\"", "\"version\":" + version, StringComparison.Ordinal);

        var import = GbfsPricingPlans.Parse(json);

        Assert.Equal(expected, import.Version);
        Assert.Single(import.Plans);
        AssertOnlyWarning(import, GbfsImportCodes.UnknownVersion, "version", inMessage);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1.1")]
    [InlineData("2.0")]
    [InlineData("2.1")]
    [InlineData("2.2")]
    [InlineData("2.3")]
    [InlineData("3.0")]
    [InlineData("3.0-RC2")]
    [InlineData("3.1-RC")]
    [InlineData("3.1-RC3")]
    [InlineData("3.1")]
    public void Every_version_in_use_is_known(string version)
    {
        var import = GbfsPricingPlans.Parse(Envelope(ValidPlan).Replace("\"3.0\"", $"\"{version}\"", StringComparison.Ordinal));

        Assert.Equal(version, import.Version);
        Assert.Empty(import.Warnings);
        Assert.Single(import.Plans);
    }

    [Fact]
    public void Warnings_past_1000_are_counted_in_one_last_warning()
    {
        var plans = Enumerable.Range(0, 1500).Select(i => Plan(("plan_id", $"\"p{i}\""), ("price", "\"1.00\"")));

        var import = GbfsPricingPlans.Parse(Envelope([.. plans]));

        Assert.True(import.IsValid);
        Assert.Equal(1500, import.Plans.Count);
        Assert.Equal(GbfsPricingPlans.MaxReportedProblems + 1, import.Warnings.Count);
        Assert.Equal(GbfsImportCodes.TooManyWarnings, import.Warnings[^1].Code);
        Assert.Equal("$", import.Warnings[^1].Path);
    }

    [Fact]
    public void Warnings_are_kept_when_there_are_errors()
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(("price", "\"1.00\"")), Plan(("plan_id", "\"p2\""), ("currency", "\"usd\""))));

        Assert.Equal(GbfsImportCodes.UnknownCurrency, Assert.Single(import.Errors).Code);
        Assert.Equal(GbfsImportCodes.PriceAsString, Assert.Single(import.Warnings).Code);
        Assert.Empty(import.Plans);
    }

    private static void AssertOnlyWarning(PricingPlanImport import, string code, string path, string inMessage)
    {
        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        var warning = Assert.Single(import.Warnings);
        Assert.Equal(code, warning.Code);
        Assert.Equal(path, warning.Path);
        Assert.Contains(inMessage, warning.Message, StringComparison.Ordinal);
    }
}
