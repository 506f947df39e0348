using Billing.Resilience.Pricing;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>
/// Plans built by hand with the <see cref="PricingPlan"/> constructor: the seed scenario's, the GBFS 3.1 spec's
/// examples and real operators' plans from shared/gbfs (values copied from the feeds, not imported).
/// </summary>
internal static class FarePlans
{
    public static readonly CurrencyCode Krw = CurrencyCode.KRW;
    public static readonly CurrencyCode Usd = CurrencyCode.USD;
    public static readonly CurrencyCode Eur = CurrencyCode.EUR;
    public static readonly CurrencyCode Cad = CurrencyCode.Parse("CAD");
    public static readonly CurrencyCode Bhd = CurrencyCode.Parse("BHD");

    /// <summary>seeds/kakao-2022-10-15.json "kickboard": unlock 1,000 KRW, then 180 KRW per started minute.</summary>
    public static PricingPlan Kickboard() => new("kickboard", Krw, 1000m, [new PricingSegment(start: 0, rate: 180m, interval: 1)]);

    /// <summary>seeds/kakao-2022-10-15.json "bike": 1,000 KRW for the first 15 minutes, then 500 KRW per started 5 minutes.</summary>
    public static PricingPlan Bike() => new("bike", Krw, 1000m, [new PricingSegment(start: 15, rate: 500m, interval: 5)]);

    /// <summary>GBFS 3.1 example 1 ("plan2"): 2.00 USD includes 10 km; 1.00/km to 25 km; then 0.50/km and 3.00 per 5 km.</summary>
    public static PricingPlan GbfsExample1() => new(
        "plan2",
        Usd,
        2.00m,
        perKmPricing:
        [
            new PricingSegment(start: 10, rate: 1.00m, interval: 1, end: 25),
            new PricingSegment(start: 25, rate: 0.50m, interval: 1),
            new PricingSegment(start: 25, rate: 3.00m, interval: 5),
        ]);

    /// <summary>GBFS 3.1 example 2 ("plan3"): 3.00 CAD + 0.25/km + 0.50/min, capped at 15.00 per 720 minutes.</summary>
    public static PricingPlan GbfsExample2(FareCap? cap = null) => new(
        "plan3",
        Cad,
        3.00m,
        perMinutePricing: [new PricingSegment(start: 0, rate: 0.50m, interval: 1)],
        perKmPricing: [new PricingSegment(start: 0, rate: 0.25m, interval: 1)],
        fareCap: cap ?? new FareCap(durationMinutes: 720, price: 15.00m));

    /// <summary>GBFS 3.1 example 2 without its fare_capping.</summary>
    public static PricingPlan GbfsExample2Uncapped() => new(
        "plan3-uncapped",
        Cad,
        3.00m,
        perMinutePricing: [new PricingSegment(start: 0, rate: 0.50m, interval: 1)],
        perKmPricing: [new PricingSegment(start: 0, rate: 0.25m, interval: 1)]);

    /// <summary>deer-carsharing basic_line_hour: 9.90 EUR per started 60 minutes (price 0).</summary>
    public static PricingPlan DeerBasicLineHour() => new("basic_line_hour", Eur, 0m, [new PricingSegment(start: 0, rate: 9.9m, interval: 60)]);

    /// <summary>deer-carsharing basic_line_weekend: 109.90 EUR, start 0, end 3119, interval 3120.</summary>
    public static PricingPlan DeerBasicLineWeekend() =>
        new("basic_line_weekend", Eur, 0m, [new PricingSegment(start: 0, rate: 109.9m, interval: 3120, end: 3119)]);

    /// <summary>
    /// What deer's description of basic_line_hour says ("the first started hour in full, then per started 15
    /// minutes"), written as segments: 9.90 once, then 9.90 / 4 = 2.475 per started 15 minutes after the first hour.
    /// deer does not publish this; it is here to show what the description would cost.
    /// </summary>
    public static PricingPlan DeerBasicLineHourAsDescribed() => new(
        "basic_line_hour_as_described",
        Eur,
        0m,
        [new PricingSegment(start: 0, rate: 9.9m, interval: 0), new PricingSegment(start: 60, rate: 2.475m, interval: 15)]);

    /// <summary>stadtmobil Karlsruhe micro_hour_daytime: 1.20 EUR + 1.10 per started hour up to minute 1020, 0.21/km to 100 km, then 0.15/km.</summary>
    public static PricingPlan StadtmobilMicroHourDaytime() => new(
        "micro_hour_daytime",
        Eur,
        1.2m,
        perMinutePricing: [new PricingSegment(start: 0, rate: 1.1m, interval: 60, end: 1020)],
        perKmPricing: [new PricingSegment(start: 0, rate: 0.21m, interval: 1, end: 100), new PricingSegment(start: 100, rate: 0.15m, interval: 1)]);

    /// <summary>Charlotte B-cycle bcycle_charlotte_120: a three-decimal USD price, 8.333.</summary>
    public static PricingPlan CharlotteAnnualMonthly() => new("bcycle_charlotte_120", Usd, 8.333m);

    public static Duration Minutes(long minutes) => Duration.FromMinutes(minutes);

    /// <summary>An exact fractional number of minutes (12.25 is 12 minutes 15 seconds).</summary>
    public static Duration Minutes(decimal minutes) => Duration.FromNanoseconds(checked((long)(minutes * 60_000_000_000m)));

    public static DistanceMark Km(decimal kilometres, Duration at) => new(at, kilometres);

    /// <summary>The lines as compact text ("Base 1000", "PerMinute#0 x31 5580") for readable assertions.</summary>
    public static string[] Lines(FareQuote quote) => quote.LineItems.Select(Describe).ToArray();

    public static string Describe(FareLineItem line)
    {
        var text = line.Segment is { } segment ? $"{line.Kind}#{segment}" : line.Kind.ToString();
        if (line.Units is { } units)
        {
            text += $" x{units}";
        }

        return text + " " + line.Amount.ToMajorString();
    }
}
