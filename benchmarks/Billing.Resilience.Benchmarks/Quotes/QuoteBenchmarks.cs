using BenchmarkDotNet.Attributes;
using Billing.Resilience.Benchmarks.Support;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using NodaTime;
using static Billing.Resilience.Benchmarks.Quotes.RunningRental;

namespace Billing.Resilience.Benchmarks.Quotes;

/// <summary>
/// The live fare of a running rental (quoted every second per rider): the library's allocation-free meter total
/// against a hand-written fare function over the same data. Goal: within 1.5x of the baseline, 0 bytes per quote.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(QuoteConfig))]
public class QuoteBenchmarks
{
    private DistanceMark[] billableMarks = [];
    private Duration billableTime;

    [GlobalSetup]
    public void Setup()
    {
        var reading = RentalMeter.Read(StartedAt, Signals, Distance, OutageLog, Metering, Plan, AsOf);
        billableTime = reading.BillableTime;
        billableMarks = [.. reading.FrozenUnion.Count == 5 ? Marks(reading) : throw new InvalidOperationException($"Expected 5 frozen intervals, got {reading.FrozenUnion.Count}.")];
        var expected = reading.Fare.Total;
        Check("RentalMeter.Total", expected, MeterTotal());
        Check("FareCalculator.Total", expected, FareTotal());
        Check("hand-written", expected, Money.FromMinorUnits(HandWritten(), CurrencyCode.EUR));
        if (expected == reading.NaiveFare.Total)
        {
            throw new InvalidOperationException("The scenario should freeze something: the fare equals the naive fare.");
        }
    }

    /// <summary>The baseline: a minimal hand-written fare function over the same outages, telemetry and plan.</summary>
    [Benchmark(Baseline = true, Description = "hand-written fare function")]
    public long HandWritten() => HandWrittenFare.MinorUnits(StartedAt, AsOf, OutageLog, Distance);

    /// <summary>The library's live fare: signals, frozen intervals, billable time and distance, capped fare, total.</summary>
    [Benchmark(Description = "RentalMeter.Total (live fare)")]
    public Money MeterTotal() => RentalMeter.Total(StartedAt, Signals, Distance, OutageLog, Metering, Plan, AsOf);

    /// <summary>Only the fare step, from billable time and distance already computed (for the split of the time).</summary>
    [Benchmark(Description = "FareCalculator.Total (fare step only)")]
    public Money FareTotal() => FareCalculator.Total(Plan, billableTime, billableMarks, Metering.IntervalRounding);

    /// <summary>The full reading behind a statement: line items, frozen intervals, naive fare. Allocates by design.</summary>
    [Benchmark(Description = "RentalMeter.Read (statement)")]
    public object MeterRead() => RentalMeter.Read(StartedAt, Signals, Distance, OutageLog, Metering, Plan, AsOf);

    private static IEnumerable<DistanceMark> Marks(MeterReading reading)
    {
        foreach (var increment in Distance)
        {
            if (increment.At < reading.BilledUntil && !reading.FrozenUnion.Any(i => i.Contains(increment.At)))
            {
                var frozenBefore = reading.FrozenUnion.Where(i => i.Start < increment.At)
                    .Aggregate(Duration.Zero, (total, i) => total + (Instant.Min(i.End, increment.At) - i.Start));
                yield return new DistanceMark(increment.At - StartedAt - frozenBefore, increment.Kilometres);
            }
        }
    }

    private static void Check(string what, Money expected, Money actual)
    {
        if (expected != actual)
        {
            throw new InvalidOperationException($"{what} gives {actual}, the meter's statement {expected}: the benchmark would compare different work.");
        }
    }
}
