using System.Text;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;
using Polly;

namespace Billing.Resilience.PostgreSql.Tests;

/// <summary>The library on the PostgreSQL journal, end to end, with two instances: what one writes, the other settles.</summary>
public sealed class EngineOnPostgreSqlTests : IAsyncLifetime
{
    private readonly string schema = TestServer.NewSchema();
    private readonly FakeClock clock = new(Instant.FromUtc(2022, 10, 15, 5, 50));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => TestServer.DropSchemaAsync(schema);

    [Fact]
    public async Task A_rental_started_on_one_instance_is_settled_by_another()
    {
        var gateway = new SimulatedPaymentGateway("psp", clock);
        await using var otherSource = TestServer.CreateDataSource(maxPoolSize: 4);
        await using var first = await PostgreSqlJournal.OpenAsync(TestServer.DataSource, new PostgreSqlJournalOptions { Schema = schema });
        await using var second = await PostgreSqlJournal.OpenAsync(otherSource, new PostgreSqlJournalOptions { Schema = schema });

        using (var engine = await BuildAsync(first, gateway))
        {
            var start = await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard", "session"));
            Assert.True(start.Started, start.Refusal.ToString());
            clock.Advance(Duration.FromMinutes(30));
            Assert.True((await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Vehicle, start.RentalToken))).Accepted);
        }

        using (var engine = await BuildAsync(second, gateway))
        {
            await engine.Reconciler.RecoverAsync();
            await engine.Reconciler.RunOnceAsync();
            Assert.Equal(RentalStatus.Settled, (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!.Status);
        }

        // 1,000 KRW to unlock + 30 started minutes at 180 KRW = 6,400 KRW captured from a 10,000 KRW hold.
        Assert.Equal(
            "r-1/authorize/1|rental-r-1|Authorize|10000|KRW;r-1/capture/1|rental-r-1|Capture|6400|KRW",
            await TestServer.ScalarAsync<string>($"SELECT string_agg(concat_ws('|', idempotency_key, rental, kind, amount_minor, currency), ';' ORDER BY global_position) FROM {schema}.payment_keys"));
        Assert.Empty(gateway.CheckInvariants());
    }

    private Task<BillingEngine> BuildAsync(PostgreSqlJournal journal, SimulatedPaymentGateway gateway)
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
