using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>
/// The reconciler's budget of gateway calls: at most <c>MaxCallsPerSecond</c> calls in any whole second of the
/// injected clock (a fixed window). Polly's rate limiter strategies and the System.Threading.RateLimiting limiters
/// they build on measure their windows in real time (they refuse a zero window even with manual replenishment), so
/// they cannot be held to a simulated clock; this budget can, and a test on a fake clock proves the limit.
/// </summary>
internal sealed class CallPermits(int callsPerSecond, IClock clock)
{
    private readonly object gate = new();
    private long second = long.MinValue;
    private int used;

    /// <summary>The start of the next whole second of the clock: when the budget is full again.</summary>
    public Instant NextWindow() => Instant.FromUnixTimeSeconds(clock.GetCurrentInstant().ToUnixTimeSeconds() + 1);

    /// <summary>Takes one call from this second's budget; false when it is spent.</summary>
    public bool TryTake()
    {
        lock (gate)
        {
            var now = clock.GetCurrentInstant().ToUnixTimeSeconds();
            if (now != second)
            {
                second = now;
                used = 0;
            }

            if (used >= callsPerSecond)
            {
                return false;
            }

            used++;
            return true;
        }
    }
}
