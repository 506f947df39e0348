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

    /// <summary>
    /// Every write point, before and after it is durable. A write point is one durable append: the event types it
    /// holds, joined by '+' (a start's "RentalRequested+PaymentRequested" is one point, not two). They are the appends
    /// the crash scenario makes; <see cref="Every_event_type_found_by_reflection_is_in_a_crash_tested_write_point"/>
    /// proves they hold every event type the library can write.
    /// </summary>
    public static TheoryData<string, string> WritePointsAndModes()
    {
        var data = new TheoryData<string, string>();
        foreach (var writePoint in Baseline.Value.GetAwaiter().GetResult().Appends.Select(a => a.WritePoint).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
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
    public async Task Every_event_type_found_by_reflection_is_in_a_crash_tested_write_point()
    {
        var discovered = WritePoints.Discover();
        var writePoints = (await Baseline.Value).Appends.Select(a => a.WritePoint).ToHashSet(StringComparer.Ordinal);
        var covered = writePoints.SelectMany(WritePoints.EventTypes).ToHashSet(StringComparer.Ordinal);
        output.WriteLine($"event types found by reflection: {string.Join(", ", discovered.Order(StringComparer.Ordinal))}");
        output.WriteLine($"write points (appends) the crash scenario reaches: {string.Join(", ", writePoints.Order(StringComparer.Ordinal))}");
        Assert.True(
            discovered.SetEquals(covered),
            $"Event types in no crash-tested write point (extend {nameof(RentalLives)} until it reaches them): [{string.Join(", ", discovered.Except(covered))}]; "
            + $"written but not found by reflection: [{string.Join(", ", covered.Except(discovered))}].");
        Assert.Equal(writePoints.Order(StringComparer.Ordinal), WritePointsAndModes().Select(row => (string)row[0]).Distinct(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_start_is_two_appends_each_one_crash_point()
    {
        var starts = (await Baseline.Value).Appends.Select(a => a.WritePoint).ToHashSet(StringComparer.Ordinal);

        // The intent to authorize is durable with the request, before the gateway call; the outcome with the start or refusal it decides.
        Assert.Contains("RentalRequested+PaymentRequested", starts);
        Assert.Contains("PaymentCompleted+RentalStarted", starts);
        Assert.DoesNotContain("RentalRequested", starts);
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
