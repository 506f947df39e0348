using System.Collections.Concurrent;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>
/// Several instances on one journal work one backlog; shared by the in-memory and the PostgreSQL test projects.
/// Asserts money moved once (by the gateway's ledger), every rental settled, each rental's calls came from one
/// instance, and more than one instance did work.
/// </summary>
internal static class MultiInstanceBacklog
{
    /// <summary>Records which instance sent which rental's operations; all instances reach the same provider.</summary>
    internal sealed class InstanceGateway(IPaymentGateway inner, string instance, ConcurrentQueue<(string Rental, string Instance)> calls) : IPaymentGateway
    {
        public string Name => inner.Name;

        public ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
        {
            calls.Enqueue((request.RentalId, instance));
            return inner.ExecuteAsync(request, cancellationToken);
        }

        public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken) => inner.LookupAsync(key, cancellationToken);
    }

    internal static async Task RunAsync(Func<int, IJournal> journalOf, Func<int, ISettlementClaims> claimsOf, int instances, int rentals)
    {
        var clock = new FakeClock(TestEngine.T0);
        var provider = new SimulatedPaymentGateway("primary", clock);
        var calls = new ConcurrentQueue<(string Rental, string Instance)>();
        var engines = new List<BillingEngine>();
        for (var i = 0; i < instances; i++)
        {
            var builder = new BillingEngineBuilder()
                .UseClock(clock)
                .UseJournal(journalOf(i))
                .AddPricingPlans([TestEngine.Kickboard])
                .UseIdentityProvider(new SwitchableIdentityProvider())
                .AddPaymentGateway(new InstanceGateway(provider, $"instance-{i}", calls), TestEngine.NoWaitPipeline())
                .UseSettlementClaims(claimsOf(i), $"instance-{i}");
            builder.Payments.HoldAmount = 10_000m;
            builder.Reconciler.MaxCallsPerSecond = 100_000;
            builder.Reconciler.MaxRentalsPerRun = 25;
            builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k", Secret = new byte[32] });
            builder.RentalTokens.ActiveKeyId = "k";
            engines.Add(await builder.BuildAsync());
        }

        // Rentals start on every instance; payment goes down; they all end; payment comes back.
        for (var r = 0; r < rentals; r++)
        {
            Assert.True((await engines[r % instances].Rentals.StartAsync(new StartRental($"r-{r}", $"u-{r}", "kickboard"))).Started);
        }

        clock.Advance(Duration.FromMinutes(15));
        provider.SetAvailable(false);
        await engines[0].Health.ReportDownAsync(Dependency.Payment, "probe");
        clock.Advance(Duration.FromMinutes(5));
        for (var r = 0; r < rentals; r++)
        {
            Assert.True((await engines[(r + 1) % instances].Rentals.ReportEndAsync(new ReportEndSignal($"r-{r}", clock.GetCurrentInstant(), EndSignalSource.Vehicle))).Accepted);
        }

        clock.Advance(Duration.FromHours(2));
        provider.SetAvailable(true);
        await engines[^1].Health.ReportUpAsync(Dependency.Payment);
        var before = calls.Count;

        // Every instance's reconciler works the same backlog at the same time.
        for (var round = 0; round < 200; round++)
        {
            await Task.WhenAll(engines.Select(e => Task.Run(() => e.Reconciler.RunOnceAsync())));
            clock.Advance(Duration.FromSeconds(1));
            if (engines.All(e => e.Reconciler.Pending == 0) && round > 2)
            {
                break;
            }
        }

        Assert.Empty(provider.CheckInvariants());
        for (var r = 0; r < rentals; r++)
        {
            var statement = (await engines[0].Rentals.GetStatementAsync($"r-{r}", CancellationToken.None))!;
            Assert.Equal(RentalStatus.Settled, statement.Status);
            Assert.Empty(provider.CheckCharge($"r-{r}", statement.Charge));
            Assert.Single(provider.GetOperations($"r-{r}"), o => o.Kind == PaymentOperationKind.Capture);
        }

        // Each rental's settlement calls came from one instance, and the work was shared.
        var settlementCalls = calls.Skip(before).ToList();
        Assert.All(settlementCalls.GroupBy(c => c.Rental), g => Assert.Single(g.Select(c => c.Instance).Distinct()));
        Assert.True(settlementCalls.Select(c => c.Instance).Distinct().Count() > 1, "only one instance did all the work");
        foreach (var engine in engines)
        {
            engine.Dispose();
        }
    }
}
