using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace Billing.Resilience.Journal;

/// <summary>Turns the library's events into journal records and back. Event ids are derived from the stream,
/// version and content, so a retried append of the same events is recognised as an idempotent replay.</summary>
internal static class EventSerializer
{
    private const int StackBufferBytes = 1024;

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

    /// <summary>
    /// The first 16 bytes of SHA-256 over <c>"{streamId}\n{version}\n{type}\n"</c> (UTF-8) and the payload. Every id a
    /// journal holds depends on these exact bytes: an append retried after an upgrade must find the same ids. Hashed in
    /// one call over a stack buffer (a pooled one for large events), without a hash object or a string per event.
    /// </summary>
    private static Guid DeriveEventId(string streamId, long version, string type, byte[] payload)
    {
        // A version has at most 20 digits; three newlines.
        var length = Encoding.UTF8.GetMaxByteCount(streamId.Length + type.Length) + 23 + payload.Length;
        byte[]? rented = null;
        var buffer = length <= StackBufferBytes ? stackalloc byte[StackBufferBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            if (!Utf8.TryWrite(buffer, CultureInfo.InvariantCulture, $"{streamId}\n{version}\n{type}\n", out var header))
            {
                throw new InvalidOperationException("The event id's header did not fit its buffer.");
            }

            payload.CopyTo(buffer[header..]);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..(header + payload.Length)], digest);
            return new Guid(digest[..16]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
