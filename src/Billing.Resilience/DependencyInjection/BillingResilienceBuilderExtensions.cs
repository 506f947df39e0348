using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;

namespace Billing.Resilience;

/// <summary>
/// Chains the services of the engine on <see cref="IBillingResilienceBuilder"/>. The <c>Use…</c> methods are choices:
/// the last one wins and replaces what was registered for that service before (yours included). Store packages build
/// on <see cref="UseJournal"/>.
/// </summary>
public static class BillingResilienceBuilderExtensions
{
    /// <summary>Adds to the options, like the delegate given to <see cref="BillingResilienceServiceCollectionExtensions.AddBillingResilience"/>.</summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder Configure(this IBillingResilienceBuilder builder, Action<BillingResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Uses the journal the factory creates (once, when the engine is built) as the container's <see cref="IJournal"/>
    /// singleton; the container disposes it. Store packages call this: <c>UseSqliteJournal</c>, <c>UsePostgreSqlJournal</c>.
    /// </summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UseJournal(this IBillingResilienceBuilder builder, Func<IServiceProvider, IJournal> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IJournal>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Uses an <see cref="InMemoryJournal"/>: for tests and demos only, since everything is lost when the process ends.</summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UseInMemoryJournal(this IBillingResilienceBuilder builder)
        => builder.UseJournal(static _ => new InMemoryJournal());

    /// <summary>
    /// Adds a payment gateway, resolved from the container as <typeparamref name="TGateway"/> (registered as a singleton
    /// unless you registered it yourself, so you can resolve the same instance). Gateways are tried for new money in
    /// the order they are added; adding the same type again does nothing.
    /// </summary>
    /// <remarks>Each gateway gets the default pipeline (<see cref="PaymentGateways.CreateDefaultPipeline(TimeProvider)"/>),
    /// whose circuit breaker feeds dependency health. Gateway names must be unique.</remarks>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder AddPaymentGateway<TGateway>(this IBillingResilienceBuilder builder)
        where TGateway : class, IPaymentGateway
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(PaymentGatewayRegistration) && d.ImplementationInstance is PaymentGatewayRegistration r && r.GatewayType == typeof(TGateway)))
        {
            return builder;
        }

        builder.Services.TryAddSingleton<TGateway>();
        builder.Services.AddSingleton(new PaymentGatewayRegistration(typeof(TGateway), static sp => sp.GetRequiredService<TGateway>()));
        return builder;
    }

    /// <summary>Adds a payment gateway that the factory creates when the engine is built. Gateways are tried for new money in the order they are added.</summary>
    /// <remarks>The factory's gateway is not disposed by the container; register it yourself and return the registered
    /// instance (<c>sp =&gt; sp.GetRequiredService&lt;MyGateway&gt;()</c>) when it needs disposing.</remarks>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder AddPaymentGateway(this IBillingResilienceBuilder builder, Func<IServiceProvider, IPaymentGateway> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(new PaymentGatewayRegistration(null, factory));
        return builder;
    }

    /// <summary>
    /// Uses <typeparamref name="TProvider"/> as the container's <see cref="IIdentityProvider"/> (it is registered as a
    /// singleton unless you registered it yourself).
    /// </summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UseIdentityProvider<TProvider>(this IBillingResilienceBuilder builder)
        where TProvider : class, IIdentityProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<TProvider>();
        return builder.UseIdentityProvider(static sp => sp.GetRequiredService<TProvider>());
    }

    /// <summary>Uses the identity provider the factory creates (once, when the engine is built) as the container's <see cref="IIdentityProvider"/>.</summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UseIdentityProvider(this IBillingResilienceBuilder builder, Func<IServiceProvider, IIdentityProvider> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IIdentityProvider>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>
    /// Declares that several instances share the journal and coordinates them through the leases the factory creates
    /// (the container's <see cref="ISettlementClaims"/>, see <see cref="BillingEngineBuilder.UseSettlementClaims"/>).
    /// The PostgreSQL store package calls this; name the instance with <see cref="BillingResilienceOptions.InstanceId"/>.
    /// </summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UseSettlementClaims(this IBillingResilienceBuilder builder, Func<IServiceProvider, ISettlementClaims> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<ISettlementClaims>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>
    /// Uses a clock as the container's <see cref="IClock"/> (replacing the default <c>SystemClock.Instance</c> or
    /// your own registration): a NodaTime.Testing <c>FakeClock</c> in tests and drills.
    /// </summary>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UseClock(this IBillingResilienceBuilder builder, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(clock);
        builder.Services.RemoveAll<IClock>();
        builder.Services.AddSingleton(clock);
        return builder;
    }
}

/// <summary>A payment gateway added through the builder; the engine takes them in registration order.</summary>
/// <param name="GatewayType">The gateway's type when added by type, to add each type once; null for a factory.</param>
/// <param name="Factory">Creates or resolves the gateway.</param>
internal sealed record PaymentGatewayRegistration(Type? GatewayType, Func<IServiceProvider, IPaymentGateway> Factory);
