using Billing.Resilience.Pricing;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>The GBFS fixture files (Fixtures/gbfs, copied to the output directory) and helpers to import them.</summary>
internal static class GbfsFixtures
{
    public const string Divvy = "divvy-chicago-lyft_michael-code-playground_bike-station.json";
    public const string Nashville = "nashville-bcycle_stephenyeargin_hubot-bcycle-finder.json";
    public const string Charlotte = "charlotte-bcycle_MaD171093_Charlotte-BCycle.json";
    public const string Lillestrom = "lillestrom-bysykkel_opentripplanner_OpenTripPlanner.json";
    public const string Stadtmobil = "stadtmobil-karlsruhe_x2gbfs_config.json";
    public const string Deer = "deer-carsharing_x2gbfs_config.json";
    public const string SpecV30Example1 = "spec-v3.0-example1.json";
    public const string SpecV30Example2 = "spec-v3.0-example2.json";
    public const string SpecV31Example1 = "spec-v3.1-RC3-example1.json";
    public const string SpecV31Example2 = "spec-v3.1-RC3-example2.json";

    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "gbfs", file);

    public static string Read(string file) => File.ReadAllText(PathOf(file));

    /// <summary>Imports a fixture and fails the test with every error when it does not import.</summary>
    public static PricingPlanImport Import(string file)
    {
        var import = GbfsPricingPlans.Parse(Read(file));
        Assert.True(import.IsValid, $"{file}: {string.Join("; ", import.Errors)}");
        return import;
    }

    public static PricingPlan Plan(string file, string planId)
    {
        Assert.True(Import(file).TryGetPlan(planId, out var plan), $"{file} has no plan {planId}");
        return plan;
    }
}
