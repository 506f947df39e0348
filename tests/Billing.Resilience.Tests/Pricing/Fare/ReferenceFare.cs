using Billing.Resilience.Pricing;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>
/// SCENARIOS.md 3.3 transcribed as literally as possible, for the property tests to hold <see cref="FareCalculator"/>
/// against. It is deliberately naive and shares no code with the calculator: minutes are decimals
/// (billable nanoseconds / 60e9), counts use Math.Ceiling and Math.Floor, windows are walked in minutes.
/// </summary>
internal static class ReferenceFare
{
    private const decimal NanosPerMinute = 60_000_000_000m;

    /// <summary>The capped, clamped fare in major units, before the final rounding.</summary>
    public static decimal ExactTotal(PricingPlan plan, Duration billableTime, IReadOnlyList<DistanceMark> distance, IntervalRounding rounding)
    {
        var d = billableTime.ToInt64Nanoseconds() / NanosPerMinute;
        var totalKm = distance.Sum(m => m.Kilometres);

        decimal fare;
        if (plan.FareCap is not { } cap)
        {
            fare = F(plan, d, totalKm, rounding);
        }
        else
        {
            // Windows [kD, (k+1)D) over billable time; window 0 also when there is no billable time at all.
            fare = 0m;
            for (var k = 0; k == 0 || (decimal)k * cap.DurationMinutes < d; k++)
            {
                var from = (decimal)k * cap.DurationMinutes;
                var to = Math.Min(d, from + cap.DurationMinutes);
                var atEnd = F(plan, to, KmWithin(distance, to, d, totalKm), rounding);
                var atStart = k == 0 ? 0m : F(plan, from, KmWithin(distance, from, d, totalKm), rounding);
                fare += Math.Min(cap.Price, atEnd - atStart);
            }
        }

        return Math.Max(0m, fare);
    }

    /// <summary>F(t): base, per-minute segments at t minutes, per-km segments at km kilometres.</summary>
    public static decimal F(PricingPlan plan, decimal t, decimal km, IntervalRounding rounding)
    {
        var fare = plan.Price;
        foreach (var segment in plan.PerMinutePricing)
        {
            fare += Count(t, segment, rounding) * segment.Rate;
        }

        foreach (var segment in plan.PerKmPricing)
        {
            fare += Count(km, segment, rounding) * segment.Rate;
        }

        return fare;
    }

    /// <summary>n for one segment: x = min(value, end); 0 unless x &gt; start; 1 for interval 0; else ceil or floor.</summary>
    public static decimal Count(decimal value, PricingSegment segment, IntervalRounding rounding)
    {
        var x = segment.End is { } end ? Math.Min(value, end) : value;
        if (x <= segment.Start)
        {
            return 0;
        }

        if (segment.Interval == 0)
        {
            return 1;
        }

        var intervals = (x - segment.Start) / segment.Interval;
        return rounding == IntervalRounding.Started ? Math.Ceiling(intervals) : Math.Floor(intervals);
    }

    // The km travelled within the first t billable minutes: increments stamped before t. At the end of the ride that
    // is all of them (the convention for distance given as a total, stamped at offset 0 even with no billable time).
    private static decimal KmWithin(IReadOnlyList<DistanceMark> distance, decimal t, decimal d, decimal totalKm)
        => t >= d ? totalKm : distance.Where(m => m.BillableOffset.ToInt64Nanoseconds() / NanosPerMinute < t).Sum(m => m.Kilometres);
}
