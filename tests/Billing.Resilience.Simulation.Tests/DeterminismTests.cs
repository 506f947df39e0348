using Billing.Resilience.Simulation.Tests.World;

namespace Billing.Resilience.Simulation.Tests;

/// <summary>A seed replays exactly: the same journal, byte for byte, and the same gateway ledger, whatever the threads did.</summary>
public sealed class DeterminismTests
{
    [Fact]
    public async Task The_same_seed_gives_the_same_run()
    {
        foreach (var seed in new[] { 1, 2, 3, 18, 141, 1148, 99_991, -7 })
        {
            var first = await Simulator.RunAsync(ScenarioGenerator.Generate(seed));
            var second = await Simulator.RunAsync(ScenarioGenerator.Generate(seed));
            Assert.False(string.IsNullOrEmpty(first.Fingerprint), $"seed {seed}: {string.Join("; ", first.Violations)}");
            Assert.Equal(first.Fingerprint, second.Fingerprint);
            Assert.Equal(first.Record.Crashes.Count, second.Record.Crashes.Count);
            Assert.Equal(first.Steps, second.Steps);
            Assert.Equal(first.ReconcilerRuns, second.ReconcilerRuns);
        }
    }

    [Fact]
    public void Different_seeds_give_different_worlds()
    {
        var worlds = Enumerable.Range(1, 50).Select(seed => ScenarioGenerator.Generate(seed).Describe()).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(50, worlds.Count);
    }
}
