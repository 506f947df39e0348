using Billing.Resilience.Outages;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Billing.Resilience;

/// <summary>Registers Billing.Resilience in a service collection.</summary>
public static class BillingResilienceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the billing engine and its options. Nothing is built or connected here: the engine is built (through
    /// <see cref="BillingEngineBuilder"/>) the first time it, <see cref="RentalService"/>, <see cref="Reconciler"/> or
    /// <see cref="DependencyHealth"/> is resolved, or at host start when the hosting package is used. The options are
    /// validated when the host starts (<c>ValidateOnStart</c>), every problem in one <see cref="OptionsValidationException"/>,
    /// together with a missing journal, identity provider or payment gateway.
    /// </summary>
    /// <remarks>
    /// <para>Chain the services on the returned builder: a journal (<see cref="BillingResilienceBuilderExtensions.UseJournal"/>
    /// or a store package's <c>UseSqliteJournal</c>), one or more payment gateways in priority order
    /// (<see cref="BillingResilienceBuilderExtensions.AddPaymentGateway{TGateway}(IBillingResilienceBuilder)"/>) and an
    /// identity provider (<see cref="BillingResilienceBuilderExtensions.UseIdentityProvider{TProvider}(IBillingResilienceBuilder)"/>).</para>
    /// <para>Defaults, each registered with <c>TryAdd</c> so that a registration of your own wins: the container's
    /// NodaTime <see cref="IClock"/> is the engine's clock, <c>SystemClock.Instance</c> when none is registered
    /// (or use <see cref="BillingResilienceBuilderExtensions.UseClock"/>); the container's <c>ILoggerFactory</c>, when
    /// there is one, logs; its <c>IMeterFactory</c>, when there is one, creates the <c>Billing.Resilience</c> meter; its
    /// <c>ISettlementClaims</c>, when there is one, coordinates several instances sharing the journal. <see cref="BillingEngine"/>, <see cref="RentalService"/>, <see cref="Reconciler"/> and
    /// <see cref="DependencyHealth"/> are singletons; the latter three are the engine's own.</para>
    /// <para>Calling it again adds to the configuration and registers nothing twice.</para>
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options: pricing plans, rental token keys, the freeze policy
    /// (<c>o.Metering.FreezeOn</c>, <c>o.Metering.FreezeGrace</c>), holds, reconciler pacing.</param>
    /// <returns>A builder to chain the journal, gateways, identity provider and clock on.</returns>
    public static IBillingResilienceBuilder AddBillingResilience(this IServiceCollection services, Action<BillingResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<BillingResilienceOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BillingResilienceOptions>, BillingResilienceOptionsValidation>());

        // The composition root is the one place that may name the system clock: everything else takes IClock from here,
        // which is what lets tests and drills run the same code on a fake clock. It is a default (TryAdd): an IClock
        // registered by the application, or UseClock, wins.
#pragma warning disable RS0030 // Banned API: SystemClock.Instance is allowed as the composition root's default registration.
        services.TryAddSingleton<IClock>(SystemClock.Instance);
#pragma warning restore RS0030

        services.TryAddSingleton(sp => new BillingEngineHolder(sp));
        services.TryAddSingleton(sp => sp.GetRequiredService<BillingEngineHolder>().Get());
        services.TryAddSingleton(sp => sp.GetRequiredService<BillingEngine>().Rentals);
        services.TryAddSingleton(sp => sp.GetRequiredService<BillingEngine>().Reconciler);
        services.TryAddSingleton(sp => sp.GetRequiredService<BillingEngine>().Health);
        return new BillingResilienceBuilder(services);
    }
}

/// <summary>Reaches the billing engine of a service provider.</summary>
public static class BillingResilienceServiceProviderExtensions
{
    /// <summary>
    /// Returns the container's <see cref="BillingEngine"/>, building it first if needed without blocking a thread (it
    /// reads the outage log and queues every unsettled rental from the journal). Resolving <see cref="BillingEngine"/>
    /// directly builds it too, synchronously; the hosting package calls this at start so that requests never wait for it.
    /// A build that failed is tried again on the next call.
    /// </summary>
    /// <param name="services">The service provider.</param>
    /// <param name="cancellationToken">Stops waiting (the build goes on for the next caller).</param>
    /// <exception cref="InvalidOperationException"><see cref="BillingResilienceServiceCollectionExtensions.AddBillingResilience"/> was not called.</exception>
    /// <exception cref="OptionsValidationException">The options or the registrations are invalid; every problem is listed.</exception>
    public static async Task<BillingEngine> GetBillingEngineAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var holder = services.GetService<BillingEngineHolder>()
            ?? throw new InvalidOperationException("Billing.Resilience is not registered: call services.AddBillingResilience(...) first.");
        await holder.GetAsync(cancellationToken).ConfigureAwait(false);

        // Resolved through the container so that it owns (and disposes) the engine.
        return services.GetRequiredService<BillingEngine>();
    }
}
