using Billing.Resilience.Rentals;

namespace RentalApi;

/// <summary>
/// DEMO ONLY: an identity backend that authenticates every rider whose id does not start with <c>blocked-</c>, and
/// that the demo admin endpoints take down and bring back. Replace it with an adapter to your login service.
/// </summary>
public sealed class DemoIdentityProvider : IIdentityProvider
{
    private volatile bool available = true;

    /// <summary>Gets or sets a value indicating whether the backend answers.</summary>
    public bool Available
    {
        get => available;
        set => available = value;
    }

    /// <inheritdoc />
    public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
    {
        if (!available)
        {
            // What an adapter does when the login service cannot be reached: throw, and the start is refused with 503.
            throw new HttpRequestException("identity backend unreachable (demo outage)");
        }

        return ValueTask.FromResult(riderId.Value.StartsWith("blocked-", StringComparison.Ordinal) ? IdentityVerdict.Denied : IdentityVerdict.Authenticated);
    }
}
