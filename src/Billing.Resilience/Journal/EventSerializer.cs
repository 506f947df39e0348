using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Billing.Resilience.Journal;

/// <summary>Turns the library's events into journal records and back. Event ids are derived from the stream,
/// version and content, so a retried append of the same events is recognised as an idempotent replay.</summary>
internal static class EventSerializer
{
    private static readonly Dictionary<string, JsonTypeInfo> TypesByName = new(StringComparer.Ordinal)
    {
        [nameof(RentalStarted)] = EventJsonContext.Default.RentalStarted,
        [nameof(RentalRequested)] = EventJsonContext.Default.RentalRequested,
        [nameof(RentalRefused)] = EventJsonContext.Default.RentalRefused,
        [nameof(EndSignalReceived)] = EventJsonContext.Default.EndSignalReceived,
        [nameof(DistanceRecorded)] = EventJsonContext.Default.DistanceRecorded,
        [nameof(PaymentRequested)] = EventJsonContext.Default.PaymentRequested,
        [nameof(PaymentCompleted)] = EventJsonContext.Default.PaymentCompleted,
        [nameof(OutageBegan)] = EventJsonContext.Default.OutageBegan,
        [nameof(OutageEnded)] = EventJsonContext.Default.OutageEnded,
    };

    public static EventData Serialize(string streamId, long version, object @event)
    {
        var name = @event.GetType().Name;
        if (!TypesByName.TryGetValue(name, out var info))
        {
            throw new ArgumentException($"'{name}' is not a journal event.", nameof(@event));
        }

        var payload = JsonSerializer.SerializeToUtf8Bytes(@event, info);
        return new EventData(DeriveEventId(streamId, version, name, payload), name, payload);
    }

    /// <summary>Serializes events to append after <paramref name="currentVersion"/>.</summary>
    public static EventData[] SerializeAll(string streamId, long currentVersion, params object[] events)
    {
        var result = new EventData[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            result[i] = Serialize(streamId, currentVersion + i + 1, events[i]);
        }

        return result;
    }

    public static object Deserialize(RecordedEvent recorded)
    {
        if (!TypesByName.TryGetValue(recorded.EventType, out var info))
        {
            throw new InvariantViolationException($"Event {recorded.StreamId}@{recorded.StreamVersion} has unknown type '{recorded.EventType}'.");
        }

        return JsonSerializer.Deserialize(recorded.Payload.Span, info)
            ?? throw new InvariantViolationException($"Event {recorded.StreamId}@{recorded.StreamVersion} is empty.");
    }

    private static Guid DeriveEventId(string streamId, long version, string type, byte[] payload)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{streamId}\n{version}\n{type}\n"));
        hash.AppendData(payload);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new Guid(digest[..16]);
    }
}
