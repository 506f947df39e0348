using System.Runtime.InteropServices;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>
/// The rentals whose money may not match their charge, with when each should next be looked at. An index, not a
/// source of truth: it is rebuilt from the journal at start, and a rental in it is re-read before anything moves.
/// </summary>
/// <remarks>A priority queue ordered by due time with lazy deletion: taking the due rentals costs O(k log n), not a
/// sort of the whole backlog, which matters with a million rentals pending after an outage. Its memory follows the
/// backlog: the heap is rebuilt from the live entries when stale items (replaced or removed rentals) outnumber them, and
/// both structures give back their spare room once the backlog has shrunk to a quarter of it, so a million rentals
/// settled after an outage do not stay allocated.</remarks>
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
    /// <remarks>Rebuilds the heap once (O(n)) instead of adding a second item for every rental brought forward.</remarks>
    public void MarkAllDue(Instant at)
    {
        lock (gate)
        {
            // The rentals brought forward come after those already due by then, in the order they were set (not the
            // dictionary's order, which reuses the slots of removed rentals).
            var moved = new List<(long Version, string RentalId)>();
            foreach (var (rental, entry) in entries)
            {
                if (entry.Due > at)
                {
                    moved.Add((entry.Version, rental));
                }
            }

            if (moved.Count == 0)
            {
                return;
            }

            moved.Sort((x, y) => x.Version.CompareTo(y.Version));
            foreach (var (_, rental) in moved)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(entries, rental);
                entry = new Entry(at, entry.Attempts, ++sequence);
            }

            Rebuild();
        }
    }

    /// <summary>
    /// The rental's place in the queue as it is now (0 when it is not queued): read it before reading the rental, and
    /// remove with it (<see cref="Remove(RentalId, long)"/>), so a rental marked due again in between stays queued.
    /// </summary>
    public long Ticket(RentalId rentalId)
    {
        lock (gate)
        {
            return entries.TryGetValue(rentalId.Value, out var entry) ? entry.Version : 0;
        }
    }

    /// <summary>Removes a rental unless it was marked, deferred or postponed after <paramref name="ticket"/> was read.</summary>
    /// <returns>Whether it was removed.</returns>
    public bool Remove(RentalId rentalId, long ticket)
    {
        lock (gate)
        {
            if (!entries.TryGetValue(rentalId.Value, out var entry) || entry.Version != ticket)
            {
                return false;
            }

            entries.Remove(rentalId.Value);
            Compact();
            return true;
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

    /// <summary>Gets the items in the heap, stale ones included (for tests: it stays within about twice <see cref="Count"/>).</summary>
    internal int HeapCount
    {
        get
        {
            lock (gate)
            {
                return order.Count;
            }
        }
    }

    /// <summary>Gets the room the entries' dictionary has (for tests: it shrinks with the backlog).</summary>
    internal int EntryCapacity
    {
        get
        {
            lock (gate)
            {
                return entries.EnsureCapacity(0);
            }
        }
    }

    private void Set(string rentalId, Instant due, int attempts)
    {
        var version = ++sequence;
        entries[rentalId] = new Entry(due, attempts, version);
        order.Enqueue((rentalId, version), (due, version));
        Compact();
    }

    /// <summary>
    /// Keeps memory in proportion to the backlog. Every stale item in the heap came from a replacement or a removal, so
    /// rebuilding once they outnumber the live ones costs O(1) per operation, amortized; likewise trimming the
    /// dictionary once three quarters of its room are unused.
    /// </summary>
    private void Compact()
    {
        var live = entries.Count;
        if (order.Count > (2 * live) + CompactionFloor)
        {
            Rebuild();
        }

        var room = entries.EnsureCapacity(0);
        if (live < room / 4 && room > CompactionFloor)
        {
            entries.TrimExcess();
        }
    }

    /// <summary>The heap again from the live entries alone (heapified in O(n)), with no more room than they need.</summary>
    private void Rebuild()
    {
        order.Clear();
        order.TrimExcess();
        order.EnsureCapacity(entries.Count);
        order.EnqueueRange(entries.Select(e => ((e.Key, e.Value.Version), (e.Value.Due, e.Value.Version))));
    }

    /// <summary>Below this many items nothing is compacted: a small queue is cheap however stale.</summary>
    private const int CompactionFloor = 1_024;

    private readonly record struct Entry(Instant Due, int Attempts, long Version);
}
