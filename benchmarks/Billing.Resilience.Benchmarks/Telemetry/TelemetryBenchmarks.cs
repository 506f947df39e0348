using BenchmarkDotNet.Attributes;
using Billing.Resilience.Benchmarks.Settlements;
using Billing.Resilience.Benchmarks.Support;
using Billing.Resilience.Journal;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Benchmarks.Telemetry;

/// <summary>
/// Vehicle telemetry (<c>RecordDistanceAsync</c>) into a long rental against the same into short ones, through the
/// engine on the in-memory journal (the engine's own cost, no storage): a car-sharing rental reporting every 10
/// seconds sends 8,640 increments a day. Each invocation records <see cref="Increments"/> increments, one after the
/// other, into the rental of <see cref="LongRental"/> increments (it grows by that much per invocation), or one each
/// into <see cref="Increments"/> rentals of <see cref="ShortRental"/> (the baseline). Goal: the same cost and the same
/// allocation per increment (Ratio about 1): what the engine does per increment must not grow with the rental.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class TelemetryBenchmarks
{
    /// <summary>Increments recorded per invocation.</summary>
    public const int Increments = 1_000;

    /// <summary>Increments in the long rental before the first invocation: just under 16,384, so that the runs cross one
    /// doubling of its buffer (the amortised cost of growing is in the figures).</summary>
    public const int LongRental = 16_000;

    /// <summary>Increments in each short rental before the one recorded in an invocation.</summary>
    public const int ShortRental = 10;

    private readonly FakeClock clock = new(SettlementFixture.T0);
    private BillingEngine engine = null!;
    private int round;
    private string[] shortRentals = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var builder = SettlementFixture.Builder(clock, new InMemoryJournal(), new SimulatedPaymentGateway("primary", clock));
        builder.Metering.MaxDistanceIncrementsPerRental = 1_000_000;
        engine = await builder.BuildAsync();
        await StartAsync("car-long");
        for (var i = 0; i < LongRental; i++)
        {
            await RecordAsync("car-long");
        }
    }

    /// <summary>Fresh short rentals for the next invocation, built before it is timed.</summary>
    [IterationSetup(Target = nameof(RecordIntoShortRentals))]
    public void CreateShortRentals()
    {
        shortRentals = Enumerable.Range(0, Increments).Select(i => FormattableString.Invariant($"car-short-{round}-{i}")).ToArray();
        round++;
        foreach (var rental in shortRentals)
        {
            StartAsync(rental).GetAwaiter().GetResult();
            for (var i = 0; i < ShortRental; i++)
            {
                RecordAsync(rental).GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>The baseline: one increment each into <see cref="Increments"/> rentals of <see cref="ShortRental"/>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Increments, Description = "increment into a rental of 10")]
    public async Task RecordIntoShortRentals()
    {
        foreach (var rental in shortRentals)
        {
            await RecordAsync(rental).ConfigureAwait(false);
        }
    }

    /// <summary><see cref="Increments"/> increments into the one rental of <see cref="LongRental"/> and more.</summary>
    [Benchmark(OperationsPerInvoke = Increments, Description = "increment into a rental of 16,000+")]
    public async Task RecordIntoLongRental()
    {
        for (var i = 0; i < Increments; i++)
        {
            await RecordAsync("car-long").ConfigureAwait(false);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => engine.Dispose();

    private async Task StartAsync(string rental)
    {
        var started = await engine.Rentals.StartAsync(new StartRental(rental, "rider-" + rental, SettlementFixture.Kickboard.PlanId)).ConfigureAwait(false);
        if (!started.Started)
        {
            throw new InvalidOperationException($"Rental {rental} did not start: {started.Refusal}.");
        }
    }

    /// <summary>An increment stamped now; the clock then moves on a second (every increment of a rental is later than the one before).</summary>
    private async Task RecordAsync(string rental)
    {
        var at = clock.GetCurrentInstant();
        clock.Advance(Duration.FromSeconds(1));
        var errors = await engine.Rentals.RecordDistanceAsync(new RecordDistance(rental, at, 0.05m)).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Rental {rental}: {errors[0].Message}");
        }
    }
}
