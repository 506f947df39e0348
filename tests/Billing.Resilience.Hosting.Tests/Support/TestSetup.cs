using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Hosting.Tests.Support;

/// <summary>What the tests register: a kickboard plan, a token key, a fake clock.</summary>
internal static class TestSetup
{
    public static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 5, 50);

    /// <summary>1,000 KRW to unlock, then 180 KRW per started minute.</summary>
    public static readonly PricingPlan Kickboard = new("kickboard", CurrencyCode.KRW, 1000m, [new PricingSegment(0, 180m, 1)]);

    public static void ValidOptions(BillingResilienceOptions o)
    {
        o.AddPricingPlans([Kickboard]);
        o.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        o.RentalTokens.ActiveKeyId = "k1";
    }

    /// <summary>Everything registered: in-memory journal, a simulated gateway (resolvable as itself), an identity provider that lets everyone in, a fake clock.</summary>
    public static IBillingResilienceBuilder AddTestBilling(this IServiceCollection services, FakeClock clock, Action<BillingResilienceOptions>? configure = null)
    {
        services.AddSingleton(sp => new SimulatedPaymentGateway("simulated", sp.GetRequiredService<IClock>()));
        return services
            .AddBillingResilience(o =>
            {
                ValidOptions(o);
                configure?.Invoke(o);
            })
            .UseClock(clock)
            .UseInMemoryJournal()
            .UseIdentityProvider<SwitchableIdentityProvider>()
            .AddPaymentGateway(sp => sp.GetRequiredService<SimulatedPaymentGateway>());
    }

    /// <summary>Polls until the condition holds; fails after <paramref name="timeout"/> (real time).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "Timed out waiting: " + what);
            await Task.Delay(20);
        }
    }
}

/// <summary>An identity backend that is up or down as the test says.</summary>
internal sealed class SwitchableIdentityProvider : IIdentityProvider
{
    public bool Available { get; set; } = true;

    public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
        => Available ? ValueTask.FromResult(IdentityVerdict.Authenticated) : throw new HttpRequestException("identity backend unreachable");
}

/// <summary>A gateway resolved by type: a simulated one named "primary".</summary>
internal sealed class PrimaryGateway(IClock clock) : ForwardingGateway(new SimulatedPaymentGateway("primary", clock));

/// <summary>A gateway resolved by type: a simulated one named "secondary".</summary>
internal sealed class SecondaryGateway(IClock clock) : ForwardingGateway(new SimulatedPaymentGateway("secondary", clock));

internal abstract class ForwardingGateway(SimulatedPaymentGateway inner) : IPaymentGateway
{
    public SimulatedPaymentGateway Inner { get; } = inner;

    public string Name => Inner.Name;

    public ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken) => Inner.ExecuteAsync(request, cancellationToken);

    public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken) => Inner.LookupAsync(key, cancellationToken);
}

/// <summary>An in-memory journal whose appends to rental streams fail while <see cref="FailAppends"/> is set.</summary>
internal sealed class FlakyJournal : IJournal
{
    private readonly InMemoryJournal inner = new();

    public volatile bool FailAppends;

    public int FailedAppends;

    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        if (FailAppends && streamId.StartsWith("rental-", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref FailedAppends);
            throw new IOException("journal unreachable");
        }

        return inner.AppendAsync(streamId, expectedVersion, events, cancellationToken);
    }

    public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
        => inner.ReadStreamAsync(streamId, cancellationToken);

    public ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
        => inner.ReadAllAsync(afterPosition, maxCount, cancellationToken);
}
