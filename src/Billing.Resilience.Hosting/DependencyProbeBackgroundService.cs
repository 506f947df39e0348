using Billing.Resilience.Outages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Resilience.Hosting;

/// <summary>
/// Runs every registered <see cref="IDependencyProbe"/> through <see cref="DependencyHealth.ProbeAsync"/> every
/// <see cref="BillingBackgroundServiceOptions.ProbeInterval"/>, each bounded by
/// <see cref="BillingBackgroundServiceOptions.ProbeTimeout"/> (a probe that takes longer counts as down). Does nothing
/// when no probe is registered. Failures are logged and retried with backoff; they never stop the host.
/// </summary>
internal sealed partial class DependencyProbeBackgroundService(
    IServiceProvider services,
    IOptions<BillingBackgroundServiceOptions> options,
    TimeProvider time,
    ILogger<DependencyProbeBackgroundService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var probes = services.GetServices<IDependencyProbe>().ToArray();
        if (probes.Length == 0)
        {
            return;
        }

        var settings = options.Value;
        var health = (await services.GetBillingEngineAsync(stoppingToken).ConfigureAwait(false)).Health;
        var bounded = Array.ConvertAll(probes, p => new BoundedProbe(p, settings.ProbeTimeout, time));
        LogStarted(logger, probes.Length, settings.ProbeInterval.TotalSeconds);
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var results = await Task.WhenAll(bounded.Select(p => ProbeAsync(health, p, stoppingToken))).ConfigureAwait(false);
                failures = results.All(ok => ok) ? 0 : failures + 1;
                var delay = failures == 0
                    ? settings.ProbeInterval
                    : Min(settings.ProbeInterval, Backoff.AfterFailures(failures, settings.ErrorBackoff, settings.MaxErrorBackoff));
                if (!await Backoff.WaitAsync(delay, null, time, stoppingToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    /// <summary>Runs one probe and records the result; false when recording failed (the journal, say).</summary>
    private async Task<bool> ProbeAsync(DependencyHealth health, BoundedProbe probe, CancellationToken stoppingToken)
    {
        try
        {
            var up = await health.ProbeAsync(probe, stoppingToken).ConfigureAwait(false);
            LogProbed(logger, probe.Dependency, up);
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogProbeFailed(logger, ex, probe.Dependency);
            return false;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Dependency probes started: {Count} probes every {IntervalSeconds} s")]
    private static partial void LogStarted(ILogger logger, int count, double intervalSeconds);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Debug, Message = "Probe of {Dependency}: {Up}")]
    private static partial void LogProbed(ILogger logger, Dependency dependency, bool up);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Probe of {Dependency} could not be recorded")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception, Dependency dependency);
}

/// <summary>A probe bounded in time: one that takes longer than the timeout throws <see cref="TimeoutException"/>, which health records as down.</summary>
internal sealed class BoundedProbe(IDependencyProbe inner, TimeSpan timeout, TimeProvider time) : IDependencyProbe
{
    public Dependency Dependency => inner.Dependency;

    public async ValueTask<bool> IsUpAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // WaitAsync bounds a probe that ignores its token too.
            return await inner.IsUpAsync(linked.Token).AsTask().WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The probe of {inner.Dependency} took longer than {timeout}.");
        }
    }
}
