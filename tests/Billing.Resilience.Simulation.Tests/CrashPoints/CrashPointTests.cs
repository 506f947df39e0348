using Billing.Resilience.Simulation.Tests.World;
using Xunit.Abstractions;

namespace Billing.Resilience.Simulation.Tests.CrashPoints;

/// <summary>
/// Crash at every durable write point of a rental's life, in turn: before the append is durable, and after it is
/// durable but before the caller hears of it. The process restarts from the journal, the client whose answer was
/// lost sends its command again, the scenario runs to the end, and every invariant of the simulation is checked.
/// </summary>
public sealed class CrashPointTests(ITestOutputHelper output)
{
    private static readonly Lazy<Task<SimulationOutcome>> Baseline = new(() => Simulator.RunAsync(RentalLives.Create()));

    /// <summary>Every write point found by reflection, before and after it is durable.</summary>
    public static TheoryData<string, string> WritePointsAndModes()
    {
        var data = new TheoryData<string, string>();
        foreach (var writePoint in WritePoints.Discover().Order(StringComparer.Ordinal))
        {
            data.Add(writePoint, "before");
            data.Add(writePoint, "after");
        }

        return data;
    }

    [Fact]
    public async Task The_scenario_without_a_crash_passes_every_check()
    {
        var baseline = await Baseline.Value;
        Assert.True(baseline.Passed, SimulationTests.Report([baseline], null));
        Assert.Empty(baseline.Record.Crashes);
    }

    [Fact]
    public async Task Every_write_point_found_by_reflection_has_a_crash_test()
    {
        var discovered = WritePoints.Discover();
        var covered = (await Baseline.Value).Appends.Select(a => a.WritePoint).ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"write points found by reflection: {string.Join(", ", discovered.Order(StringComparer.Ordinal))}");
        output.WriteLine($"write points the crash scenario reaches: {string.Join(", ", covered.Order(StringComparer.Ordinal))}");
        Assert.True(
            discovered.SetEquals(covered),
            $"Write points without a crash test (extend {nameof(RentalLives)} until it reaches them): [{string.Join(", ", discovered.Except(covered))}]; "
            + $"reached but not found by reflection: [{string.Join(", ", covered.Except(discovered))}].");
    }

    [Theory]
    [MemberData(nameof(WritePointsAndModes))]
    public async Task Crash_at_write_point(string writePoint, string mode)
    {
        var crashMode = mode == "after" ? CrashMode.AfterDurable : CrashMode.BeforeDurable;
        var occurrences = (await Baseline.Value).Appends.Where(a => a.WritePoint == writePoint).Select(a => a.Number).ToList();
        Assert.True(occurrences.Count > 0, $"The crash scenario never writes {writePoint}: extend {nameof(RentalLives)}.");
        var failures = new List<SimulationOutcome>();
        foreach (var number in occurrences)
        {
            var outcome = await Simulator.RunAsync(RentalLives.Create(), new SimulationOptions { Crashes = new CrashAtAppend(number, crashMode) });
            Assert.True(outcome.Record.Crashes.Count == 1, $"append #{number}: {outcome.Record.Crashes.Count} crashes; {string.Join("; ", outcome.Violations)}");
            var crash = outcome.Record.Crashes[0];
            Assert.Equal(writePoint, crash.WritePoint);
            Assert.Equal(crashMode, crash.Mode);
            output.WriteLine($"append #{number} ({writePoint}, {mode} durable, during {crash.During}): {(outcome.Passed ? "ok" : "FAILED")}{string.Concat(outcome.Record.Findings.Select(f => $"; finding: {f.Kind}"))}");
            if (!outcome.Passed)
            {
                failures.Add(outcome);
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Select(f => SimulationTests.Report([f], null))));
    }
}
