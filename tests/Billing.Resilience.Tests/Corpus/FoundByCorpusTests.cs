using Billing.Resilience.Pricing;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// The bugs the malformed-input corpus and the fuzz run found, one test each, named after what went wrong.
/// The corpus (GbfsCorpus, ScenarioCorpus, ...) covers each of them again among its cases.
/// </summary>
public class FoundByCorpusTests
{
    [Theory]
    [InlineData("""[{"plan_id":"\ud800","currency":"USD","price":1}]""", "$[0].plan_id", "\\ud800")]
    [InlineData("""[{"plan_id":"p","name":"a\udc00b","currency":"USD","price":1}]""", "$[0].name", "\\udc00")]
    [InlineData("""[{"plan_id":"p","currency":"USD","price":1,"x":["\ud83d"]}]""", "$[0].x[0]", "\\ud83d")]
    [InlineData("""[{"plan_id":"p","\ud800":1,"currency":"USD","price":1}]""", "$[0]", "\\ud800")]
    [InlineData("""{"version":"\ud800","data":{"plans":[]}}""", "version", "\\ud800")]
    public void Gbfs_escaped_lone_surrogate_is_an_error_not_an_InvalidOperationException(string json, string path, string shown)
    {
        var import = GbfsPricingPlans.Parse(json);
        var error = Assert.Single(import.Errors);
        Assert.Equal((path, GbfsImportCodes.MalformedJson), (error.Path, error.Code));
        Assert.Contains(shown, error.Message, StringComparison.Ordinal);
        Assert.Empty(import.Plans);
    }

    [Fact]
    public void Gbfs_escaped_surrogate_pairs_and_escaped_backslashes_are_still_text()
    {
        var import = GbfsPricingPlans.Parse("""[{"plan_id":"p\ud83d\ude00","name":"\\ud800","currency":"USD","price":1}]""");
        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Equal("p\U0001F600", import.Plans[0].PlanId);
        Assert.Equal("\\ud800", import.Plans[0].Name);
    }
}
