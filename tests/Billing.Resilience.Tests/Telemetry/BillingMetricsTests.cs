using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Telemetry;

namespace Billing.Resilience.Tests.Telemetry;

/// <summary><see cref="BillingMetrics"/> on its own: its instruments, what each call records, and who owns the meter.</summary>
public sealed class BillingMetricsTests : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<(Meter Meter, string Name, double Value, Dictionary<string, object?> Tags)> all = new();
    private readonly ConcurrentQueue<Instrument> allPublished = new();
    private readonly ConcurrentQueue<Instrument> allCompleted = new();
    private Meter? watched;

    public BillingMetricsTests()
    {
        // Every engine of the tests running in parallel publishes on a meter of this name: only the watched meter counts.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BillingTelemetry.Name)
            {
                allPublished.Enqueue(instrument);
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.MeasurementsCompleted = (instrument, _) => allCompleted.Enqueue(instrument);
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
    }

    private IEnumerable<(string Name, double Value, Dictionary<string, object?> Tags)> Measurements
        => all.Where(m => ReferenceEquals(m.Meter, watched)).Select(m => (m.Name, m.Value, m.Tags));

    private IEnumerable<Instrument> Published => allPublished.Where(i => ReferenceEquals(i.Meter, watched));

    private IEnumerable<Instrument> Completed => allCompleted.Where(i => ReferenceEquals(i.Meter, watched));

    [Fact]
    public void The_instruments_have_their_names_units_and_descriptions()
    {
        using var metrics = Watch(new BillingMetrics(null));
        metrics.Observe(() => 0, () => 0, () => []);

        Assert.Equal(
            [
                ("billing.rentals.started", "{rental}", "Rentals started."),
                ("billing.rentals.refused", "{rental}", "Starts refused, by reason."),
                ("billing.end_signals", "{signal}", "End signals received, by source and whether they count."),
                ("billing.rentals.open", "{rental}", "Rentals started whose end is not known yet (this instance's view since start)."),
                ("billing.reconciliation.settled", "{rental}", "Rentals the reconciler brought to settled; its rate is the reconciliation rate."),
                ("billing.reconciliation.lag", "s", "Time from a rental's end to its settlement."),
                ("billing.gateway.operations", "{operation}", "Payment gateway operations, by operation and outcome."),
                ("billing.outage.duration", "s", "Duration of ended outages, by dependency."),
                ("billing.reconciliation.pending", "{rental}", "Rentals waiting for settlement."),
                ("billing.rentals.frozen", "{rental}", "Open rentals whose meter is frozen now."),
                ("billing.dependencies.down", "{dependency}", "1 while a dependency is down."),
            ],
            Published.Select(i => (i.Name, i.Unit, i.Description)));
        Assert.Equal(BillingTelemetry.Name, metrics.Meter.Name);
    }

    [Fact]
    public void Open_rentals_go_up_with_starts_and_recoveries_and_down_with_ending_signals()
    {
        using var metrics = Watch(new BillingMetrics(null));

        metrics.RentalStarted();
        metrics.RentalStarted();
        metrics.RecoveredOpen();
        metrics.EndSignal("vehicle", counts: true, ended: true);
        metrics.EndSignal("rider", counts: false, ended: false);

        Assert.Equal(2, metrics.Open);
        Assert.Equal(2, Sum("billing.rentals.started"));
        Assert.Equal([1, 1, 1, -1], Values("billing.rentals.open"));
        Assert.Equal(
            [("vehicle", (object?)true), ("rider", false)],
            Measurements.Where(m => m.Name == "billing.end_signals").Select(m => ((string?)m.Tags["source"], m.Tags["valid"])));
    }

    [Fact]
    public void Refusals_gateway_operations_and_outages_carry_their_tags()
    {
        using var metrics = Watch(new BillingMetrics(null));

        metrics.StartRefused("paymentUnavailable");
        metrics.GatewayOperation(PaymentOperationKind.Capture, PaymentOutcome.Unknown);
        metrics.OutageEnded(Dependency.Identity, 42.5);
        metrics.OutageEnded(Dependency.Payment, 3);

        Assert.Equal("paymentUnavailable", Single("billing.rentals.refused").Tags["reason"]);
        var operation = Single("billing.gateway.operations");
        Assert.Equal(("capture", "unknown"), ((string?)operation.Tags["operation"], (string?)operation.Tags["outcome"]));
        Assert.Equal(
            [(42.5, "identity"), (3, "payment")],
            Measurements.Where(m => m.Name == "billing.outage.duration").Select(m => (m.Value, (string?)m.Tags["dependency"])));
        Assert.Equal("payment", BillingMetrics.Tag(Dependency.Payment));
        Assert.Equal("identity", BillingMetrics.Tag(Dependency.Identity));
    }

    [Fact]
    public void A_settlement_counts_once_and_records_its_lag_never_below_zero()
    {
        using var metrics = Watch(new BillingMetrics(null));

        metrics.Settled(12.5);
        metrics.Settled(-3);

        Assert.Equal(2, Sum("billing.reconciliation.settled"));
        Assert.Equal([12.5, 0], Values("billing.reconciliation.lag"));
    }

    [Fact]
    public void The_gauges_read_live_state()
    {
        using var metrics = Watch(new BillingMetrics(null));
        var pending = 3;
        var down = new List<Dependency> { Dependency.Identity };
        metrics.Observe(() => pending, () => 2, () => down);

        listener.RecordObservableInstruments();
        pending = 5;
        down.Add(Dependency.Payment);
        listener.RecordObservableInstruments();

        Assert.Equal([3, 5], Values("billing.reconciliation.pending"));
        Assert.Equal([2, 2], Values("billing.rentals.frozen"));
        Assert.Equal(
            [("payment", 0.0), ("identity", 1), ("payment", 1), ("identity", 1)],
            Measurements.Where(m => m.Name == "billing.dependencies.down").Select(m => ((string?)m.Tags["dependency"], m.Value)));
    }

    [Fact]
    public void A_meter_of_its_own_is_disposed_with_the_metrics_and_the_factory_s_is_not()
    {
        var own = Watch(new BillingMetrics(null));
        own.Dispose();
        Assert.Equal(8, Completed.Count());

        using var factory = new TestMeterFactory();
        var fromFactory = Watch(new BillingMetrics(factory));
        fromFactory.Dispose();
        Assert.Same(factory.Created.Single(), fromFactory.Meter);
        Assert.Equal(BillingTelemetry.Name, fromFactory.Meter.Name);
        Assert.Empty(Completed);
        fromFactory.RentalStarted();
        Assert.Equal(1, Sum("billing.rentals.started"));
    }

    [Fact]
    public void The_activity_source_is_named_after_the_library_with_its_version()
    {
        Assert.Equal("Billing.Resilience", BillingTelemetry.Name);
        Assert.Equal(BillingTelemetry.Name, BillingTelemetry.ActivitySource.Name);
        Assert.Equal(typeof(BillingTelemetry).Assembly.GetName().Version?.ToString(), BillingTelemetry.ActivitySource.Version);
    }

    public void Dispose() => listener.Dispose();

    private BillingMetrics Watch(BillingMetrics metrics)
    {
        watched = metrics.Meter;
        return metrics;
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        => all.Enqueue((instrument.Meter, instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    private double Sum(string name) => Measurements.Where(m => m.Name == name).Sum(m => m.Value);

    private double[] Values(string name) => Measurements.Where(m => m.Name == name).Select(m => m.Value).ToArray();

    private (string Name, double Value, Dictionary<string, object?> Tags) Single(string name) => Assert.Single(Measurements, m => m.Name == name);

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
