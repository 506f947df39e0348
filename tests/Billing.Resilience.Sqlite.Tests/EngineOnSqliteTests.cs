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

    private Task<BillingEngine> BuildAsync(SqliteJournal journal, SimulatedPaymentGateway gateway)
    {
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([new PricingPlan("kickboard", CurrencyCode.KRW, 1000m, [new PricingSegment(0, 180m, 1)])])
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
