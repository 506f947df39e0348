using System.Data;
using System.Globalization;
using Billing.Resilience.Journal;
using Billing.Resilience.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Resilience.PostgreSql;

/// <summary>
/// The journal for operators that run several instances of their backend: one PostgreSQL schema shared by all of them.
/// </summary>
/// <remarks>
/// <para>Durability: an append's task completes after PostgreSQL committed its transaction. The journal refuses to
/// run against a server with <c>fsync=off</c> and refuses to append in a session with <c>synchronous_commit=off</c>.</para>
/// <para>Ordering: every insert takes one transaction-scoped advisory lock before it draws positions, so global
/// positions are in commit order across all instances, and following <see cref="ReadAllAsync"/> from a checkpoint
/// never skips an event that commits late.</para>
/// <para>Group commit: each instance queues its appends (bounded) to a single writer, which sends what is waiting
/// (up to <see cref="PostgreSqlJournalOptions.MaxAppendsPerBatch"/> appends) in two round trips, set-based (the streams'
/// versions, then one insert of every accepted event, committed in the same round trip; the append lock is held only
/// from the insert to its commit). A conflicting append fails alone; an append that breaks a database constraint fails
/// alone too, and so does an append that raced another instance's append to its stream: the batch is then written again
/// one append at a time, each under the append lock before its stream's version is read.</para>
/// <para>Behaves exactly like <see cref="InMemoryJournal"/> (the same conformance suite runs against both), and
/// additionally refuses, with <see cref="InvariantViolationException"/>, what the database constraints forbid: an event
/// id already in the journal, a <c>PaymentRequested</c> event whose idempotency key was used before or whose amount is
/// negative.</para>
/// </remarks>
public sealed class PostgreSqlJournal : IJournal, IAsyncDisposable
{
    private static readonly Version MinimumServerVersion = new(12, 0);

    private readonly NpgsqlDataSource dataSource;
    private readonly string versionsSql;
    private readonly string replaySql;
    private readonly string insertSql;
    private readonly string readStreamSql;
    private readonly string readAllSql;
    private readonly AppendQueue queue;
    private long transactions;
    private long committedAppends;
    private int disposed;

    private PostgreSqlJournal(NpgsqlDataSource dataSource, PostgreSqlJournalOptions options)
    {
        this.dataSource = dataSource;
        Schema = options.Schema;
        versionsSql = VersionsSql(Schema);
        replaySql = $"SELECT e.stream_id, e.stream_version, e.event_id, e.global_position FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r (stream_id, after_version, to_version) JOIN {Schema}.events e ON e.stream_id = r.stream_id AND e.stream_version > r.after_version AND e.stream_version <= r.to_version";
        insertSql = $"INSERT INTO {Schema}.events (stream_id, stream_version, event_id, event_type, payload) SELECT r.stream_id, r.stream_version, r.event_id, r.event_type, r.payload FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::bytea[]) WITH ORDINALITY AS r (stream_id, stream_version, event_id, event_type, payload, n) ORDER BY r.n RETURNING stream_id, stream_version, global_position";
        const string Columns = "stream_id, stream_version, global_position, event_id, event_type, payload";
        readStreamSql = $"SELECT {Columns} FROM {Schema}.events WHERE stream_id = $1 ORDER BY stream_version";
        readAllSql = $"SELECT {Columns} FROM {Schema}.events WHERE global_position > $1 ORDER BY global_position LIMIT $2";
        queue = new AppendQueue(options.MaxPendingAppends, options.MaxAppendsPerBatch, options.MaxEventsPerBatch, WriteBatchAsync, nameof(PostgreSqlJournal), yieldAfterBatch: true);
        queue.Start();
    }

    /// <summary>Gets the newest schema version this version of the package knows and writes.</summary>
    public static int SchemaVersion => PostgreSqlSchema.LatestVersion;

    /// <summary>Gets the schema that holds the journal.</summary>
    public string Schema { get; }

    /// <summary>
    /// The current version of each stream in <c>$1</c> (streams without events are left out): one backward step into
    /// the <c>(stream_id, stream_version)</c> index per stream, whatever the stream's length. (Not <c>max(...) ...
    /// GROUP BY</c>: PostgreSQL reads every row of every stream for that, so an append to a long rental would cost time
    /// in proportion to its length.)
    /// </summary>
    internal static string VersionsSql(string schema)
        => $"SELECT s.stream_id, last.stream_version FROM unnest($1::text[]) AS s (stream_id) CROSS JOIN LATERAL (SELECT e.stream_version FROM {schema}.events e WHERE e.stream_id = s.stream_id ORDER BY e.stream_version DESC LIMIT 1) AS last";

    /// <summary>Gets the key of the advisory lock every insert into the journal takes (tests hold it to form batches).</summary>
    internal long AppendLockKey => PostgreSqlSchema.AppendLockKey(Schema);

    /// <summary>Gets or sets what runs after a batch read its streams' versions without the append lock and before it
    /// writes (tests: another instance appends in between).</summary>
    internal Func<Task>? AfterVersionsRead { get; set; }

    /// <summary>Gets the number of write transactions committed by this instance (group commit: fewer than appends).</summary>
    internal long Transactions => Interlocked.Read(ref transactions);

    /// <summary>Gets the number of appends this instance committed (idempotent replays and refusals included).</summary>
    internal long CommittedAppends => Interlocked.Read(ref committedAppends);

    /// <summary>
    /// Opens the journal: validates the options, checks the server's durability settings, creates or migrates the
    /// schema (under an advisory lock, so instances may start together) and starts this instance's writer.
    /// </summary>
    /// <param name="dataSource">Where the database is; the journal does not dispose it.</param>
    /// <param name="options">The schema and batching options; the defaults when null.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="InvalidInputException">The options are invalid; every problem is listed.</exception>
    /// <exception cref="PostgreSqlSchemaTooNewException">The schema was written by a newer version of this package.</exception>
    /// <exception cref="InvalidOperationException">The server runs without what the journal's durability depends on.</exception>
    public static async Task<PostgreSqlJournal> OpenAsync(NpgsqlDataSource dataSource, PostgreSqlJournalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options ??= new PostgreSqlJournalOptions();
        var errors = new PostgreSqlJournalOptionsValidator().Validate(options).Errors
            .Select(f => new ValidationError("PostgreSqlJournal." + f.PropertyName, f.ErrorCode, f.ErrorMessage))
            .ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidInputException(errors);
        }

        await CheckServerAsync(dataSource, cancellationToken).ConfigureAwait(false);
        await PostgreSqlSchema.MigrateAsync(dataSource, options.Schema, targetVersion: null, cancellationToken).ConfigureAwait(false);
        return new PostgreSqlJournal(dataSource, options);
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        JournalRules.CheckAppend(streamId, events);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return queue.EnqueueAsync(new PendingAppend(streamId, expectedVersion, JournalRules.Snapshot(events)), cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await using var command = dataSource.CreateCommand(readStreamSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return await ReadEventsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        JournalRules.CheckReadAll(afterPosition, maxCount);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await using var command = dataSource.CreateCommand(readAllSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        return await ReadEventsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leases on rentals in this journal's schema, for several instances settling one backlog (see <see cref="PostgreSqlSettlementClaims"/>).</summary>
    public PostgreSqlSettlementClaims CreateSettlementClaims() => new(dataSource, Schema);

    /// <summary>Stops taking appends and commits every append already queued. The data source stays open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await queue.CompleteAsync().ConfigureAwait(false);
    }

    private static async Task CheckServerAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (connection.PostgreSqlVersion < MinimumServerVersion)
        {
            throw new InvalidOperationException($"The PostgreSQL journal needs PostgreSQL {MinimumServerVersion.Major} or later; the server is {connection.PostgreSqlVersion}.");
        }

        await using var command = new NpgsqlCommand("SELECT current_setting('fsync'), current_setting('synchronous_commit')", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var fsync = reader.GetString(0);
        var synchronousCommit = reader.GetString(1);
        if (!string.Equals(fsync, "on", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The PostgreSQL journal needs fsync=on, but the server reports fsync={fsync}: a crash of the server or of its machine could lose acknowledged appends. The journal refuses to run without it.");
        }

        if (string.Equals(synchronousCommit, "off", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The PostgreSQL journal needs synchronous_commit other than off (the session reports off): a commit could be acknowledged before it is durable. Remove the setting from the role, database or connection string (Options=-c synchronous_commit=...).");
        }
    }

    private static async Task<IReadOnlyList<RecordedEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<RecordedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new RecordedEvent(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.GetInt64(2),
                reader.GetGuid(3),
                reader.GetString(4),
                reader.GetFieldValue<byte[]>(5)));
        }

        return result;
    }

    private static Exception Refusal(PendingAppend append, Exception exception)
        => exception is PostgresException { SqlState: var state } postgres && (state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal))
            ? new InvariantViolationException(string.Create(CultureInfo.InvariantCulture, $"The PostgreSQL journal refused the append to '{append.StreamId}': {postgres.MessageText} ({postgres.SqlState}{(postgres.ConstraintName is { } name ? ", constraint " + name : string.Empty)})."))
            : exception;

    /// <summary>The writer: the batch in one transaction, decided from versions read without the append lock. When a
    /// statement fails, PostgreSQL has rolled the whole transaction back: a row broke a constraint, or another instance
    /// appended to one of the batch's streams after its versions were read (the insert's version checks refuse the
    /// row). Every append is then written again alone, under the append lock taken before its stream's version is read,
    /// so only a culprit fails, and a race is decided again from versions that cannot change.</summary>
    private async Task WriteBatchAsync(IReadOnlyList<PendingAppend> batch)
    {
        Outcome[] outcomes;
        try
        {
            outcomes = await ExecuteAsync(batch, underAppendLock: false).ConfigureAwait(false);
        }
        catch (PostgresException)
        {
            foreach (var append in batch)
            {
                try
                {
                    Complete(append, (await ExecuteAsync([append], underAppendLock: true).ConfigureAwait(false))[0]);
                }
#pragma warning disable CA1031 // The append's caller gets the failure.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    append.Fail(Refusal(append, ex));
                }
            }

            return;
        }
#pragma warning disable CA1031 // Every caller of the batch gets the failure (outcome unknown when the connection broke during COMMIT).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var append in batch)
            {
                append.Fail(Refusal(append, ex));
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            Complete(batch[i], outcomes[i]);
        }
    }

    private static void Complete(PendingAppend append, Outcome outcome)
    {
        if (outcome.Error is { } error)
        {
            append.Fail(error);
        }
        else
        {
            append.Succeed(outcome.Result!);
        }
    }

    /// <summary>
    /// The batch, set-based, in two round trips: (1) the session's durability setting and the current version of every
    /// stream in the batch; then every decision is made here, in batch order, by the rules of <c>append_events</c> (an
    /// append sees the appends before it in the batch); (2) the stored events of the possible idempotent replays, and one
    /// <c>INSERT ... SELECT FROM unnest(...)</c> of every accepted event, whose trigger takes the append lock, in one
    /// transaction that PostgreSQL commits at the end of the round trip (the batch's implicit transaction). The
    /// database's own checks (contiguous versions, unique event ids and payment keys) still run on every row, so a
    /// version read before another instance's append was committed fails the whole batch rather than a row.
    /// </summary>
    /// <param name="batch">The appends.</param>
    /// <param name="underAppendLock">Takes the append lock before reading the versions, in an explicit transaction
    /// (three round trips): no other instance can append in between, so a refused row is the append's own fault.</param>
    private async Task<Outcome[]> ExecuteAsync(IReadOnlyList<PendingAppend> batch, bool underAppendLock)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = underAppendLock ? await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted).ConfigureAwait(false) : null;

        var streams = batch.Select(a => a.StreamId).Distinct(StringComparer.Ordinal).ToArray();
        var stored = await ReadVersionsAsync(connection, transaction, streams).ConfigureAwait(false);
        if (transaction is null && AfterVersionsRead is { } hook)
        {
            await hook().ConfigureAwait(false);
        }

        var plan = BatchPlan.Make(batch, stored);

        var forceDurability = transaction is null && plan.Rows.Count > 0;
        await using (var command = new NpgsqlBatch(connection, transaction))
        {
            if (forceDurability)
            {
                // Round trip 1 checked this session; behind a pooler in transaction mode, this round trip may run in
                // another one. A commit of the batch's implicit transaction is durable either way.
                command.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('synchronous_commit', 'on', true) WHERE current_setting('synchronous_commit') = 'off'"));
            }

            if (plan.ReplayStreams.Count > 0)
            {
                var replays = new NpgsqlBatchCommand(replaySql);
                replays.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = plan.ReplayStreams.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                replays.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = plan.ReplayFrom.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                replays.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = plan.ReplayTo.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                command.BatchCommands.Add(replays);
            }

            if (plan.Rows.Count > 0)
            {
                var insert = new NpgsqlBatchCommand(insertSql);
                insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = plan.Rows.Select(r => r.StreamId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = plan.Rows.Select(r => r.Version).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
                insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = plan.Rows.Select(r => r.Event.EventId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
                insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = plan.Rows.Select(r => r.Event.EventType).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = plan.Rows.Select(r => r.Event.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                command.BatchCommands.Add(insert);
            }

            if (command.BatchCommands.Count > 0)
            {
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                if (forceDurability)
                {
                    await reader.NextResultAsync().ConfigureAwait(false);
                }

                if (plan.ReplayStreams.Count > 0)
                {
                    while (await reader.ReadAsync().ConfigureAwait(false))
                    {
                        plan.Stored(reader.GetString(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetInt64(3));
                    }

                    await reader.NextResultAsync().ConfigureAwait(false);
                }

                if (plan.Rows.Count > 0)
                {
                    while (await reader.ReadAsync().ConfigureAwait(false))
                    {
                        plan.Inserted(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
                    }
                }

                // To the end of the round trip: without an explicit transaction, that is where PostgreSQL commits, and
                // only reading it says whether the commit happened. (Disposing the reader would read it too, but
                // swallows a timeout: a batch whose commit outlasted the command timeout, and was then cancelled,
                // was acknowledged.)
                while (await reader.NextResultAsync().ConfigureAwait(false))
                {
                }
            }
        }

        var outcomes = plan.Outcomes().Select(o => new Outcome(o.Result, o.Error)).ToArray();
        if (transaction is not null)
        {
            await transaction.CommitAsync().ConfigureAwait(false);
        }

        Interlocked.Increment(ref transactions);
        Interlocked.Add(ref committedAppends, batch.Count);
        return outcomes;
    }

    /// <summary>Round trip 1: refuses a session with <c>synchronous_commit=off</c>, takes the append lock (held to the
    /// commit) when in <paramref name="transaction"/>, and reads the streams' versions.</summary>
    private async Task<Dictionary<string, long>> ReadVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] streams)
    {
        await using var command = new NpgsqlBatch(connection, transaction);
        command.BatchCommands.Add(new NpgsqlBatchCommand("SELECT current_setting('synchronous_commit')"));
        if (transaction is not null)
        {
            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)");
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AppendLockKey });
            command.BatchCommands.Add(lockCommand);
        }

        var versions = new NpgsqlBatchCommand(versionsSql);
        versions.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streams, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.BatchCommands.Add(versions);

        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        await reader.ReadAsync().ConfigureAwait(false);
        if (string.Equals(reader.GetString(0), "off", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The journal does not append with synchronous_commit = off: an acknowledged append could be lost in a crash. Remove the setting from the role, database or connection string.");
        }

        await reader.NextResultAsync().ConfigureAwait(false);
        if (transaction is not null)
        {
            await reader.NextResultAsync().ConfigureAwait(false);
        }

        var stored = new Dictionary<string, long>(streams.Length, StringComparer.Ordinal);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            stored[reader.GetString(0)] = reader.GetInt64(1);
        }

        return stored;
    }

    private readonly record struct Outcome(AppendResult? Result, Exception? Error);
}
