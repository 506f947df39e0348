using NodaTime;

namespace Billing.Resilience.Pricing;

/// <summary>
/// The fare of SCENARIOS.md 3.3: base price, per-minute and per-km segments, <c>fare_capping</c> windows, clamp at
/// zero, and one rounding at the end to the currency's minor unit, half to even.
/// </summary>
/// <remarks>
/// <para>Billable time is used exactly: with d the billable time, a segment {start a, interval i, end e} counts
/// n = ceil((min(d, e) - a) / i) intervals under <see cref="IntervalRounding.Started"/> and floor(...) under
/// <see cref="IntervalRounding.Completed"/> when min(d, e) &gt; a, and 1 when i = 0. Time is compared in
/// nanoseconds and distance as exact decimals, so nothing is rounded before the formula.</para>
/// <para>With <c>fare_capping</c> {duration D, price P} billable time is cut into windows [kD, (k+1)D); window k
/// costs F(min(d, (k+1)D)) - F(kD), F(0) taken as 0 for the first window, where F(t) is the fare after t billable
/// minutes with the distance travelled within them; the capped fare sums min(P, window cost).</para>
/// </remarks>
public static class FareCalculator
{
    private static readonly Int128 NanosPerMinute = 60_000_000_000;

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
    /// <param name="distance">Distance increments by billable offset, in ascending order of offset.</param>
    /// <param name="rounding">How partly used intervals count.</param>
    public static FareQuote Quote(PricingPlan plan, Duration billableTime, ReadOnlySpan<DistanceMark> distance, IntervalRounding rounding)
    {
        var evaluation = Evaluate(plan, billableTime, distance, rounding);
        var currency = plan.Currency;
        var lines = new List<FareLineItem>(plan.PerMinutePricing.Count + plan.PerKmPricing.Count + 4);
        var d = ToNanos(billableTime);
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

    /// <summary>Computes only the fare's total, without line items and without allocating.</summary>
    public static Money Total(PricingPlan plan, Duration billableTime, ReadOnlySpan<DistanceMark> distance, IntervalRounding rounding)
        => Money.FromMajor(Evaluate(plan, billableTime, distance, rounding).Clamped, plan.Currency, MidpointRounding.ToEven);

    private static FareLineItem Line(FareLineItemKind kind, int? segment, long? units, decimal exact, CurrencyCode currency)
        => new(kind, segment, units, exact, Money.FromMajor(exact, currency, MidpointRounding.ToEven));

    private readonly record struct Evaluation(decimal Uncapped, decimal Capped, decimal Clamped, decimal TotalKilometres);

    private static Evaluation Evaluate(PricingPlan plan, Duration billableTime, ReadOnlySpan<DistanceMark> distance, IntervalRounding rounding)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Preconditions.CheckArgument(billableTime >= Duration.Zero, nameof(billableTime), "Billable time is not negative.");
        var d = ToNanos(billableTime);
        var totalKm = 0m;
        var previousOffset = Duration.MinValue;
        foreach (var mark in distance)
        {
            Preconditions.CheckArgument(mark.Kilometres >= 0, nameof(distance), "Distance increments are not negative.");
            Preconditions.CheckArgument(mark.BillableOffset >= previousOffset, nameof(distance), "Distance increments are in order of billable offset.");
            previousOffset = mark.BillableOffset;
            totalKm += mark.Kilometres;
        }

        var uncapped = FareAt(plan, d, totalKm, rounding);
        var capped = uncapped;
        if (plan.FareCap is { } cap)
        {
            capped = CappedFare(plan, cap, d, distance, totalKm, rounding);
        }

        return new Evaluation(uncapped, capped, capped < 0 ? 0 : capped, totalKm);
    }

    private static decimal CappedFare(PricingPlan plan, FareCap cap, Int128 d, ReadOnlySpan<DistanceMark> distance, decimal totalKm, IntervalRounding rounding)
    {
        var window = cap.DurationMinutes * NanosPerMinute;
        var sum = 0m;
        var previous = 0m; // F(0) is taken as 0 for window 0.
        var markIndex = 0;
        var kmSoFar = 0m;
        for (Int128 from = 0; from == 0 || from < d; from += window)
        {
            var to = Int128.Min(d, from + window);
            decimal kmWithin;
            if (to >= d)
            {
                kmWithin = totalKm;
            }
            else
            {
                // Increments strictly before the window's end belong to it or an earlier window.
                while (markIndex < distance.Length && ToNanos(distance[markIndex].BillableOffset) < to)
                {
                    kmSoFar += distance[markIndex].Kilometres;
                    markIndex++;
                }

                kmWithin = kmSoFar;
            }

            var fareAtEnd = FareAt(plan, to, kmWithin, rounding);
            sum += Math.Min(cap.Price, fareAtEnd - previous);
            previous = fareAtEnd;
        }

        return sum;
    }

    private static decimal FareAt(PricingPlan plan, Int128 t, decimal km, IntervalRounding rounding)
    {
        var fare = plan.Price;
        var perMinute = plan.PerMinutePricing;
        for (var s = 0; s < perMinute.Count; s++)
        {
            var units = CountTimeUnits(t, perMinute[s], rounding);
            if (units != 0)
            {
                fare += units * perMinute[s].Rate;
            }
        }

        var perKm = plan.PerKmPricing;
        for (var s = 0; s < perKm.Count; s++)
        {
            var units = CountDistanceUnits(km, perKm[s], rounding);
            if (units != 0)
            {
                fare += units * perKm[s].Rate;
            }
        }

        return fare;
    }

    internal static long CountTimeUnits(Int128 nanos, PricingSegment segment, IntervalRounding rounding)
    {
        var x = segment.End is { } end ? Int128.Min(nanos, end * NanosPerMinute) : nanos;
        var start = segment.Start * NanosPerMinute;
        if (x <= start)
        {
            return 0;
        }

        if (segment.Interval == 0)
        {
            return 1;
        }

        var interval = segment.Interval * NanosPerMinute;
        var (quotient, remainder) = Int128.DivRem(x - start, interval);
        if (rounding == IntervalRounding.Started && remainder > 0)
        {
            quotient++;
        }

        return (long)quotient;
    }

    internal static long CountDistanceUnits(decimal km, PricingSegment segment, IntervalRounding rounding)
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
        var quotient = decimal.Truncate(span / segment.Interval);
        var remainder = span - (quotient * segment.Interval);

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

        if (rounding == IntervalRounding.Started && remainder > 0)
        {
            quotient++;
        }

        return (long)quotient;
    }

    private static Int128 ToNanos(Duration duration) => duration.ToInt64Nanoseconds();
}
