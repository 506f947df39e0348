namespace Billing.Resilience.Journal;

/// <summary>An event to append: a unique id (for idempotent re-appends), a type name and a UTF-8 JSON payload.</summary>
/// <param name="EventId">Unique id of the event; appending the same id again at the same place is a no-op.</param>
/// <param name="EventType">The event's type name, such as <c>RentalStarted</c>.</param>
/// <param name="Payload">The event as UTF-8 JSON.</param>
public sealed record EventData(Guid EventId, string EventType, ReadOnlyMemory<byte> Payload);

/// <summary>An event as stored in the journal.</summary>
/// <param name="StreamId">The stream it belongs to.</param>
/// <param name="StreamVersion">Its version within the stream, from 1.</param>
/// <param name="GlobalPosition">Its position among all events, strictly increasing in commit order.</param>
/// <param name="EventId">Its unique id.</param>
/// <param name="EventType">Its type name.</param>
/// <param name="Payload">Its UTF-8 JSON payload.</param>
public sealed record RecordedEvent(string StreamId, long StreamVersion, long GlobalPosition, Guid EventId, string EventType, ReadOnlyMemory<byte> Payload);

/// <summary>The result of an append.</summary>
/// <param name="NextExpectedVersion">The stream's version after the append, to pass as the expected version of the next one.</param>
/// <param name="LastGlobalPosition">The global position of the last event appended.</param>
public sealed record AppendResult(long NextExpectedVersion, long LastGlobalPosition);
