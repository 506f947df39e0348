using Billing.Resilience.Journal;
using System.Diagnostics.Metrics;
using Billing.Resilience.Outages;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Billing.Resilience;

/// <summary>
/// Builds the container's engine once, through <see cref="BillingEngineBuilder"/>, from the options and the registered
/// services. Concurrent callers share one build; a build that failed is tried again by the next caller.
/// </summary>
internal sealed partial class BillingEngineHolder(IServiceProvider services) : IDisposable
{
    private readonly object gate = new();
    private readonly CancellationTokenSource disposed = new();
    private Task<BillingEngine>? building;

    /// <summary>Returns the engine, building it first if needed.</summary>
    public Task<BillingEngine> GetAsync(CancellationToken cancellationToken)
    {
        Task<BillingEngine> task;
        Task<Task<BillingEngine>>? start = null;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed.IsCancellationRequested, this);
            if (building is null || building.IsFaulted || building.IsCanceled)
            {
                // Created here, started below: the user's factories (journal, gateways) never run under the lock.
                start = new Task<Task<BillingEngine>>(() => BuildAsync(disposed.Token));
                building = start.Unwrap();
            }

            task = building;
        }

        start?.RunSynchronously(TaskScheduler.Default);
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Returns the engine, building it first if needed and blocking until it is built (the container's factories are synchronous).</summary>
    public BillingEngine Get() => GetAsync(CancellationToken.None).GetAwaiter().GetResult();

    public void Dispose()
    {
        lock (gate)
        {
            if (!disposed.IsCancellationRequested)
            {
                disposed.Cancel();
            }
        }
    }

    private async Task<BillingEngine> BuildAsync(CancellationToken cancellationToken)
    {
        // Reading Value runs the validators: an invalid configuration throws OptionsValidationException with every problem.
        var options = services.GetRequiredService<IOptions<BillingResilienceOptions>>().Value;
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var builder = new BillingEngineBuilder()
            .UseClock(services.GetRequiredService<IClock>())
            .UseLoggerFactory(loggerFactory)
            .AddPricingPlans(options.PricingPlans);
        CopyOptions(options, builder);

        // Missing services are left to BuildAsync, which reports them with everything else.
        if (services.GetService<IJournal>() is { } journal)
        {
            builder.UseJournal(journal);
        }

        if (services.GetService<IIdentityProvider>() is { } identity)
        {
            builder.UseIdentityProvider(identity);
        }

        if (services.GetService<IMeterFactory>() is { } meters)
        {
            builder.UseMeterFactory(meters);
        }

        if (services.GetService<ISettlementClaims>() is { } claims)
        {
            // Several instances share the journal (a store package registered its leases).
            builder.UseSettlementClaims(claims, options.InstanceId);
        }

        foreach (var registration in services.GetServices<PaymentGatewayRegistration>())
        {
            builder.AddPaymentGateway(registration.Factory(services));
        }

        var engine = await builder.BuildAsync(cancellationToken).ConfigureAwait(false);
        LogBuilt(
            loggerFactory.CreateLogger<BillingEngine>(),
            engine.Reconciler.Pending,
            engine.Health.IsDown(Dependency.Payment) ? "down" : "up",
            engine.Health.IsDown(Dependency.Identity) ? "down" : "up");
        return engine;
    }

    /// <summary>Copies every option into the builder's own instances (a test pins the list of options, so a new one is not forgotten).</summary>
    internal static void CopyOptions(BillingResilienceOptions from, BillingEngineBuilder to)
    {
        var metering = to.Metering;
        metering.FreezeOn = from.Metering.FreezeOn is null ? null! : new HashSet<Dependency>(from.Metering.FreezeOn);
        metering.FreezeGrace = from.Metering.FreezeGrace;
        metering.EndSignalSkew = from.Metering.EndSignalSkew;
        metering.IntervalRounding = from.Metering.IntervalRounding;
        metering.MaxEndSignalsPerRental = from.Metering.MaxEndSignalsPerRental;
        metering.MaxDistanceIncrementsPerRental = from.Metering.MaxDistanceIncrementsPerRental;

        var payments = to.Payments;
        payments.HoldAmount = from.Payments.HoldAmount;
        payments.HoldValidity = from.Payments.HoldValidity;
        payments.HoldExpiryWarning = from.Payments.HoldExpiryWarning;

        var reconciler = to.Reconciler;
        reconciler.MaxCallsPerSecond = from.Reconciler.MaxCallsPerSecond;
        reconciler.MaxConcurrency = from.Reconciler.MaxConcurrency;
        reconciler.MaxRentalsPerRun = from.Reconciler.MaxRentalsPerRun;
        reconciler.RetryBaseDelay = from.Reconciler.RetryBaseDelay;
        reconciler.RetryMaxDelay = from.Reconciler.RetryMaxDelay;
        reconciler.LeaseDuration = from.Reconciler.LeaseDuration;
        reconciler.MaxCatchUpEventsPerRun = from.Reconciler.MaxCatchUpEventsPerRun;
        reconciler.JitterSeed = from.Reconciler.JitterSeed;

        var tokens = to.RentalTokens;
        tokens.Keys.Clear();
        foreach (var key in from.RentalTokens.Keys)
        {
            tokens.Keys.Add(new RentalTokenKey { KeyId = key.KeyId, Secret = key.Secret is null ? null! : (byte[])key.Secret.Clone() });
        }

        tokens.ActiveKeyId = from.RentalTokens.ActiveKeyId;
        tokens.Lifetime = from.RentalTokens.Lifetime;

        to.RentalCache.Capacity = from.RentalCache.Capacity;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Billing engine built: {PendingSettlements} rentals pending settlement; payment {PaymentState}, identity {IdentityState}")]
    private static partial void LogBuilt(ILogger logger, int pendingSettlements, string paymentState, string identityState);
}
