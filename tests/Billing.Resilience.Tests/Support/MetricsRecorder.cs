using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Billing.Resilience.Telemetry;

namespace Billing.Resilience.Tests.Support;

/// <summary>
/// Records every measurement of the library's meters (<see cref="BillingTelemetry.Name"/>) while it lives, with the
/// meter that made it, so that a test reads only its own engine's measurements although tests run in parallel.
/// </summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<(object? Meter, string Name, double Value, Dictionary<string, object?> Tags)> measurements = new();

    public MetricsRecorder()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BillingTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument, instrument.Meter);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, meter) => Record(i, v, tags, meter));
        listener.SetMeasurementEventCallback<int>((i, v, tags, meter) => Record(i, v, tags, meter));
        listener.SetMeasurementEventCallback<double>((i, v, tags, meter) => Record(i, v, tags, meter));
        listener.Start();
    }

    /// <summary>How many measurements <paramref name="meter"/> made of <paramref name="name"/>.</summary>
    public int Recorded(Meter meter, string name) => measurements.Count(m => ReferenceEquals(m.Meter, meter) && m.Name == name);

    /// <summary>The sum of <paramref name="meter"/>'s measurements of <paramref name="name"/> whose tags match <paramref name="where"/>.</summary>
    public double Sum(Meter meter, string name, Func<Dictionary<string, object?>, bool>? where = null)
        => measurements.Where(m => ReferenceEquals(m.Meter, meter) && m.Name == name && (where is null || where(m.Tags))).Sum(m => m.Value);

    public void Dispose() => listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? meter)
        => measurements.Enqueue((meter, instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
}
