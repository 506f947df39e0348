using NodaTime;

namespace Billing.Resilience.Pricing;

/// <summary>
/// The fare of SCENARIOS.md 3.3: base price, per-minute and per-km segments, <c>fare_capping</c> windows, clamp at
/// zero, and one rounding at the end to the currency's minor unit, half to even.
/// </summary>
/// <remarks>
/// <para>Billable time is used exactly: with d the billable time, a segment {start a, interval i, end e} counts
/// n = ceil((min(d, e) - a) / i) intervals under <see cref="IntervalRounding.Started"/> and floor(...) under
/// <see cref="IntervalRounding.Completed"/> when min(d, e) &gt; a, and 1 when i = 0. Time is counted to the
/// nanosecond and distance as exact decimals, so nothing is rounded before the formula.</para>
/// <para>With <c>fare_capping</c> {duration D, price P} billable time is cut into windows [kD, (k+1)D); window k
/// costs F(min(d, (k+1)D)) - F(kD), F(0) taken as 0 for the first window, where F(t) is the fare after t billable
/// minutes with the distance travelled within them; the capped fare sums min(P, window cost).</para>
/// </remarks>
public static class FareCalculator
{
    /// <summary>Quotes a fare with all the distance counted as travelled at the start of the ride.</summary>
    /// <param name="plan">The pricing plan.</param>
    /// <param name="billableTime">Billable time; must not be negative.</param>
    /// <param name="billableKilometres">Billable distance; must not be negative.</param>
    /// <param name="rounding">How partly used intervals count.</param>
    public static FareQuote Quote(PricingPlan plan, Duration billableTime, decimal billableKilometres, IntervalRounding rounding)
    {
        Preconditions.CheckArgument(billableKilometres >= 0, nameof(billableKilometres), "Billable distance is not negative.");
        ReadOnlySpan<DistanceMark> marks = billableKilometres == 0 ? [] : [new DistanceMark(Duration.Zero, billableKilometres)];
        return Quote(plan, billableTime, marks, rounding);
    }

    /// <summary>Quotes a fare for billable time and the distance travelled within it.</summary>
    /// <param name="plan">The pricing plan.</param>
    /// <param name="billableTime">Billable time; must not be negative.</param>
    /// <param name="distance">Distance increments by billable offset, in ascending order of offset, none before zero. Only
    /// <c>fare_capping</c> looks at the offsets; an increment at or after <paramref name="billableTime"/> counts in the
    /// last window.</param>
    /// <param name="rounding">How partly used intervals count.</param>
    /// <exception cref="ArgumentException">Negative time or distance, or increments out of order.</exception>
    public static FareQuote Quote(PricingPlan plan, Duration billableTime, ReadOnlySpan<DistanceMark> distance, IntervalRounding rounding)
    {
        var evaluation = Evaluate(plan, billableTime, distance, rounding, withUncapped: true);
        var currency = plan.Currency;
        var lines = new List<FareLineItem>(plan.PerMinutePricing.Count + plan.PerKmPricing.Count + 4);
        var d = BillableMinutes.From(billableTime);
        var km = evaluation.TotalKilometres;

        lines.Add(Line(FareLineItemKind.Base, null, null, plan.Price, currency));
        for (var s = 0; s < plan.PerMinutePricing.Count; s++)
        {
            var segment = plan.PerMinutePricing[s];
            var units = CountTimeUnits(d, segment, rounding);
            lines.Add(Line(FareLineItemKind.PerMinute, s, units, units * segment.Rate, currency));
        }

        for (var s = 0; s < plan.PerKmPricing.Count; s++)
        {
            var segment = plan.PerKmPricing[s];
            var units = CountDistanceUnits(km, segment, rounding);
            lines.Add(Line(FareLineItemKind.PerKm, s, units, units * segment.Rate, currency));
        }

        if (evaluation.Capped != evaluation.Uncapped)
        {
            lines.Add(Line(FareLineItemKind.FareCap, null, null, evaluation.Capped - evaluation.Uncapped, currency));
        }

        if (evaluation.Capped < 0)
        {
            lines.Add(Line(FareLineItemKind.ClampToZero, null, null, -evaluation.Capped, currency));
        }

        var total = Money.FromMajor(evaluation.Clamped, currency, MidpointRounding.ToEven);
        long allocated = 0;
        foreach (var line in lines)
        {
            allocated = checked(allocated + line.Amount.MinorUnits);
        }

        if (allocated != total.MinorUnits || total.ToMajor() != evaluation.Clamped)
        {
            lines.Add(new FareLineItem(
                FareLineItemKind.Rounding,
                null,
                null,
                total.ToMajor() - evaluation.Clamped,
                Money.FromMinorUnits(checked(total.MinorUnits - allocated), currency)));
        }

        return new FareQuote(plan.PlanId, total, evaluation.Clamped, billableTime, km, lines.AsReadOnly());
    }

    /// <summary>Computes only the fare's total, without line items and without allocating; it equals
    /// <c>Quote(plan, billableTime, distance, rounding).Total</c>.</summary>
    /// <param name="plan">The pricing plan.</param>
    /// <param name="billableTime">Billable time; must not be negative.</param>
    /// <param name="distance">Distance increments by billable offset, as for <see cref="Quote(PricingPlan, Duration, ReadOnlySpan{DistanceMark}, IntervalRounding)"/>.</param>
    /// <param name="rounding">How partly used intervals count.</param>
    /// <exception cref="ArgumentException">Negative time or distance, or increments out of order.</exception>
    public static Money Total(PricingPlan plan, Duration billableTime, ReadOnlySpan<DistanceMark> distance, IntervalRounding rounding)
        => Money.FromMajor(Evaluate(plan, billableTime, distance, rounding, withUncapped: false).Clamped, plan.Currency, MidpointRounding.ToEven);

    private static FareLineItem Line(FareLineItemKind kind, int? segment, long? units, decimal exact, CurrencyCode currency)
        => new(kind, segment, units, exact, Money.FromMajor(exact, currency, MidpointRounding.ToEven));

    private readonly record struct Evaluation(decimal Uncapped, decimal Capped, decimal Clamped, decimal TotalKilometres);

    private static Evaluation Evaluate(PricingPlan plan, Duration billableTime, ReadOnlySpan<DistanceMark> distance, IntervalRounding rounding, bool withUncapped)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Preconditions.CheckArgument(billableTime >= Duration.Zero, nameof(billableTime), "Billable time is not negative.");
        var d = BillableMinutes.From(billableTime);
        var previousOffset = Duration.Zero;
        foreach (var mark in distance)
        {
            Preconditions.CheckArgument(mark.Kilometres >= 0, nameof(distance), "Distance increments are not negative.");
            Preconditions.CheckArgument(mark.BillableOffset >= Duration.Zero, nameof(distance), "Distance increments are not before the start of billable time.");
            Preconditions.CheckArgument(mark.BillableOffset >= previousOffset, nameof(distance), "Distance increments are in order of billable offset.");
            previousOffset = mark.BillableOffset;
        }

        // Each increment is added once, in order (the capped fare adds them window by window), so the total distance is
        // the same sum either way.
        if (plan.FareCap is { } cap)
        {
            var capped = CappedFare(plan, cap, d, distance, rounding, out var totalKm);
            var uncapped = withUncapped ? TimeFare(plan, d, rounding) + DistanceFare(plan, totalKm, rounding) : capped;
            return new Evaluation(uncapped, capped, capped < 0 ? 0 : capped, totalKm);
        }

        var km = 0m;
        foreach (var mark in distance)
        {
            km += mark.Kilometres;
        }

        var fare = TimeFare(plan, d, rounding) + DistanceFare(plan, km, rounding);
        return new Evaluation(fare, fare, fare < 0 ? 0 : fare, km);
    }

    private static decimal CappedFare(PricingPlan plan, FareCap cap, BillableMinutes d, ReadOnlySpan<DistanceMark> distance, IntervalRounding rounding, out decimal totalKm)
    {
        var sum = 0m;
        var previous = 0m; // F(0) is taken as 0 for window 0.
        var markIndex = 0;
        var kmSoFar = 0m;
        var distanceFare = 0m; // the per-km part of F at kmSoFar, recomputed only when kmSoFar changes (no km, no units)
        for (var from = 0L; from == 0 || BillableMinutes.Whole(from).IsBefore(d); from += cap.DurationMinutes)
        {
            var to = BillableMinutes.Min(d, BillableMinutes.Whole(from + cap.DurationMinutes));

            // Increments strictly before the window's end belong to it or an earlier window. The last window ends the
            // ride: all of its distance counts, including increments stamped at or after the end of billable time (a
            // distance total is stamped at offset 0, even with no billable time).
            var last = !to.IsBefore(d);
            var moved = false;
            while (markIndex < distance.Length && (last || BillableMinutes.From(distance[markIndex].BillableOffset).IsBefore(to)))
            {
                kmSoFar += distance[markIndex].Kilometres;
                markIndex++;
                moved = true;
            }

            if (moved)
            {
                distanceFare = DistanceFare(plan, kmSoFar, rounding);
            }

            var fareAtEnd = TimeFare(plan, to, rounding) + distanceFare;
            sum += Math.Min(cap.Price, fareAtEnd - previous);
            previous = fareAtEnd;
        }

        totalKm = kmSoFar;
        return sum;
    }

    // F(t) = TimeFare(t) + DistanceFare(km travelled within the first t billable minutes); the base price is in TimeFare.
    private static decimal TimeFare(PricingPlan plan, BillableMinutes t, IntervalRounding rounding)
    {
        var fare = plan.Price;
        foreach (var segment in Segments(plan.PerMinutePricing))
        {
            var units = CountTimeUnits(t, segment, rounding);
            if (units != 0)
            {
                fare += units * segment.Rate;
            }
        }

        return fare;
    }

    private static decimal DistanceFare(PricingPlan plan, decimal km, IntervalRounding rounding)
    {
        var fare = 0m;
        foreach (var segment in Segments(plan.PerKmPricing))
        {
            var units = CountDistanceUnits(km, segment, rounding);
            if (units != 0)
            {
                fare += units * segment.Rate;
            }
        }

        return fare;
    }

    // PricingPlan keeps its segments in arrays: reading them as a span avoids an interface call per segment and
    // window (IReadOnlyList<T> on an array is slow to dispatch). Any other list is copied, which allocates; the
    // allocation tests would show it.
    private static ReadOnlySpan<PricingSegment> Segments(IReadOnlyList<PricingSegment> segments)
        => segments as PricingSegment[] ?? [.. segments];

    // n for a per-minute segment at t. With x = min(t, end) = m whole minutes + f, 0 <= f < 1, and m - start = q i + r,
    // 0 <= r < i: floor((x - start) / i) = q, since r + f < i; ceil(...) = q + 1 unless r = f = 0.
    private static long CountTimeUnits(BillableMinutes t, PricingSegment segment, IntervalRounding rounding)
    {
        var x = segment.End is { } end ? BillableMinutes.Min(t, BillableMinutes.Whole(end)) : t;
        if (!BillableMinutes.Whole(segment.Start).IsBefore(x))
        {
            return 0;
        }

        if (segment.Interval == 0)
        {
            return 1;
        }

        var (quotient, remainder) = Math.DivRem(x.Minutes - segment.Start, segment.Interval);
        if (rounding == IntervalRounding.Started && (remainder > 0 || x.Nanoseconds > 0))
        {
            quotient++;
        }

        return quotient;
    }

    private static long CountDistanceUnits(decimal km, PricingSegment segment, IntervalRounding rounding)
    {
        var x = segment.End is { } end ? Math.Min(km, end) : km;
        if (x <= segment.Start)
        {
            return 0;
        }

        if (segment.Interval == 0)
        {
            return 1;
        }

        var span = x - segment.Start;
        decimal quotient;
        decimal remainder;
        if (segment.Interval == 1)
        {
            // The common case (per kilometre) needs no division.
            quotient = decimal.Truncate(span);
            remainder = span - quotient;
        }
        else
        {
            quotient = decimal.Truncate(span / segment.Interval);
            remainder = span - (quotient * segment.Interval);

            // Division of decimals can round in the last digit: correct the quotient so that 0 <= remainder < interval.
            while (remainder < 0)
            {
                quotient--;
                remainder += segment.Interval;
            }

            while (remainder >= segment.Interval)
            {
                quotient++;
                remainder -= segment.Interval;
            }
        }

        if (rounding == IntervalRounding.Started && remainder > 0)
        {
            quotient++;
        }

        return (long)quotient;
    }

    /// <summary>
    /// A non-negative point of billable time as whole minutes and the nanoseconds into the next minute. Segment starts,
    /// ends and intervals and cap windows are whole minutes, so every count is 64-bit integer arithmetic on the minutes
    /// with the nanoseconds deciding only whether an interval was started: exact, and no overflow for any Duration
    /// (Duration.ToInt64Nanoseconds overflows past about 292 years).
    /// </summary>
    private readonly struct BillableMinutes
    {
        private const long NanosecondsPerMinute = 60_000_000_000;

        private BillableMinutes(long minutes, long nanoseconds)
        {
            Minutes = minutes;
            Nanoseconds = nanoseconds;
        }

        public long Minutes { get; }

        public long Nanoseconds { get; }

        public static BillableMinutes From(Duration duration)
        {
            // Days and NanosecondOfDay are both non-negative for a non-negative duration.
            var (minuteOfDay, nanoseconds) = Math.DivRem(duration.NanosecondOfDay, NanosecondsPerMinute);
            return new BillableMinutes(((long)duration.Days * 1440) + minuteOfDay, nanoseconds);
        }

        public static BillableMinutes Whole(long minutes) => new(minutes, 0);

        public static BillableMinutes Min(BillableMinutes left, BillableMinutes right) => left.IsBefore(right) ? left : right;

        public bool IsBefore(BillableMinutes other) => Minutes < other.Minutes || (Minutes == other.Minutes && Nanoseconds < other.Nanoseconds);
    }
}
