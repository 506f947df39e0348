using Billing.Resilience.Journal;

namespace Billing.Resilience.Tests.Support;

/// <summary>
/// An in-memory journal whose appends can fail: the next <see cref="Conflicts"/> appends as if another writer had
/// appended first, and any append for which <see cref="Failure"/> returns an exception with that exception.
/// </summary>
internal sealed class FaultyJournal : IJournal
{
    private readonly InMemoryJournal inner = new();

    public int Conflicts { get; set; }

    /// <summary>Gets or sets the number of appends asked for (failed ones included).</summary>
    public int Attempts { get; set; }

    public Func<string, Exception?>? Failure { get; set; }

    public long Count => inner.Count;

    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        Attempts++;
        if (Conflicts > 0)
        {
            Conflicts--;
            throw new ConcurrencyConflictException(streamId, expectedVersion, expectedVersion.Value + 1);
        }

        if (Failure?.Invoke(streamId) is { } error)
        {
            throw error;
        }

        return inner.AppendAsync(streamId, expectedVersion, events, cancellationToken);
    }

    /// <summary>Gets or sets what happens once, right after the next stream read (the events already read): another
    /// writer acting while a reader holds what it read.</summary>
    public Func<string, Task>? AfterNextStreamRead { get; set; }

    public async ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
    {
        var events = await inner.ReadStreamAsync(streamId, cancellationToken);
        if (AfterNextStreamRead is { } hook)
        {
            AfterNextStreamRead = null;
            await hook(streamId);
        }

        return events;
    }

    public ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
        => inner.ReadAllAsync(afterPosition, maxCount, cancellationToken);
}
