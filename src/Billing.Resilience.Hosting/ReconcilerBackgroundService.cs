using Billing.Resilience.Outages;
using Billing.Resilience.Reconciliation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Billing.Resilience.Hosting;

/// <summary>
/// Settles pending rentals: runs <see cref="Reconciler.RunOnceAsync"/>, then waits until the next queued rental is due,
/// a dependency comes back, or <see cref="BillingBackgroundServiceOptions.ReconcilerPollInterval"/> passes, whichever
/// is first. A failed run is logged and retried with backoff; it never stops the host.
/// </summary>
internal sealed partial class ReconcilerBackgroundService(
    IServiceProvider services,
    IOptions<BillingBackgroundServiceOptions> options,
    TimeProvider time,
    ILogger<ReconcilerBackgroundService> logger) : BackgroundService
{
    private TaskCompletionSource wake = NewSignal();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var engine = await services.GetBillingEngineAsync(stoppingToken).ConfigureAwait(false);
        var reconciler = engine.Reconciler;
        var health = engine.Health;
        health.Changed += OnHealthChanged;
        LogStarted(logger, settings.ReconcilerPollInterval.TotalSeconds, reconciler.Pending);
        try
        {
            var failures = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                // A change of health during the run completes this signal, and the wait below ends at once.
                var signal = ResetSignal();
                TimeSpan delay;
                try
                {
                    var run = await reconciler.RunOnceAsync(stoppingToken).ConfigureAwait(false);
                    failures = 0;
                    Report(run);
                    delay = NextDelay(run, reconciler, health, engine.Clock, settings.ReconcilerPollInterval);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    delay = Backoff.AfterFailures(failures, settings.ErrorBackoff, settings.MaxErrorBackoff);
                    if (ex is InvariantViolationException)
                    {
                        // A broken money invariant stopped this run; it is not swallowed quietly.
                        LogInvariantViolation(logger, ex, failures, delay.TotalSeconds);
                    }
                    else
                    {
                        LogRunFailed(logger, ex, failures, delay.TotalSeconds);
                    }
                }

                if (!await Backoff.WaitAsync(delay, signal, time, stoppingToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
        finally
        {
            health.Changed -= OnHealthChanged;
        }
    }

    /// <summary>How long to wait before the next run: until the next rental is due, at most the poll interval.</summary>
    internal static TimeSpan NextDelay(ReconciliationRun run, Reconciler reconciler, DependencyHealth health, IClock clock, TimeSpan pollInterval)
    {
        if (health.IsDown(Dependency.Payment) || reconciler.NextDueAt is not { } due)
        {
            // Nothing can move, or nothing is queued: a dependency coming back wakes the loop early.
            return pollInterval;
        }

        var wait = due - clock.GetCurrentInstant();
        if (wait <= Duration.Zero)
        {
            // More is due now (a run takes at most MaxRentalsPerRun): go on, unless the run found nothing to do.
            return run.Examined > 0 ? TimeSpan.Zero : pollInterval;
        }

        var span = wait.ToTimeSpan();
        return span < pollInterval ? span : pollInterval;
    }

    private void Report(ReconciliationRun run)
    {
        if (run.Settled > 0 || run.Declined > 0)
        {
            LogRun(logger, run.Examined, run.Settled, run.Declined, run.Deferred, run.GatewayCalls, run.StillPending);
        }
        else if (run.Examined > 0)
        {
            LogRunNothingSettled(logger, run.Examined, run.Deferred, run.GatewayCalls, run.StillPending);
        }
    }

    private void OnHealthChanged(Outage outage) => Volatile.Read(ref wake).TrySetResult();

    private Task ResetSignal()
    {
        var next = NewSignal();
        Volatile.Write(ref wake, next);
        return next.Task;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Reconciler loop started: polls at least every {PollSeconds} s; {Pending} rentals pending settlement")]
    private static partial void LogStarted(ILogger logger, double pollSeconds, int pending);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Reconciler run: {Examined} examined, {Settled} settled, {Declined} declined, {Deferred} deferred, {GatewayCalls} gateway calls, {StillPending} still pending")]
    private static partial void LogRun(ILogger logger, int examined, int settled, int declined, int deferred, int gatewayCalls, int stillPending);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Reconciler run: {Examined} examined, none settled, {Deferred} deferred, {GatewayCalls} gateway calls, {StillPending} still pending")]
    private static partial void LogRunNothingSettled(ILogger logger, int examined, int deferred, int gatewayCalls, int stillPending);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Reconciler run failed ({Failures} in a row); next attempt in {DelaySeconds} s")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, int failures, double delaySeconds);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Critical, Message = "Reconciler run stopped by a broken invariant ({Failures} in a row); next attempt in {DelaySeconds} s")]
    private static partial void LogInvariantViolation(ILogger logger, Exception exception, int failures, double delaySeconds);
}
