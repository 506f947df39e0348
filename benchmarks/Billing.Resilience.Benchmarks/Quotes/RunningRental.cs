using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Benchmarks.Quotes;

/// <summary>
/// The rental the quote benchmarks price: 97 min 23.4 s after its start, still running (no end signal), with 3
/// per-minute segments, 1 per-km segment, a 30-minute fare cap, 5 freezing outages (5 frozen intervals, 13 min 25 s
/// frozen in all) and telemetry every 4 min 50 s (20 increments, 2 of them travelled while frozen). Fare: 17.26 EUR.
/// </summary>
internal static class RunningRental
{
    public static readonly Instant StartedAt = Instant.FromUtc(2025, 6, 2, 8, 0);

    public static readonly Instant AsOf = StartedAt + Duration.FromMinutes(97) + Duration.FromMilliseconds(23_400);

    /// <summary>1.00 EUR to unlock; 0.30/min for 10 min, 0.25/min to 30 min, then 0.19/min; 0.10 per started km; no
    /// 30-minute window costs more than 6.50.</summary>
    public static readonly PricingPlan Plan = new(
        "scooter-capped",
        CurrencyCode.EUR,
        1.00m,
        [new PricingSegment(0, 0.30m, 1, 10), new PricingSegment(10, 0.25m, 1, 30), new PricingSegment(30, 0.19m, 1)],
        [new PricingSegment(0, 0.10m, 1)],
        new FareCap(30, 6.50m));

    public static readonly MeteringOptions Metering = new();

    public static readonly Outage[] OutageLog =
    [
        Down("payment-1", Dependency.Payment, 5, 0, 7, 30),
        Down("identity-1", Dependency.Identity, 18, 0, 20, 0),
        Down("payment-2", Dependency.Payment, 33, 10, 36, 0),
        Down("identity-2", Dependency.Identity, 51, 0, 52, 45),
        Down("payment-3", Dependency.Payment, 70, 0, 74, 20),
    ];

    public static readonly EndSignal[] Signals = [];

    public static readonly DistanceIncrement[] Distance = [.. Enumerable.Range(0, 20).Select(i =>
        new DistanceIncrement(StartedAt + Duration.FromSeconds(150 + (i * 290)), 0.3m + (0.05m * (i % 7))))];

    private static Outage Down(string id, Dependency dependency, int fromMinute, int fromSecond, int toMinute, int toSecond)
        => new(id, dependency, StartedAt + Duration.FromSeconds((fromMinute * 60) + fromSecond), StartedAt + Duration.FromSeconds((toMinute * 60) + toSecond));
}
