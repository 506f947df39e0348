using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>
/// Leases on rentals, so that several application instances sharing one journal settle each rental one at a time.
/// A lease expires on its own when an instance dies; another instance then takes the rental over.
/// </summary>
/// <remarks>
/// Money never moves twice even without leases: every payment intent is appended with the rental stream's expected
/// version, so of two instances deciding the same step only one can send it. Leases keep instances from doing the
/// same work and from contending on the same streams. The PostgreSQL package implements this port; a single instance
/// needs none.
/// </remarks>
public interface ISettlementClaims
{
    /// <summary>Claims a rental for <paramref name="owner"/> until <paramref name="until"/>, if nobody else holds a lease that is still valid at <paramref name="now"/>. Renewing one's own lease succeeds.</summary>
    ValueTask<bool> TryClaimAsync(RentalId rentalId, string owner, Instant now, Instant until, CancellationToken cancellationToken);

    /// <summary>Releases a lease the owner holds; does nothing otherwise.</summary>
    ValueTask ReleaseAsync(RentalId rentalId, string owner, CancellationToken cancellationToken);
}

/// <summary>Leases in memory, for tests and for several engines in one process.</summary>
public sealed class InMemorySettlementClaims : ISettlementClaims
{
    private readonly object gate = new();
    private readonly Dictionary<string, (string Owner, Instant Until)> leases = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<bool> TryClaimAsync(RentalId rentalId, string owner, Instant now, Instant until, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (leases.TryGetValue(rentalId.Value, out var lease) && lease.Owner != owner && lease.Until > now)
            {
                return ValueTask.FromResult(false);
            }

            leases[rentalId.Value] = (owner, until);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(RentalId rentalId, string owner, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (leases.TryGetValue(rentalId.Value, out var lease) && lease.Owner == owner)
            {
                leases.Remove(rentalId.Value);
            }
        }

        return ValueTask.CompletedTask;
    }
}
