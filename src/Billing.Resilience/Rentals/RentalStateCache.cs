using System.Collections.Concurrent;

namespace Billing.Resilience.Rentals;

/// <summary>
/// The rental states kept in memory, at most about <c>capacity</c> of them, in two generations of half that each. A
/// state read or written goes into the newer generation; when a state comes and the newer one is full, it becomes the
/// older one and the older one is dropped whole. A state found in the older generation moves to the newer one, so what is in use
/// survives the turn over (a rental between two payment steps, a rental ending while its start is still recent); what
/// nobody touched for a whole generation goes. Close to least-recently-used, at the cost of a dictionary look-up, with
/// no list to maintain on every read.
/// </summary>
/// <remarks>
/// Safe for concurrent use. A newer version of a rental is not replaced by an older one: not by a load that read the
/// journal while an append of the same rental committed, nor across a turn over (a state moving from the older
/// generation takes its copy out of it). A state dropped by a race costs one read of the journal. Races narrower than
/// these checks can still leave an old version kept for a while; money never moves on one, because every payment
/// step appends its intent first and an append from an old version fails its version check
/// (<see cref="Journal.ConcurrencyConflictException"/>), which drops it.
/// </remarks>
internal sealed class RentalStateCache
{
    private readonly int generationCapacity;
    private readonly object turnOver = new();
    private volatile ConcurrentDictionary<string, RentalState> newer = Create();
    private volatile ConcurrentDictionary<string, RentalState> older = Create();

    // The newer generation's size, kept here: ConcurrentDictionary.Count takes every lock of the dictionary, and Set
    // runs on every load and append. Approximate under races, which only moves the moment of the turn over.
    private int newerCount;

    /// <summary>Creates a cache of at most about <paramref name="capacity"/> states; 0 keeps none.</summary>
    public RentalStateCache(int capacity)
    {
        Preconditions.CheckArgumentRange(nameof(capacity), capacity, 0, int.MaxValue);
        Capacity = capacity;
        generationCapacity = capacity == 0 ? 0 : Math.Max(1, capacity / 2);
    }

    /// <summary>Gets the most states kept (0: none).</summary>
    public int Capacity { get; }

    /// <summary>Gets the number of states kept now (both generations; a state moving between them counts twice for a moment).</summary>
    public int Count => newer.Count + older.Count;

    /// <summary>Finds a kept state; one found in the older generation moves to the newer one.</summary>
    public bool TryGet(string streamId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RentalState? state)
    {
        if (generationCapacity == 0)
        {
            state = null;
            return false;
        }

        if (newer.TryGetValue(streamId, out state))
        {
            return true;
        }

        if (older.TryGetValue(streamId, out var found))
        {
            // Moved to the newer generation, where a newer version may have arrived meanwhile: return the newest.
            Set(found);
            state = newer.TryGetValue(streamId, out var moved) && moved.Version >= found.Version ? moved : found;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Keeps a state in the newer generation, unless a newer version of the same rental is kept already; a copy in the
    /// older generation goes, so the two never disagree for long.
    /// </summary>
    public void Set(RentalState state)
    {
        if (generationCapacity == 0)
        {
            return;
        }

        var streamId = state.StreamId;
        while (true)
        {
            var generation = newer;
            if (Volatile.Read(ref newerCount) >= generationCapacity)
            {
                generation = TurnOver(generation);
            }

            var newest = state;
            var previous = older;
            if (!ReferenceEquals(previous, generation) && previous.TryGetValue(streamId, out var kept))
            {
                if (kept.Version > newest.Version)
                {
                    newest = kept; // an append went into the generation that turned over after this state was read
                }

                previous.TryRemove(new KeyValuePair<string, RentalState>(streamId, kept));
            }

            if (generation.TryAdd(streamId, newest))
            {
                Interlocked.Increment(ref newerCount);
            }
            else
            {
                generation.AddOrUpdate(streamId, newest, (_, current) => current.Version > newest.Version ? current : newest);
            }

            if (ReferenceEquals(generation, newer))
            {
                return;
            }

            // The generation turned over while the state went in, so it may sit in the older one now, behind a state
            // read earlier that went into the new one: put it in the new one too.
        }
    }

    /// <summary>Drops a rental's state from both generations (the older first, so a look-up in between cannot move an
    /// older version back into the newer one).</summary>
    public void Remove(string streamId)
    {
        older.TryRemove(streamId, out _);
        var generation = newer;
        if (generation.TryRemove(streamId, out _) && ReferenceEquals(generation, newer))
        {
            Interlocked.Decrement(ref newerCount);
        }
    }

    /// <summary>The full newer generation becomes the older one (the older one is dropped); returns the new one.</summary>
    private ConcurrentDictionary<string, RentalState> TurnOver(ConcurrentDictionary<string, RentalState> full)
    {
        lock (turnOver)
        {
            if (ReferenceEquals(full, newer))
            {
                // The count is reset before the new generation is published: an add racing the turn over is then
                // counted too many (the next turn over comes a little early), never too few (the cache would outgrow
                // its bound).
                older = full;
                Interlocked.Exchange(ref newerCount, 0);
                newer = Create();
            }

            return newer;
        }
    }

    private static ConcurrentDictionary<string, RentalState> Create() => new(StringComparer.Ordinal);
}
