using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Billing.Resilience.Journal;
using Npgsql;

namespace Billing.Resilience.PostgreSql.Tests;

/// <summary>What the PostgreSQL journal promises beyond the shared contract: several instances, commit-ordered
/// positions, schema versions, database constraints, group commit.</summary>
public sealed class PostgreSqlJournalTests : IAsyncLifetime
{
    private readonly string schema = TestServer.NewSchema();
    private readonly List<IAsyncDisposable> resources = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = resources.Count - 1; i >= 0; i--)
        {
            await resources[i].DisposeAsync();
        }

        await TestServer.DropSchemaAsync(schema);
    }

    // ---- Several instances ----

    [Fact]
    public async Task Instances_starting_together_create_the_schema_once()
    {
        var sources = Enumerable.Range(0, 6).Select(_ => Own(TestServer.CreateDataSource(maxPoolSize: 4))).ToArray();

        var journals = await Task.WhenAll(sources.Select(s => Task.Run(() => OpenAsync(s))));

        Assert.All(journals, j => Assert.Equal(schema, j.Schema));
        Assert.Equal(PostgreSqlJournal.SchemaVersion, (int)await TestServer.ScalarAsync<long>($"SELECT count(*) FROM {schema}.schema_version"));
        await journals[0].AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1")]);
        Assert.Single(await journals[5].ReadStreamAsync("rental-1"));
    }

    [Fact]
    public async Task Instances_appending_together_keep_every_stream_whole()
    {
        const int instances = 4;
        const int writersEach = 4;
        const int appendsEach = 15;
        var journals = new List<PostgreSqlJournal>();
        for (var i = 0; i < instances; i++)
        {
            journals.Add(await OpenAsync(Own(TestServer.CreateDataSource(maxPoolSize: 6))));
        }

        var acknowledged = new ConcurrentDictionary<Guid, long>();
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, instances * writersEach).Select(w => Task.Run(async () =>
        {
            var journal = journals[w % instances];
            for (var a = 0; a < appendsEach; a++)
            {
                // Half the appends race on four shared streams, half go to the writer's own stream.
                var stream = a % 2 == 0 ? $"rental-shared-{a % 4}" : $"rental-own-{w}";
                while (true)
                {
                    var version = (await journal.ReadStreamAsync(stream)).Count;
                    var e = Event(stream);
                    try
                    {
                        var result = await journal.AppendAsync(stream, ExpectedVersion.Exactly(version), [e]);
                        acknowledged[e.EventId] = result.LastGlobalPosition;
                        break;
                    }
                    catch (ConcurrencyConflictException)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        })));

        var all = await ReadEverythingAsync(journals[0]);
        Assert.Equal(acknowledged.Count, all.Count);
        Assert.All(all, e => Assert.Equal(acknowledged[e.EventId], e.GlobalPosition));
        foreach (var stream in all.GroupBy(e => e.StreamId))
        {
            Assert.Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v), stream.Select(e => e.StreamVersion));
        }

        Assert.True(conflicts > 0, "the shared streams were raced on");
    }

    [Fact]
    public async Task An_append_that_raced_another_instance_after_its_version_was_read_is_decided_again_under_the_lock()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        var other = await OpenAsync(Own(TestServer.CreateDataSource(maxPoolSize: 2)));
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1")]);
        var races = 0;

        // Every time a batch has read its versions without the lock, the other instance appends to rental-1.
        journal.AfterVersionsRead = async () =>
        {
            Interlocked.Increment(ref races);
            await other.AppendAsync("rental-1", ExpectedVersion.Any, [Event("rental-1")]);
        };

        // Alone in its batch; read version 1, then the other instance appended version 2: the database refuses the
        // insert, and the append, decided again under the lock, is a conflict (not a refusal).
        var conflict = await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), [Event("rental-1")]));
        Assert.Equal(2, conflict.Actual);

        // ExpectedVersion.Any read version 2, the other instance appended version 3; decided again under the lock (no
        // other instance can append in between), it lands at version 4.
        var any = Event("rental-1");
        Assert.Equal(4, (await journal.AppendAsync("rental-1", ExpectedVersion.Any, [any])).NextExpectedVersion);

        // Batch mates of a raced append are written as if alone.
        var fresh = journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2")]).AsTask();
        var stale = journal.AppendAsync("rental-1", ExpectedVersion.Exactly(4), [Event("rental-1")]).AsTask();
        Assert.Equal(1, (await fresh).NextExpectedVersion);
        Assert.Equal(5, (await Assert.ThrowsAsync<ConcurrencyConflictException>(() => stale)).Actual);

        journal.AfterVersionsRead = null;
        var stream = await journal.ReadStreamAsync("rental-1");
        Assert.Equal(Enumerable.Range(1, 2 + races).Select(v => (long)v), stream.Select(e => e.StreamVersion));
        Assert.Equal(any.EventId, stream[3].EventId);
    }

    [Fact]
    public async Task An_error_at_commit_fails_the_append_and_only_it()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        await AtCommitAsync("doomed", "RAISE EXCEPTION 'refused at commit' USING ERRCODE = 'check_violation';");

        var doomed = journal.AppendAsync("doomed", ExpectedVersion.NoStream, [Event("doomed")]).AsTask();
        var fine = journal.AppendAsync("fine", ExpectedVersion.NoStream, [Event("fine")]).AsTask();

        var refused = await Assert.ThrowsAsync<InvariantViolationException>(() => doomed);
        Assert.Contains("refused at commit", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await fine).NextExpectedVersion);
        Assert.Empty(await journal.ReadStreamAsync("doomed"));
        Assert.Single(await journal.ReadStreamAsync("fine"));
    }

    [Fact]
    public async Task An_append_whose_commit_outlasts_the_command_timeout_is_never_acknowledged_unless_stored()
    {
        // The commit of a batch waits on a deferred trigger longer than the command timeout: the driver gives up
        // waiting for the end of the round trip and cancels it. An append acknowledged then must be in the journal.
        var builder = new NpgsqlConnectionStringBuilder(TestServer.ConnectionString) { CommandTimeout = 1, MaxPoolSize = 4 };
        var impatient = Own(NpgsqlDataSource.Create(builder.ConnectionString));
        var journal = await OpenAsync(impatient);
        await AtCommitAsync("slow", "PERFORM pg_sleep(3);");

        var acknowledged = false;
        try
        {
            await journal.AppendAsync("slow", ExpectedVersion.NoStream, [Event("slow")]);
            acknowledged = true;
        }
#pragma warning disable CA1031 // Any failure is an acceptable outcome here; a false acknowledgement is not.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        await Task.Delay(TimeSpan.FromSeconds(4));
        var stored = await TestServer.ScalarAsync<long>($"SELECT count(*) FROM {schema}.events WHERE stream_id = 'slow'");
        Assert.True(!acknowledged || stored == 1, $"acknowledged: {acknowledged}, stored: {stored}");
    }

    [Fact]
    public async Task A_reader_following_checkpoints_never_skips_a_late_commit()
    {
        // Four instances append as fast as they can while a fifth follows ReadAll from its checkpoint. Positions are
        // drawn under the append lock, so a transaction that drew a smaller position can never commit after a reader
        // has already moved past it.
        const int instances = 4;
        const int writersEach = 3;
        const int appendsEach = 30;
        var writers = new List<PostgreSqlJournal>();
        for (var i = 0; i < instances; i++)
        {
            writers.Add(await OpenAsync(Own(TestServer.CreateDataSource(maxPoolSize: 5))));
        }

        var reader = await OpenAsync(Own(TestServer.CreateDataSource(maxPoolSize: 2)));
        using var done = new CancellationTokenSource();
        var seen = new List<RecordedEvent>();
        var following = Task.Run(async () =>
        {
            long checkpoint = 0;
            var last = false;
            while (true)
            {
                var page = await reader.ReadAllAsync(checkpoint, 25);
                foreach (var e in page)
                {
                    Assert.True(e.GlobalPosition > checkpoint);
                    checkpoint = e.GlobalPosition;
                    seen.Add(e);
                }

                if (page.Count == 0)
                {
                    if (last)
                    {
                        return;
                    }

                    last = done.IsCancellationRequested;
                }
            }
        });

        var written = 0;
        await Task.WhenAll(Enumerable.Range(0, instances * writersEach).Select(w => Task.Run(async () =>
        {
            var journal = writers[w % instances];
            long version = 0;
            for (var a = 0; a < appendsEach; a++)
            {
                var count = 1 + (a % 3);
                var result = await journal.AppendAsync($"rental-{w}", ExpectedVersion.Exactly(version), Enumerable.Range(0, count).Select(_ => Event($"rental-{w}")).ToArray());
                version = result.NextExpectedVersion;
                Interlocked.Add(ref written, count);
            }
        })));
        await done.CancelAsync();
        await following;

        var all = await ReadEverythingAsync(reader);
        Assert.Equal(written, all.Count);
        Assert.Equal(all.Select(e => e.EventId), seen.Select(e => e.EventId));
        Assert.True(writers.Sum(w => w.Transactions) < instances * writersEach * appendsEach, "appends were grouped into fewer transactions");
    }

    // ---- Cost ----

    [Fact]
    public async Task A_stream_version_is_read_in_steps_that_do_not_grow_with_the_stream()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        await journal.AppendAsync("short", ExpectedVersion.NoStream, [Event("short"), Event("short")]);
        await TestServer.ExecuteAsync($"INSERT INTO {schema}.events (stream_id, stream_version, event_id, event_type, payload) SELECT 'long', v, gen_random_uuid(), 'Tested', '\\x7b7d'::bytea FROM generate_series(1, 3000) AS v");
        await TestServer.ExecuteAsync($"ANALYZE {schema}.events");
        string[] streams = ["long", "short", "missing"];

        await using (var command = TestServer.DataSource.CreateCommand(PostgreSqlJournal.VersionsSql(schema)))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streams });
            await using var reader = await command.ExecuteReaderAsync();
            var versions = new Dictionary<string, long>();
            while (await reader.ReadAsync())
            {
                versions.Add(reader.GetString(0), reader.GetInt64(1));
            }

            Assert.Equal(new Dictionary<string, long> { ["long"] = 3000, ["short"] = 2 }, versions);
        }

        // What the server read to answer: at most one index entry per stream asked for (PostgreSQL reports rows per loop
        // rounded, so the missing stream may count as one). max(stream_version) ... GROUP BY read all 3,002.
        var plan = await TestServer.ScalarAsync<string>($"EXPLAIN (ANALYZE, FORMAT JSON) {PostgreSqlJournal.VersionsSql(schema)}", (object)streams);
        var rowsRead = RowsReadFromTables(System.Text.Json.JsonDocument.Parse(plan).RootElement[0].GetProperty("Plan"));
        Assert.True(rowsRead <= streams.Length, $"{rowsRead} rows read to find the versions of {streams.Length} streams (one of 3,000 events)");

        var appended = await journal.AppendAsync("long", ExpectedVersion.Exactly(3000), [Event("long")]);
        Assert.Equal(3001, appended.NextExpectedVersion);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await journal.AppendAsync("long", ExpectedVersion.Exactly(3000), [Event("long")]));
    }

    /// <summary>Makes PostgreSQL run <paramref name="statement"/> when a transaction that inserted an event of
    /// <paramref name="streamId"/> commits (a deferred constraint trigger).</summary>
    private Task AtCommitAsync(string streamId, string statement) => TestServer.ExecuteAsync($$"""
        CREATE FUNCTION {{schema}}.at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.stream_id = '{{streamId}}' THEN
                {{statement}}
            END IF;
            RETURN NULL;
        END
        $$;
        CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON {{schema}}.events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {{schema}}.at_commit();
        """);

    private static double RowsReadFromTables(System.Text.Json.JsonElement node)
    {
        var type = node.GetProperty("Node Type").GetString()!;
        var own = type.Contains("Scan", StringComparison.Ordinal) && type != "Function Scan"
            ? node.GetProperty("Actual Rows").GetDouble() * node.GetProperty("Actual Loops").GetDouble()
            : 0;
        return own + (node.TryGetProperty("Plans", out var children) ? children.EnumerateArray().Sum(RowsReadFromTables) : 0);
    }

    // ---- Group commit ----

    [Fact]
    public async Task Concurrent_appends_share_transactions()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        await journal.AppendAsync("warm-up", ExpectedVersion.NoStream, [Event("warm-up")]);
        var before = journal.Transactions;

        Task<AppendResult>[] appends;
        await using (var blocker = await HoldAppendLockAsync(journal))
        {
            appends = Enumerable.Range(0, 64).Select(r => journal.AppendAsync($"rental-{r}", ExpectedVersion.NoStream, [Event($"rental-{r}")]).AsTask()).ToArray();
            await Task.Delay(100);
            Assert.All(appends, a => Assert.False(a.IsCompleted));
        }

        var results = await Task.WhenAll(appends);

        Assert.All(results, r => Assert.Equal(1, r.NextExpectedVersion));
        Assert.Equal(64, results.Select(r => r.LastGlobalPosition).Distinct().Count());
        Assert.InRange(journal.Transactions - before, 1, 2);
    }

    [Fact]
    public async Task Appends_to_one_stream_in_one_batch_see_each_other_and_a_retry_in_the_same_batch_is_a_replay()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        var first = Event("rental-5");
        var second = Event("rental-5");

        Task<AppendResult> blocked, original, retry, next, stale;
        await using (var blocker = await HoldAppendLockAsync(journal))
        {
            blocked = journal.AppendAsync("rental-0", ExpectedVersion.NoStream, [Event("rental-0")]).AsTask();
            await Task.Delay(50);
            original = journal.AppendAsync("rental-5", ExpectedVersion.NoStream, [first]).AsTask();
            retry = journal.AppendAsync("rental-5", ExpectedVersion.NoStream, [first]).AsTask();
            next = journal.AppendAsync("rental-5", ExpectedVersion.Exactly(1), [second]).AsTask();
            stale = journal.AppendAsync("rental-5", ExpectedVersion.NoStream, [Event("rental-5")]).AsTask();
            await Task.Delay(50);
            Assert.False(original.IsCompleted);
        }

        await blocked;
        var appended = await original;
        var replayed = await retry;
        Assert.Equal(appended, replayed);
        Assert.Equal(1, appended.NextExpectedVersion);
        var after = await next;
        Assert.Equal(2, after.NextExpectedVersion);
        Assert.True(after.LastGlobalPosition > appended.LastGlobalPosition);
        var conflict = await Assert.ThrowsAsync<ConcurrencyConflictException>(() => stale);
        Assert.Equal(2, conflict.Actual);

        var stream = await journal.ReadStreamAsync("rental-5");
        Assert.Equal([first.EventId, second.EventId], stream.Select(e => e.EventId));
        Assert.Equal([appended.LastGlobalPosition, after.LastGlobalPosition], stream.Select(e => e.GlobalPosition));
    }

    [Fact]
    public async Task A_refused_append_in_a_batch_fails_alone()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1")]);
        await journal.AppendAsync("rental-9", ExpectedVersion.NoStream, [PaymentEvent("rental-9/charge/1", 100)]);

        Task<AppendResult> blocked, good1, conflicting, refused, good2;
        await using (var blocker = await HoldAppendLockAsync(journal))
        {
            blocked = journal.AppendAsync("rental-0", ExpectedVersion.NoStream, [Event("rental-0")]).AsTask();
            good1 = journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2")]).AsTask();
            conflicting = journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1")]).AsTask();
            refused = journal.AppendAsync("rental-3", ExpectedVersion.NoStream, [Event("rental-3"), PaymentEvent("rental-9/charge/1", 100)]).AsTask();
            good2 = journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), [Event("rental-1")]).AsTask();
            await Task.Delay(50);
        }

        await blocked;
        Assert.Equal(1, (await good1).NextExpectedVersion);
        Assert.Equal(1, (await Assert.ThrowsAsync<ConcurrencyConflictException>(() => conflicting)).Actual);
        var refusal = await Assert.ThrowsAsync<InvariantViolationException>(() => refused);
        Assert.Contains("payment_keys_pkey", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await good2).NextExpectedVersion);
        Assert.Empty(await journal.ReadStreamAsync("rental-3"));
        Assert.Equal(["rental-1", "rental-9", "rental-0", "rental-2", "rental-1"], (await journal.ReadAllAsync(0, 100)).Select(e => e.StreamId));
    }

    [Fact]
    public async Task Disposing_commits_what_is_queued_then_refuses_more()
    {
        var journal = await PostgreSqlJournal.OpenAsync(TestServer.DataSource, new PostgreSqlJournalOptions { Schema = schema });

        Task<AppendResult>[] queued;
        ValueTask disposing;
        await using (var blocker = await HoldAppendLockAsync(journal))
        {
            queued = Enumerable.Range(0, 10).Select(r => journal.AppendAsync($"rental-{r}", ExpectedVersion.NoStream, [Event($"rental-{r}")]).AsTask()).ToArray();
            disposing = journal.DisposeAsync();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await journal.AppendAsync("rental-late", ExpectedVersion.NoStream, [Event("rental-late")]));
        }

        await disposing;
        await Task.WhenAll(queued);
        Assert.Equal(10, await TestServer.ScalarAsync<long>($"SELECT count(*) FROM {schema}.events"));
    }

    // ---- Schema versions ----

    [Fact]
    public async Task A_schema_from_version_1_is_migrated_when_opened()
    {
        await PostgreSqlSchema.MigrateAsync(TestServer.DataSource, schema, targetVersion: 1, CancellationToken.None);
        await TestServer.ExecuteAsync($"INSERT INTO {schema}.events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 1, $1, 'RentalStarted', '\\x7b7d'::bytea)", Guid.NewGuid());
        await TestServer.ExecuteAsync($"INSERT INTO {schema}.events (stream_id, stream_version, event_id, event_type, payload) VALUES ('rental-1', 2, $1, 'PaymentRequested', $2)", Guid.NewGuid(), Payment("rental-1/authorize/1", 10_000));
        Assert.Equal(1, await TestServer.ScalarAsync<int>($"SELECT max(version) FROM {schema}.schema_version"));
        Assert.Equal(0L, await TestServer.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'payment_keys'", schema));

        var journal = await OpenAsync(TestServer.DataSource);
        await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(2), [PaymentEvent("rental-1/capture/1", 6_400)]);

        Assert.Equal(PostgreSqlJournal.SchemaVersion, await TestServer.ScalarAsync<int>($"SELECT max(version) FROM {schema}.schema_version"));
        Assert.Equal(
            "rental-1/authorize/1=10000,rental-1/capture/1=6400",
            await TestServer.ScalarAsync<string>($"SELECT string_agg(idempotency_key || '=' || amount_minor, ',' ORDER BY global_position) FROM {schema}.payment_keys"));
        Assert.Equal(3, (await journal.ReadStreamAsync("rental-1")).Count);
    }

    [Fact]
    public async Task A_schema_from_a_newer_version_is_refused_and_left_alone()
    {
        await (await OpenAsync(TestServer.DataSource)).DisposeAsync();
        await TestServer.ExecuteAsync($"INSERT INTO {schema}.schema_version (version, script) VALUES (7, '0007_from_the_future.sql')");

        var refused = await Assert.ThrowsAsync<PostgreSqlSchemaTooNewException>(() => PostgreSqlJournal.OpenAsync(TestServer.DataSource, new PostgreSqlJournalOptions { Schema = schema }));

        Assert.Equal(7, refused.DatabaseVersion);
        Assert.Equal(PostgreSqlJournal.SchemaVersion, refused.SupportedVersion);
        Assert.Equal(schema, refused.Schema);
        Assert.Contains("schema version 7", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"versions up to {PostgreSqlJournal.SchemaVersion}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(7, await TestServer.ScalarAsync<int>($"SELECT max(version) FROM {schema}.schema_version"));
    }

    [Fact]
    public void Shipped_schema_scripts_never_change()
    {
        // A shipped script has run on users' databases: changing it forks their schema from a new one. Add a script instead.
        var shipped = new Dictionary<string, string>
        {
            ["0001_journal.sql"] = "9218918b29bb91c68da7a52ca09116b9f69aee22fba49a41cdd65aea73799627",
            ["0002_payment_keys.sql"] = "30277be9f865cf1d184e2a1f2a8176abbf65febbbfb920d83b1c06f4a68fe0b8",
            ["0003_settlement_leases.sql"] = "3d7415b9253c2e75b7b67e99de6458832be1647b11c475737ea32f8741e69607",
        };

        foreach (var script in PostgreSqlSchema.Scripts)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script.Sql.ReplaceLineEndings("\n"))));
            Assert.True(shipped.TryGetValue(script.Name, out var expected), $"{script.Name} ({hash}) is new: add it to this list once it ships.");
            Assert.True(expected == hash, $"{script.Name} changed after it shipped (now {hash}); add a new script instead.");
        }
    }

    // ---- Server settings and options ----

    [Fact]
    public async Task A_session_without_synchronous_commit_is_refused()
    {
        var unsafeSource = Own(TestServer.CreateDataSource(maxPoolSize: 2, options: "-c synchronous_commit=off"));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync(unsafeSource));
        Assert.Contains("synchronous_commit", refused.Message, StringComparison.Ordinal);

        // An instance whose sessions turn it off later is refused by the database at the first append.
        await OpenAsync(TestServer.DataSource);
        await using var connection = await unsafeSource.OpenConnectionAsync();
        await using var append = new NpgsqlCommand($"SELECT * FROM {schema}.append_events('rental-1', 0, ARRAY[gen_random_uuid()], ARRAY['Tested'], ARRAY['\\x7b7d'::bytea])", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => append.ExecuteNonQueryAsync());
        Assert.Equal("55000", error.SqlState);
    }

    [Fact]
    public async Task Invalid_options_are_all_reported_at_once()
    {
        var options = new PostgreSqlJournalOptions { Schema = "Billing; DROP TABLE x", MaxPendingAppends = 0, MaxAppendsPerBatch = 0, MaxEventsPerBatch = 0 };

        var invalid = await Assert.ThrowsAsync<InvalidInputException>(() => PostgreSqlJournal.OpenAsync(TestServer.DataSource, options));

        Assert.Equal(
            ["BILLING_OPTIONS_POSTGRESQL_SCHEMA_NAME", "BILLING_OPTIONS_POSTGRESQL_QUEUE_RANGE", "BILLING_OPTIONS_POSTGRESQL_BATCH_APPENDS_RANGE", "BILLING_OPTIONS_POSTGRESQL_BATCH_EVENTS_RANGE"],
            invalid.Errors.Select(e => e.Code));
        await Assert.ThrowsAsync<InvalidInputException>(() => PostgreSqlJournal.OpenAsync(TestServer.DataSource, new PostgreSqlJournalOptions { Schema = "pg_catalog" }));
    }

    // ---- Constraints: the invariants, held by the database itself ----

    [Fact]
    public async Task The_database_refuses_what_the_journal_never_writes()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1"), PaymentEvent("rental-1/authorize/1", 10_000)]);
        var existingId = await TestServer.ScalarAsync<Guid>($"SELECT event_id FROM {schema}.events WHERE stream_version = 1");
        var keys = $"INSERT INTO {schema}.payment_keys (idempotency_key, global_position, rental, kind, amount_minor, currency) VALUES";
        var events = $"INSERT INTO {schema}.events (stream_id, stream_version, event_id, event_type, payload) VALUES";
        var refused = new[]
        {
            $"{keys} ('rental-1/authorize/1', 1, 'rental-1', 'Authorize', 1, 'KRW')",
            $"{keys} ('rental-1/refund/1', 1, 'rental-1', 'Refund', -1, 'KRW')",
            $"{keys} ('rental-1/refund/1', 1, 'rental-1', 'Refund', 1, 'krw')",
            $"{keys} ('rental-1/refund/1', 999, 'rental-1', 'Refund', 1, 'KRW')",
            $"UPDATE {schema}.payment_keys SET amount_minor = 0",
            $"DELETE FROM {schema}.payment_keys",
            $"TRUNCATE {schema}.payment_keys",
            $"{events} ('rental-1', 2, gen_random_uuid(), 'Tested', '')",
            $"{events} ('rental-1', 4, gen_random_uuid(), 'Tested', '')",
            $"{events} ('rental-2', 0, gen_random_uuid(), 'Tested', '')",
            $"{events} ('rental-2', 1, '{existingId}', 'Tested', '')",
            $"{events} ('rental-2', 1, gen_random_uuid(), '', '')",
            $"{events} ('rental-2', 1, gen_random_uuid(), 'PaymentRequested', convert_to('{{\"key\":\"rental-2/charge/1\",\"kind\":\"Charge\",\"amountMinorUnits\":-500,\"currency\":\"KRW\"}}', 'UTF8'))",
            $"{events} ('rental-2', 1, gen_random_uuid(), 'PaymentRequested', convert_to('{{\"key\":\"rental-1/authorize/1\",\"kind\":\"Authorize\",\"amountMinorUnits\":500,\"currency\":\"KRW\"}}', 'UTF8'))",
            $"{events} ('rental-2', 1, gen_random_uuid(), 'PaymentRequested', convert_to('[1, 2]', 'UTF8'))",
            $"UPDATE {schema}.events SET payload = ''",
            $"DELETE FROM {schema}.events",
            $"TRUNCATE {schema}.events CASCADE",
        };

        foreach (var sql in refused)
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => TestServer.ExecuteAsync(sql));
            Assert.True(error.SqlState.StartsWith("23", StringComparison.Ordinal), $"{sql}: {error.SqlState} {error.MessageText}");
        }

        var positioned = await Assert.ThrowsAsync<PostgresException>(() => TestServer.ExecuteAsync($"INSERT INTO {schema}.events (global_position, stream_id, stream_version, event_id, event_type, payload) VALUES (1000, 'rental-3', 1, gen_random_uuid(), 'Tested', '')"));
        Assert.Equal("428C9", positioned.SqlState);
        Assert.Equal(2L, await TestServer.ScalarAsync<long>($"SELECT count(*) FROM {schema}.events"));
        Assert.Equal(1L, await TestServer.ScalarAsync<long>($"SELECT count(*) FROM {schema}.payment_keys"));
    }

    [Fact]
    public async Task Payment_intents_fill_the_payment_keys_in_the_same_transaction()
    {
        var journal = await OpenAsync(TestServer.DataSource);

        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1"), PaymentEvent("rental-1/authorize/1", 10_000)]);
        await journal.AppendAsync("rental-1", ExpectedVersion.Exactly(2), [PaymentEvent("rental-1/capture/1", 6_400)]);

        Assert.Equal(
            "rental-1/authorize/1|rental-1|Authorize|10000|KRW;rental-1/capture/1|rental-1|Capture|6400|KRW",
            await TestServer.ScalarAsync<string>($"SELECT string_agg(concat_ws('|', idempotency_key, rental, kind, amount_minor, currency), ';' ORDER BY global_position) FROM {schema}.payment_keys"));
    }

    [Fact]
    public async Task An_append_that_breaks_a_money_invariant_is_refused_whole()
    {
        var journal = await OpenAsync(TestServer.DataSource);
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [PaymentEvent("rental-1/authorize/1", 10_000)]);

        var reused = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2"), PaymentEvent("rental-1/authorize/1", 500)]));
        var negative = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [PaymentEvent("rental-2/refund/1", -500)]));
        var notJson = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "PaymentRequested", Encoding.UTF8.GetBytes("not json"))]));
        var notObject = await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "PaymentRequested", Encoding.UTF8.GetBytes("[1,2]"))]));

        Assert.Contains("payment_keys_pkey", reused.Message, StringComparison.Ordinal);
        Assert.Contains("payment_keys_amount_minor_check", negative.Message, StringComparison.Ordinal);
        Assert.Contains("22P02", notJson.Message, StringComparison.Ordinal);
        Assert.Contains("JSON object", notObject.Message, StringComparison.Ordinal);
        Assert.Empty(await journal.ReadStreamAsync("rental-2"));
        Assert.Equal(1, (await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [Event("rental-2")])).NextExpectedVersion);
    }

    [Fact]
    public async Task An_event_id_already_in_the_journal_is_refused()
    {
        // The in-memory journal does not check this; the database's UNIQUE(event_id) does.
        var journal = await OpenAsync(TestServer.DataSource);
        var e = Event("rental-1");
        await journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [e]);

        await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-2", ExpectedVersion.NoStream, [e]));
        await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-1", ExpectedVersion.Any, [e]));
        var twice = Event("rental-3");
        await Assert.ThrowsAsync<InvariantViolationException>(async () => await journal.AppendAsync("rental-3", ExpectedVersion.NoStream, [twice, twice]));

        Assert.Single(await journal.ReadAllAsync(0, 10));
    }

    // ---- Helpers ----

    private async Task<PostgreSqlJournal> OpenAsync(NpgsqlDataSource dataSource)
    {
        var journal = await PostgreSqlJournal.OpenAsync(dataSource, new PostgreSqlJournalOptions { Schema = schema });
        lock (resources)
        {
            resources.Add(journal);
        }

        return journal;
    }

    private NpgsqlDataSource Own(NpgsqlDataSource dataSource)
    {
        lock (resources)
        {
            resources.Add(dataSource);
        }

        return dataSource;
    }

    /// <summary>Holds the journal's append lock from another session, as a long transaction of another instance would.</summary>
    private static async Task<AppendLockHolder> HoldAppendLockAsync(PostgreSqlJournal journal)
    {
        var connection = await TestServer.DataSource.OpenConnectionAsync();
        await AppendLockHolder.ExecuteAsync(connection, "SELECT pg_advisory_lock($1)", journal.AppendLockKey);
        return new AppendLockHolder(connection, journal.AppendLockKey);
    }

    /// <summary>Releases the lock explicitly: a pooled connection keeps session locks until it is reset.</summary>
    private sealed class AppendLockHolder(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, long key)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
            await command.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock($1)", key);
            await connection.DisposeAsync();
        }
    }

    private static async Task<IReadOnlyList<RecordedEvent>> ReadEverythingAsync(IJournal journal)
    {
        var all = new List<RecordedEvent>();
        long checkpoint = 0;
        while (true)
        {
            var page = await journal.ReadAllAsync(checkpoint, 10_000);
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            checkpoint = page[^1].GlobalPosition;
        }
    }

    private static EventData Event(string streamId)
        => new(Guid.NewGuid(), "Tested", Encoding.UTF8.GetBytes($$"""{"stream":"{{streamId}}"}"""));

    private static byte[] Payment(string key, long amount)
    {
        var kind = key.Split('/')[1];
        return Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","kind":"{{char.ToUpperInvariant(kind[0]) + kind[1..]}}","amountMinorUnits":{{amount}},"currency":"KRW","gateway":"psp","at":"2022-10-15T06:20:00Z"}""");
    }

    private static EventData PaymentEvent(string key, long amount) => new(Guid.NewGuid(), "PaymentRequested", Payment(key, amount));
}
