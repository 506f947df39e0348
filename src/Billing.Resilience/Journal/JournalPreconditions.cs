namespace Billing.Resilience.Journal;

/// <summary>Checks and rules every journal implementation shares.</summary>
internal static class JournalPreconditions
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
        Preconditions.CheckArgument(streamId.Length is > 0 and <= MaxStreamIdLength, nameof(streamId), $"A stream id has 1 to {MaxStreamIdLength} characters.");
        Preconditions.CheckArgument(events.Count is > 0 and <= MaxEventsPerAppend, nameof(events), $"An append carries 1 to {MaxEventsPerAppend} events; got {events.Count}.");
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            Preconditions.CheckArgument(!string.IsNullOrEmpty(e.EventType), nameof(events), "Every event has a type.");
            Preconditions.CheckArgument(e.Payload.Length <= MaxPayloadBytes, nameof(events), $"An event payload is at most {MaxPayloadBytes} bytes.");
        }
    }

    /// <summary>True when <paramref name="events"/> are exactly the events already stored right after <paramref name="expected"/>.</summary>
    public static bool IsIdempotentReplay(IReadOnlyList<RecordedEvent> stream, ExpectedVersion expected, IReadOnlyList<EventData> events)
    {
        if (expected.IsAny || expected.Value + events.Count > stream.Count)
        {
            return false;
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (stream[(int)expected.Value + i].EventId != events[i].EventId)
            {
                return false;
            }
        }

        return true;
    }
}
