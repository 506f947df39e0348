-- Billing.Resilience SQLite journal, schema version 3: no index on event ids alone.
-- Event ids are content-derived (SHA-256 of the stream, the version and the event), so an index keyed by them alone is
-- written at a random page for every event: a commit of N events dirtied about N pages of it, and it was the largest
-- single cost of the writer (docs/performance.md). Nothing looks an event up by its id: an idempotent replay is
-- recognised by reading the stream's range (stream_id, stream_version), which stays unique. An event id is still
-- refused twice in one stream (a trigger reads the stream's few rows through the stream index: reads, no page written);
-- what goes is the refusal of one event id in two different streams, which ids derived from the stream never produce.
--
-- SQLite cannot drop a table constraint: the table is rebuilt. payment_keys references events(global_position), and
-- foreign keys stay on during a migration, so the rows are kept aside, the table dropped (payment_keys' rows are
-- orphans for a moment: the check is deferred to the commit), created again under its own name and refilled in
-- global_position order, which gives every payment key its event back before the commit. The triggers come last, so
-- the refill does not add payment keys again.

PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE events_v2_rows AS SELECT * FROM events;

DROP TABLE events;

CREATE TABLE events (
    global_position INTEGER PRIMARY KEY,
    stream_id       TEXT    NOT NULL CHECK (length(stream_id) BETWEEN 1 AND 200),
    stream_version  INTEGER NOT NULL CHECK (stream_version >= 1),
    event_id        TEXT    NOT NULL CHECK (length(event_id) = 36),
    event_type      TEXT    NOT NULL CHECK (length(event_type) >= 1),
    payload         BLOB    NOT NULL CHECK (length(payload) <= 1048576),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
) STRICT;

INSERT INTO events (global_position, stream_id, stream_version, event_id, event_type, payload)
SELECT global_position, stream_id, stream_version, event_id, event_type, payload
FROM events_v2_rows
ORDER BY global_position;

DROP TABLE events_v2_rows;

-- The triggers of versions 1 and 2, unchanged (they went with the old table).
CREATE TRIGGER events_versions_contiguous
BEFORE INSERT ON events
WHEN NEW.stream_version <> coalesce((SELECT max(e.stream_version) FROM events e WHERE e.stream_id = NEW.stream_id), 0) + 1
BEGIN
    SELECT RAISE(ABORT, 'events: a stream version must follow the stream''s last version');
END;

CREATE TRIGGER events_no_update
BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events: the journal is append-only (no UPDATE)');
END;

CREATE TRIGGER events_no_delete
BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events: the journal is append-only (no DELETE)');
END;

CREATE TRIGGER events_payment_key
AFTER INSERT ON events
WHEN NEW.event_type = 'PaymentRequested'
BEGIN
    SELECT RAISE(ABORT, 'payment_keys: a PaymentRequested payload must be a JSON object')
    WHERE CASE WHEN json_valid(CAST(NEW.payload AS TEXT)) THEN json_type(CAST(NEW.payload AS TEXT)) <> 'object' ELSE 1 END;
    INSERT INTO payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency)
    VALUES (
        json_extract(CAST(NEW.payload AS TEXT), '$.key'),
        NEW.global_position,
        NEW.stream_id,
        json_extract(CAST(NEW.payload AS TEXT), '$.kind'),
        json_extract(CAST(NEW.payload AS TEXT), '$.amountMinorUnits'),
        json_extract(CAST(NEW.payload AS TEXT), '$.currency'));
END;

-- An event id is stored once per stream (the check UNIQUE (event_id) made for the whole journal).
CREATE TRIGGER events_event_id_once_per_stream
BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events e WHERE e.stream_id = NEW.stream_id AND e.event_id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'events: an event id is stored once per stream');
END;
