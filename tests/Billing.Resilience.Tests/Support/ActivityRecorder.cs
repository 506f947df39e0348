using System.Collections.Concurrent;
using System.Diagnostics;
using Billing.Resilience.Telemetry;

namespace Billing.Resilience.Tests.Support;

/// <summary>
/// Records every activity of the library's <see cref="BillingTelemetry.ActivitySource"/> (and of any source given)
/// that stops while it is alive. Listeners are process-wide: tests running in parallel add their activities too, so a
/// test picks its own by a tag, a name or a parent it started.
/// </summary>
internal sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener listener;

    public ActivityRecorder(params ActivitySource[] alsoListenTo)
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == BillingTelemetry.Name || alsoListenTo.Contains(source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>Gets the activities stopped so far, in the order they stopped.</summary>
    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public void Dispose() => listener.Dispose();
}
