using Billing.Resilience.Pricing;
using CsCheck;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>A random ride: a plan, billable time and the distance travelled within it.</summary>
internal sealed record Ride(PricingPlan Plan, Duration Time, DistanceMark[] Distance)
{
    public decimal Kilometres => Distance.Sum(m => m.Kilometres);

    public override string ToString()
    {
        static string Segments(IReadOnlyList<PricingSegment> segments) =>
            string.Join(", ", segments.Select(s => $"{{start {s.Start}, rate {s.Rate}, interval {s.Interval}, end {s.End?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}}}"));

        var cap = Plan.FareCap is { } c ? $"cap {c.Price} per {c.DurationMinutes} min" : "no cap";
        var marks = string.Join(", ", Distance.Select(m => $"{m.Kilometres} km at {m.BillableOffset.ToInt64Nanoseconds()} ns"));
        return $"{Plan.Currency.Code} price {Plan.Price}; per_min [{Segments(Plan.PerMinutePricing)}]; per_km [{Segments(Plan.PerKmPricing)}]; {cap}; "
            + $"time {Time.ToInt64Nanoseconds()} ns; distance [{marks}]";
    }
}

/// <summary>Generators of plans and rides for the fare properties.</summary>
internal static class FareGen
{
    private static readonly Gen<CurrencyCode> Currency = Gen.OneOfConst(
        CurrencyCode.KRW, CurrencyCode.JPY, CurrencyCode.USD, CurrencyCode.EUR, CurrencyCode.Parse("CAD"), CurrencyCode.Parse("BHD"));

    // Up to 3 decimals, as real feeds have (8.333 USD); a third of them whole.
    private static readonly Gen<decimal> NonNegativeAmount = Gen.Frequency(
        (2, Gen.Int[0, 50_000].Select(i => i / 1000m)),
        (1, Gen.Int[0, 50].Select(i => (decimal)i)),
        (1, Gen.Const(0m)));

    private static readonly Gen<decimal> AnyRate = Gen.Frequency(
        (3, NonNegativeAmount),
        (1, Gen.Int[-20_000, 0].Select(i => i / 1000m)));

    private static Gen<PricingSegment> Segment(Gen<decimal> rate, int maxStart, int maxInterval, int maxLength) =>
        Gen.Select(
            Gen.Int[0, maxStart],
            rate,
            Gen.Frequency((1, Gen.Const(0)), (1, Gen.Const(1)), (3, Gen.Int[1, maxInterval])),
            Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[1, maxLength])),
            (start, r, interval, length) => new PricingSegment(start, r, interval, length == 0 ? null : start + length));

    private static readonly Gen<FareCap?> Cap = Gen.Frequency(
        (1, Gen.Const((FareCap?)null)),
        (1, Gen.Select(Gen.Frequency((1, Gen.Int[1, 30]), (1, Gen.Int[5, 120]), (2, Gen.Int[60, 1440])), NonNegativeAmount, (d, p) => (FareCap?)new FareCap(d, p))));

    /// <summary>Plans with 0-4 per-minute and 0-3 per-km segments (overlapping, with ends, interval 0), maybe capped.</summary>
    public static Gen<PricingPlan> Plan(bool allowNegativeRates, bool allowCap = true)
    {
        var rate = allowNegativeRates ? AnyRate : NonNegativeAmount;
        return Gen.Select(
                Currency,
                NonNegativeAmount,
                Segment(rate, maxStart: 120, maxInterval: 120, maxLength: 600).Array[0, 4],
                Segment(rate, maxStart: 20, maxInterval: 10, maxLength: 50).Array[0, 3],
                allowCap ? Cap : Gen.Const((FareCap?)null),
                (currency, price, perMinute, perKm, cap) => new PricingPlan("random", currency, price, perMinute, perKm, cap));
    }

    /// <summary>
    /// Billable time up to three days: whole minutes (often few, to land on segment starts, ends and cap windows),
    /// whole seconds, any nanosecond, or under a second.
    /// </summary>
    public static readonly Gen<Duration> Time = Gen.Frequency(
        (2, Gen.Int[0, 150].Select(m => Duration.FromMinutes(m))),
        (2, Gen.Int[0, 3 * 1440].Select(m => Duration.FromMinutes(m))),
        (2, Gen.Long[0, 3 * 86_400].Select(Duration.FromSeconds)),
        (3, Gen.Long[0, 3 * 86_400_000_000_000L].Select(Duration.FromNanoseconds)),
        (1, Gen.Long[0, 1_000_000_000].Select(Duration.FromNanoseconds)));

    /// <summary>A distance increment: up to 30 km with up to 3 decimals.</summary>
    public static readonly Gen<decimal> Kilometres = Gen.Frequency(
        (3, Gen.Int[0, 30_000].Select(i => i / 1000m)),
        (1, Gen.Int[0, 30].Select(i => (decimal)i)));

    /// <summary>
    /// 0-5 increments at offsets within [0, time), in order (all at 0 when there is no billable time): anywhere, or on a
    /// whole minute (to land on cap window boundaries).
    /// </summary>
    public static Gen<DistanceMark[]> Distance(Duration time)
    {
        var nanos = time.ToInt64Nanoseconds();
        var anywhere = Gen.Long[0, 999_999].Select(millionths => (long)((Int128)nanos * millionths / 1_000_000));
        var wholeMinutes = nanos / 60_000_000_000;
        var onAMinute = Gen.Long[0, Math.Max(0, wholeMinutes - (nanos % 60_000_000_000 == 0 ? 1 : 0))]
            .Select(minute => nanos == 0 ? 0 : minute * 60_000_000_000);
        var offset = Gen.Frequency((2, anywhere), (1, onAMinute));
        return Gen.Select(offset, Kilometres, (at, km) => new DistanceMark(Duration.FromNanoseconds(at), km))
            .Array[0, 5]
            .Select(marks => marks.OrderBy(m => m.BillableOffset).ToArray());
    }

    public static Gen<Ride> Ride(bool allowNegativeRates, bool allowCap = true) =>
        Gen.Select(Plan(allowNegativeRates, allowCap), Time)
            .SelectMany(t => Distance(t.Item2).Select(distance => new Ride(t.Item1, t.Item2, distance)));
}
