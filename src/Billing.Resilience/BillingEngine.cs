using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience;

/// <summary>
/// The library, assembled: rentals, dependency health, and the reconciler, sharing one journal and one clock.
/// Build it with <see cref="BillingEngineBuilder"/> (or through dependency injection).
/// </summary>
public sealed class BillingEngine : IDisposable
{
    internal BillingEngine(BillingCore core, IJournal journal)
    {
        Core = core;
        Journal = journal;
        Rentals = new RentalService(core);
        Reconciler = new Reconciler(core);
    }

    /// <summary>Gets the rental front door: start, end signals, telemetry, statements.</summary>
    public RentalService Rentals { get; }

    /// <summary>Gets the reconciler that settles pending rentals.</summary>
    public Reconciler Reconciler { get; }

    /// <summary>Gets the health of the payment and identity backends and the outage log.</summary>
    public DependencyHealth Health => Core.Health;

    /// <summary>Gets the journal every fact is written to.</summary>
    public IJournal Journal { get; }

    /// <summary>Gets the clock the engine reads time from.</summary>
    public IClock Clock => Core.Clock;

    internal BillingCore Core { get; }

    /// <inheritdoc />
    public void Dispose() => Core.Metrics.Dispose();
}
