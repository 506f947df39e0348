using System.Text;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;
using Polly;

namespace Billing.Resilience.Sqlite.Tests;

/// <summary>The library on the SQLite journal, end to end: what the engine writes is what the schema expects.</summary>
public sealed class EngineOnSqliteTests : IDisposable
{
    private readonly TempJournalFile file = new();
    private readonly FakeClock clock = new(Instant.FromUtc(2022, 10, 15, 5, 50));

    public void Dispose() => file.Dispose();

    [Fact]
    public async Task A_settled_rental_leaves_its_payment_keys_in_the_database_and_survives_a_restart()
    {
        var gateway = new SimulatedPaymentGateway("psp", clock);
        RentalStatement before;
        await using (var journal = await SqliteJournal.OpenAsync(file.Options()))
        {
            using var engine = await BuildAsync(journal, gateway);
            var start = await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard", "session"));
            Assert.True(start.Started, start.Refusal.ToString());
            clock.Advance(Duration.FromMinutes(30));
            Assert.True((await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Vehicle, start.RentalToken))).Accepted);
            await engine.Reconciler.RunOnceAsync();
            before = (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!;
        }

        using (var raw = SqliteJournalTests.Raw(file.Path))
        {
            // 1,000 KRW to unlock + 30 started minutes at 180 KRW = 6,400 KRW captured from a 10,000 KRW hold.
            Assert.Equal(
                "r-1/authorize/1|rental-r-1|Authorize|10000|KRW;r-1/capture/1|rental-r-1|Capture|6400|KRW",
                SqliteJournalTests.Scalar(raw, "SELECT group_concat(idempotency_key || '|' || rental || '|' || kind || '|' || amount_minor || '|' || currency, ';') FROM (SELECT * FROM payment_keys ORDER BY global_position)"));
        }

        await using (var reopened = await SqliteJournal.OpenAsync(file.Options()))
        {
            using var engine = await BuildAsync(reopened, gateway);
            var after = (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!;
            Assert.Equal(before.Status, after.Status);
            Assert.Equal(before.Charge, after.Charge);
            Assert.Equal(RentalStatus.Settled, after.Status);
        }

        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task A_long_car_sharing_rental_is_metered_billed_and_read_back_after_a_restart()
    {
        // 2,000 telemetry increments, one every 10 s, through the engine on SQLite: far past the 16 versions the
        // schema checks row by row, and a state that shares its increments with the one before it. Each increment is
        // 10 m; 20 km at 100 KRW per started km is 2,000 KRW.
        var gateway = new SimulatedPaymentGateway("psp", clock);
        const int Increments = 2_000;
        RentalStatement before;
        await using (var journal = await SqliteJournal.OpenAsync(file.Options()))
        {
            using var engine = await BuildAsync(journal, gateway);
            var start = await engine.Rentals.StartAsync(new StartRental("car-1", "u-1", "car", "session"));
            Assert.True(start.Started, start.Refusal.ToString());
            var first = clock.GetCurrentInstant() + Duration.FromSeconds(10);
            for (var i = 0; i < Increments; i++)
            {
                clock.Advance(Duration.FromSeconds(10));
                Assert.Empty(await engine.Rentals.RecordDistanceAsync(new RecordDistance("car-1", clock.GetCurrentInstant(), 0.01m)));
            }

            // Telemetry is delivered at least once: the first increment again is the same fact, not a new one.
            Assert.Empty(await engine.Rentals.RecordDistanceAsync(new RecordDistance("car-1", first, 0.01m)));
            clock.Advance(Duration.FromSeconds(10)); // the car locks after its last increment (one at the end instant is not billed)
            Assert.True((await engine.Rentals.ReportEndAsync(new ReportEndSignal("car-1", clock.GetCurrentInstant(), EndSignalSource.Vehicle, start.RentalToken))).Accepted);
            await engine.Reconciler.RunOnceAsync();
            before = (await engine.Rentals.GetStatementAsync("car-1", CancellationToken.None))!;
            Assert.Equal(RentalStatus.Settled, before.Status);
            Assert.Equal(20.00m, before.BillableKilometres);
            Assert.Equal(Money.FromMinorUnits(2_000, CurrencyCode.KRW), before.Charge);
            Assert.Equal(Increments, (await journal.ReadStreamAsync("rental-car-1")).Count(e => e.EventType == "DistanceRecorded"));
        }

        await using (var reopened = await SqliteJournal.OpenAsync(file.Options()))
        {
            using var engine = await BuildAsync(reopened, gateway);
            var after = (await engine.Rentals.GetStatementAsync("car-1", CancellationToken.None))!;
            Assert.Equal(before.Charge, after.Charge);
            Assert.Equal(before.BillableKilometres, after.BillableKilometres);
            Assert.Equal(RentalStatus.Settled, after.Status);
        }

        using (var raw = SqliteJournalTests.Raw(file.Path))
        {
            Assert.Equal(
                "car-1/authorize/1|10000;car-1/capture/1|2000",
                SqliteJournalTests.Scalar(raw, "SELECT group_concat(idempotency_key || '|' || amount_minor, ';') FROM (SELECT * FROM payment_keys ORDER BY global_position)"));
            Assert.Equal(SqliteJournalTests.Scalar(raw, "SELECT count(*) - 16 FROM events WHERE stream_id = 'rental-car-1'"), SqliteJournalTests.Scalar(raw, "SELECT count(*) FROM events INDEXED BY events_event_id_after_16 WHERE stream_id = 'rental-car-1' AND stream_version > 16"));
        }

        Assert.Empty(gateway.CheckInvariants());
    }

    private Task<BillingEngine> BuildAsync(SqliteJournal journal, SimulatedPaymentGateway gateway)
    {
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([
                new PricingPlan("kickboard", CurrencyCode.KRW, 1000m, [new PricingSegment(0, 180m, 1)]),
                new PricingPlan("car", CurrencyCode.KRW, 0m, perKmPricing: [new PricingSegment(0, 100m, 1)])])
            .UseIdentityProvider(new EveryoneIsWelcome())
            .AddPaymentGateway(gateway, ResiliencePipeline<PaymentResult>.Empty);
        builder.Payments.HoldAmount = 10_000m;
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        return builder.BuildAsync();
    }

    private sealed class EveryoneIsWelcome : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
            => ValueTask.FromResult(IdentityVerdict.Authenticated);
    }
}
