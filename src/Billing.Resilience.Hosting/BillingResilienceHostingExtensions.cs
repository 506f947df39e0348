using Billing.Resilience.Hosting;
using Billing.Resilience.Outages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Billing.Resilience;

/// <summary>Adds the background services of Billing.Resilience to the .NET generic host.</summary>
public static class BillingResilienceHostingExtensions
{
    /// <summary>
    /// Adds three hosted services: one that builds the engine when the host starts (reading the outage log and every
    /// unsettled rental from the journal, so that no request waits for it and a bad configuration stops the start), the
    /// reconciler loop that settles pending rentals (<c>Reconciler.RunOnceAsync</c>, again when the next rental is due,
    /// when a dependency comes back, and at least every <see cref="BillingBackgroundServiceOptions.ReconcilerPollInterval"/>),
    /// and the probe loop that runs every registered <see cref="IDependencyProbe"/> every
    /// <see cref="BillingBackgroundServiceOptions.ProbeInterval"/>. Failures are logged and retried with backoff; they
    /// never stop the host. Calling it again only adds to the options.
    /// </summary>
    /// <param name="builder">The builder from <c>AddBillingResilience</c>.</param>
    /// <param name="configure">Sets the intervals; optional.</param>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder AddBackgroundServices(this IBillingResilienceBuilder builder, Action<BillingBackgroundServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<BillingBackgroundServiceOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BillingBackgroundServiceOptions>, BillingBackgroundServiceOptionsValidation>());
        services.TryAddSingleton(TimeProvider.System);

        // Hosted services start in registration order: the engine first.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EngineStartupService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ReconcilerBackgroundService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DependencyProbeBackgroundService>());
        return builder;
    }

    /// <summary>
    /// Adds a probe of a dependency (a cheap authenticated call to the provider), run by the background services every
    /// <see cref="BillingBackgroundServiceOptions.ProbeInterval"/>. Circuit breakers only learn from real calls; a probe
    /// also notices that a dependency came back when there is no traffic. Adding the same type again does nothing.
    /// </summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder AddDependencyProbe<TProbe>(this IBillingResilienceBuilder builder)
        where TProbe : class, IDependencyProbe
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDependencyProbe, TProbe>());
        return builder;
    }

    /// <summary>Adds a probe that the factory creates; see <see cref="AddDependencyProbe{TProbe}(IBillingResilienceBuilder)"/>.</summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder AddDependencyProbe(this IBillingResilienceBuilder builder, Func<IServiceProvider, IDependencyProbe> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(factory);
        return builder;
    }
}
