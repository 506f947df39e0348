using System.Text.Json;
using Billing.Resilience.Pricing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>
/// The code of docs/gbfs-import.md, kept compiling and green here. The page embeds the lines between
/// "docs: begin NAME" and "docs: end NAME" verbatim (the Packaging tests check it); edit both together.
/// </summary>
public class GbfsImportDocsExamples
{
    private const string Feed = """
        { "version": "3.0", "data": { "plans": [ { "plan_id": "kickboard", "currency": "KRW", "price": "1000",
          "is_taxable": false, "name": "Kickboard", "description": "180 KRW per started minute",
          "per_min_pricing": [ { "start": 0, "rate": 180, "interval": 1 } ] } ] } }
        """;

    [Fact]
    public void A_valid_feed_imports_its_plans_and_logs_its_warnings()
    {
        var plans = Import(Feed, NullLogger.Instance);

        Assert.Equal("kickboard", Assert.Single(plans).PlanId);
    }

    [Fact]
    public void A_feed_with_an_error_imports_nothing()
    {
        var error = Assert.Throws<InvalidInputException>(() => Import(Feed.Replace("\"KRW\"", "\"usd\"", StringComparison.Ordinal), NullLogger.Instance));

        Assert.Equal("BILLING_GBFS_UNKNOWN_CURRENCY", Assert.Single(error.Errors).Code);
    }

    [Fact]
    public void An_embedded_document_reports_paths_under_its_prefix()
    {
        using var scenario = JsonDocument.Parse($$"""{ "pricingPlans": {{Feed.Replace("\"KRW\"", "\"usd\"", StringComparison.Ordinal)}} }""");

        // docs: begin embedded
        // A document embedded in a larger one (the drill's scenario file): paths start with the prefix.
        var embedded = GbfsPricingPlans.Parse(scenario.RootElement.GetProperty("pricingPlans"), "pricingPlans");
        // embedded.Errors[0]: "pricingPlans.data.plans[0].currency: ..."
        // docs: end embedded

        Assert.Equal("pricingPlans.data.plans[0].currency", Assert.Single(embedded.Errors).Path);
    }

    private static IReadOnlyList<PricingPlan> Import(string json, ILogger logger)
    {
        // docs: begin parse
        PricingPlanImport import = GbfsPricingPlans.Parse(json);     // json: the text of system_pricing_plans.json
        if (!import.IsValid)
        {
            foreach (var error in import.Errors)
            {
                Console.Error.WriteLine(error); // data.plans[2].currency: "usd" is not an active ISO 4217 ... [BILLING_GBFS_UNKNOWN_CURRENCY]
            }
        }

        foreach (var warning in import.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }

        IReadOnlyList<PricingPlan> plans = import.GetPlansOrThrow();   // or import.Plans / import.TryGetPlan(id, out var plan)
        // docs: end parse
        return plans;
    }
}
