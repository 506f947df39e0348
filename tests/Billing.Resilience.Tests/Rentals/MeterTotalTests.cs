using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Pricing.Fare;
using Billing.Resilience.Tests.Support;
using CsCheck;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>
/// <see cref="RentalMeter.Total"/>, the live fare without a statement, is the statement's fare: same total (or the
/// same exception) for every rental, and no allocation.
/// </summary>
public class MeterTotalTests
{
    private static readonly Instant S = Instant.FromUtc(2022, 10, 15, 5, 50);

    internal sealed record Case(PricingPlan Plan, Outage[] Outages, EndSignal[] Signals, DistanceIncrement[] Distance, int GraceSeconds, bool FreezeIdentity, Instant AsOf)
    {
        public MeteringOptions Options => new()
        {
            FreezeGrace = Duration.FromSeconds(GraceSeconds),
            FreezeOn = FreezeIdentity ? new HashSet<Dependency> { Dependency.Payment, Dependency.Identity } : new HashSet<Dependency> { Dependency.Payment },
        };

        public override string ToString()
            => $"plan {new Ride(Plan, Duration.Zero, [])}; outages [{string.Join(", ", Outages.Select(o => $"{o.Dependency} {(o.From - S).TotalSeconds}..{(o.To - S)?.TotalSeconds}"))}]; "
                + $"signals [{string.Join(", ", Signals.Select(x => $"{x.Source} {(x.At - S).TotalSeconds}@{(x.ReceivedAt - S).TotalSeconds}"))}]; "
                + $"distance [{string.Join(", ", Distance.Select(d => $"{d.Kilometres}@{(d.At - S).TotalSeconds}"))}]; grace {GraceSeconds} s; asOf {(AsOf - S).TotalSeconds}";
    }

    // Seconds, so that outages, signals and telemetry fall inside minutes and on their edges; overlapping and open outages.
    private static readonly Gen<Outage> GenOutage =
        Gen.Select(Gen.Int[0, 1], Gen.Int[-3_600, 30_000], Gen.Int[1, 20_000], Gen.Int[0, 9])
            .Select((dependency, from, length, open) => new Outage("o", (Dependency)dependency, S + Duration.FromSeconds(from), open == 0 ? null : S + Duration.FromSeconds(from + length)));

    private static readonly Gen<EndSignal> GenSignal =
        Gen.Select(Gen.Int[-600, 30_000], Gen.Int[-300, 60_000], Gen.Int[0, 2])
            .Select((at, delay, source) => new EndSignal(S + Duration.FromSeconds(at), S + Duration.FromSeconds(Math.Max(at, 0) + delay), (EndSignalSource)source));

    private static readonly Gen<DistanceIncrement> GenDistance =
        Gen.Select(Gen.Int[-600, 30_000], Gen.Int[1, 500]).Select((at, hundredths) => new DistanceIncrement(S + Duration.FromSeconds(at), hundredths / 100m));

    // Up to 20 outages and 100 increments: past what the meter keeps on the stack (16 and 64), so the pooled path runs too.
    private static readonly Gen<Case> GenCase =
        Gen.Select(FareGen.Plan(allowNegativeRates: true), GenOutage.Array[0, 20], GenSignal.Array[0, 3], GenDistance.Array[0, 100], Gen.Int[0, 1_800], Gen.Bool, Gen.Int[0, 40_000])
            .Select((plan, outages, signals, distance, grace, identity, asOf) => new Case(
                plan, outages, signals, [.. distance.OrderBy(d => d.At)], grace, identity, S + Duration.FromSeconds(asOf)));

    [Fact]
    public void Total_is_the_statement_fare()
    {
        GenCase.Sample(c =>
        {
            var options = c.Options;
            Money expected;
            try
            {
                expected = RentalMeter.Read(S, c.Signals, c.Distance, c.Outages, options, c.Plan, c.AsOf).Fare.Total;
            }
            catch (Exception ex) when (ex is OverflowException or ArgumentException)
            {
                Assert.Throws(ex.GetType(), () => RentalMeter.Total(S, c.Signals, c.Distance, c.Outages, options, c.Plan, c.AsOf));
                return;
            }

            Assert.Equal(expected, RentalMeter.Total(S, c.Signals, c.Distance, c.Outages, options, c.Plan, c.AsOf));
        }, iter: 5_000);
    }

    [Fact]
    public void Increments_out_of_time_order_are_refused_by_both()
    {
        var plan = new PricingPlan("p", CurrencyCode.EUR, 1m, [new PricingSegment(0, 0.2m, 1)], [new PricingSegment(0, 0.5m, 1)], new FareCap(10, 2m));
        Outage[] outages = [new("o1", Dependency.Payment, S + Duration.FromMinutes(5), S + Duration.FromMinutes(8))];
        DistanceIncrement[] distance = [new(S + Duration.FromMinutes(25), 1.5m), new(S + Duration.FromMinutes(6), 2m), new(S + Duration.FromMinutes(27), 0.7m)];
        var asOf = S + Duration.FromMinutes(30);

        Assert.Throws<ArgumentException>(() => RentalMeter.Read(S, [], distance, outages, new MeteringOptions(), plan, asOf));
        Assert.Throws<ArgumentException>(() => RentalMeter.Total(S, [], distance, outages, new MeteringOptions(), plan, asOf));
    }

    [Fact]
    public void Total_does_not_allocate()
    {
        var plan = new PricingPlan(
            "capped", CurrencyCode.EUR, 1m,
            [new PricingSegment(0, 0.30m, 1, 10), new PricingSegment(10, 0.25m, 1, 30), new PricingSegment(30, 0.19m, 1)],
            [new PricingSegment(0, 0.10m, 1)],
            new FareCap(30, 6.50m));
        var options = new MeteringOptions();
        EndSignal[] signals = [new(S + Duration.FromMinutes(3), S + Duration.FromMinutes(100), EndSignalSource.Rider)];
        Outage[] few = [.. Enumerable.Range(0, 5).Select(i => new Outage($"o{i}", (Dependency)(i % 2), S + Duration.FromMinutes(5 + (i * 17)), S + Duration.FromMinutes(8 + (i * 17))))];
        Outage[] many = [.. Enumerable.Range(0, 40).Select(i => new Outage($"o{i}", (Dependency)(i % 2), S + Duration.FromMinutes(i * 3), S + Duration.FromMinutes(1 + (i * 3))))];
        DistanceIncrement[] some = [.. Enumerable.Range(0, 20).Select(i => new DistanceIncrement(S + Duration.FromSeconds(150 + (i * 290)), 0.3m))];
        DistanceIncrement[] lots = [.. Enumerable.Range(0, 500).Select(i => new DistanceIncrement(S + Duration.FromSeconds(i * 11), 0.01m))];
        var asOf = S + Duration.FromMinutes(97) + Duration.FromMilliseconds(23_400);

        foreach (var (outages, distance) in new[] { (few, some), (many, lots) })
        {
            var expected = RentalMeter.Read(S, signals, distance, outages, options, plan, asOf).Fare.Total;
            for (var i = 0; i < 100; i++)
            {
                RentalMeter.Total(S, signals, distance, outages, options, plan, asOf);
            }

            var total = default(Money);
            var allocated = Allocations.Fewest(() =>
            {
                for (var i = 0; i < 1_000; i++)
                {
                    total = RentalMeter.Total(S, signals, distance, outages, options, plan, asOf);
                }
            });

            Assert.Equal(expected, total);
            Assert.Equal(0, allocated);
        }
    }
}
