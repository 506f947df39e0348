using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Telemetry;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Telemetry;

public sealed class MetricsTests : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentBag<(string Name, double Value, Dictionary<string, object?> Tags, object? Meter)> measurements = [];

    public MetricsTests()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BillingTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument, instrument.Meter);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, state) => Record(i, v, tags, state));
        listener.SetMeasurementEventCallback<int>((i, v, tags, state) => Record(i, v, tags, state));
        listener.SetMeasurementEventCallback<double>((i, v, tags, state) => Record(i, v, tags, state));
        listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? meter)
        => measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value), meter));

    private double Sum(Meter meter, string name, Func<Dictionary<string, object?>, bool>? where = null)
        => measurements.Where(m => m.Name == name && ReferenceEquals(m.Meter, meter) && (where is null || where(m.Tags))).Sum(m => m.Value);

    private double Gauge(Meter meter, string name, Func<Dictionary<string, object?>, bool>? where = null)
    {
        var before = measurements.ToArray();
        listener.RecordObservableInstruments();
        var observed = measurements.Except(before).Where(m => m.Name == name && ReferenceEquals(m.Meter, meter) && (where is null || where(m.Tags))).Sum(m => m.Value);
        measurements.Clear();
        foreach (var m in before)
        {
            measurements.Add(m);
        }

        return observed;
    }

    [Fact]
    public async Task Metrics_follow_a_rental_through_an_outage_and_its_settlement()
    {
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m);
        var meter = t.Engine.Core.Metrics.Meter;
        await t.StartAsync("r-1");
        await t.StartAsync("r-2", rider: "u-2");
        t.Advance(Duration.FromMinutes(10));
        await t.DownAsync(Dependency.Payment);
        Assert.Equal(Billing.Resilience.Rentals.StartRefusal.PaymentUnavailable, (await t.Rentals.StartAsync(new("r-3", "u-3", "kickboard"))).Refusal);

        Assert.Equal(2, Sum(meter, "billing.rentals.started"));
        Assert.Equal(1, Sum(meter, "billing.rentals.refused", tags => (string?)tags["reason"] == "paymentUnavailable"));
        Assert.Equal(2, Gauge(meter, "billing.rentals.frozen"));
        Assert.Equal(1, Gauge(meter, "billing.dependencies.down", tags => (string?)tags["dependency"] == "payment"));

        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        Assert.Equal(1, Sum(meter, "billing.end_signals", tags => (string?)tags["source"] == "vehicle" && (bool?)tags["valid"] == true));
        Assert.Equal(1, Gauge(meter, "billing.reconciliation.pending"));
        Assert.Equal(1, Gauge(meter, "billing.rentals.frozen"));

        t.Advance(Duration.FromMinutes(50));
        await t.UpAsync(Dependency.Payment);
        await t.SettleAsync();

        Assert.Equal(0, Gauge(meter, "billing.reconciliation.pending"));
        Assert.Equal(0, Gauge(meter, "billing.rentals.frozen"));
        Assert.Equal(1, Sum(meter, "billing.reconciliation.settled"));
        Assert.Equal(50 * 60, Sum(meter, "billing.reconciliation.lag"));
        Assert.Equal(50 * 60, Sum(meter, "billing.outage.duration", tags => (string?)tags["dependency"] == "payment"));
        Assert.Equal(1, Sum(meter, "billing.gateway.operations", tags => (string?)tags["operation"] == "capture" && (string?)tags["outcome"] == "succeeded"));
        Assert.Equal(2, Sum(meter, "billing.gateway.operations", tags => (string?)tags["operation"] == "authorize"));
        Assert.DoesNotContain(measurements, m => m.Tags.Keys.Any(k => k.Contains("rental", StringComparison.OrdinalIgnoreCase) || k.Contains("rider", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task Unknown_gateway_outcomes_are_counted_as_unknown()
    {
        using var t = await TestEngine.CreateAsync();
        var meter = t.Engine.Core.Metrics.Meter;
        await t.StartAsync("r-1");
        t.Gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Timeout, 3);
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        await t.SettleAsync();
        Assert.Equal(1, Sum(meter, "billing.gateway.operations", tags => (string?)tags["operation"] == "charge" && (string?)tags["outcome"] == "unknown"));
        Assert.Equal(1, Sum(meter, "billing.gateway.operations", tags => (string?)tags["operation"] == "charge" && (string?)tags["outcome"] == "succeeded"));
    }

    public void Dispose() => listener.Dispose();
}
