using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Journal;

/// <summary>
/// How the library's events are written to the journal and read back (a storage format), and the small types of the
/// journal contract: expected versions, the conflict's message, the limits' messages.
/// </summary>
public class JournalSerializationTests
{
    private static readonly Instant At = Instant.FromUtc(2022, 10, 15, 6, 20);

    public static TheoryData<object> AllEvents => new()
    {
        new RentalStarted("r-1", "u-1", "kickboard", "KRW", At, 10_000),
        new RentalStarted("r-1", "u-1", "kickboard", "KRW", At, null),
        new RentalRequested("r-1", "u-1", "kickboard", "KRW", At, 10_000),
        new RentalRefused("paymentUnavailable", At),
        new EndSignalReceived(At, At + Duration.FromSeconds(3), EndSignalSource.Vehicle),
        new DistanceRecorded(At, 1.25m, At + Duration.FromSeconds(1)),
        new PaymentRequested("r-1/capture/1", PaymentOperationKind.Capture, 2_800, "KRW", "toss", "ref-1", At),
        new PaymentCompleted("r-1/capture/1", PaymentOutcome.Succeeded, "ref-1", 2_800, null, At),
        new OutageBegan("payment-1", Dependency.Payment, At, "probe failed"),
        new OutageEnded("payment-1", Dependency.Payment, At),
    };

    [Theory]
    [MemberData(nameof(AllEvents))]
    public void Every_event_round_trips_under_its_type_name(object @event)
    {
        var data = EventSerializer.Serialize("rental-r-1", 3, @event);

        Assert.Equal(@event.GetType().Name, data.EventType);
        var back = EventSerializer.Deserialize(new RecordedEvent("rental-r-1", 3, 42, data.EventId, data.EventType, data.Payload));
        Assert.Equal(@event, back);
    }

    [Fact]
    public void Payloads_are_camel_case_json_with_iso_instants_enum_names_and_no_nulls()
    {
        var started = Json(EventSerializer.Serialize("rental-r-1", 1, new RentalStarted("r-1", "u-1", "kickboard", "KRW", At, null)));
        var signal = Json(EventSerializer.Serialize("rental-r-1", 2, new EndSignalReceived(At, At, EndSignalSource.Vehicle)));

        Assert.Equal("""{"rentalId":"r-1","riderId":"u-1","planId":"kickboard","currency":"KRW","startedAt":"2022-10-15T06:20:00Z"}""", started);
        Assert.Equal("""{"at":"2022-10-15T06:20:00Z","receivedAt":"2022-10-15T06:20:00Z","source":"Vehicle"}""", signal);
    }

    [Fact]
    public void Event_ids_are_derived_from_stream_version_type_and_payload()
    {
        var @event = new OutageBegan("payment-1", Dependency.Payment, At, null);

        var data = EventSerializer.Serialize("outages", 7, @event);

        var digest = SHA256.HashData([.. Encoding.UTF8.GetBytes("outages\n7\nOutageBegan\n"), .. data.Payload.ToArray()]);
        Assert.Equal(new Guid(digest.AsSpan(0, 16)), data.EventId);
        Assert.Equal(data.EventId, EventSerializer.Serialize("outages", 7, @event).EventId);
        Assert.NotEqual(data.EventId, EventSerializer.Serialize("outages", 8, @event).EventId);
        Assert.NotEqual(data.EventId, EventSerializer.Serialize("outages-2", 7, @event).EventId);
    }

    [Theory]
    [InlineData("outages", 1, 10)] // a small event, hashed from the stack
    [InlineData("rental-été-🛴", long.MaxValue, 10)] // non-ASCII stream id, the longest version
    [InlineData("outages", 3, 2_000)] // larger than the stack buffer: a pooled one
    [InlineData("outages", 4, 1_000_000)]
    public void Event_ids_are_the_same_bytes_hashed_whatever_the_size_of_the_event(string streamId, long version, int reasonLength)
    {
        var @event = new OutageBegan("payment-1", Dependency.Payment, At, new string('é', reasonLength));

        var data = EventSerializer.Serialize(streamId, version, @event);

        var header = Encoding.UTF8.GetBytes(streamId + "\n" + version.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\nOutageBegan\n");
        var digest = SHA256.HashData([.. header, .. data.Payload.ToArray()]);
        Assert.Equal(new Guid(digest.AsSpan(0, 16)), data.EventId);
    }

    [Fact]
    public void Serializing_several_events_numbers_them_after_the_current_version()
    {
        var events = new object[] { new RentalRefused("a", At), new RentalRefused("b", At), new RentalRefused("c", At) };

        var all = EventSerializer.SerializeAll("rental-r-1", 4, events);

        Assert.Equal(3, all.Length);
        for (var i = 0; i < events.Length; i++)
        {
            Assert.Equal(EventSerializer.Serialize("rental-r-1", 5 + i, events[i]), all[i], EventDataComparer.Instance);
        }

        Assert.Empty(EventSerializer.SerializeAll("rental-r-1", 4));
    }

    [Fact]
    public void An_object_that_is_not_a_journal_event_is_refused()
    {
        var refused = Assert.Throws<ArgumentException>(() => EventSerializer.Serialize("rental-r-1", 1, "RentalStarted"));

        Assert.Equal("event", refused.ParamName);
        Assert.StartsWith("'String' is not a journal event.", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_an_unknown_type_or_an_empty_payload_is_an_invariant_violation()
    {
        var unknown = Assert.Throws<InvariantViolationException>(() => EventSerializer.Deserialize(new RecordedEvent("rental-r-1", 3, 9, Guid.NewGuid(), "RentalTeleported", Encoding.UTF8.GetBytes("{}"))));
        var empty = Assert.Throws<InvariantViolationException>(() => EventSerializer.Deserialize(new RecordedEvent("rental-r-1", 4, 10, Guid.NewGuid(), "RentalRefused", Encoding.UTF8.GetBytes("null"))));

        Assert.Equal("Event rental-r-1@3 has unknown type 'RentalTeleported'.", unknown.Message);
        Assert.Equal("Event rental-r-1@4 is empty.", empty.Message);
    }

    [Theory]
    [InlineData("""{"reason":"x","at":"2022-10-15 06:20"}""", "'2022-10-15 06:20' is not an ISO instant.")]
    [InlineData("""{"reason":"x","at":null}""", "'' is not an ISO instant.")]
    public void An_instant_that_is_not_iso_text_is_refused(string json, string message)
    {
        var refused = Assert.Throws<JsonException>(() => EventSerializer.Deserialize(new RecordedEvent("rental-r-1", 1, 1, Guid.NewGuid(), "RentalRefused", Encoding.UTF8.GetBytes(json))));

        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expected_versions_print_and_compare_by_value()
    {
        Assert.Equal("any", ExpectedVersion.Any.ToString());
        Assert.Equal("0", ExpectedVersion.NoStream.ToString());
        Assert.Equal("1234", ExpectedVersion.Exactly(1234).ToString());
        Assert.True(ExpectedVersion.Any.IsAny);
        Assert.False(ExpectedVersion.NoStream.IsAny);
        Assert.False(ExpectedVersion.Exactly(0).IsAny);
        Assert.Equal(-1, ExpectedVersion.Any.Value);
        Assert.Equal(0, ExpectedVersion.NoStream.Value);
        Assert.Equal(ExpectedVersion.NoStream, ExpectedVersion.Exactly(0));
        Assert.Equal(long.MaxValue, ExpectedVersion.Exactly(long.MaxValue).Value);
        Assert.Equal("version", Assert.Throws<ArgumentOutOfRangeException>(() => ExpectedVersion.Exactly(-1)).ParamName);
    }

    [Fact]
    public void A_conflict_names_the_stream_the_expected_and_the_actual_version()
    {
        Assert.Equal("Stream 'rental-1' is at version 2, not the expected 1.", new ConcurrencyConflictException("rental-1", ExpectedVersion.Exactly(1), 2).Message);
        Assert.Equal("Stream 'outages' is at version 0, not the expected any.", new ConcurrencyConflictException("outages", ExpectedVersion.Any, 0).Message);
    }

    [Fact]
    public async Task A_conflicting_append_throws_the_conflict_with_its_message()
    {
        var journal = new InMemoryJournal();
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("a")]);

        var conflict = await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(3), [Event("b")]));

        Assert.Equal("Stream 'rental-1' is at version 1, not the expected 3.", conflict.Message);
    }

    [Fact]
    public async Task The_in_memory_journal_counts_its_events()
    {
        var journal = new InMemoryJournal();
        Assert.Equal(0, journal.Count);

        EventData[] first = [Event("a"), Event("b")];
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, first);
        await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("c")]);
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, first); // an idempotent replay

        Assert.Equal(3, journal.Count);
    }

    [Fact]
    public async Task Appends_outside_the_limits_say_which_limit()
    {
        var journal = new InMemoryJournal();

        var emptyId = await Assert.ThrowsAsync<ArgumentException>(async () => await journal.AppendAsync(string.Empty, ExpectedVersion.NoStream, [Event("a")]));
        var longId = await Assert.ThrowsAsync<ArgumentException>(async () => await journal.AppendAsync(new string('r', 201), ExpectedVersion.NoStream, [Event("a")]));
        var none = await Assert.ThrowsAsync<ArgumentException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, []));
        var tooMany = await Assert.ThrowsAsync<ArgumentException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Enumerable.Range(0, 1_001).Select(i => Event("e" + i)).ToArray()));
        var untyped = await Assert.ThrowsAsync<ArgumentException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), string.Empty, new byte[1])]));
        var big = await Assert.ThrowsAsync<ArgumentException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "Big", new byte[(1 << 20) + 1])]));
        var nullEvent = await Assert.ThrowsAsync<ArgumentNullException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [null!]));

        Assert.StartsWith("A stream id has 1 to 200 characters.", emptyId.Message, StringComparison.Ordinal);
        Assert.Equal("streamId", longId.ParamName);
        Assert.StartsWith("An append carries 1 to 1000 events; got 0.", none.Message, StringComparison.Ordinal);
        Assert.StartsWith("An append carries 1 to 1000 events; got 1001.", tooMany.Message, StringComparison.Ordinal);
        Assert.StartsWith("Every event has a type.", untyped.Message, StringComparison.Ordinal);
        Assert.StartsWith("An event payload is at most 1048576 bytes.", big.Message, StringComparison.Ordinal);
        Assert.All(new[] { none, tooMany, untyped, big, nullEvent }, e => Assert.Equal("events", e.ParamName));
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task Reads_outside_the_limits_name_the_argument()
    {
        var journal = new InMemoryJournal();

        Assert.Equal("afterPosition", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await journal.ReadAllAsync(-1, 10))).ParamName);
        Assert.Equal("maxCount", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await journal.ReadAllAsync(0, 0))).ParamName);
        Assert.Equal("maxCount", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await journal.ReadAllAsync(0, 10_001))).ParamName);
    }

    private static EventData Event(string name) => new(Guid.NewGuid(), "Tested", Encoding.UTF8.GetBytes($$"""{"name":"{{name}}"}"""));

    private static string Json(EventData data) => Encoding.UTF8.GetString(data.Payload.Span);

    private sealed class EventDataComparer : IEqualityComparer<EventData>
    {
        public static readonly EventDataComparer Instance = new();

        public bool Equals(EventData? x, EventData? y)
            => x is not null && y is not null && x.EventId == y.EventId && x.EventType == y.EventType && x.Payload.Span.SequenceEqual(y.Payload.Span);

        public int GetHashCode(EventData obj) => obj.EventId.GetHashCode();
    }
}
