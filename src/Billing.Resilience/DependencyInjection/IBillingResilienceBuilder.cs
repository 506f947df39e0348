using Microsoft.Extensions.DependencyInjection;

namespace Billing.Resilience;

/// <summary>
/// What <see cref="BillingResilienceServiceCollectionExtensions.AddBillingResilience"/> returns: the service collection,
/// on which the journal, the payment gateways, the identity provider and the clock are chained
/// (<see cref="BillingResilienceBuilderExtensions"/>). Store and hosting packages add their own extension methods to it,
/// such as <c>UseSqliteJournal</c> and <c>AddBillingResilienceHostedServices</c>.
/// </summary>
public interface IBillingResilienceBuilder
{
    /// <summary>Gets the service collection the library is registered in.</summary>
    IServiceCollection Services { get; }
}

/// <summary>The builder: a handle on the service collection.</summary>
internal sealed class BillingResilienceBuilder(IServiceCollection services) : IBillingResilienceBuilder
{
    public IServiceCollection Services { get; } = services;
}
