using System.Globalization;

namespace Billing.Resilience.Simulation.Tests;

/// <summary>
/// How many seeds to run, read from the environment (docs/testing.md): <c>SIM_SEED</c> replays one seed with a full
/// trace; <c>SIM_SEEDS</c> and <c>SIM_SEED_START</c> choose a range (CI: 2,000 from 1); <c>SIM_BUDGET_SECONDS</c> stops
/// starting new seeds after that long; <c>SIM_WORKERS</c> runs seeds side by side; <c>SIM_MAX_FAILURES</c> stops after
/// that many failing seeds (10); <c>SIM_MUTANT</c> runs against a deliberately broken adapter.
/// </summary>
internal sealed record SimulationSettings(int Start, int Count, bool Replay, TimeSpan? Budget, int Workers, string? Mutant, int MaxFailures)
{
    public const int CiSeeds = 2_000;

    public const string Project = "tests/Billing.Resilience.Simulation.Tests";

    public static SimulationSettings FromEnvironment()
    {
        var seed = Int("SIM_SEED");
        var budget = Int("SIM_BUDGET_SECONDS");
        var workers = Int("SIM_WORKERS") ?? Math.Max(1, Environment.ProcessorCount);
        var mutant = Environment.GetEnvironmentVariable("SIM_MUTANT");
        return seed is { } one
            ? new SimulationSettings(one, 1, Replay: true, null, 1, mutant, 1)
            : new SimulationSettings(Int("SIM_SEED_START") ?? 1, Int("SIM_SEEDS") ?? CiSeeds, Replay: false, budget is { } b ? TimeSpan.FromSeconds(b) : null, workers, mutant, Int("SIM_MAX_FAILURES") ?? 10);
    }

    /// <summary>The one line that replays a seed exactly.</summary>
    public static string ReplayCommand(int seed, string? mutant, string test)
        => $"{(string.IsNullOrEmpty(mutant) ? string.Empty : $"SIM_MUTANT={mutant} ")}SIM_SEED={seed.ToString(CultureInfo.InvariantCulture)} dotnet test {Project} -c Release --filter \"FullyQualifiedName~{test}\" --logger \"console;verbosity=detailed\"";

    private static int? Int(string name)
        => Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"{name}='{text}' is not an integer.")
            : null;
}
