using System.Collections.Concurrent;
using Billing.Resilience.Journal;

namespace Billing.Resilience.Rentals;

/// <summary>
/// Loads rentals by replaying their streams and appends their events with optimistic concurrency. Keeps the states
/// it has seen in memory (bounded); a conflict means another writer appended, so the stream is read again.
/// </summary>
internal sealed class RentalRepository(IJournal journal, int cacheCapacity = 100_000)
{
    private readonly ConcurrentDictionary<string, RentalState> cache = new(StringComparer.Ordinal);

    // The cache's size, kept here: ConcurrentDictionary.Count takes every lock of the dictionary, and Remember runs on
    // every load and append. Approximate under races (an add and a clear at once), which only moves when the cache is
    // cleared; it never lets the cache grow far past its capacity.
    private int count;

    public IJournal Journal => journal;

    public async Task<RentalState?> LoadAsync(RentalId rentalId, CancellationToken cancellationToken)
    {
        var streamId = RentalState.StreamIdFor(rentalId);
        if (cacheCapacity > 0 && cache.TryGetValue(streamId, out var cached))
        {
            return cached;
        }

        var events = await journal.ReadStreamAsync(streamId, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0)
        {
            return null;
        }

        var state = RentalState.Replay(streamId, events);
        Remember(state);
        return state;
    }

    /// <summary>Reads the stream again, ignoring the cache (after a conflict, or to see other instances' writes).</summary>
    public async Task<RentalState?> ReloadAsync(RentalId rentalId, CancellationToken cancellationToken)
    {
        Drop(RentalState.StreamIdFor(rentalId));
        return await LoadAsync(rentalId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends events after the state's version and returns the new state. Durable when it returns.</summary>
    /// <exception cref="ConcurrencyConflictException">Another writer appended first; the cached state is dropped.</exception>
    public async Task<RentalState> AppendAsync(RentalState state, object[] events, CancellationToken cancellationToken)
    {
        var data = EventSerializer.SerializeAll(state.StreamId, state.Version, events);
        try
        {
            await journal.AppendAsync(state.StreamId, ExpectedVersion.Exactly(state.Version), data, cancellationToken).ConfigureAwait(false);
        }
        catch (ConcurrencyConflictException)
        {
            Drop(state.StreamId);
            throw;
        }

        // A new state object: the caller's instance is never half-updated.
        var next = state.With(events);
        Remember(next);
        return next;
    }

    public void Forget(RentalId rentalId) => Drop(RentalState.StreamIdFor(rentalId));

    private void Drop(string streamId)
    {
        if (cache.TryRemove(streamId, out _))
        {
            Interlocked.Decrement(ref count);
        }
    }

    private void Remember(RentalState state)
    {
        if (cacheCapacity == 0)
        {
            // A journal shared with other instances: their appends are not seen by a cache, so read every time.
            return;
        }

        if (Volatile.Read(ref count) >= cacheCapacity)
        {
            Interlocked.Exchange(ref count, 0);
            cache.Clear();
        }

        if (cache.TryAdd(state.StreamId, state))
        {
            Interlocked.Increment(ref count);
        }
        else
        {
            cache[state.StreamId] = state;
        }
    }
}
