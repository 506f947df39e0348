using System.Diagnostics;
using Billing.Resilience.Simulation.Tests.Mutants;
using Billing.Resilience.Simulation.Tests.World;
using Xunit.Abstractions;

namespace Billing.Resilience.Simulation.Tests;

/// <summary>
/// The suite's teeth: run the simulation against a deliberately broken payment adapter (<see cref="RekeyOnRetryGateway"/>,
/// a new idempotency key for every retry after a timeout) and require that a seed within the CI budget catches it.
/// </summary>
public sealed class MutationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_simulation_catches_a_new_key_on_retry_within_the_CI_seed_budget()
    {
        var watch = Stopwatch.StartNew();
        for (var seed = 1; seed <= SimulationSettings.CiSeeds; seed++)
        {
            var outcome = await Simulator.RunAsync(ScenarioGenerator.Generate(seed), new SimulationOptions { GatewayDecorator = g => new RekeyOnRetryGateway(g) });
            if (outcome.Passed)
            {
                continue;
            }

            output.WriteLine($"caught by seed {seed} (the {seed}th seed run) in {watch.Elapsed.TotalSeconds:0.00} s:");
            foreach (var violation in outcome.Violations)
            {
                output.WriteLine($"  {violation}");
            }

            output.WriteLine($"replay: {SimulationSettings.ReplayCommand(seed, Mutations.RekeyOnRetry, "SimulationTests.Seeds")}");
            Assert.Contains(outcome.Violations, v => v.Invariant is "money-equals-charge" or "one-capture-per-hold" or "key-applied-once" or "outbox-before-call" or "library-knows-what-the-gateway-did");
            return;
        }

        Assert.Fail($"No seed of the first {SimulationSettings.CiSeeds} caught a payment adapter that makes a new idempotency key on every retry: the simulation has lost its teeth.");
    }
}
