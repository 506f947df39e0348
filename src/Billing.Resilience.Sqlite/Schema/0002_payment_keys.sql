-- Billing.Resilience SQLite journal, schema version 2: payment idempotency keys.
-- Every PaymentRequested event (the outbox record written before a payment call) puts its idempotency key here, in
-- the same transaction as the event, so the database itself holds the money invariants: a key is used once, amounts
-- are never negative. An append that breaks them is refused as a whole.

CREATE TABLE payment_keys (
    idempotency_key TEXT    NOT NULL PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    global_position INTEGER NOT NULL UNIQUE REFERENCES events (global_position),
    rental          TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (length(kind) >= 1),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency        TEXT    NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]')
) STRICT;

CREATE INDEX payment_keys_rental ON payment_keys (rental);

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

CREATE TRIGGER payment_keys_no_update
BEFORE UPDATE ON payment_keys
BEGIN
    SELECT RAISE(ABORT, 'payment_keys: keys are append-only (no UPDATE)');
END;

CREATE TRIGGER payment_keys_no_delete
BEFORE DELETE ON payment_keys
BEGIN
    SELECT RAISE(ABORT, 'payment_keys: keys are append-only (no DELETE)');
END;

-- Journals written with schema version 1 already hold PaymentRequested events: index them too.
INSERT INTO payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency)
SELECT json_extract(CAST(payload AS TEXT), '$.key'),
       global_position,
       stream_id,
       json_extract(CAST(payload AS TEXT), '$.kind'),
       json_extract(CAST(payload AS TEXT), '$.amountMinorUnits'),
       json_extract(CAST(payload AS TEXT), '$.currency')
FROM events
WHERE event_type = 'PaymentRequested'
ORDER BY global_position;
