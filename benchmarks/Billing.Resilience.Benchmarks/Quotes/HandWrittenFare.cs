using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Benchmarks.Quotes;

/// <summary>
/// The baseline: the fare of <see cref="RunningRental"/> as someone would write it by hand for this one tariff, over
/// the same data (outages, telemetry, plan segments): time as 64-bit ticks, outages assumed sorted by start, started
/// intervals of the plan's segments, capping windows, no argument checks, no statement. It gives the library's total for this
/// data (checked when the benchmark starts), not for every plan.
/// </summary>
internal static class HandWrittenFare
{
    private const long TicksPerMinute = TimeSpan.TicksPerMinute;

    public static long MinorUnits(Instant startedAt, Instant asOf, Outage[] outages, DistanceIncrement[] distance)
    {
        var plan = RunningRental.Plan;
        var start = startedAt.ToUnixTimeTicks();
        var now = asOf.ToUnixTimeTicks();

        // Frozen time: outages of payment or identity, clipped to the rental, merged (they come sorted by start).
        Span<long> frozenFrom = stackalloc long[outages.Length];
        Span<long> frozenTo = stackalloc long[outages.Length];
        var frozenCount = 0;
        long frozen = 0;
        foreach (var outage in outages)
        {
            if (outage.Dependency is not (Dependency.Payment or Dependency.Identity))
            {
                continue;
            }

            var from = Math.Max(start, outage.From.ToUnixTimeTicks());
            var to = Math.Min(now, outage.To is { } end ? end.ToUnixTimeTicks() : now);
            if (from >= to)
            {
                continue;
            }

            if (frozenCount > 0 && from <= frozenTo[frozenCount - 1])
            {
                frozen += Math.Max(0, to - frozenTo[frozenCount - 1]);
                frozenTo[frozenCount - 1] = Math.Max(frozenTo[frozenCount - 1], to);
            }
            else
            {
                frozenFrom[frozenCount] = from;
                frozenTo[frozenCount++] = to;
                frozen += to - from;
            }
        }

        var billable = now - start - frozen;

        // Capping windows of 30 billable minutes; the distance travelled in billable time goes to the window of its offset.
        var cap = plan.FareCap!;
        var window = cap.DurationMinutes * TicksPerMinute;
        var sum = 0m;
        var previous = 0m;
        var km = 0m;
        var next = 0;
        var interval = 0;
        long frozenBefore = 0;
        for (long from = 0; from == 0 || from < billable; from += window)
        {
            var to = Math.Min(billable, from + window);
            while (next < distance.Length)
            {
                var at = distance[next].At.ToUnixTimeTicks();
                while (interval < frozenCount && frozenTo[interval] <= at)
                {
                    frozenBefore += frozenTo[interval] - frozenFrom[interval];
                    interval++;
                }

                var offset = at - start - frozenBefore;
                if (to < billable && offset >= to)
                {
                    break;
                }

                if (at >= start && at < now && !(interval < frozenCount && frozenFrom[interval] <= at))
                {
                    km += distance[next].Kilometres;
                }

                next++;
            }

            var fare = plan.Price + TimeFare(to) + DistanceFare(km);
            sum += Math.Min(cap.Price, fare - previous);
            previous = fare;
        }

        return (long)(decimal.Round(Math.Max(0, sum), 2, MidpointRounding.ToEven) * 100);
    }

    // Started intervals of each per-minute segment, in ticks.
    private static decimal TimeFare(long ticks)
    {
        var fare = 0m;
        foreach (var segment in MinuteSegments)
        {
            var x = Math.Min(ticks, segment.End);
            if (x > segment.Start)
            {
                fare += ((x - segment.Start + segment.Interval - 1) / segment.Interval) * segment.Rate;
            }
        }

        return fare;
    }

    // Started intervals of each per-km segment.
    private static decimal DistanceFare(decimal km)
    {
        var fare = 0m;
        foreach (var segment in KmSegments)
        {
            var x = Math.Min(km, segment.End);
            if (x > segment.Start)
            {
                fare += decimal.Ceiling((x - segment.Start) / segment.Interval) * segment.Rate;
            }
        }

        return fare;
    }

    private readonly record struct MinuteSegment(long Start, long End, long Interval, decimal Rate);

    private readonly record struct KmSegment(decimal Start, decimal End, decimal Interval, decimal Rate);

    private static readonly MinuteSegment[] MinuteSegments = [.. RunningRental.Plan.PerMinutePricing.Select(s =>
        new MinuteSegment(s.Start * TicksPerMinute, s.End is { } end ? end * TicksPerMinute : long.MaxValue, s.Interval * TicksPerMinute, s.Rate))];

    private static readonly KmSegment[] KmSegments = [.. RunningRental.Plan.PerKmPricing.Select(s =>
        new KmSegment(s.Start, s.End ?? decimal.MaxValue, s.Interval, s.Rate))];
}
