using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>
/// The rentals whose money may not match their charge, with when each should next be looked at. An index, not a
/// source of truth: it is rebuilt from the journal at start, and a rental in it is re-read before anything moves.
/// </summary>
/// <remarks>A priority queue ordered by due time with lazy deletion: taking the due rentals costs O(k log n), not a
/// sort of the whole backlog, which matters with a million rentals pending after an outage.</remarks>
internal sealed class SettlementQueue
{
    private readonly object gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(string RentalId, long Version), (Instant Due, long Sequence)> order = new();
    private long sequence;

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>Marks a rental to be looked at no later than <paramref name="at"/>; resets its backoff.</summary>
    public void MarkDue(RentalId rentalId, Instant at)
    {
        lock (gate)
        {
            Set(rentalId.Value, at, 0);
        }
    }

    /// <summary>Makes every rental due at <paramref name="at"/> at the latest (the payment backend came back).</summary>
    public void MarkAllDue(Instant at)
    {
        lock (gate)
        {
            foreach (var (rental, entry) in entries.ToArray())
            {
                if (entry.Due > at)
                {
                    Set(rental, at, entry.Attempts);
                }
            }
        }
    }

    public void Remove(RentalId rentalId)
    {
        lock (gate)
        {
            entries.Remove(rentalId.Value);
        }
    }

    /// <summary>Makes a rental due at <paramref name="at"/> without counting an attempt (the call budget was spent; nothing failed).</summary>
    public void Postpone(RentalId rentalId, Instant at)
    {
        lock (gate)
        {
            Set(rentalId.Value, at, entries.TryGetValue(rentalId.Value, out var entry) ? entry.Attempts : 0);
        }
    }

    /// <summary>Pushes a rental back after a failed attempt; returns the number of attempts so far.</summary>
    public int Defer(RentalId rentalId, Func<int, Instant> nextAttempt)
    {
        lock (gate)
        {
            var attempts = entries.TryGetValue(rentalId.Value, out var entry) ? entry.Attempts + 1 : 1;
            Set(rentalId.Value, nextAttempt(attempts), attempts);
            return attempts;
        }
    }

    /// <summary>The rentals due at <paramref name="now"/>, earliest first, at most <paramref name="max"/>. They stay queued until removed or deferred.</summary>
    public IReadOnlyList<RentalId> TakeDue(Instant now, int max)
    {
        lock (gate)
        {
            var result = new List<RentalId>();
            var keep = new List<((string, long), (Instant, long))>();
            while (result.Count < max && order.TryPeek(out var item, out var priority) && priority.Due <= now)
            {
                order.Dequeue();
                if (entries.TryGetValue(item.RentalId, out var entry) && entry.Version == item.Version)
                {
                    result.Add(RentalId.From(item.RentalId));
                    keep.Add((item, priority));
                }
            }

            // Still queued: a rental taken but neither settled nor deferred is due again at once.
            foreach (var (item, priority) in keep)
            {
                order.Enqueue(item, priority);
            }

            return result;
        }
    }

    /// <summary>When the next rental is due, or null when none is queued.</summary>
    public Instant? NextDue()
    {
        lock (gate)
        {
            while (order.TryPeek(out var item, out var priority))
            {
                if (entries.TryGetValue(item.RentalId, out var entry) && entry.Version == item.Version)
                {
                    return priority.Due;
                }

                order.Dequeue();
            }

            return null;
        }
    }

    private void Set(string rentalId, Instant due, int attempts)
    {
        var version = ++sequence;
        entries[rentalId] = new Entry(due, attempts, version);
        order.Enqueue((rentalId, version), (due, version));
    }

    private readonly record struct Entry(Instant Due, int Attempts, long Version);
}
