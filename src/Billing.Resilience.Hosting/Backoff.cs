namespace Billing.Resilience.Hosting;

/// <summary>Waits of the background loops: exponential backoff after failures, and a wait that a signal can cut short.</summary>
internal static class Backoff
{
    /// <summary>The wait after <paramref name="failures"/> failures in a row (1 or more): base, then doubling, capped.</summary>
    public static TimeSpan AfterFailures(int failures, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ticks = baseDelay.Ticks * (1L << Math.Min(exponent, 20));
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks(ticks);
    }

    /// <summary>Waits <paramref name="delay"/> on <paramref name="time"/>, or less when <paramref name="signal"/> (if any) completes first.</summary>
    /// <returns>False when <paramref name="stoppingToken"/> was cancelled.</returns>
    public static async Task<bool> WaitAsync(TimeSpan delay, Task? signal, TimeProvider time, CancellationToken stoppingToken)
    {
        if (stoppingToken.IsCancellationRequested)
        {
            return false;
        }

        if (delay <= TimeSpan.Zero || signal is { IsCompleted: true })
        {
            // Let other work run before going round again.
            await Task.Yield();
            return !stoppingToken.IsCancellationRequested;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delayed = Task.Delay(delay, time, timer.Token);
        await (signal is null ? Task.WhenAny(delayed) : Task.WhenAny(delayed, signal)).ConfigureAwait(false);

        // Stops the timer when the signal came first; a cancelled delay is not an error.
        await timer.CancelAsync().ConfigureAwait(false);
        return !stoppingToken.IsCancellationRequested;
    }
}
