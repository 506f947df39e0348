using System.Text.Json;

namespace Billing.Resilience.Pricing;

/// <summary>
/// Imports GBFS <c>system_pricing_plans.json</c> documents of every version in use (1.1, 2.x, 3.0, 3.1-RC).
/// </summary>
public static class GbfsPricingPlans
{
    /// <summary>Parses a document. Never throws for bad input: problems are returned as errors with their JSON path.</summary>
    public static PricingPlanImport Parse(string json) => throw new NotImplementedException();

    /// <summary>Parses a document that is embedded in a larger one; error paths start with <paramref name="pathPrefix"/>.</summary>
    public static PricingPlanImport Parse(JsonElement document, string pathPrefix) => throw new NotImplementedException();
}
