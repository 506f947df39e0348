-- Billing.Resilience PostgreSQL journal, schema version 3: settlement leases.
-- Several application instances share the journal; each settles a rental only while it holds the rental's lease.
-- A lease expires on its own (until_ticks, on the instances' injected clock), so an instance that dies holds its
-- rentals at most one lease duration. Money never depends on leases: payment intents are appended with the rental
-- stream's expected version, so two instances can never send two operations for one step.

CREATE TABLE __schema__.settlement_leases (
    rental_id   text COLLATE "C" NOT NULL PRIMARY KEY CHECK (char_length(rental_id) BETWEEN 1 AND 128),
    owner       text   NOT NULL CHECK (char_length(owner) BETWEEN 1 AND 200),
    until_ticks bigint NOT NULL
);
