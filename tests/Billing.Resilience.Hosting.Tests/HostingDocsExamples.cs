using System.Text;
using Billing.Resilience.Hosting.Tests.Support;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Sqlite;
using Billing.Resilience.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Billing.Resilience.Hosting.Tests;

/// <summary>
/// The registration of docs/hosting.md, kept compiling and green here. The page embeds the lines between
/// "docs: begin NAME" and "docs: end NAME" verbatim (the Packaging tests check it); edit both together.
/// </summary>
public sealed class HostingDocsExamples
{
    [Fact]
    public void The_documented_registration_is_valid()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IClock>(new NodaTime.Testing.FakeClock(TestSetup.T0));
        var systemPricingPlansJson = """
            { "version": "3.0", "data": { "plans": [ { "plan_id": "kickboard", "currency": "KRW", "price": 1000,
              "is_taxable": false, "name": "Kickboard", "description": "180 KRW per started minute",
              "per_min_pricing": [ { "start": 0, "rate": 180, "interval": 1 } ] } ] } }
            """;
        var secretFromVault = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");

        // docs: begin registration
        services.AddBillingResilience(options =>
            {
                options.AddGbfsPricingPlans(systemPricingPlansJson);   // or options.AddPricingPlans(plans)
                options.Payments.HoldAmount = 10_000m;
                options.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = secretFromVault });
                options.RentalTokens.ActiveKeyId = "k1";
            })
            .UseSqliteJournal("billing.db")            // Billing.Resilience.Sqlite; or .UsePostgreSqlJournal(sp => dataSource)
            .AddPaymentGateway<MyProvider>()           // new holds and charges try gateways in registration order
            .UseIdentityProvider<MyLogin>()
            .AddBackgroundServices(o => o.ProbeInterval = TimeSpan.FromSeconds(15))   // Billing.Resilience.Hosting
            .AddDependencyProbe<MyProviderStatusProbe>();
        // docs: end registration

        // Validates the options and the registrations without building the engine (nothing is opened or written).
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<BillingResilienceOptions>>().Value;
        Assert.Equal("kickboard", Assert.Single(options.PricingPlans).PlanId);
        Assert.Equal(TimeSpan.FromSeconds(15), provider.GetRequiredService<IOptions<BillingBackgroundServiceOptions>>().Value.ProbeInterval);
        Assert.Single(provider.GetServices<IDependencyProbe>());
    }

    private sealed class MyProvider(IClock clock) : IPaymentGateway
    {
        private readonly SimulatedPaymentGateway inner = new("my-provider", clock);

        public string Name => inner.Name;

        public ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken) => inner.ExecuteAsync(request, cancellationToken);

        public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken) => inner.LookupAsync(key, cancellationToken);
    }

    private sealed class MyLogin : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
            => ValueTask.FromResult(IdentityVerdict.Authenticated);
    }

    private sealed class MyProviderStatusProbe : IDependencyProbe
    {
        public Dependency Dependency => Dependency.Payment;

        public ValueTask<bool> IsUpAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
