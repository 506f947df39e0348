namespace Billing.Resilience.Journal;

/// <summary>
/// A journal in memory: the reference implementation of the <see cref="IJournal"/> contract, for tests and
/// simulations. Nothing survives the process; use the SQLite or PostgreSQL journal in production.
/// </summary>
public sealed class InMemoryJournal : IJournal
{
    private readonly object gate = new();
    private readonly Dictionary<string, List<RecordedEvent>> streams = new(StringComparer.Ordinal);
    private readonly List<RecordedEvent> all = [];

    /// <summary>Gets the number of events in the journal.</summary>
    public long Count
    {
        get
        {
            lock (gate)
            {
                return all.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        JournalPreconditions.CheckAppend(streamId, events);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            if (!streams.TryGetValue(streamId, out var stream))
            {
                stream = [];
            }

            var actual = stream.Count;
            if (!expectedVersion.IsAny && expectedVersion.Value != actual)
            {
                if (JournalPreconditions.IsIdempotentReplay(stream, expectedVersion, events))
                {
                    var last = stream[(int)expectedVersion.Value + events.Count - 1];
                    return ValueTask.FromResult(new AppendResult(last.StreamVersion, last.GlobalPosition));
                }

                throw new ConcurrencyConflictException(streamId, expectedVersion, actual);
            }

            streams[streamId] = stream;
            foreach (var e in events)
            {
                var recorded = new RecordedEvent(streamId, stream.Count + 1, all.Count + 1, e.EventId, e.EventType, e.Payload.ToArray());
                stream.Add(recorded);
                all.Add(recorded);
            }

            return ValueTask.FromResult(new AppendResult(stream.Count, all.Count));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        lock (gate)
        {
            IReadOnlyList<RecordedEvent> result = streams.TryGetValue(streamId, out var stream) ? stream.ToArray() : [];
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        Preconditions.CheckArgumentRange(nameof(afterPosition), afterPosition, 0, long.MaxValue);
        Preconditions.CheckArgumentRange(nameof(maxCount), maxCount, 1, JournalPreconditions.MaxReadCount);
        lock (gate)
        {
            var from = (int)Math.Min(afterPosition, all.Count);
            var count = Math.Min(maxCount, all.Count - from);
            IReadOnlyList<RecordedEvent> result = all.GetRange(from, count).ToArray();
            return ValueTask.FromResult(result);
        }
    }
}
