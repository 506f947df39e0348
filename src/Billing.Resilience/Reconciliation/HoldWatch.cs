using System.Collections.Concurrent;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>
/// The open holds and when each expires, so the reconciler can warn before a hold lapses while its rental is not
/// settled (an outage can outlive a card hold). An index rebuilt from the journal at start, like the settlement queue.
/// </summary>
internal sealed class HoldWatch
{
    private readonly ConcurrentDictionary<string, (Instant ExpiresAt, bool Warned)> holds = new(StringComparer.Ordinal);

    public int Count => holds.Count;

    public void Track(RentalId rentalId, Instant expiresAt) => holds[rentalId.Value] = (expiresAt, false);

    public void Forget(RentalId rentalId) => holds.TryRemove(rentalId.Value, out _);

    /// <summary>Holds that expire before <paramref name="horizon"/> and were not warned about yet; each is returned once.</summary>
    public IReadOnlyList<(RentalId RentalId, Instant ExpiresAt)> TakeExpiringBefore(Instant horizon)
    {
        var result = new List<(RentalId, Instant)>();
        foreach (var (rental, entry) in holds)
        {
            if (!entry.Warned && entry.ExpiresAt <= horizon && holds.TryUpdate(rental, (entry.ExpiresAt, true), entry))
            {
                result.Add((RentalId.From(rental), entry.ExpiresAt));
            }
        }

        return result;
    }
}
