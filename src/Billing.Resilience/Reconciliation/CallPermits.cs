using System.Threading.RateLimiting;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>
/// The reconciler's budget of gateway calls: a token bucket of <c>MaxCallsPerSecond</c> tokens, refilled at every
/// whole second of the injected clock (not a timer), so no second of the clock sees more calls than the limit, in
/// production and in a simulation alike.
/// </summary>
internal sealed class CallPermits : IDisposable
{
    private readonly TokenBucketRateLimiter limiter;
    private readonly IClock clock;
    private readonly object gate = new();
    private long lastSecond;

    public CallPermits(int callsPerSecond, IClock clock)
    {
        this.clock = clock;
        limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = callsPerSecond,
            TokensPerPeriod = callsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        });
        lastSecond = clock.GetCurrentInstant().ToUnixTimeSeconds();
    }

    /// <summary>Takes one call from the budget; false when this second's budget is spent.</summary>
    public bool TryTake()
    {
        lock (gate)
        {
            var second = clock.GetCurrentInstant().ToUnixTimeSeconds();
            if (second > lastSecond)
            {
                // One refill fills the bucket: the limit is the bucket's size.
                limiter.TryReplenish();
                lastSecond = second;
            }

            using var lease = limiter.AttemptAcquire(1);
            return lease.IsAcquired;
        }
    }

    public void Dispose() => limiter.Dispose();
}
