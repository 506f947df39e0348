using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using CsCheck;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>Properties of the meter over random rentals, outages and signals (all on whole minutes, so a simple model can count).</summary>
public class MeterPropertyTests
{
    private const int Iterations = 2_000;
    private static readonly Instant S = Instant.FromUtc(2022, 10, 15, 5, 50);
    private static readonly Instant AsOf = S + Duration.FromMinutes(3_000);

    internal sealed record Case(PricingPlan Plan, List<Outage> Outages, List<EndSignal> Signals, List<DistanceIncrement> Distance, int GraceMinutes, bool FreezeIdentity);

    private static readonly Gen<PricingPlan> GenPlan = Gen.OneOf(
        Gen.Const(TestEngine.Kickboard),
        Gen.Const(TestEngine.Bike),
        Gen.Select(Gen.Int[0, 3_000], Gen.Int[0, 30], Gen.Int[0, 10], Gen.Int[0, 500], Gen.Int[0, 20], Gen.Int[0, 1_000])
            .Select((price, start, interval, rate, kmInterval, kmRate) => new PricingPlan(
                "random", CurrencyCode.KRW, price, [new PricingSegment(start, rate, interval)], [new PricingSegment(0, kmRate, kmInterval)])));

    private static readonly Gen<Outage> GenOutage =
        Gen.Select(Gen.Int[0, 1], Gen.Int[-60, 400], Gen.Int[1, 600], Gen.Bool)
            .Select((dependency, from, length, open) => new Outage("o", (Dependency)dependency, S + Duration.FromMinutes(from), open ? null : S + Duration.FromMinutes(from + length)));

    private static readonly Gen<EndSignal> GenSignal =
        Gen.Select(Gen.Int[-10, 500], Gen.Int[-5, 2_000], Gen.Int[0, 2])
            .Select((at, delay, source) => new EndSignal(S + Duration.FromMinutes(at), S + Duration.FromMinutes(Math.Max(at, 0) + delay), (EndSignalSource)source));

    private static readonly Gen<DistanceIncrement> GenDistance =
        Gen.Select(Gen.Int[0, 500], Gen.Int[1, 50]).Select((at, tenths) => new DistanceIncrement(S + Duration.FromMinutes(at), tenths / 10m));

    private static readonly Gen<Case> GenCase =
        Gen.Select(GenPlan, GenOutage.List[0, 4], GenSignal.List[0, 4], GenDistance.List[0, 5], Gen.Int[0, 30], Gen.Bool)
            .Select((plan, outages, signals, distance, grace, identity) =>
            {
                // One outage at a time per dependency, as the outage log guarantees; ids unique.
                var kept = new List<Outage>();
                foreach (var o in outages.OrderBy(o => o.From))
                {
                    if (kept.Where(k => k.Dependency == o.Dependency).All(k => k.To is { } to && to <= o.From))
                    {
                        kept.Add(o with { OutageId = $"o{kept.Count}" });
                    }
                }

                return new Case(plan, kept, signals, distance.OrderBy(d => d.At).ToList(), grace, identity);
            });

    private static MeteringOptions Options(Case c) => new()
    {
        FreezeGrace = Duration.FromMinutes(c.GraceMinutes),
        FreezeOn = c.FreezeIdentity ? new HashSet<Dependency> { Dependency.Payment, Dependency.Identity } : new HashSet<Dependency> { Dependency.Payment },
    };

    private static MeterReading Read(Case c, IReadOnlyList<Outage>? outages = null, IReadOnlyList<EndSignal>? signals = null)
        => RentalMeter.Read(S, signals ?? c.Signals, c.Distance, outages ?? c.Outages, Options(c), c.Plan, AsOf);

    [Fact]
    public void A_frozen_minute_is_never_billed()
    {
        GenCase.Sample(c =>
        {
            var reading = Read(c);
            var until = reading.BilledUntil;
            var options = Options(c);

            // The model: walk the rental minute by minute; a minute is frozen when a freezing outage, after its grace, covers it.
            var billable = 0;
            var frozen = 0;
            for (var t = S; t < until; t += Duration.FromMinutes(1))
            {
                var isFrozen = c.Outages.Any(o => options.FreezeOn.Contains(o.Dependency) && o.From + options.FreezeGrace <= t && (o.To is not { } to || t < to) && t < AsOf);
                if (isFrozen)
                {
                    frozen++;
                }
                else
                {
                    billable++;
                }
            }

            Assert.Equal(Duration.FromMinutes(billable), reading.BillableTime);
            Assert.Equal(Duration.FromMinutes(frozen), reading.FrozenTime);
            var expectedKm = c.Distance.Where(d => d.At >= S && d.At < until && !reading.FrozenUnion.Any(f => f.Contains(d.At))).Sum(d => d.Kilometres);
            Assert.Equal(expectedKm, reading.BillableKilometres);
        }, iter: Iterations);
    }

    [Fact]
    public void An_outage_never_makes_a_rental_cost_more_than_it_would_without_one()
    {
        GenCase.Sample(c =>
        {
            var withOutages = Read(c);
            var without = Read(c, outages: []);
            Assert.True(withOutages.Fare.Total <= without.Fare.Total, $"{withOutages.Fare.Total} > {without.Fare.Total}");
            Assert.True(withOutages.Fare.Total <= withOutages.NaiveFare.Total);
        }, iter: Iterations);
    }

    [Fact]
    public void The_order_in_which_signals_arrive_does_not_change_the_bill()
    {
        Gen.Select(GenCase, Gen.Int).Sample((c, seed) =>
        {
            var random = new Random(seed);
            List<EndSignal> shuffled = [.. c.Signals.OrderBy(_ => random.Next())];
            var a = Read(c);
            var b = Read(c, signals: shuffled);
            Assert.Equal(a.End, b.End);
            Assert.Equal(a.Fare.Total, b.Fare.Total);
            Assert.Equal(a.BillableTime, b.BillableTime);
            Assert.Equal(a.RejectedSignals.Count, b.RejectedSignals.Count);
        }, iter: Iterations);
    }

    [Fact]
    public void The_end_is_the_earliest_signal_that_passes_every_check()
    {
        GenCase.Sample(c =>
        {
            var options = Options(c);
            var lastTelemetry = c.Distance.Count == 0 ? (Instant?)null : c.Distance.Max(d => d.At);
            var valid = c.Signals.Where(s => s.At > S && s.At <= s.ReceivedAt + options.EndSignalSkew && !(s.Source == EndSignalSource.Rider && lastTelemetry > s.At)).ToList();
            var reading = Read(c);
            Assert.Equal(valid.Count == 0 ? null : valid.Min(s => s.At), reading.End);
            Assert.Equal(c.Signals.Count, reading.ValidSignals.Count + reading.RejectedSignals.Count);
        }, iter: Iterations);
    }
}
