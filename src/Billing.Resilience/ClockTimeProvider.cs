using NodaTime;

namespace Billing.Resilience;

/// <summary>A <see cref="TimeProvider"/> whose "now" is the injected NodaTime clock, so that Polly's circuit breakers measure simulated time in simulations.</summary>
internal sealed class ClockTimeProvider(IClock clock) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => clock.GetCurrentInstant().ToDateTimeOffset();
}
