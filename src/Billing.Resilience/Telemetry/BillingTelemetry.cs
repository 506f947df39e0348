using System.Diagnostics;
using System.Diagnostics.Metrics;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;

namespace Billing.Resilience.Telemetry;

/// <summary>
/// The library's metrics (meter <c>Billing.Resilience</c>) and traces (activity source <c>Billing.Resilience</c>).
/// Durations are in seconds; no instrument carries rental or rider ids as tags. See docs/telemetry.md.
/// </summary>
public static class BillingTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Billing.Resilience";

    /// <summary>The activity source of the library's traces.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, typeof(BillingTelemetry).Assembly.GetName().Version?.ToString());
}

/// <summary>The instruments of one engine, created from the host's <see cref="IMeterFactory"/> (or a meter of its own).</summary>
internal sealed class BillingMetrics : IDisposable
{
    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly Counter<long> rentalsStarted;
    private readonly Counter<long> startsRefused;
    private readonly Counter<long> endSignals;
    private readonly UpDownCounter<long> rentalsOpen;
    private readonly Counter<long> settlements;
    private readonly Histogram<double> settlementLag;
    private readonly Counter<long> gatewayOperations;
    private readonly Histogram<double> outageDuration;
    private long open;

    public BillingMetrics(IMeterFactory? factory)
    {
        if (factory is not null)
        {
            meter = factory.Create(new MeterOptions(BillingTelemetry.Name));
        }
        else
        {
            meter = new Meter(BillingTelemetry.Name);
            ownsMeter = true;
        }

        rentalsStarted = meter.CreateCounter<long>("billing.rentals.started", "{rental}", "Rentals started.");
        startsRefused = meter.CreateCounter<long>("billing.rentals.refused", "{rental}", "Starts refused, by reason.");
        endSignals = meter.CreateCounter<long>("billing.end_signals", "{signal}", "End signals received, by source and whether they count.");
        rentalsOpen = meter.CreateUpDownCounter<long>("billing.rentals.open", "{rental}", "Rentals started whose end is not known yet (this instance's view since start).");
        settlements = meter.CreateCounter<long>("billing.reconciliation.settled", "{rental}", "Rentals the reconciler brought to settled; its rate is the reconciliation rate.");
        settlementLag = meter.CreateHistogram<double>("billing.reconciliation.lag", "s", "Time from a rental's end to its settlement.");
        gatewayOperations = meter.CreateCounter<long>("billing.gateway.operations", "{operation}", "Payment gateway operations, by operation and outcome.");
        outageDuration = meter.CreateHistogram<double>("billing.outage.duration", "s", "Duration of ended outages, by dependency.");
    }

    public Meter Meter => meter;

    /// <summary>Registers the gauges that read live state.</summary>
    public void Observe(Func<int> pending, Func<int> frozenRentals, Func<IEnumerable<Dependency>> down)
    {
        meter.CreateObservableGauge("billing.reconciliation.pending", pending, "{rental}", "Rentals waiting for settlement.");
        meter.CreateObservableGauge("billing.rentals.frozen", frozenRentals, "{rental}", "Open rentals whose meter is frozen now.");
        meter.CreateObservableGauge(
            "billing.dependencies.down",
            () => Enum.GetValues<Dependency>().Select(d => new Measurement<int>(down().Contains(d) ? 1 : 0, new KeyValuePair<string, object?>("dependency", Tag(d)))),
            "{dependency}",
            "1 while a dependency is down.");
    }

    public long Open => Interlocked.Read(ref open);

    public void RentalStarted()
    {
        rentalsStarted.Add(1);
        Interlocked.Increment(ref open);
        rentalsOpen.Add(1);
    }

    /// <summary>An open rental found in the journal at start.</summary>
    public void RecoveredOpen()
    {
        Interlocked.Increment(ref open);
        rentalsOpen.Add(1);
    }

    public void StartRefused(string reason) => startsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void EndSignal(string source, bool counts, bool ended)
    {
        endSignals.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("valid", counts));
        if (ended)
        {
            Interlocked.Decrement(ref open);
            rentalsOpen.Add(-1);
        }
    }

    public void Settled(double lagSeconds)
    {
        settlements.Add(1);
        settlementLag.Record(Math.Max(0, lagSeconds));
    }

    public void GatewayOperation(PaymentOperationKind kind, PaymentOutcome outcome)
        => gatewayOperations.Add(1, new KeyValuePair<string, object?>("operation", kind.ToString().ToLowerInvariant()), new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));

    public void OutageEnded(Dependency dependency, double seconds)
        => outageDuration.Record(seconds, new KeyValuePair<string, object?>("dependency", Tag(dependency)));

    public static string Tag(Dependency dependency) => dependency == Dependency.Payment ? "payment" : "identity";

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }
}
