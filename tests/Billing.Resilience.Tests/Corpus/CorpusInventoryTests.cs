using Xunit.Abstractions;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>The corpus as a whole: its size, and every case named once.</summary>
public class CorpusInventoryTests(ITestOutputHelper output)
{
    /// <summary>Every case id of the corpus, with the stable code it expects.</summary>
    internal static IEnumerable<(string Id, string Code)> All =>
        GbfsCorpus.Cases.Select(c => (c.Id, c.Code))
            .Concat(ScenarioCorpus.Cases.Select(c => (c.Id, c.Code)))
            .Concat(CommandCorpus.Cases.Select(c => (c.Id, c.Code)))
            .Concat(OptionsCorpus.Cases.Select(c => (c.Id, c.Code)))
            .Concat(CommandLineCorpus.Cases.Select(c => (c.Id, c.Code)));

    [Fact]
    public void The_corpus_has_at_least_200_malformed_inputs_each_named_once()
    {
        var all = All.ToList();
        output.WriteLine($"GBFS documents: {GbfsCorpus.Cases.Count}");
        output.WriteLine($"scenario files: {ScenarioCorpus.Cases.Count}");
        output.WriteLine($"commands: {CommandCorpus.Cases.Count}");
        output.WriteLine($"options: {OptionsCorpus.Cases.Count}");
        output.WriteLine($"command lines: {CommandLineCorpus.Cases.Count}");
        output.WriteLine($"total: {all.Count}, distinct codes: {all.Select(c => c.Code).Distinct().Count()}");
        Assert.True(all.Count >= 200, $"only {all.Count} cases");
        Assert.Equal(all.Count, all.Select(c => c.Id).Distinct(StringComparer.Ordinal).Count());
    }
}
