using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Simulation.Tests.World;
using NodaTime;

namespace Billing.Resilience.Simulation.Tests.Checks;

internal sealed record ModelSignal(EndSignalSource Source, Instant At, Instant ReceivedAt);

internal sealed record ModelOutage(Dependency Dependency, Instant From, Instant? To);

/// <summary>What the reference model says a rental owes.</summary>
internal sealed record ModelReading(
    Instant? End,
    Instant BilledUntil,
    Duration Billable,
    Duration Frozen,
    decimal Kilometres,
    long ChargeMinorUnits,
    IReadOnlyDictionary<(EndSignalSource Source, Instant At), SignalRejectionReason?> Verdicts);

/// <summary>
/// SCENARIOS.md 3.1 to 3.3 written again, as plainly as possible, from the text and not from the library: which
/// signals count and the end they decide, which instants are frozen, the billable time and distance, and the fare of
/// the plans the simulation generates (base, per-minute and per-km segments, started or completed intervals, clamp at
/// zero, one rounding half to even). It does not reuse <c>FareCalculator</c>; fare capping, which the simulation does
/// not generate, is left to the fare engine's own reference tests.
/// </summary>
internal static class ReferenceModel
{
    private const long NanosecondsPerMinute = 60_000_000_000L;

    public static ModelReading Read(
        PlanSpec plan,
        PolicySpec policy,
        Instant start,
        IReadOnlyList<ModelSignal> signals,
        IReadOnlyList<(Instant At, decimal Kilometres)> distance,
        IReadOnlyList<ModelOutage> outages,
        Instant asOf)
    {
        // 3.1: a signal counts unless, checked in this order, it is at or before the start, later than its receipt
        // plus the skew, or a rider's claim that a later distance increment contradicts. The end is the earliest that counts.
        var verdicts = new Dictionary<(EndSignalSource, Instant), SignalRejectionReason?>();
        Instant? end = null;
        foreach (var s in signals)
        {
            SignalRejectionReason? reason = null;
            if (s.At <= start)
            {
                reason = SignalRejectionReason.BeforeStart;
            }
            else if (s.At > s.ReceivedAt + policy.EndSignalSkew)
            {
                reason = SignalRejectionReason.InFuture;
            }
            else if (s.Source == EndSignalSource.Rider && distance.Any(d => d.At > s.At))
            {
                reason = SignalRejectionReason.ContradictedByTelemetry;
            }

            verdicts[(s.Source, s.At)] = reason;
            if (reason is null && (end is null || s.At < end))
            {
                end = s.At;
            }
        }

        var until = end ?? (asOf > start ? asOf : start);

        // 3.2: an instant t of the rental is frozen when some outage of a dependency in the freeze policy covers it
        // after the grace: from + grace <= t < to (to = asOf while ongoing). Frozenness is constant between the
        // boundaries of those intervals, so testing each piece's first instant measures the frozen time exactly.
        bool IsFrozen(Instant t) => t >= start && t < until && outages.Any(o =>
            policy.FreezeOn.Contains(o.Dependency) && o.From + policy.FreezeGrace <= t && t < (o.To ?? asOf));

        var points = new SortedSet<Instant> { start, until };
        foreach (var o in outages)
        {
            foreach (var p in new[] { o.From + policy.FreezeGrace, o.To ?? asOf })
            {
                if (p > start && p < until)
                {
                    points.Add(p);
                }
            }
        }

        var frozen = Duration.Zero;
        Instant? previous = null;
        foreach (var p in points)
        {
            if (previous is { } from && IsFrozen(from))
            {
                frozen += p - from;
            }

            previous = p;
        }

        var billable = (until - start) - frozen;

        // Billable distance: increments stamped inside the rental and not in frozen time.
        var km = distance.Where(d => d.At >= start && d.At < until && !IsFrozen(d.At)).Sum(d => d.Kilometres);
        return new ModelReading(end, until, billable, frozen, km, Fare(plan, billable, km, policy.CompletedRounding), verdicts);
    }

    /// <summary>3.3 for plans without fare capping, in minor units of the plan's currency.</summary>
    public static long Fare(PlanSpec plan, Duration billable, decimal kilometres, bool completed)
    {
        var d = billable.ToInt64Nanoseconds();
        var total = plan.Price;
        foreach (var segment in plan.PerMinute)
        {
            var a = segment.Start * NanosecondsPerMinute;
            var x = segment.End is { } e ? Math.Min(d, e * NanosecondsPerMinute) : d;
            if (x > a)
            {
                var interval = segment.Interval * NanosecondsPerMinute;
                var n = segment.Interval == 0 ? 1 : completed ? (x - a) / interval : ((x - a) + interval - 1) / interval;
                total += n * segment.Rate;
            }
        }

        foreach (var segment in plan.PerKm)
        {
            var x = segment.End is { } e ? Math.Min(kilometres, e) : kilometres;
            if (x > segment.Start)
            {
                var n = segment.Interval == 0 ? 1
                    : completed ? Math.Floor((x - segment.Start) / segment.Interval)
                    : Math.Ceiling((x - segment.Start) / segment.Interval);
                total += n * segment.Rate;
            }
        }

        if (total < 0)
        {
            total = 0;
        }

        var scale = 1m;
        for (var i = 0; i < plan.MinorDigits; i++)
        {
            scale *= 10;
        }

        return (long)(Math.Round(total, plan.MinorDigits, MidpointRounding.ToEven) * scale);
    }
}
