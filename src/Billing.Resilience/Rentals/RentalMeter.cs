using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>
/// The meter of SCENARIOS.md 3.1 to 3.3 as a pure function of a rental's facts, the outage log and the policy:
/// which signals count, when the rental ended, which time was frozen, what is billable, and what a system without
/// this library would have charged. The same inputs always give the same statement.
/// </summary>
internal static class RentalMeter
{
    public static MeterReading Read(
        Instant startedAt,
        IReadOnlyList<EndSignal> signals,
        IReadOnlyList<DistanceIncrement> distance,
        IReadOnlyList<Outage> outages,
        MeteringOptions options,
        PricingPlan plan,
        Instant asOf)
    {
        // 3.1: which signals count, and the end they decide.
        var valid = new List<EndSignal>();
        var rejected = new List<RejectedEndSignal>();
        var latestTelemetry = distance.Count == 0 ? (Instant?)null : distance[^1].At;
        foreach (var signal in signals)
        {
            SignalRejectionReason? reason =
                signal.At <= startedAt ? SignalRejectionReason.BeforeStart
                : signal.At > signal.ReceivedAt + options.EndSignalSkew ? SignalRejectionReason.InFuture
                : signal.Source == EndSignalSource.Rider && latestTelemetry > signal.At ? SignalRejectionReason.ContradictedByTelemetry
                : null;
            if (reason is { } r)
            {
                rejected.Add(new RejectedEndSignal(signal, r));
            }
            else
            {
                valid.Add(signal);
            }
        }

        EndSignal? deciding = null;
        foreach (var signal in valid)
        {
            if (deciding is null || signal.At < deciding.At)
            {
                deciding = signal;
            }
        }

        var end = deciding?.At;
        var billedUntil = end ?? Instant.Max(asOf, startedAt);

        // 3.2: frozen intervals, one per freezing outage, and their union.
        var frozen = new List<FrozenInterval>();
        foreach (var outage in outages)
        {
            if (!options.FreezeOn.Contains(outage.Dependency))
            {
                continue;
            }

            var from = Instant.Max(startedAt, outage.From + options.FreezeGrace);
            var to = Instant.Min(billedUntil, outage.To ?? asOf);
            if (from < to)
            {
                frozen.Add(new FrozenInterval(new Interval(from, to), outage));
            }
        }

        var union = Union(frozen);
        var frozenTime = Duration.Zero;
        foreach (var interval in union)
        {
            frozenTime += interval.Duration;
        }

        var billable = (billedUntil - startedAt) - frozenTime;

        // Billable distance: increments whose time lies in B, placed on the billable time line for fare capping.
        var marks = new List<DistanceMark>();
        var billableKm = 0m;
        foreach (var increment in distance)
        {
            if (increment.At < startedAt || increment.At >= billedUntil || IsInside(union, increment.At))
            {
                continue;
            }

            billableKm += increment.Kilometres;
            marks.Add(new DistanceMark(increment.At - startedAt - FrozenBefore(union, increment.At), increment.Kilometres));
        }

        var fare = FareCalculator.Quote(plan, billable, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(marks), options.IntervalRounding);

        // 3.3: what a naive system would have charged: no freezes, and no end while a freezing dependency is down.
        var naiveEnd = end is { } e ? NaiveEnd(e, outages, options, asOf) : Instant.Max(asOf, startedAt);
        var naiveMarks = new List<DistanceMark>();
        foreach (var increment in distance)
        {
            if (increment.At >= startedAt && increment.At < naiveEnd)
            {
                naiveMarks.Add(new DistanceMark(increment.At - startedAt, increment.Kilometres));
            }
        }

        var naiveFare = FareCalculator.Quote(plan, naiveEnd - startedAt, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(naiveMarks), options.IntervalRounding);

        return new MeterReading(
            end, deciding, valid, rejected, billedUntil, frozen, union, billable, frozenTime, billableKm, fare, naiveEnd, naiveFare);
    }

    private static Instant NaiveEnd(Instant end, IReadOnlyList<Outage> outages, MeteringOptions options, Instant asOf)
    {
        var t = end;
        bool moved;
        do
        {
            moved = false;
            foreach (var outage in outages)
            {
                if (options.FreezeOn.Contains(outage.Dependency) && outage.Covers(t))
                {
                    if (outage.To is not { } to)
                    {
                        return Instant.Max(t, asOf);
                    }

                    t = to;
                    moved = true;
                }
            }
        }
        while (moved);

        return t;
    }

    private static List<Interval> Union(List<FrozenInterval> frozen)
    {
        var sorted = frozen.Select(f => f.Interval).OrderBy(i => i.Start).ToList();
        var merged = new List<Interval>(sorted.Count);
        foreach (var interval in sorted)
        {
            if (merged.Count > 0 && interval.Start <= merged[^1].End)
            {
                var last = merged[^1];
                merged[^1] = new Interval(last.Start, Instant.Max(last.End, interval.End));
            }
            else
            {
                merged.Add(interval);
            }
        }

        return merged;
    }

    private static bool IsInside(List<Interval> union, Instant t)
    {
        foreach (var interval in union)
        {
            if (interval.Contains(t))
            {
                return true;
            }
        }

        return false;
    }

    private static Duration FrozenBefore(List<Interval> union, Instant t)
    {
        var total = Duration.Zero;
        foreach (var interval in union)
        {
            if (interval.Start >= t)
            {
                break;
            }

            total += Instant.Min(interval.End, t) - interval.Start;
        }

        return total;
    }
}

/// <summary>What the meter read for a rental at a moment.</summary>
internal sealed record MeterReading(
    Instant? End,
    EndSignal? DecidingSignal,
    IReadOnlyList<EndSignal> ValidSignals,
    IReadOnlyList<RejectedEndSignal> RejectedSignals,
    Instant BilledUntil,
    IReadOnlyList<FrozenInterval> FrozenIntervals,
    IReadOnlyList<Interval> FrozenUnion,
    Duration BillableTime,
    Duration FrozenTime,
    decimal BillableKilometres,
    FareQuote Fare,
    Instant NaiveEnd,
    FareQuote NaiveFare);
