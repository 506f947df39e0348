using Billing.Resilience;
using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Sqlite;
using Billing.Resilience.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;

// A fake clock runs a 12-hour outage in a second. In production, leave UseClock out: the system clock is the default.
var clock = new FakeClock(Instant.FromUtc(2022, 10, 15, 5, 50));

// The payment provider: the simulated one of Billing.Resilience.Testing. In production, your IPaymentGateway adapter.
var provider = new SimulatedPaymentGateway("psp", clock);

// 1. Register the library.
var services = new ServiceCollection();
services.AddBillingResilience(options =>
    {
        options.AddGbfsPricingPlans("""
            { "version": "3.0", "data": { "plans": [ { "plan_id": "kickboard", "currency": "KRW", "price": 1000,
              "is_taxable": false, "name": [ { "text": "Kickboard", "language": "en" } ],
              "description": [ { "text": "1,000 KRW to unlock, 180 KRW per started minute", "language": "en" } ],
              "per_min_pricing": [ { "start": 0, "rate": 180, "interval": 1 } ] } ] } }
            """);
        options.Payments.HoldAmount = 10_000m;                      // a 10,000 KRW hold at the start of each rental
        options.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = "a secret of at least 32 bytes from your vault!"u8.ToArray() });
        options.RentalTokens.ActiveKeyId = "k1";
    })
    .UseClock(clock)
    .UseSqliteJournal("billing.db")                                  // durable: every fact is on disk before it is acknowledged
    .UseIdentityProvider(_ => new EveryoneIsWelcome())               // your login backend
    .AddPaymentGateway(_ => provider);
await using var container = services.BuildServiceProvider();
var engine = await container.GetBillingEngineAsync();

// 2. A rider starts a kickboard rental; the app keeps the rental token.
var start = await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
Console.WriteLine($"started: {start.Started}");

// 3. Thirty minutes later the payment backend goes down (a probe or the circuit breaker tells the library).
clock.Advance(Duration.FromMinutes(30));
provider.SetAvailable(false);
await engine.Health.ReportDownAsync(Dependency.Payment, "probe failed");

// 4. The rider parks ten minutes later and ends the rental with the token: no backend needed.
clock.Advance(Duration.FromMinutes(10));
var end = await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Rider, start.RentalToken));
Console.WriteLine($"end accepted during the outage: {end.Accepted}");

// 5. Twelve hours later the backend is back; the reconciler (run for you by Billing.Resilience.Hosting) settles.
clock.Advance(Duration.FromHours(12));
provider.SetAvailable(true);
await engine.Health.ReportUpAsync(Dependency.Payment);
await engine.Reconciler.RunOnceAsync();

// 6. The statement explains the charge.
var statement = (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!;
Console.WriteLine($"status: {statement.Status}");
Console.WriteLine($"billed {statement.BillableTime.TotalMinutes} min, frozen {statement.FrozenTime.TotalMinutes} min ({statement.FrozenIntervals[0].Outage.OutageId})");
Console.WriteLine($"charge: {statement.Charge}, captured {statement.Money.Captured} from the hold");
Console.WriteLine($"a system that kept the meter running would have charged {statement.NaiveFare.Total}");

internal sealed class EveryoneIsWelcome : IIdentityProvider
{
    public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
        => ValueTask.FromResult(IdentityVerdict.Authenticated);
}
