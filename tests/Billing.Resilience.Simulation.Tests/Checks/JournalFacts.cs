using System.Globalization;
using System.Text.Json;
using Billing.Resilience.Journal;
using NodaTime;
using NodaTime.Text;

namespace Billing.Resilience.Simulation.Tests.Checks;

/// <summary>One journal event, read here from its JSON (not through the library's own deserializer).</summary>
internal sealed record JournalEvent(string StreamId, long Version, long Position, string Type, JsonElement Data)
{
    public string Str(string name) => Data.GetProperty(name).GetString() ?? string.Empty;

    public string? OptStr(string name) => Data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public Instant Time(string name) => InstantPattern.ExtendedIso.Parse(Str(name)).GetValueOrThrow();

    public long Long(string name) => Data.GetProperty(name).GetInt64();

    public long? OptLong(string name) => Data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

    public decimal Dec(string name) => Data.GetProperty(name).GetDecimal();

    public override string ToString() => $"{StreamId}@{Version} {Type} {Data.GetRawText()}";
}

/// <summary>The journal, read whole, grouped by rental and outage log.</summary>
internal sealed class JournalFacts
{
    public const string RentalPrefix = "rental-";

    private JournalFacts(List<JournalEvent> events)
    {
        Events = events;
        foreach (var e in events)
        {
            if (e.StreamId.StartsWith(RentalPrefix, StringComparison.Ordinal))
            {
                var id = e.StreamId[RentalPrefix.Length..];
                if (!Rentals.TryGetValue(id, out var list))
                {
                    Rentals[id] = list = [];
                }

                list.Add(e);
            }
            else
            {
                Other.Add(e);
            }
        }
    }

    public List<JournalEvent> Events { get; }

    /// <summary>Gets each rental's events in stream order, by rental id (ordinal order).</summary>
    public SortedDictionary<string, List<JournalEvent>> Rentals { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the events of other streams (the outage log).</summary>
    public List<JournalEvent> Other { get; } = [];

    public IReadOnlyList<JournalEvent> Of(string rentalId) => Rentals.TryGetValue(rentalId, out var list) ? list : [];

    public static async Task<JournalFacts> ReadAsync(IJournal journal)
    {
        var events = new List<JournalEvent>();
        long position = 0;
        while (true)
        {
            var batch = await journal.ReadAllAsync(position, 10_000);
            if (batch.Count == 0)
            {
                return new JournalFacts(events);
            }

            foreach (var e in batch)
            {
                using var document = JsonDocument.Parse(e.Payload);
                events.Add(new JournalEvent(e.StreamId, e.StreamVersion, e.GlobalPosition, e.EventType, document.RootElement.Clone()));
            }

            position = batch[^1].GlobalPosition;
        }
    }

    /// <summary>A short digest of every event and its payload, for "the same seed gives the same run".</summary>
    public string Fingerprint()
    {
        var text = string.Join("\n", Events.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Position} {e.StreamId} {e.Version} {e.Type} {e.Data.GetRawText()}")));
        return Digest(text) + $"/{Events.Count}";
    }

    /// <summary>The first 16 hex digits of the SHA-256 of a text: stable across processes, unlike string hash codes.</summary>
    public static string Digest(string text)
        => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
}
