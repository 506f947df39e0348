using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>
/// The rentals whose money may not match their charge, with when each should next be looked at. An index, not a
/// source of truth: it is rebuilt from the journal at start, and a rental in it is re-read before anything moves.
/// </summary>
internal sealed class SettlementQueue
{
    private readonly object gate = new();
    private readonly Dictionary<string, (Instant Due, int Attempts)> due = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (gate)
            {
                return due.Count;
            }
        }
    }

    /// <summary>Marks a rental to be looked at no later than <paramref name="at"/>; resets its backoff.</summary>
    public void MarkDue(RentalId rentalId, Instant at)
    {
        lock (gate)
        {
            due[rentalId.Value] = (at, 0);
        }
    }

    /// <summary>Makes every rental due at <paramref name="at"/> at the latest (the payment backend came back).</summary>
    public void MarkAllDue(Instant at)
    {
        lock (gate)
        {
            foreach (var key in due.Keys.ToArray())
            {
                var entry = due[key];
                due[key] = (Instant.Min(entry.Due, at), entry.Attempts);
            }
        }
    }

    public void Remove(RentalId rentalId)
    {
        lock (gate)
        {
            due.Remove(rentalId.Value);
        }
    }

    /// <summary>Pushes a rental back after a failed attempt; returns the number of attempts so far.</summary>
    public int Defer(RentalId rentalId, Func<int, Instant> nextAttempt)
    {
        lock (gate)
        {
            var attempts = due.TryGetValue(rentalId.Value, out var entry) ? entry.Attempts + 1 : 1;
            due[rentalId.Value] = (nextAttempt(attempts), attempts);
            return attempts;
        }
    }

    /// <summary>The rentals due at <paramref name="now"/>, earliest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<RentalId> TakeDue(Instant now, int max)
    {
        lock (gate)
        {
            return due.Where(e => e.Value.Due <= now).OrderBy(e => e.Value.Due).ThenBy(e => e.Key, StringComparer.Ordinal)
                .Take(max).Select(e => RentalId.From(e.Key)).ToArray();
        }
    }

    /// <summary>When the next rental is due, or null when none is queued.</summary>
    public Instant? NextDue()
    {
        lock (gate)
        {
            return due.Count == 0 ? null : due.Values.Min(e => e.Due);
        }
    }
}
