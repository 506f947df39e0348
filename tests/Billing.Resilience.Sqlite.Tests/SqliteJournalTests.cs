using System.Security.Cryptography;
using System.Text;
using Billing.Resilience.Journal;
using Microsoft.Data.Sqlite;

namespace Billing.Resilience.Sqlite.Tests;

/// <summary>What the SQLite journal promises beyond the shared contract: durability settings, schema versions,
/// database constraints, group commit.</summary>
public sealed class SqliteJournalTests : IDisposable
{
    private const int SqliteConstraint = 19;
    private readonly TempJournalFile file = new();

    public void Dispose() => file.Dispose();

    // ---- Durability settings ----

    [Fact]
    public async Task The_writer_runs_in_WAL_mode_with_synchronous_FULL()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options());

        Assert.Equal("wal", journal.Settings["journal_mode"]);
        Assert.Equal("2", journal.Settings["synchronous"]);
        Assert.Equal("1", journal.Settings["foreign_keys"]);
        Assert.Equal("10000", journal.Settings["busy_timeout"]);
        Assert.Equal("16384", journal.Settings["wal_autocheckpoint"]);
        using var raw = Raw(file.Path);
        Assert.Equal("wal", Scalar(raw, "PRAGMA journal_mode"));
    }

    [Fact]
    public void A_database_that_cannot_be_in_WAL_mode_is_refused()
    {
        using var memory = new SqliteConnection("Data Source=:memory:");
        memory.Open();

        var refused = Assert.Throws<InvalidOperationException>(() => SqliteJournal.Configure(memory, ":memory:", TimeSpan.FromSeconds(1), 1_000));

        Assert.Contains("journal_mode=wal", refused.Message, StringComparison.Ordinal);
        Assert.Contains("journal_mode=memory", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_are_all_reported_at_once()
    {
        var options = new SqliteJournalOptions { Path = ":memory:", BusyTimeout = TimeSpan.Zero, MaxPendingAppends = 0, MaxAppendsPerBatch = 0, MaxEventsPerBatch = -1, CheckpointAfterPages = 99 };

        var invalid = await Assert.ThrowsAsync<InvalidInputException>(() => SqliteJournal.OpenAsync(options));

        Assert.Equal(
            ["BILLING_OPTIONS_SQLITE_PATH_IN_MEMORY", "BILLING_OPTIONS_SQLITE_BUSY_TIMEOUT_RANGE", "BILLING_OPTIONS_SQLITE_QUEUE_RANGE", "BILLING_OPTIONS_SQLITE_BATCH_APPENDS_RANGE", "BILLING_OPTIONS_SQLITE_BATCH_EVENTS_RANGE", "BILLING_OPTIONS_SQLITE_CHECKPOINT_RANGE"],
            invalid.Errors.Select(e => e.Code));
        Assert.Equal(
            "CheckpointAfterPages must be between 100 and 1000000; got 99.",
            invalid.Errors.Single(e => e.Code == "BILLING_OPTIONS_SQLITE_CHECKPOINT_RANGE").Message);
        Assert.Equal("BILLING_OPTIONS_SQLITE_PATH_REQUIRED", Assert.Single((await Assert.ThrowsAsync<InvalidInputException>(() => SqliteJournal.OpenAsync(new SqliteJournalOptions()))).Errors).Code);
    }

    [Theory]
    [InlineData(100, true)]
    [InlineData(1_000_000, false)]
    public async Task The_write_ahead_log_is_copied_back_into_the_file_after_CheckpointAfterPages(int pages, bool bounded)
    {
        // 400 appends of 8 KiB each, one transaction each: about 1,200 WAL frames (4.7 MiB) if nothing is checkpointed.
        var payload = new byte[8_192];
        await using (var journal = await SqliteJournal.OpenAsync(file.Options(o => o.CheckpointAfterPages = pages)))
        {
            Assert.Equal(pages.ToString(System.Globalization.CultureInfo.InvariantCulture), journal.Settings["wal_autocheckpoint"]);
            for (var i = 0; i < 400; i++)
            {
                await journal.AppendAsync("rental-" + i, ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "Tested", payload)]);
            }

            // A checkpoint rewinds the log (the next commit writes from its start), so its file stays near the threshold
            // plus one transaction: at most 150 frames of 4 KiB pages (header 32 bytes, each frame 24 + 4,096 bytes).
            var walBytes = new FileInfo(file.Path + "-wal").Length;
            var limit = 32 + (150 * (24 + 4_096));
            Assert.True(bounded ? walBytes <= limit : walBytes > 4 * limit, $"-wal is {walBytes} bytes with CheckpointAfterPages={pages} (limit {limit}).");
        }

        await using var reopened = await SqliteJournal.OpenAsync(file.Options());
        Assert.Equal(400, (await reopened.ReadAllAsync(0, 1_000)).Count);
    }

    [Fact]
    public async Task Appends_survive_closing_and_reopening_the_file()
    {
        AppendResult first;
        var e = Event("rental-1", 1);
        await using (var journal = await SqliteJournal.OpenAsync(file.Options()))
        {
            first = await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [e]);
        }

        await using (var reopened = await SqliteJournal.OpenAsync(file.Options()))
        {
            var stored = Assert.Single(await reopened.ReadStreamAsync("rental-1"));
            Assert.Equal(first.LastGlobalPosition, stored.GlobalPosition);
            Assert.Equal(first, await reopened.AppendAsync("rental-1", ExpectedVersion.NoStream, [e]));
            var next = await reopened.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2", 1)]);
            Assert.True(next.LastGlobalPosition > first.LastGlobalPosition);
        }
    }

    [Fact]
    public async Task A_lock_held_too_long_fails_the_append_but_not_the_journal()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options(o => o.BusyTimeout = TimeSpan.FromMilliseconds(200)));

        using (var blocker = Raw(file.Path))
        using (blocker.BeginTransaction(deferred: false))
        {
            var busy = await Assert.ThrowsAsync<SqliteException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1)]));
            Assert.Equal(5, busy.SqliteErrorCode);
        }

        Assert.Equal(1, (await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1)])).NextExpectedVersion);
    }

    [Fact]
    public async Task After_a_storage_failure_the_journal_stops_until_it_is_reopened()
    {
        var journal = await SqliteJournal.OpenAsync(file.Options());
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1)]);
        journal.BeforeBatch = connection =>
        {
            // The disk is full: the file may not grow by a single page.
            var pages = Scalar(connection, "PRAGMA page_count");
            Scalar(connection, $"PRAGMA max_page_count = {pages}");
        };
        var big = new EventData(Guid.NewGuid(), "Big", new byte[200_000]);

        var full = await Assert.ThrowsAsync<SqliteException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), [big]));
        var stopped = await Assert.ThrowsAsync<InvalidOperationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2", 1)]));

        Assert.Equal(13, full.SqliteErrorCode);
        Assert.Contains("stopped accepting appends", stopped.Message, StringComparison.Ordinal);
        Assert.Same(full, stopped.InnerException);
        Assert.Single(await journal.ReadAllAsync(0, 10));
        await journal.DisposeAsync();
        await using var reopened = await SqliteJournal.OpenAsync(file.Options());
        Assert.Equal(2, (await reopened.AppendAsync("rental-1", ExpectedVersion.Exactly(1), [big])).NextExpectedVersion);
    }

    // ---- Schema versions ----

    [Fact]
    public async Task A_new_file_gets_every_schema_script()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options());

        using var raw = Raw(file.Path);
        Assert.Equal(SqliteJournal.SchemaVersion, int.Parse(Scalar(raw, "SELECT max(version) FROM schema_version"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0001_journal.sql,0002_payment_keys.sql,0003_event_ids.sql,0004_event_ids_in_long_streams.sql", Scalar(raw, "SELECT group_concat(script, ',') FROM (SELECT script FROM schema_version ORDER BY version)"));
        Assert.Equal(4, SqliteJournal.SchemaVersion);
    }

    [Fact]
    public async Task A_file_from_schema_version_1_is_migrated_when_opened()
    {
        // A journal as version 1 of the package left it: events only, one of them a payment intent.
        using (var raw = Raw(file.Path))
        {
            SqliteJournal.Configure(raw, file.Path, TimeSpan.FromSeconds(1), 1_000);
            SqliteSchema.Migrate(raw, file.Path, targetVersion: 1);
            Execute(raw, "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 1, $id, 'RentalStarted', CAST('{}' AS BLOB))", ("$id", Guid.NewGuid().ToString()));
            Execute(raw, "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 2, $id, 'PaymentRequested', $payload)", ("$id", Guid.NewGuid().ToString()), ("$payload", Payment("rental-1/authorize/1", 10_000)));
            Assert.Equal("1", Scalar(raw, "SELECT max(version) FROM schema_version"));
            Assert.Equal("0", Scalar(raw, "SELECT count(*) FROM sqlite_master WHERE name = 'payment_keys'"));
        }

        await using (var journal = await SqliteJournal.OpenAsync(file.Options()))
        {
            Assert.Equal(2, (await journal.ReadStreamAsync("rental-1")).Count);
            await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(2), [PaymentEvent("rental-1", 3, "rental-1/capture/1", 6_400)]);
        }

        using var migrated = Raw(file.Path);
        Assert.Equal(SqliteJournal.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(migrated, "SELECT max(version) FROM schema_version"));
        Assert.Equal("rental-1/authorize/1=10000,rental-1/capture/1=6400", Scalar(migrated, "SELECT group_concat(idempotency_key || '=' || amount_minor, ',') FROM (SELECT * FROM payment_keys ORDER BY global_position)"));
    }

    [Fact]
    public async Task A_file_from_a_newer_schema_is_refused_and_left_alone()
    {
        await (await SqliteJournal.OpenAsync(file.Options())).DisposeAsync();
        using (var raw = Raw(file.Path))
        {
            Execute(raw, "INSERT INTO schema_version (version, script) VALUES (7, '0007_from_the_future.sql')");
        }

        var refused = await Assert.ThrowsAsync<SqliteSchemaTooNewException>(() => SqliteJournal.OpenAsync(file.Options()));

        Assert.Equal(7, refused.DatabaseVersion);
        Assert.Equal(SqliteJournal.SchemaVersion, refused.SupportedVersion);
        Assert.Equal(file.Path, refused.Path);
        Assert.Contains("schema version 7", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"versions up to {SqliteJournal.SchemaVersion}", refused.Message, StringComparison.Ordinal);
        using var after = Raw(file.Path);
        Assert.Equal("7", Scalar(after, "SELECT max(version) FROM schema_version"));
    }

    [Fact]
    public void Shipped_schema_scripts_never_change()
    {
        // A shipped script has run on users' files: changing it forks their schema from a new file's. Add a script instead.
        var shipped = new Dictionary<string, string>
        {
            ["0001_journal.sql"] = "62ad1b29dc0df6b7cc6b8466d1373b53252c06cbe2eda4d663eef3c01b6832ce",
            ["0002_payment_keys.sql"] = "fb65d06b1be22a5351910fd59c84da17e6c220d6e55d721ae32f69ff81d8bdee",
            ["0003_event_ids.sql"] = "06418566e98fe21204d41d28433ed78e7cb9acd75d59e70b8571fb008c262499",
            ["0004_event_ids_in_long_streams.sql"] = "a5c0f13f3e645abbc67309a4f2903e9f431376701835958462d5765df561f3d2",
        };

        foreach (var script in SqliteSchema.Scripts)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script.Sql.ReplaceLineEndings("\n"))));
            Assert.True(shipped.TryGetValue(script.Name, out var expected), $"{script.Name} ({hash}) is new: add it to this list once it ships.");
            Assert.True(expected == hash, $"{script.Name} changed after it shipped (now {hash}); add a new script instead.");
        }
    }

    // ---- Constraints: the invariants, held by the database itself ----

    [Fact]
    public async Task The_database_refuses_what_the_journal_never_writes()
    {
        await using (var journal = await SqliteJournal.OpenAsync(file.Options()))
        {
            await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1), PaymentEvent("rental-1", 2, "rental-1/authorize/1", 10_000)]);
        }

        using var raw = Raw(file.Path);
        Execute(raw, "PRAGMA foreign_keys = ON");
        var existingId = Scalar(raw, "SELECT event_id FROM events WHERE stream_version = 1");
        var refused = new[]
        {
            "INSERT INTO payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency) VALUES ('rental-1/authorize/1', 1, 'rental-1', 'Authorize', 1, 'KRW')",
            "INSERT INTO payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency) VALUES ('rental-1/refund/1', 1, 'rental-1', 'Refund', -1, 'KRW')",
            "INSERT INTO payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency) VALUES ('rental-1/refund/1', 1, 'rental-1', 'Refund', 1, 'krw')",
            "INSERT INTO payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency) VALUES ('rental-1/refund/1', 999, 'rental-1', 'Refund', 1, 'KRW')",
            "UPDATE payment_keys SET amount_minor = 0",
            "DELETE FROM payment_keys",
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 2, 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Tested', x'')",
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 4, 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Tested', x'')",
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-2', 0, 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'Tested', x'')",
            $"INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 3, '{existingId}', 'Tested', x'')",
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-2', 1, 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', '', x'')",
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-2', 1, 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'PaymentRequested', CAST('{\"key\":\"rental-2/charge/1\",\"kind\":\"Charge\",\"amountMinorUnits\":-500,\"currency\":\"KRW\"}' AS BLOB))",
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-2', 1, 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'PaymentRequested', CAST('{\"key\":\"rental-1/authorize/1\",\"kind\":\"Authorize\",\"amountMinorUnits\":500,\"currency\":\"KRW\"}' AS BLOB))",
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-2', 1, 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'PaymentRequested', CAST('not json' AS BLOB))",
            "UPDATE events SET payload = x''",
            "DELETE FROM events",
        };

        foreach (var sql in refused)
        {
            var error = Assert.Throws<SqliteException>(() => Execute(raw, sql));
            Assert.True(error.SqliteErrorCode == SqliteConstraint, $"{sql}: {error.Message}");
        }

        Assert.Equal("2", Scalar(raw, "SELECT count(*) FROM events"));
        Assert.Equal("1", Scalar(raw, "SELECT count(*) FROM payment_keys"));
    }

    [Fact]
    public async Task Payment_intents_fill_the_payment_keys_in_the_same_transaction()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options());

        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1), PaymentEvent("rental-1", 2, "rental-1/authorize/1", 10_000)]);
        await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(2), [PaymentEvent("rental-1", 3, "rental-1/capture/1", 6_400)]);

        using var raw = Raw(file.Path);
        Assert.Equal(
            "rental-1/authorize/1|rental-1|Authorize|10000|KRW;rental-1/capture/1|rental-1|Capture|6400|KRW",
            Scalar(raw, "SELECT group_concat(idempotency_key || '|' || rental || '|' || kind || '|' || amount_minor || '|' || currency, ';') FROM (SELECT * FROM payment_keys ORDER BY global_position)"));
    }

    [Fact]
    public async Task An_append_that_breaks_a_money_invariant_is_refused_whole()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options());
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [PaymentEvent("rental-1", 1, "rental-1/authorize/1", 10_000)]);

        var reused = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2", 1), PaymentEvent("rental-2", 2, "rental-1/authorize/1", 500)]));
        var negative = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [PaymentEvent("rental-2", 1, "rental-2/refund/1", -500)]));
        var garbage = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "PaymentRequested", Encoding.UTF8.GetBytes("[1,2]"))]));

        Assert.Contains("payment_keys.idempotency_key", reused.Message, StringComparison.Ordinal);
        Assert.Contains("amount_minor", negative.Message, StringComparison.Ordinal);
        Assert.Contains("JSON object", garbage.Message, StringComparison.Ordinal);
        Assert.Empty(await journal.ReadStreamAsync("rental-2"));
        Assert.Equal(1, (await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2", 1)])).NextExpectedVersion);
    }

    [Fact]
    public async Task An_event_id_already_in_its_stream_is_refused()
    {
        // The in-memory journal does not check this; the database does (a trigger per stream, no index on event ids
        // alone, whose random keys cost the writer a page per event).
        await using var journal = await SqliteJournal.OpenAsync(file.Options());
        var e = Event("rental-1", 1);
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [e]);

        var again = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.Any, [e]));
        var twice = Event("rental-3", 1);
        await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-3", ExpectedVersion.NoStream, [twice, twice]));

        Assert.Contains("once per stream", again.Message, StringComparison.Ordinal);
        Assert.Single(await journal.ReadAllAsync(0, 10));

        // The same id in another stream is no longer refused: ids derived from the stream never repeat across streams.
        Assert.Equal(1, (await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [e])).NextExpectedVersion);
    }

    [Theory]
    [InlineData(3, 21)] // the first copy among the first 16 versions (read row by row), the second after them
    [InlineData(16, 21)] // the last version read row by row
    [InlineData(17, 21)] // the first version in the index of long streams
    [InlineData(20, 21)] // both in that index
    [InlineData(16, 17)] // one append across the line: the second copy is the index's first entry
    [InlineData(17, 18)] // the first version that searches the index, and the index's first entry
    public async Task An_event_id_is_refused_again_in_a_long_stream_wherever_its_first_copy_is(int first, int second)
    {
        // Schema 4 checks the first 16 versions of a stream row by row and the later ones in a partial index: a
        // duplicate is refused across that line in both directions, with the same message, and nothing is written.
        await using var journal = await SqliteJournal.OpenAsync(file.Options());
        var events = Events("car-1", second - 1);
        await journal.AppendAsync("car-1", ExpectedVersion.NoStream, events);

        var duplicate = events[first - 1];
        var refused = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("car-1", ExpectedVersion.Exactly(second - 1), [duplicate]));
        var inOneAppend = Event("car-2", 1);
        var padding = Events("car-2", first - 1);
        var refusedInOneAppend = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("car-2", ExpectedVersion.NoStream, [.. padding, inOneAppend, .. Events("car-2", second - first - 1), inOneAppend]));

        // The trigger's message, not the index's: the trigger checks both halves (the index is its second line).
        Assert.Contains("once per stream", refused.Message, StringComparison.Ordinal);
        Assert.Contains("once per stream", refusedInOneAppend.Message, StringComparison.Ordinal);
        Assert.Equal(second - 1, (await journal.ReadStreamAsync("car-1")).Count);
        Assert.Empty(await journal.ReadStreamAsync("car-2"));

        // The same id later in another long stream is not refused, and the stream goes on.
        Assert.Equal(second, (await journal.AppendAsync("car-3", ExpectedVersion.NoStream, [.. Events("car-3", second - 1), duplicate])).NextExpectedVersion);
        Assert.Equal(second, (await journal.AppendAsync("car-1", ExpectedVersion.Exactly(second - 1), [Event("car-1", second)])).NextExpectedVersion);
    }

    [Fact]
    public async Task Checking_an_event_id_costs_no_more_in_a_long_stream_than_in_a_short_one()
    {
        // Schema 3 looked for a new event's id among every row of its stream: an insert into a stream of n events read
        // n rows, a stream grown one event at a time cost time quadratic in its length. Counted in SQLite's own virtual
        // machine steps (the trigger runs in the insert's program), not timed: the same count on any machine.
        await (await SqliteJournal.OpenAsync(file.Options())).DisposeAsync();
        using var raw = Raw(file.Path);
        using (var transaction = raw.BeginTransaction())
        {
            foreach (var (stream, count) in new[] { ("short", 10), ("medium", 16), ("long", 3_000) })
            {
                for (var v = 1; v <= count; v++)
                {
                    Insert(raw, stream, v);
                }
            }

            transaction.Commit();
        }

        var intoShort = Insert(raw, "short", 11);
        var intoMedium = Insert(raw, "medium", 17);
        var intoLong = Insert(raw, "long", 3_001);

        // Measured: 167, 210 and 224 steps; schema 3 took 157, 194 and 18,098 (six steps per row of the stream).
        Assert.True(intoMedium <= 2 * intoShort, $"An insert after the 16th version took {intoMedium} steps, against {intoShort} for the 11th.");
        Assert.True(intoLong <= 2 * intoShort, $"An insert into a stream of 3,000 events took {intoLong} steps, against {intoShort} into a stream of 10.");

        static int Insert(SqliteConnection connection, string stream, long version)
        {
            const string Sql = "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES (?1, ?2, ?3, 'Tested', x'7B7D')";
            Assert.Equal(SQLitePCL.raw.SQLITE_OK, SQLitePCL.raw.sqlite3_prepare_v2(connection.Handle, Sql, out var statement));
            using (statement)
            {
                SQLitePCL.raw.sqlite3_bind_text(statement, 1, stream);
                SQLitePCL.raw.sqlite3_bind_int64(statement, 2, version);
                SQLitePCL.raw.sqlite3_bind_text(statement, 3, Guid.NewGuid().ToString("D"));
                Assert.Equal(SQLitePCL.raw.SQLITE_DONE, SQLitePCL.raw.sqlite3_step(statement));
                return SQLitePCL.raw.sqlite3_stmt_status(statement, SQLitePCL.raw.SQLITE_STMTSTATUS_VM_STEP, 0);
            }
        }
    }

    [Fact]
    public async Task A_file_from_schema_version_2_is_migrated_when_opened()
    {
        // A journal as version 2 of the schema left it: events with a unique index on event ids, payment keys.
        var first = Guid.NewGuid();
        using (var raw = Raw(file.Path))
        {
            SqliteJournal.Configure(raw, file.Path, TimeSpan.FromSeconds(1), 1_000);
            SqliteSchema.Migrate(raw, file.Path, targetVersion: 2);
            Execute(raw, "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 1, $id, 'RentalRequested', CAST('{}' AS BLOB))", ("$id", first.ToString()));
            Execute(raw, "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 2, $id, 'PaymentRequested', $payload)", ("$id", Guid.NewGuid().ToString()), ("$payload", Payment("rental-1/authorize/1", 10_000)));
            Execute(raw, "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-2', 1, $id, 'RentalStarted', CAST('{}' AS BLOB))", ("$id", Guid.NewGuid().ToString()));
            Assert.Equal("1", Scalar(raw, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NULL AND tbl_name = 'events' AND name = 'sqlite_autoindex_events_2'"));
        }

        string before;
        using (var raw = Raw(file.Path))
        {
            before = Scalar(raw, "SELECT group_concat(global_position || ' ' || stream_id || ' ' || stream_version || ' ' || event_id || ' ' || event_type || ' ' || hex(payload), ';') FROM (SELECT * FROM events ORDER BY global_position)");
        }

        await using (var journal = await SqliteJournal.OpenAsync(file.Options()))
        {
            Assert.Equal(2, (await journal.ReadStreamAsync("rental-1")).Count);
            Assert.Equal(first, (await journal.ReadStreamAsync("rental-1"))[0].EventId);

            // The triggers came back with the table: versions follow, keys are used once, the journal is append-only.
            Assert.Equal(3, (await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(2), [PaymentEvent("rental-1", 3, "rental-1/capture/1", 6_400)])).NextExpectedVersion);
            await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.Exactly(1), [PaymentEvent("rental-2", 2, "rental-1/authorize/1", 100)]));
        }

        using var migrated = Raw(file.Path);
        Assert.Equal(SqliteJournal.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(migrated, "SELECT max(version) FROM schema_version"));
        Assert.StartsWith(before + ";", Scalar(migrated, "SELECT group_concat(global_position || ' ' || stream_id || ' ' || stream_version || ' ' || event_id || ' ' || event_type || ' ' || hex(payload), ';') FROM (SELECT * FROM events ORDER BY global_position)"), StringComparison.Ordinal);
        Assert.Equal("rental-1/authorize/1=2,rental-1/capture/1=4", Scalar(migrated, "SELECT group_concat(idempotency_key || '=' || global_position, ',') FROM (SELECT * FROM payment_keys ORDER BY global_position)"));
        Assert.Equal(string.Empty, Scalar(migrated, "SELECT group_concat(\"table\") FROM pragma_foreign_key_check"));
        Assert.Equal("events_event_id_after_16,sqlite_autoindex_events_1", Scalar(migrated, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name)"));
        Assert.Equal(
            "events_event_id_once_per_stream,events_no_delete,events_no_update,events_payment_key,events_versions_contiguous",
            Scalar(migrated, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events' ORDER BY name)"));
        Assert.Throws<SqliteException>(() => Execute(migrated, "DELETE FROM events"));
    }

    [Fact]
    public async Task A_file_from_schema_version_3_is_migrated_when_opened()
    {
        // A journal as version 3 left it: a stream longer than 16 events, whose later events version 4 indexes.
        var long1 = Events("car-1", 20);
        using (var raw = Raw(file.Path))
        {
            SqliteJournal.Configure(raw, file.Path, TimeSpan.FromSeconds(1), 1_000);
            SqliteSchema.Migrate(raw, file.Path, targetVersion: 3);
            for (var v = 1; v <= long1.Length; v++)
            {
                Execute(raw, "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ('car-1', $version, $id, 'Tested', CAST('{}' AS BLOB))", ("$version", v), ("$id", long1[v - 1].EventId.ToString()));
            }

            Assert.Equal("0", Scalar(raw, "SELECT count(*) FROM sqlite_master WHERE name = 'events_event_id_after_16'"));
        }

        await using (var journal = await SqliteJournal.OpenAsync(file.Options()))
        {
            Assert.Equal(20, (await journal.ReadStreamAsync("car-1")).Count);
            var early = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("car-1", ExpectedVersion.Exactly(20), [long1[2]]));
            var late = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("car-1", ExpectedVersion.Exactly(20), [long1[18]]));
            Assert.Contains("once per stream", early.Message, StringComparison.Ordinal);
            Assert.Contains("once per stream", late.Message, StringComparison.Ordinal);
            Assert.Equal(21, (await journal.AppendAsync("car-1", ExpectedVersion.Exactly(20), [Event("car-1", 21)])).NextExpectedVersion);
        }

        using var migrated = Raw(file.Path);
        Assert.Equal(SqliteJournal.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(migrated, "SELECT max(version) FROM schema_version"));
        Assert.Equal("17,18,19,20,21", Scalar(migrated, "SELECT group_concat(stream_version) FROM (SELECT stream_version FROM events INDEXED BY events_event_id_after_16 WHERE stream_id = 'car-1' AND stream_version > 16 ORDER BY stream_version)"));
        Assert.Equal("ok", Scalar(migrated, "PRAGMA integrity_check"));
    }

    // ---- Group commit ----

    [Fact]
    public async Task Concurrent_appends_share_transactions()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options());
        await journal.AppendAsync("warm-up", ExpectedVersion.NoStream, [Event("warm-up", 1)]);
        var before = journal.Transactions;

        Task<AppendResult>[] appends;
        using (var blocker = Raw(file.Path))
        using (blocker.BeginTransaction(deferred: false))
        {
            // While another connection holds the write lock, 64 rentals append: they wait in the queue together.
            appends = Enumerable.Range(0, 64).Select(r => journal.AppendAsync($"rental-{r}", ExpectedVersion.NoStream, [Event($"rental-{r}", 1)]).AsTask()).ToArray();
            await Task.Delay(50);
            Assert.All(appends, a => Assert.False(a.IsCompleted));
        }

        var results = await Task.WhenAll(appends);

        Assert.All(results, r => Assert.Equal(1, r.NextExpectedVersion));
        Assert.Equal(64, results.Select(r => r.LastGlobalPosition).Distinct().Count());
        Assert.InRange(journal.Transactions - before, 1, 2);
        Assert.Equal(65, journal.CommittedAppends);
    }

    [Fact]
    public async Task A_conflict_in_a_batch_fails_only_its_own_append()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options());
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1)]);
        await journal.AppendAsync("rental-9", ExpectedVersion.NoStream, [PaymentEvent("rental-9", 1, "rental-9/charge/1", 100)]);
        var before = journal.Transactions;
        var begun = 0;
        journal.BeforeBatch = _ => begun++;

        Task<AppendResult> good1, conflicting, refused, good2, blocked;
        using (var blocker = Raw(file.Path))
        using (blocker.BeginTransaction(deferred: false))
        {
            blocked = journal.AppendAsync("rental-0", ExpectedVersion.NoStream, [Event("rental-0", 1)]).AsTask();
            good1 = journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2", 1)]).AsTask();
            conflicting = journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1, "Other")]).AsTask();
            refused = journal.AppendAsync("rental-3", ExpectedVersion.NoStream, [Event("rental-3", 1), PaymentEvent("rental-3", 2, "rental-9/charge/1", 100)]).AsTask();
            good2 = journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), [Event("rental-1", 2)]).AsTask();
            await Task.Delay(20);
        }

        await blocked;
        Assert.Equal(1, (await good1).NextExpectedVersion);
        Assert.Equal(1, (await Assert.ThrowsAsync<ConcurrencyConflictException>(() => conflicting)).Actual);
        await Assert.ThrowsAsync<InvariantViolationException>(() => refused);
        Assert.Equal(2, (await good2).NextExpectedVersion);
        Assert.InRange(journal.Transactions - before, 1, 2);

        // The conflict wrote nothing and needed no savepoint; the refused append (its second event breaks a constraint,
        // its first was written) made the writer roll its batch back and write it again, one append per savepoint.
        Assert.Equal(journal.Transactions - before + 1, begun);
        Assert.Empty(await journal.ReadStreamAsync("rental-3"));
        Assert.Equal(["rental-1", "rental-9", "rental-0", "rental-2", "rental-1"], (await journal.ReadAllAsync(0, 100)).Select(e => e.StreamId));
    }

    [Fact]
    public async Task Batches_respect_their_limits()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options(o =>
        {
            o.MaxAppendsPerBatch = 4;
            o.MaxEventsPerBatch = 10;
        }));

        Task<AppendResult>[] appends;
        using (var blocker = Raw(file.Path))
        using (blocker.BeginTransaction(deferred: false))
        {
            appends = Enumerable.Range(0, 20).Select(r => journal.AppendAsync($"rental-{r}", ExpectedVersion.NoStream, Events($"rental-{r}", r % 2 == 0 ? 3 : 1)).AsTask()).ToArray();
            await Task.Delay(20);
        }

        await Task.WhenAll(appends);

        // 20 appends, at most 4 and at most 10 events per transaction: at least 5 transactions.
        Assert.InRange(journal.Transactions, 5, 20);
        Assert.Equal(40, (await journal.ReadAllAsync(0, 100)).Count);
    }

    [Fact]
    public async Task Two_journals_on_one_file_still_have_one_winner_per_version()
    {
        // One process per file is the supported setup; two still cannot corrupt a stream (BEGIN IMMEDIATE serializes them).
        await using var a = await SqliteJournal.OpenAsync(file.Options());
        await using var b = await SqliteJournal.OpenAsync(file.Options());

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            var journal = i % 2 == 0 ? a : b;
            try
            {
                await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1, $"Writer{i}")]);
                return true;
            }
            catch (ConcurrencyConflictException)
            {
                return false;
            }
        })));

        Assert.Single(outcomes, won => won);
        Assert.Single(await a.ReadStreamAsync("rental-1"));
    }

    // ---- Queue: cancellation, back pressure, shutdown ----

    [Fact]
    public async Task A_queued_append_can_be_cancelled_until_the_writer_takes_it()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options(o => o.MaxAppendsPerBatch = 1));
        using var cancel = new CancellationTokenSource();

        Task<AppendResult> first, cancelled;
        using (var blocker = Raw(file.Path))
        using (blocker.BeginTransaction(deferred: false))
        {
            first = journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1)]).AsTask();
            await Task.Delay(20);
            cancelled = journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2", 1)], cancel.Token).AsTask();
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }

        await first;
        Assert.Empty(await journal.ReadStreamAsync("rental-2"));
    }

    [Fact]
    public async Task A_full_queue_makes_callers_wait()
    {
        await using var journal = await SqliteJournal.OpenAsync(file.Options(o =>
        {
            o.MaxPendingAppends = 2;
            o.MaxAppendsPerBatch = 1;
        }));
        using var cancel = new CancellationTokenSource();

        Task<AppendResult>[] waiting;
        Task<AppendResult> gaveUp;
        using (var blocker = Raw(file.Path))
        using (blocker.BeginTransaction(deferred: false))
        {
            waiting = Enumerable.Range(0, 4).Select(r => journal.AppendAsync($"rental-{r}", ExpectedVersion.NoStream, [Event($"rental-{r}", 1)]).AsTask()).ToArray();
            gaveUp = journal.AppendAsync("rental-x", ExpectedVersion.NoStream, [Event("rental-x", 1)], cancel.Token).AsTask();
            await Task.Delay(20);
            Assert.False(gaveUp.IsCompleted);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        }

        await Task.WhenAll(waiting);
        Assert.Equal(4, (await journal.ReadAllAsync(0, 100)).Count);
    }

    [Fact]
    public async Task Disposing_commits_what_is_queued_then_refuses_more()
    {
        var journal = await SqliteJournal.OpenAsync(file.Options());

        Task<AppendResult>[] queued;
        ValueTask disposing;
        using (var blocker = Raw(file.Path))
        using (blocker.BeginTransaction(deferred: false))
        {
            queued = Enumerable.Range(0, 10).Select(r => journal.AppendAsync($"rental-{r}", ExpectedVersion.NoStream, [Event($"rental-{r}", 1)]).AsTask()).ToArray();
            disposing = journal.DisposeAsync();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await journal.AppendAsync("rental-late", ExpectedVersion.NoStream, [Event("rental-late", 1)]));
        }

        await disposing;
        await Task.WhenAll(queued);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await journal.ReadAllAsync(0, 10));
        await journal.DisposeAsync();
        await using var reopened = await SqliteJournal.OpenAsync(file.Options());
        Assert.Equal(10, (await reopened.ReadAllAsync(0, 100)).Count);
    }

    // ---- Helpers ----

    internal static SqliteConnection Raw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 10 }.ToString());
        connection.Open();
        return connection;
    }

    internal static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
    }

    internal static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    internal static EventData Event(string streamId, long version, string type = "Tested")
        => new(Guid.NewGuid(), type, Encoding.UTF8.GetBytes($$"""{"stream":"{{streamId}}","version":{{version}}}"""));

    internal static EventData[] Events(string streamId, int count) => Enumerable.Range(1, count).Select(v => Event(streamId, v)).ToArray();

    internal static byte[] Payment(string key, long amount)
    {
        var kind = key.Split('/')[1];
        return Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","kind":"{{char.ToUpperInvariant(kind[0]) + kind[1..]}}","amountMinorUnits":{{amount}},"currency":"KRW","gateway":"psp","at":"2022-10-15T06:20:00Z"}""");
    }

    internal static EventData PaymentEvent(string streamId, long version, string key, long amount)
        => new(Guid.NewGuid(), "PaymentRequested", Payment(key, amount));
}
