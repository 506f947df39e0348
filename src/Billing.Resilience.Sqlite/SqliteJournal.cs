using System.Globalization;
using Billing.Resilience.Journal;
using Billing.Resilience.Storage;
using Microsoft.Data.Sqlite;

namespace Billing.Resilience.Sqlite;

/// <summary>
/// The embedded journal: one SQLite file, the default store for a single instance of the billing backend.
/// </summary>
/// <remarks>
/// <para>Durability: the file is in WAL mode with <c>synchronous=FULL</c> (both read back and asserted when the
/// journal opens), so an append's task completes only after its transaction's WAL frames were fsynced. A crash at any
/// point loses no acknowledged append.</para>
/// <para>Group commit: appends from all callers go through a bounded queue to a single writer, which commits what is
/// waiting (up to <see cref="SqliteJournalOptions.MaxAppendsPerBatch"/> appends) in one transaction, so one fsync
/// serves many callers. An append that conflicts (or breaks a database constraint) fails alone; the others of its
/// batch are committed (after a constraint error the batch is rolled back and written again, one append per savepoint). Reads use their own connections and never wait for the writer.</para>
/// <para>Behaves exactly like <see cref="InMemoryJournal"/> (the same conformance suite runs against both), and
/// additionally refuses, with <see cref="InvariantViolationException"/>, what the database constraints forbid: an event
/// id already in its stream, a <c>PaymentRequested</c> event whose idempotency key was used before or whose amount is
/// negative.</para>
/// </remarks>
public sealed class SqliteJournal : IJournal, IAsyncDisposable
{
    private const int SqliteConstraint = 19;

    private readonly string readerConnectionString;
    private readonly SqliteConnection writer;
    private readonly SqliteCommand versionCommand;
    private readonly SqliteCommand rangeCommand;
    private readonly SqliteCommand insertCommand;
    private readonly SqliteCommand insertFirstCommand;
    private readonly AppendQueue queue;
    private Exception? stoppedBy;
    private long transactions;
    private long committedAppends;
    private int disposed;

    private SqliteJournal(string path, string readerConnectionString, SqliteConnection writer, IReadOnlyDictionary<string, string> settings, SqliteJournalOptions options)
    {
        Path = path;
        Settings = settings;
        this.readerConnectionString = readerConnectionString;
        this.writer = writer;
        versionCommand = Prepare("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = $stream", "$stream");
        rangeCommand = Prepare(
            "SELECT event_id, global_position FROM events WHERE stream_id = $stream AND stream_version > $after AND stream_version <= $last ORDER BY stream_version",
            "$stream",
            "$after",
            "$last");
        insertCommand = Prepare(
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ($stream, $version, $id, $type, $payload) RETURNING global_position",
            "$stream",
            "$version",
            "$id",
            "$type",
            "$payload");
        // An append's first event, with its expected version checked in the same statement: no row when the stream's
        // last version is not $version - 1 (then, and only then, the version is read to tell a replay from a conflict).
        insertFirstCommand = Prepare(
            "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) SELECT $stream, $version, $id, $type, $payload "
            + "WHERE (SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = $stream) = $version - 1 RETURNING global_position",
            "$stream",
            "$version",
            "$id",
            "$type",
            "$payload");
        queue = new AppendQueue(options.MaxPendingAppends, options.MaxAppendsPerBatch, options.MaxEventsPerBatch, WriteBatch, nameof(SqliteJournal), yieldAfterBatch: false);
        queue.Start();
    }

    /// <summary>Gets the newest schema version this version of the package knows and writes.</summary>
    public static int SchemaVersion => SqliteSchema.LatestVersion;

    /// <summary>Gets the full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Gets the writer connection's settings as SQLite reported them after they were set (journal_mode, synchronous, ...).</summary>
    internal IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Gets or sets what the writer runs on its connection at the start of each transaction it begins (a batch
    /// written again after a constraint error begins a second one): a fault injection point for tests (null in production).</summary>
    internal Action<SqliteConnection>? BeforeBatch { get; set; }

    /// <summary>Gets the number of write transactions committed since the journal opened (group commit: fewer than appends).</summary>
    internal long Transactions => Interlocked.Read(ref transactions);

    /// <summary>Gets the number of appends committed since the journal opened (idempotent replays and refusals included).</summary>
    internal long CommittedAppends => Interlocked.Read(ref committedAppends);

    /// <summary>
    /// Opens (or creates) the journal file: validates the options, sets and asserts WAL mode, <c>synchronous=FULL</c>,
    /// foreign keys, the busy timeout and the checkpoint threshold, applies the schema scripts the file has not seen yet, and starts the writer.
    /// </summary>
    /// <exception cref="InvalidInputException">The options are invalid; every problem is listed.</exception>
    /// <exception cref="SqliteSchemaTooNewException">The file was written by a newer version of this package.</exception>
    /// <exception cref="InvalidOperationException">SQLite refused a setting the journal's durability depends on.</exception>
    public static Task<SqliteJournal> OpenAsync(SqliteJournalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new SqliteJournalOptionsValidator().Validate(options).Errors
            .Select(f => new ValidationError("SqliteJournal." + f.PropertyName, f.ErrorCode, f.ErrorMessage))
            .ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidInputException(errors);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Task.Run(() => Open(options), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        JournalRules.CheckAppend(streamId, events);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (Volatile.Read(ref stoppedBy) is { } failure)
        {
            throw Stopped(failure);
        }

        return queue.EnqueueAsync(new PendingAppend(streamId, expectedVersion, JournalRules.Snapshot(events)), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT stream_id, stream_version, global_position, event_id, event_type, payload FROM events WHERE stream_id = $stream ORDER BY stream_version";
        command.Parameters.AddWithValue("$stream", streamId);
        return ValueTask.FromResult(ReadEvents(command));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        JournalRules.CheckReadAll(afterPosition, maxCount);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT stream_id, stream_version, global_position, event_id, event_type, payload FROM events WHERE global_position > $after ORDER BY global_position LIMIT $max";
        command.Parameters.AddWithValue("$after", afterPosition);
        command.Parameters.AddWithValue("$max", maxCount);
        return ValueTask.FromResult(ReadEvents(command));
    }

    /// <summary>Stops taking appends, commits every append already queued, and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await queue.CompleteAsync().ConfigureAwait(false);
        versionCommand.Dispose();
        rangeCommand.Dispose();
        insertCommand.Dispose();
        insertFirstCommand.Dispose();
        using (var pooled = new SqliteConnection(readerConnectionString))
        {
            SqliteConnection.ClearPool(pooled);
        }

        // The writer closes last: the last connection to close checkpoints the WAL into the file.
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    private static SqliteJournal Open(SqliteJournalOptions options)
    {
        var path = System.IO.Path.GetFullPath(options.Path);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        var writer = new SqliteConnection(builder.ToString());
        try
        {
            writer.Open();
            var settings = Configure(writer, path, options.BusyTimeout, options.CheckpointAfterPages);
            SqliteSchema.Migrate(writer, path);
            builder.Mode = SqliteOpenMode.ReadWrite;
            builder.Pooling = true;
            return new SqliteJournal(path, builder.ToString(), writer, settings, options);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Sets what durability depends on and reads each setting back: a journal that cannot have them refuses to run.</summary>
    /// <returns>The settings as read back.</returns>
    internal static IReadOnlyDictionary<string, string> Configure(SqliteConnection connection, string path, TimeSpan busyTimeout, int checkpointAfterPages)
    {
        var version = Scalar(connection, "SELECT sqlite_version()");
        if (!Version.TryParse(version, out var parsed) || parsed < new Version(3, 37, 0))
        {
            throw new InvalidOperationException($"The SQLite journal needs SQLite 3.37 or later (STRICT tables, JSON functions); '{path}' is opened with SQLite {version}.");
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["sqlite_version"] = version };
        settings["journal_mode"] = Scalar(connection, "PRAGMA journal_mode = WAL");
        Require(path, "journal_mode", "wal", settings["journal_mode"], "WAL needs a file on a local disk (not :memory:, not a network share) and a file system with shared memory");
        Scalar(connection, "PRAGMA synchronous = FULL");
        settings["synchronous"] = Scalar(connection, "PRAGMA synchronous");
        Require(path, "synchronous", "2", settings["synchronous"], "without it, a power cut can lose committed appends");
        Scalar(connection, "PRAGMA fullfsync = ON");
        settings["fullfsync"] = Scalar(connection, "PRAGMA fullfsync");
        Scalar(connection, "PRAGMA foreign_keys = ON");
        settings["foreign_keys"] = Scalar(connection, "PRAGMA foreign_keys");
        Require(path, "foreign_keys", "1", settings["foreign_keys"], "the payment keys reference their events");
        var milliseconds = (long)Math.Ceiling(busyTimeout.TotalMilliseconds);
        Scalar(connection, FormattableString.Invariant($"PRAGMA busy_timeout = {milliseconds}"));
        settings["busy_timeout"] = Scalar(connection, "PRAGMA busy_timeout");
        Require(path, "busy_timeout", milliseconds.ToString(CultureInfo.InvariantCulture), settings["busy_timeout"], "without it, a concurrent reader or checkpoint fails appends at once");
        var pages = checkpointAfterPages.ToString(CultureInfo.InvariantCulture);
        Scalar(connection, "PRAGMA wal_autocheckpoint = " + pages);
        settings["wal_autocheckpoint"] = Scalar(connection, "PRAGMA wal_autocheckpoint");
        Require(path, "wal_autocheckpoint", pages, settings["wal_autocheckpoint"], "without it, the write-ahead log is checkpointed at another size than configured (CheckpointAfterPages)");
        return settings;
    }

    private static void Require(string path, string pragma, string expected, string actual, string why)
    {
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The SQLite journal needs {pragma}={expected}, but '{path}' reports {pragma}={actual} after it was set: {why}. The journal refuses to run without it.");
        }
    }

    private static string Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? string.Empty;
    }

    private static IReadOnlyList<RecordedEvent> ReadEvents(SqliteCommand command)
    {
        var result = new List<RecordedEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new RecordedEvent(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.GetInt64(2),
                Guid.Parse(reader.GetString(3)),
                reader.GetString(4),
                reader.GetFieldValue<byte[]>(5)));
        }

        return result;
    }

    /// <summary>True for errors after which SQLite may have rolled back on its own and the file's state is in doubt:
    /// out of memory, I/O error, corruption, disk full, cannot open, not a database. Not for a lock held too long
    /// (busy) or a constraint: nothing was written then, and the next batch may succeed.</summary>
    private static bool IsStorageFailure(Exception exception)
        => exception is IOException or SqliteException { SqliteErrorCode: 7 or 10 or 11 or 13 or 14 or 26 };

    private InvalidOperationException Stopped(Exception failure)
        => new($"The SQLite journal '{Path}' stopped accepting appends after a storage failure ({failure.Message}): what is on disk is no longer known to this process. Reopen the journal (SQLite recovers the file on open) and retry with the same expected versions; appends that did commit are recognised as idempotent replays.", failure);

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(readerConnectionString);
        connection.Open();
        return connection;
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = writer.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    /// <summary>
    /// The writer: one transaction for the batch, one commit, then every caller's outcome. An append that conflicts
    /// writes nothing (its first insert checks the version). When an append breaks a database constraint, part of it
    /// may be written: the whole transaction is rolled back and the batch written again one append at a time, each in a
    /// savepoint, so that append fails alone and the others commit.
    /// </summary>
    private Task WriteBatch(IReadOnlyList<PendingAppend> batch)
    {
        if (Volatile.Read(ref stoppedBy) is { } failure)
        {
            foreach (var append in batch)
            {
                append.Fail(Stopped(failure));
            }

            return Task.CompletedTask;
        }

        var outcomes = new Outcome[batch.Count];
        var transaction = default(SqliteTransaction);
        var committing = false;
        try
        {
            transaction = Begin();
            if (!TryWriteAll(batch, outcomes))
            {
                transaction.Rollback();
                transaction.Dispose();
                transaction = Begin();
                WriteEachInSavepoint(transaction, batch, outcomes);
            }

            committing = true;
            transaction.Commit();
        }
#pragma warning disable CA1031 // Every caller of the batch gets the failure; a storage failure stops the journal.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (committing || IsStorageFailure(ex))
            {
                Interlocked.CompareExchange(ref stoppedBy, ex, null);
            }

            DisposeQuietly(transaction);
            foreach (var append in batch)
            {
                append.Fail(ex);
            }

            return Task.CompletedTask;
        }

        transaction.Dispose();
        Interlocked.Increment(ref transactions);
        Interlocked.Add(ref committedAppends, batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                batch[i].Fail(error);
            }
            else
            {
                batch[i].Succeed(outcomes[i].Result!);
            }
        }

        return Task.CompletedTask;
    }

    private SqliteTransaction Begin()
    {
        var transaction = writer.BeginTransaction(deferred: false);
        versionCommand.Transaction = transaction;
        rangeCommand.Transaction = transaction;
        insertCommand.Transaction = transaction;
        insertFirstCommand.Transaction = transaction;
        BeforeBatch?.Invoke(writer);
        return transaction;
    }

    /// <summary>Every append of the batch, no savepoints; false at the first constraint error (the transaction must then be rolled back).</summary>
    private bool TryWriteAll(IReadOnlyList<PendingAppend> batch, Outcome[] outcomes)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                outcomes[i] = AppendOne(batch[i]);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The fallback after a constraint error: each append in its own savepoint, so a refused one leaves nothing behind.</summary>
    private void WriteEachInSavepoint(SqliteTransaction transaction, IReadOnlyList<PendingAppend> batch, Outcome[] outcomes)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            transaction.Save("append");
            try
            {
                outcomes[i] = AppendOne(batch[i]);
                transaction.Release("append");
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                transaction.Rollback("append");
                transaction.Release("append");
                outcomes[i] = new Outcome(null, new InvariantViolationException($"The SQLite journal refused the append to '{batch[i].StreamId}': {ex.Message}"));
            }
        }
    }

    /// <summary>One append, inside the batch's transaction: the same rules as <see cref="InMemoryJournal"/>.</summary>
    private Outcome AppendOne(PendingAppend append)
    {
        var expected = append.Expected;
        var events = append.Events;
        long actual;
        long position;
        if (expected.IsAny)
        {
            actual = ReadVersion(append.StreamId);
            position = Insert(insertCommand, append.StreamId, actual + 1, events[0]);
        }
        else
        {
            // The common case: one statement checks the version and inserts the first event.
            actual = expected.Value;
            var inserted = InsertChecked(append.StreamId, actual + 1, events[0]);
            if (inserted is not { } first)
            {
                actual = ReadVersion(append.StreamId);
                return TryReplay(append, actual, out var replayed)
                    ? new Outcome(replayed, null)
                    : new Outcome(null, new ConcurrencyConflictException(append.StreamId, expected, actual));
            }

            position = first;
        }

        for (var i = 1; i < events.Length; i++)
        {
            position = Insert(insertCommand, append.StreamId, actual + i + 1, events[i]);
        }

        return new Outcome(new AppendResult(actual + events.Length, position), null);
    }

    private long ReadVersion(string streamId)
    {
        versionCommand.Parameters[0].Value = streamId;
        return (long)versionCommand.ExecuteScalar()!;
    }

    private long? InsertChecked(string streamId, long version, PendingEvent data)
    {
        SetInsert(insertFirstCommand, streamId, version, data);
        return insertFirstCommand.ExecuteScalar() is long position ? position : null;
    }

    private static long Insert(SqliteCommand command, string streamId, long version, PendingEvent data)
    {
        SetInsert(command, streamId, version, data);
        return (long)command.ExecuteScalar()!;
    }

    private static void SetInsert(SqliteCommand command, string streamId, long version, PendingEvent data)
    {
        command.Parameters[0].Value = streamId;
        command.Parameters[1].Value = version;
        command.Parameters[2].Value = data.EventId.ToString("D");
        command.Parameters[3].Value = data.EventType;
        command.Parameters[4].Value = data.Payload;
    }

    /// <summary>True when the append's events are exactly the ones stored right after its expected version: the same
    /// result as the first time, nothing written.</summary>
    private bool TryReplay(PendingAppend append, long actual, out AppendResult result)
    {
        result = null!;
        var expected = append.Expected.Value;
        var events = append.Events;
        if (expected + events.Length > actual)
        {
            return false;
        }

        rangeCommand.Parameters[0].Value = append.StreamId;
        rangeCommand.Parameters[1].Value = expected;
        rangeCommand.Parameters[2].Value = expected + events.Length;
        using var reader = rangeCommand.ExecuteReader();
        var i = 0;
        var position = 0L;
        while (reader.Read())
        {
            if (i >= events.Length || Guid.Parse(reader.GetString(0)) != events[i].EventId)
            {
                return false;
            }

            position = reader.GetInt64(1);
            i++;
        }

        if (i != events.Length)
        {
            return false;
        }

        result = new AppendResult(expected + events.Length, position);
        return true;
    }

    private static void DisposeQuietly(SqliteTransaction? transaction)
    {
        try
        {
            transaction?.Dispose();
        }
        catch (SqliteException)
        {
            // SQLite has already rolled the transaction back (it does so itself after I/O errors).
        }
    }

    private readonly record struct Outcome(AppendResult? Result, Exception? Error);
}
