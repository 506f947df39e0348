using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using CsCheck;
using NodaTime;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>
/// Random rentals, payment outages and gateway faults driven through the real engine and reconciler; after every run
/// the gateway's own ledger must show exactly-once money (BRIEF.md promise 3) and everything settled (promise 4).
/// </summary>
public class MoneyPropertyTests
{
    internal sealed record RentalPlan(string Plan, int StartMinute, int RideMinutes, int? CorrectionMinutes, int SignalDelayMinutes);

    internal sealed record FaultPlan(int Rental, PaymentOperationKind Operation, PaymentFaultKind Kind, int Times);

    internal sealed record Run(bool Hold, int HoldAmount, List<RentalPlan> Rentals, List<FaultPlan> Faults, int OutageFrom, int OutageMinutes, bool SecondReplay)
    {
        public override string ToString()
            => $"hold {(Hold ? HoldAmount : 0)}, outage {OutageFrom}+{OutageMinutes} min, replay {SecondReplay}, rentals [{string.Join(", ", Rentals)}], faults [{string.Join(", ", Faults)}]";
    }

    private static readonly Gen<RentalPlan> GenRental =
        Gen.Select(Gen.OneOfConst("kickboard", "bike", "promo"), Gen.Int[0, 120], Gen.Int[1, 180], Gen.Int[0, 179], Gen.Int[0, 2_000])
            .Select((plan, start, ride, correction, delay) => new RentalPlan(plan, start, ride, correction > 0 && correction < ride ? correction : (int?)null, delay));

    private static readonly Gen<FaultPlan> GenFault =
        Gen.Select(Gen.Int[0, 3], Gen.OneOfConst(PaymentOperationKind.Capture, PaymentOperationKind.Charge, PaymentOperationKind.Void, PaymentOperationKind.Refund, PaymentOperationKind.Authorize),
                Gen.OneOfConst(PaymentFaultKind.LostResponse, PaymentFaultKind.Timeout, PaymentFaultKind.Error, PaymentFaultKind.LostResponse), Gen.Int[1, 4])
            .Select((rental, op, kind, times) => new FaultPlan(rental, op, kind, times));

    private static readonly Gen<Run> GenRun =
        Gen.Select(Gen.Bool, Gen.Int[1, 30], GenRental.List[1, 4], GenFault.List[0, 4], Gen.Int[0, 300], Gen.Int[0, 12 * 24 * 60], Gen.Bool)
            .Select((hold, amount, rentals, faults, from, minutes, replay) => new Run(hold, amount * 1_000, rentals, faults, from, minutes, replay));

    [Fact]
    public void Money_moves_exactly_once_whatever_the_outages_and_faults()
    {
        GenRun.Sample(run => Check(run).GetAwaiter().GetResult(), iter: 1_000, threads: 1);
    }

    private static async Task Check(Run run)
    {
        var journal = new InMemoryJournal();
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = run.Hold ? run.HoldAmount : null, journal);
        for (var i = 0; i < run.Rentals.Count; i++)
        {
            foreach (var fault in run.Faults.Where(f => f.Rental == i))
            {
                t.Gateway.AddFault($"r-{i}", fault.Operation, fault.Kind, fault.Times);
            }
        }

        // A timeline of starts, ends, corrections and one payment outage, in minutes from T0.
        var events = new List<(int Minute, int Order, Func<Task> Run)>();
        var tokens = new Dictionary<int, bool>();
        for (var i = 0; i < run.Rentals.Count; i++)
        {
            var id = $"r-{i}";
            var r = run.Rentals[i];
            var index = i;
            events.Add((r.StartMinute, 2, async () => tokens[index] = (await t.Rentals.StartAsync(new StartRental(id, $"u-{index}", r.Plan))).Started));
            var endAt = TestEngine.T0 + Duration.FromMinutes(r.StartMinute + r.RideMinutes);
            events.Add((r.StartMinute + r.RideMinutes + r.SignalDelayMinutes, 3, async () =>
            {
                if (tokens[index])
                {
                    await t.EndAsync(id, endAt, EndSignalSource.Operator);
                }
            }));
            if (r.CorrectionMinutes is { } correction)
            {
                var correctedAt = TestEngine.T0 + Duration.FromMinutes(r.StartMinute + correction);
                events.Add((r.StartMinute + r.RideMinutes + r.SignalDelayMinutes + 600, 3, async () =>
                {
                    if (tokens[index])
                    {
                        await t.EndAsync(id, correctedAt, EndSignalSource.Vehicle);
                    }
                }));
            }
        }

        if (run.OutageMinutes > 0)
        {
            events.Add((run.OutageFrom, 1, () => t.DownAsync(Dependency.Payment)));
            events.Add((run.OutageFrom + run.OutageMinutes, 0, () => t.UpAsync(Dependency.Payment)));
        }

        foreach (var (minute, _, action) in events.OrderBy(e => e.Minute).ThenBy(e => e.Order))
        {
            var at = TestEngine.T0 + Duration.FromMinutes(minute);
            if (at > t.Clock.GetCurrentInstant())
            {
                await t.SettleAsync(at - t.Clock.GetCurrentInstant());
                t.Clock.Reset(at);
            }

            await action();
            await t.Engine.Reconciler.RunOnceAsync();
        }

        // Faults stop; everything whose money can move settles.
        await t.SettleAsync(Duration.FromDays(2));
        var engine = t.Engine;
        if (run.SecondReplay)
        {
            // A restart from the journal must change nothing.
            using var restarted = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = run.Hold ? run.HoldAmount : null, journal, t.Clock, existingGateways: t.Gateways);
            await restarted.SettleAsync(Duration.FromDays(2));
            await AssertSettledAsync(restarted, run);
        }

        await AssertSettledAsync(t, run);
        Assert.NotNull(engine);
    }

    private static async Task AssertSettledAsync(TestEngine t, Run run)
    {
        Assert.Empty(t.Gateway.CheckInvariants());
        for (var i = 0; i < run.Rentals.Count; i++)
        {
            var id = $"r-{i}";
            var statement = await t.StatementAsync(id);
            var ledger = t.Gateway.GetTotals(id);
            if (statement is null || statement.Status == RentalStatus.Refused)
            {
                Assert.True(ledger.Currency.IsDefault || (ledger.Net.IsZero && ledger.Held.IsZero), $"{id}: refused but {ledger}");
                continue;
            }

            Assert.False(statement.Money.HasUnresolvedOperation, $"{id}: unresolved operation left");
            Assert.Equal(RentalStatus.Settled, statement.Status);
            Assert.Empty(t.Gateway.CheckCharge(id, statement.Charge));
            Assert.Equal(statement.Charge, ledger.Currency.IsDefault ? Money.Zero(CurrencyCode.KRW) : ledger.Net);
            Assert.True(ledger.Currency.IsDefault || ledger.Captured <= ledger.Authorized);
            Assert.True(ledger.Currency.IsDefault || ledger.Held.IsZero, $"{id}: a hold is still open after settlement: {ledger}");
        }
    }
}
