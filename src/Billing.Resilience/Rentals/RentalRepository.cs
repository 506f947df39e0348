using Billing.Resilience.Journal;

namespace Billing.Resilience.Rentals;

/// <summary>
/// Loads rentals by replaying their streams and appends their events with optimistic concurrency. Keeps the states
/// it has seen in memory (bounded); a conflict means another writer appended, so the stream is read again.
/// </summary>
internal sealed class RentalRepository(IJournal journal, int cacheCapacity = RentalCacheOptions.DefaultCapacity)
{
    private readonly RentalStateCache cache = new(cacheCapacity);

    public IJournal Journal => journal;

    /// <summary>Gets the cache of rental states (its capacity is 0 when several instances share the journal).</summary>
    public RentalStateCache Cache => cache;

    public async Task<RentalState?> LoadAsync(RentalId rentalId, CancellationToken cancellationToken)
    {
        var streamId = RentalState.StreamIdFor(rentalId);
        if (cache.TryGet(streamId, out var cached))
        {
            return cached;
        }

        var events = await journal.ReadStreamAsync(streamId, cancellationToken).ConfigureAwait(false);
        if (events.Count == 0)
        {
            return null;
        }

        var state = RentalState.Replay(streamId, events);
        cache.Set(state);
        return state;
    }

    /// <summary>Reads the stream again, ignoring the cache (after a conflict, or to see other instances' writes).</summary>
    public async Task<RentalState?> ReloadAsync(RentalId rentalId, CancellationToken cancellationToken)
    {
        cache.Remove(RentalState.StreamIdFor(rentalId));
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
            cache.Remove(state.StreamId);
            throw;
        }

        // A new state object: the caller's instance is never half-updated.
        var next = state.With(events);
        cache.Set(next);
        return next;
    }

    public void Forget(RentalId rentalId) => cache.Remove(RentalState.StreamIdFor(rentalId));
}
