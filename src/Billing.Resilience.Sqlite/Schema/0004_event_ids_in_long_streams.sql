-- Billing.Resilience SQLite journal, schema version 4: checking an event id costs the same in a long stream as in a
-- short one.
--
-- Version 3's trigger events_event_id_once_per_stream looked for the new event's id among all of its stream's rows.
-- The stream index does not hold event ids, so each of those rows was a lookup in the table: an append to a stream of
-- n events read n rows, and a stream grown one event at a time cost time quadratic in its length, on the journal's
-- single writer that every other rental waits for. A car-sharing rental with telemetry every 10 seconds for a day
-- (8,640 DistanceRecorded events) made each of its appends read thousands of rows (docs/performance.md: a durable
-- append to a rental of 10,000 events took 2.2 ms, 5.2 times an append to a rental of 10).
--
-- Now the first 16 versions of a stream are checked as before (at most 16 rows, read through the stream index) and
-- the versions after the 16th are in a partial unique index keyed by (stream_id, event_id), searched in O(log n).
-- Most rentals have fewer than 16 events (the perf drill: 7.8 on average): they never write to the new index, so the
-- writer dirties no more pages for them than before. A longer stream costs one index entry per event after the 16th.
-- The trigger checks both halves, so a duplicate is refused with the same message wherever the first copy is; the
-- index's own uniqueness is a second line behind it. The index is searched only from version 18 on, the first that
-- can find a row in it (versions follow each other), so short streams do not pay for the search either.
--
-- The table is not rebuilt: the index is built from the rows with a version after 16 (one pass over the table, in
-- this migration's transaction), which version 3's trigger already kept unique per stream, and the trigger is
-- replaced by one that refuses exactly what it refused.

DROP TRIGGER events_event_id_once_per_stream;

CREATE UNIQUE INDEX events_event_id_after_16 ON events (stream_id, event_id) WHERE stream_version > 16;

CREATE TRIGGER events_event_id_once_per_stream
BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events e
             WHERE e.stream_id = NEW.stream_id AND e.stream_version <= 16 AND e.event_id = NEW.event_id)
  OR (NEW.stream_version > 17
      AND EXISTS (SELECT 1 FROM events e
                  WHERE e.stream_id = NEW.stream_id AND e.stream_version > 16 AND e.event_id = NEW.event_id))
BEGIN
    SELECT RAISE(ABORT, 'events: an event id is stored once per stream');
END;
