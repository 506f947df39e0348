using Billing.Resilience.Journal;

namespace Billing.Resilience.Storage;

/// <summary>
/// The argument rules of the core's (internal) <c>JournalPreconditions</c>, repeated word for word so that every store
/// throws the same exception types with the same messages as <see cref="InMemoryJournal"/>. The conformance suite
/// holds the stores to it. Shared by the SQLite and PostgreSQL packages (one source file, linked into both).
/// </summary>
internal static class JournalRules
{
    /// <summary>The most events one append may carry.</summary>
    public const int MaxEventsPerAppend = 1_000;

    /// <summary>The most events one read of all streams returns.</summary>
    public const int MaxReadCount = 10_000;

    /// <summary>The longest stream id.</summary>
    public const int MaxStreamIdLength = 200;

    /// <summary>The largest event payload (1 MiB).</summary>
    public const int MaxPayloadBytes = 1 << 20;

    public static void CheckAppend(string streamId, IReadOnlyList<EventData> events)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(events);
        CheckArgument(streamId.Length is > 0 and <= MaxStreamIdLength, nameof(streamId), $"A stream id has 1 to {MaxStreamIdLength} characters.");
        CheckArgument(events.Count is > 0 and <= MaxEventsPerAppend, nameof(events), $"An append carries 1 to {MaxEventsPerAppend} events; got {events.Count}.");
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            CheckArgument(!string.IsNullOrEmpty(e.EventType), nameof(events), "Every event has a type.");
            CheckArgument(e.Payload.Length <= MaxPayloadBytes, nameof(events), $"An event payload is at most {MaxPayloadBytes} bytes.");
        }
    }

    public static void CheckReadAll(long afterPosition, int maxCount)
    {
        CheckArgumentRange(nameof(afterPosition), afterPosition, 0, long.MaxValue);
        CheckArgumentRange(nameof(maxCount), maxCount, 1, MaxReadCount);
    }

    /// <summary>Copies the events the caller handed in: the append is written later, by the store's writer, and must
    /// write what the caller passed at the time of the call even if the caller reuses its buffers.</summary>
    public static PendingEvent[] Snapshot(IReadOnlyList<EventData> events)
    {
        var result = new PendingEvent[events.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var e = events[i];
            result[i] = new PendingEvent(e.EventId, e.EventType, e.Payload.ToArray());
        }

        return result;
    }

    private static void CheckArgument(bool condition, string paramName, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, paramName);
        }
    }

    private static void CheckArgumentRange(string paramName, long value, long minInclusive, long maxInclusive)
    {
        if (value < minInclusive || value > maxInclusive)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Value should be in range [{minInclusive}-{maxInclusive}]");
        }
    }
}

/// <summary>An event waiting in the append queue: the caller's <see cref="EventData"/>, copied.</summary>
internal sealed record PendingEvent(Guid EventId, string EventType, byte[] Payload);
