using System.Buffers;
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
    // Working space of Total kept on the stack; larger rentals rent it from the shared pools (no garbage either way).
    private const int StackIntervals = 16;
    private const int StackMarks = 64;

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
            if (Rejection(signal, startedAt, latestTelemetry, options) is { } r)
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
            if (TryFreeze(outage, startedAt, billedUntil, options, asOf, out var interval))
            {
                frozen.Add(new FrozenInterval(interval, outage));
            }
        }

        var unionBuffer = new Interval[frozen.Count];
        for (var i = 0; i < frozen.Count; i++)
        {
            unionBuffer[i] = frozen[i].Interval;
        }

        ReadOnlySpan<Interval> union = unionBuffer.AsSpan(0, SortAndMerge(unionBuffer));
        var frozenTime = Total(union);
        var billable = (billedUntil - startedAt) - frozenTime;

        // Billable distance: increments whose time lies in B, placed on the billable time line for fare capping.
        var marks = new List<DistanceMark>();
        var billableKm = 0m;
        var timeLine = new BillableTimeLine(startedAt, billedUntil, union);
        foreach (var increment in distance)
        {
            if (timeLine.TryPlace(increment, out var mark))
            {
                billableKm += mark.Kilometres;
                marks.Add(mark);
            }
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
            end, deciding, valid, rejected, billedUntil, frozen, union.ToArray(), billable, frozenTime, billableKm, fare, naiveEnd, naiveFare);
    }

    /// <summary>
    /// The fare of <see cref="Read"/> (<c>Read(...).Fare.Total</c>) without the statement: no lists, no line items, no
    /// naive fare, and no allocation. The same steps as <see cref="Read"/> (which signals count, frozen intervals and
    /// their union, billable time and distance) through the same helpers, then <see cref="FareCalculator.Total"/>.
    /// For a live fare, quoted every second per rider.
    /// </summary>
    public static Money Total(
        Instant startedAt,
        ReadOnlySpan<EndSignal> signals,
        ReadOnlySpan<DistanceIncrement> distance,
        ReadOnlySpan<Outage> outages,
        MeteringOptions options,
        PricingPlan plan,
        Instant asOf)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plan);

        // 3.1: the earliest valid signal decides the end.
        Instant? latestTelemetry = distance.IsEmpty ? null : distance[^1].At;
        Instant? end = null;
        foreach (var signal in signals)
        {
            if (Rejection(signal, startedAt, latestTelemetry, options) is null && (end is not { } e || signal.At < e))
            {
                end = signal.At;
            }
        }

        var billedUntil = end ?? Instant.Max(asOf, startedAt);
        Interval[]? pooledIntervals = null;
        DistanceMark[]? pooledMarks = null;
        try
        {
            // 3.2: frozen intervals and their union.
            Span<Interval> intervals = outages.Length <= StackIntervals
                ? stackalloc Interval[StackIntervals]
                : (pooledIntervals = ArrayPool<Interval>.Shared.Rent(outages.Length));
            var count = 0;
            foreach (var outage in outages)
            {
                if (TryFreeze(outage, startedAt, billedUntil, options, asOf, out var interval))
                {
                    intervals[count++] = interval;
                }
            }

            ReadOnlySpan<Interval> union = intervals[..SortAndMerge(intervals[..count])];
            var billable = (billedUntil - startedAt) - Total(union);

            // Billable distance, placed on the billable time line.
            Span<DistanceMark> marks = distance.Length <= StackMarks
                ? stackalloc DistanceMark[StackMarks]
                : (pooledMarks = ArrayPool<DistanceMark>.Shared.Rent(distance.Length));
            var markCount = 0;
            var timeLine = new BillableTimeLine(startedAt, billedUntil, union);
            foreach (var increment in distance)
            {
                if (timeLine.TryPlace(increment, out marks[markCount]))
                {
                    markCount++;
                }
            }

            return FareCalculator.Total(plan, billable, marks[..markCount], options.IntervalRounding);
        }
        finally
        {
            if (pooledIntervals is not null)
            {
                ArrayPool<Interval>.Shared.Return(pooledIntervals);
            }

            if (pooledMarks is not null)
            {
                ArrayPool<DistanceMark>.Shared.Return(pooledMarks);
            }
        }
    }

    /// <summary>Why a signal does not count (SCENARIOS.md 3.1, checked in this order), or null when it counts.</summary>
    private static SignalRejectionReason? Rejection(EndSignal signal, Instant startedAt, Instant? latestTelemetry, MeteringOptions options)
        => signal.At <= startedAt ? SignalRejectionReason.BeforeStart
            : signal.At > signal.ReceivedAt + options.EndSignalSkew ? SignalRejectionReason.InFuture
            : signal.Source == EndSignalSource.Rider && latestTelemetry > signal.At ? SignalRejectionReason.ContradictedByTelemetry
            : null;

    /// <summary>The time an outage froze the rental, if any: from the outage's start plus the grace (not before the
    /// start of the rental) to its end (or <paramref name="asOf"/> while it goes on), not after the billed end.</summary>
    private static bool TryFreeze(Outage outage, Instant startedAt, Instant billedUntil, MeteringOptions options, Instant asOf, out Interval interval)
    {
        interval = default;
        if (!options.FreezeOn.Contains(outage.Dependency))
        {
            return false;
        }

        var from = Instant.Max(startedAt, outage.From + options.FreezeGrace);
        var to = Instant.Min(billedUntil, outage.To ?? asOf);
        if (from >= to)
        {
            return false;
        }

        interval = new Interval(from, to);
        return true;
    }

    /// <summary>Sorts intervals by start and merges the overlapping and adjacent ones in place; returns how many are left.
    /// An insertion sort: a rental sees a handful of outages, and it allocates nothing.</summary>
    private static int SortAndMerge(Span<Interval> intervals)
    {
        for (var i = 1; i < intervals.Length; i++)
        {
            var current = intervals[i];
            var j = i - 1;
            while (j >= 0 && intervals[j].Start > current.Start)
            {
                intervals[j + 1] = intervals[j];
                j--;
            }

            intervals[j + 1] = current;
        }

        var merged = 0;
        foreach (var interval in intervals)
        {
            if (merged > 0 && interval.Start <= intervals[merged - 1].End)
            {
                var last = intervals[merged - 1];
                intervals[merged - 1] = new Interval(last.Start, Instant.Max(last.End, interval.End));
            }
            else
            {
                intervals[merged++] = interval;
            }
        }

        return merged;
    }

    private static Duration Total(ReadOnlySpan<Interval> union)
    {
        var total = Duration.Zero;
        foreach (var interval in union)
        {
            total += interval.Duration;
        }

        return total;
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

    /// <summary>
    /// Places distance increments on the billable time line: an increment counts when it was travelled in billable
    /// time (from the start, before the billed end, not while frozen), at its time less the frozen time before it.
    /// Increments come in time order (as a rental's state keeps them), so one walk over the union serves them all.
    /// </summary>
    private ref struct BillableTimeLine(Instant startedAt, Instant billedUntil, ReadOnlySpan<Interval> union)
    {
        private readonly ReadOnlySpan<Interval> union = union;
        private int next;                           // the first interval of the union that ends after the last increment
        private Duration frozenBefore;              // the frozen time of the intervals before it
        private Instant previous = Instant.MinValue;

        public bool TryPlace(DistanceIncrement increment, out DistanceMark mark)
        {
            var at = increment.At;
            Preconditions.CheckArgument(at >= previous, "distance", "Distance increments are in order of time.");
            previous = at;
            while (next < union.Length && union[next].End <= at)
            {
                frozenBefore += union[next].Duration;
                next++;
            }

            // union[next], when there is one, ends after `at`; the intervals after it start after it ends.
            var frozen = next < union.Length && union[next].Start <= at;
            if (at < startedAt || at >= billedUntil || frozen)
            {
                mark = default;
                return false;
            }

            mark = new DistanceMark(at - startedAt - frozenBefore, increment.Kilometres);
            return true;
        }
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
