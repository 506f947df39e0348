namespace Billing.Resilience.Journal;

/// <summary>
/// The durable, append-only journal every fact of the library is written to before it is acknowledged: rental
/// events, outages, payment intents and outcomes. Each rental is one stream; appends use optimistic concurrency.
/// </summary>
/// <remarks>
/// <para>Contract, held by every store through one conformance suite (in-memory, SQLite, PostgreSQL):</para>
/// <list type="bullet">
/// <item>An append is all or nothing and is durable when the returned task completes.</item>
/// <item>Stream versions count events: a stream with n events has version n; the first event has version 1;
/// <see cref="ExpectedVersion.NoStream"/> is version 0.</item>
/// <item>Appending with an expected version that no longer matches throws <see cref="ConcurrencyConflictException"/>,
/// unless the events are exactly the ones already appended at that version (same event ids): then the append is an
/// idempotent no-op and returns the same result.</item>
/// <item>Every event also gets a global position, strictly increasing in commit order, for reading everything after a checkpoint.</item>
/// </list>
/// </remarks>
public interface IJournal
{
    /// <summary>Appends events to a stream if its version is the expected one.</summary>
    /// <exception cref="ConcurrencyConflictException">The stream's version is not the expected one.</exception>
    ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default);

    /// <summary>Reads a stream from its first event; empty when the stream does not exist.</summary>
    ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Reads up to <paramref name="maxCount"/> events of all streams with a global position greater than <paramref name="afterPosition"/>, in position order.</summary>
    ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default);
}
