using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Billing.Resilience.Simulation.Tests.Mutants;
using Billing.Resilience.Simulation.Tests.World;
using Xunit.Abstractions;

namespace Billing.Resilience.Simulation.Tests;

/// <summary>
/// The deterministic simulation (docs/testing.md): every seed is a whole world — a simulated day of rentals, outages,
/// gateway faults, duplicate deliveries and process crashes — checked against the gateway's ledger, the journal and a
/// reference model. A failing seed prints the one line that replays it exactly.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Seeds()
    {
        var settings = SimulationSettings.FromEnvironment();
        var decorator = Mutations.Decorator(settings.Mutant);
        var watch = Stopwatch.StartNew();
        var failures = new ConcurrentBag<SimulationOutcome>();
        var ran = 0;
        var crashes = 0;
        var restarts = 0;
        var operations = 0;
        var findings = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var slowest = new ConcurrentBag<(TimeSpan Elapsed, int Seed, int ReconcilerRuns, int Appends)>();
        var seeds = Enumerable.Range(0, settings.Count).Select(i => unchecked(settings.Start + i));
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = settings.Workers }, async (seed, _) =>
        {
            if (failures.Count >= settings.MaxFailures || (settings.Budget is { } budget && watch.Elapsed > budget))
            {
                return;
            }

            var started = watch.Elapsed;
            var outcome = await Simulator.RunAsync(ScenarioGenerator.Generate(seed), new SimulationOptions { FullTrace = settings.Replay, GatewayDecorator = decorator });
            slowest.Add((watch.Elapsed - started, seed, outcome.ReconcilerRuns, outcome.Appends.Count));
            Interlocked.Increment(ref ran);
            Interlocked.Add(ref crashes, outcome.Record.Crashes.Count);
            Interlocked.Add(ref restarts, outcome.Record.Restarts);
            Interlocked.Add(ref operations, outcome.GatewayOperations);
            foreach (var finding in outcome.Record.Findings)
            {
                findings.AddOrUpdate(finding.Kind, 1, (_, n) => n + 1);
            }

            if (!outcome.Passed)
            {
                failures.Add(outcome);
            }

            if (settings.Replay)
            {
                foreach (var line in outcome.Trace)
                {
                    output.WriteLine(line);
                }
            }
        });

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"simulation: {ran} seed(s) from {settings.Start} in {watch.Elapsed.TotalSeconds:0.0} s ({ran / Math.Max(0.001, watch.Elapsed.TotalSeconds):0} seeds/s, {settings.Workers} worker(s)); {crashes} crashes, {restarts} restarts, {operations} gateway operations; {failures.Count} failed"));
        output.WriteLine("slowest seeds: " + string.Join(", ", slowest.OrderByDescending(s => s.Elapsed).Take(3).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seed} ({s.Elapsed.TotalMilliseconds:0} ms, {s.ReconcilerRuns} reconciler runs)"))));
        output.WriteLine("most reconciler runs: " + string.Join(", ", slowest.OrderByDescending(s => s.ReconcilerRuns).Take(3).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seed} ({s.ReconcilerRuns})"))));
        output.WriteLine("most journal appends: " + string.Join(", ", slowest.OrderByDescending(s => s.Appends).Take(3).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seed} ({s.Appends})"))));
        foreach (var (kind, count) in findings.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"finding ×{count}: {kind}");
        }

        if (!failures.IsEmpty)
        {
            Assert.Fail($"{failures.Count} of {ran} seeds failed.{Environment.NewLine}" + Report(failures.OrderBy(f => f.Scenario.Seed).Take(10).ToList(), settings.Mutant));
        }

        if (settings.Budget is null)
        {
            Assert.Equal(settings.Count, ran);
        }
    }

    internal static string Report(IReadOnlyList<SimulationOutcome> failures, string? mutant)
    {
        var text = new StringBuilder();
        foreach (var failure in failures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Simulation seed {failure.Scenario.Seed} broke {failure.Violations.Count} invariant(s):");
            foreach (var violation in failure.Violations.Take(8))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {violation}");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"  replay: {SimulationSettings.ReplayCommand(failure.Scenario.Seed, mutant, "SimulationTests.Seeds")}");
        }

        var first = failures[0];
        text.AppendLine(CultureInfo.InvariantCulture, $"Seed {first.Scenario.Seed}: {first.Scenario.Describe()}");
        foreach (var finding in first.Record.Findings.Take(5))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  finding: {finding}");
        }

        text.AppendLine("Last steps:");
        foreach (var line in first.Trace.TakeLast(40))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
        }

        return text.ToString();
    }
}
