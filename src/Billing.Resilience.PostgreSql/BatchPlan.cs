using Billing.Resilience.Journal;
using Billing.Resilience.Storage;

namespace Billing.Resilience.PostgreSql;

/// <summary>
/// One batch of appends decided in memory, in batch order, from the versions the streams had when the batch read them
/// (without the append lock; under it when an append is written again alone): the rules of the schema's
/// <c>append_events</c> function, for the whole batch at once.
/// </summary>
/// <remarks>
/// <para>An append whose expected version is the stream's current version (or <see cref="ExpectedVersion.Any"/>) is
/// accepted: its events get the next versions and become rows of the batch's one insert; a later append in the batch sees
/// them. An append that expects an older version is an idempotent replay when the events stored right after that version
/// are the same events (same ids, same order), whether they were stored before the batch or earlier in it; otherwise,
/// and when it expects a version the stream does not have yet, it is a conflict with the current version.</para>
/// <para>Replays are rare (a retry after a lost acknowledgement): the events they need from the table are read in one
/// query per batch (<see cref="ReplayStreams"/>, <see cref="ReplayFrom"/>, <see cref="ReplayTo"/>).</para>
/// </remarks>
internal sealed class BatchPlan
{
    private readonly IReadOnlyList<PendingAppend> batch;
    private readonly Decision[] decisions;
    private readonly Dictionary<(string StreamId, long Version), Guid> pending = [];
    private readonly Dictionary<(string StreamId, long Version), (Guid EventId, long Position)> stored = [];
    private readonly Dictionary<(string StreamId, long Version), long> inserted = [];

    private BatchPlan(IReadOnlyList<PendingAppend> batch)
    {
        this.batch = batch;
        decisions = new Decision[batch.Count];
    }

    private enum Kind
    {
        Accepted,
        Replay,
        Conflict,
    }

    /// <summary>Gets the events to insert, in batch order.</summary>
    public List<(string StreamId, long Version, PendingEvent Event)> Rows { get; } = [];

    /// <summary>Gets the streams of the stored ranges that possible replays need, one per range.</summary>
    public List<string> ReplayStreams { get; } = [];

    /// <summary>Gets each range's first version minus one.</summary>
    public List<long> ReplayFrom { get; } = [];

    /// <summary>Gets each range's last version.</summary>
    public List<long> ReplayTo { get; } = [];

    /// <summary>Decides every append of <paramref name="batch"/>, given each stream's version before it (absent: 0).</summary>
    public static BatchPlan Make(IReadOnlyList<PendingAppend> batch, IReadOnlyDictionary<string, long> versions)
    {
        var plan = new BatchPlan(batch);
        var current = new Dictionary<string, long>(versions, StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var append = batch[i];
            var events = append.Events;
            var actual = current.GetValueOrDefault(append.StreamId);
            var expected = append.Expected;
            if (expected.IsAny || expected.Value == actual)
            {
                for (var k = 0; k < events.Length; k++)
                {
                    plan.Rows.Add((append.StreamId, actual + k + 1, events[k]));
                    plan.pending[(append.StreamId, actual + k + 1)] = events[k].EventId;
                }

                current[append.StreamId] = actual + events.Length;
                plan.decisions[i] = new Decision(Kind.Accepted, actual + events.Length);
            }
            else if (expected.Value + events.Length <= actual)
            {
                // The range (expected, expected + count] exists: stored before the batch, up to the stream's stored
                // version, and accepted earlier in this batch above it.
                var storedVersion = versions.GetValueOrDefault(append.StreamId);
                if (expected.Value < storedVersion)
                {
                    plan.ReplayStreams.Add(append.StreamId);
                    plan.ReplayFrom.Add(expected.Value);
                    plan.ReplayTo.Add(Math.Min(expected.Value + events.Length, storedVersion));
                }

                plan.decisions[i] = new Decision(Kind.Replay, actual);
            }
            else
            {
                plan.decisions[i] = new Decision(Kind.Conflict, actual);
            }
        }

        return plan;
    }

    /// <summary>A stored event that a possible replay compares with (the replay query's rows).</summary>
    public void Stored(string streamId, long version, Guid eventId, long position) => stored[(streamId, version)] = (eventId, position);

    /// <summary>An inserted event's position (the insert's <c>RETURNING</c> rows).</summary>
    public void Inserted(string streamId, long version, long position) => inserted[(streamId, version)] = position;

    /// <summary>The outcome of every append, in batch order, once the replay query and the insert have run.</summary>
    public (AppendResult? Result, Exception? Error)[] Outcomes()
    {
        var outcomes = new (AppendResult?, Exception?)[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var append = batch[i];
            var decision = decisions[i];
            outcomes[i] = decision.Kind switch
            {
                Kind.Accepted => (new AppendResult(decision.Version, Position(append.StreamId, decision.Version)), null),
                Kind.Replay when TryReplay(append, out var position) => (new AppendResult(append.Expected.Value + append.Events.Length, position), null),
                _ => (null, new ConcurrencyConflictException(append.StreamId, append.Expected, decision.Version)),
            };
        }

        return outcomes;
    }

    private bool TryReplay(PendingAppend append, out long position)
    {
        position = 0;
        var events = append.Events;
        for (var k = 0; k < events.Length; k++)
        {
            var key = (append.StreamId, append.Expected.Value + k + 1);
            if (stored.TryGetValue(key, out var row))
            {
                if (row.EventId != events[k].EventId)
                {
                    return false;
                }

                position = Math.Max(position, row.Position);
            }
            else if (pending.TryGetValue(key, out var eventId) && eventId == events[k].EventId)
            {
                position = Math.Max(position, Position(append.StreamId, key.Item2));
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private long Position(string streamId, long version)
        => inserted.TryGetValue((streamId, version), out var position)
            ? position
            : throw new InvariantViolationException($"The insert returned no position for version {version} of '{streamId}'.");

    private readonly record struct Decision(Kind Kind, long Version);
}
