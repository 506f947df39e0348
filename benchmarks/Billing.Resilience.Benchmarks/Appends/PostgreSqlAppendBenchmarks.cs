using BenchmarkDotNet.Attributes;
using Billing.Resilience.Benchmarks.Support;
using Billing.Resilience.PostgreSql;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Resilience.Benchmarks.Appends;

/// <summary>
/// Durable appends on PostgreSQL, 64 concurrent rentals each appending and awaiting its commit, against (a) the raw
/// Npgsql insert of the same rows into the same schema (the journal's table, constraints and triggers, created by the
/// journal) as one 1,000-row <c>unnest</c> statement per transaction, and (b) Marten's event append (one session and
/// one <c>SaveChangesAsync</c> per append, with the expected version) at the same concurrency on the same server.
/// Goals: at least 70% of (a)'s rows per second (Ratio at most 1.43), and at least 10x (b).
/// </summary>
/// <remarks>Needs <c>BILLING_TEST_POSTGRES</c> (<c>eval "$(./eng/postgres.sh start)"</c>). Drops and recreates the
/// schemas bench_journal, bench_raw and bench_marten.</remarks>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class PostgreSqlAppendBenchmarks
{
    private const string RawInsert = """
        INSERT INTO bench_raw.events (stream_id, stream_version, event_id, event_type, payload)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::bytea[])
        """;

    private NpgsqlDataSource dataSource = null!;
    private PostgreSqlJournal journal = null!;
    private PostgreSqlJournal wideJournal = null!;
    private PostgreSqlJournal[] instances = null!;
    private NpgsqlDataSource[] instanceSources = null!;
    private DocumentStore marten = null!;
    private AppendWorkload workload = null!;
    private AppendWorkload wideWorkload = null!;
    private AppendWorkload instancesWorkload = null!;
    private int round;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("BILLING_TEST_POSTGRES")
            ?? throw new InvalidOperationException("BILLING_TEST_POSTGRES is not set: run eval \"$(./eng/postgres.sh start)\" first.");
        dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var drop = dataSource.CreateCommand("DROP SCHEMA IF EXISTS bench_journal CASCADE; DROP SCHEMA IF EXISTS bench_wide CASCADE; DROP SCHEMA IF EXISTS bench_instances CASCADE; DROP SCHEMA IF EXISTS bench_raw CASCADE; DROP SCHEMA IF EXISTS bench_marten CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        journal = await PostgreSqlJournal.OpenAsync(dataSource, new PostgreSqlJournalOptions { Schema = "bench_journal" });
        wideJournal = await PostgreSqlJournal.OpenAsync(dataSource, new PostgreSqlJournalOptions { Schema = "bench_wide", MaxAppendsPerBatch = AppendWorkload.ManyRentals });
        await (await PostgreSqlJournal.OpenAsync(dataSource, new PostgreSqlJournalOptions { Schema = "bench_raw" })).DisposeAsync();
        instanceSources = [.. Enumerable.Range(0, Instances).Select(_ => NpgsqlDataSource.Create(connectionString))];
        instances = new PostgreSqlJournal[Instances];
        for (var i = 0; i < Instances; i++)
        {
            instances[i] = await PostgreSqlJournal.OpenAsync(instanceSources[i], new PostgreSqlJournalOptions { Schema = "bench_instances" });
        }

        marten = DocumentStore.For(options =>
        {
            options.Connection(connectionString);
            options.DatabaseSchemaName = "bench_marten";
            options.Events.StreamIdentity = StreamIdentity.AsString;
            options.AutoCreateSchemaObjects = AutoCreate.All;
        });
        await marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    [IterationSetup]
    public void NextWorkload()
    {
        workload = AppendWorkload.Create("pg", round);
        wideWorkload = AppendWorkload.Create("pg-wide", round, AppendWorkload.ManyRentals);
        instancesWorkload = AppendWorkload.Create("pg-instances", round++);
    }

    /// <summary>The baseline: the same rows, raw Npgsql, one 1,000-row unnest insert per transaction.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = AppendWorkload.Rows, Description = "raw Npgsql unnest, 1,000 rows/tx")]
    public Task RawUnnest() => InsertAsync(AppendWorkload.BaselineBatch);

    /// <summary>For the analysis: the same rows, raw, one 64-row unnest insert per transaction, the most one commit can
    /// serve when 64 rentals each wait for their own append.</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "raw Npgsql unnest, 64 rows/tx")]
    public Task RawUnnest64() => InsertAsync(AppendWorkload.GroupBatch);

    /// <summary>The library: 64 rentals appending at once, every append committed before it returns.</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "PostgreSqlJournal, 64 concurrent rentals")]
    public Task JournalAppend() => workload.AppendConcurrentlyAsync(journal);

    /// <summary>For the analysis: the same number of rows from 1,000 rentals at once (8 appends each), with
    /// MaxAppendsPerBatch = 1,000, so that up to 1,000 appends share a commit.</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "PostgreSqlJournal, 1,000 concurrent rentals")]
    public Task JournalAppendWide() => wideWorkload.AppendConcurrentlyAsync(wideJournal);

    /// <summary>For the analysis: the same 64 rentals spread over 4 instances of the journal (each its own data source
    /// and writer, as 4 backend processes would be), 16 rentals each, all appending to one schema: the instances take
    /// turns at the append lock.</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "PostgreSqlJournal, 4 instances x 16 rentals")]
    public Task JournalAppendFromInstances() => instancesWorkload.AppendConcurrentlyAsync(instances);

    /// <summary>Marten: 64 rentals appending at once, one session and SaveChangesAsync per append, expected version set.</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "Marten event append, 64 concurrent rentals")]
    public Task MartenAppend()
    {
        var rentals = new Task[workload.Streams.Length];
        for (var r = 0; r < workload.Streams.Length; r++)
        {
            rentals[r] = MartenRentalAsync(workload.Streams[r], workload.Events[r].Length, r);
        }

        return Task.WhenAll(rentals);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await journal.DisposeAsync();
        await wideJournal.DisposeAsync();
        foreach (var instance in instances)
        {
            await instance.DisposeAsync();
        }

        foreach (var source in instanceSources)
        {
            await source.DisposeAsync();
        }
        marten.Dispose();
        await dataSource.DisposeAsync();
    }

    private const int Instances = 4;

    private async Task InsertAsync(int rowsPerTransaction)
    {
        var rows = workload.AllRows().ToArray();
        await using var connection = await dataSource.OpenConnectionAsync();
        for (var start = 0; start < rows.Length; start += rowsPerTransaction)
        {
            var batch = rows.AsSpan(start, Math.Min(rowsPerTransaction, rows.Length - start)).ToArray();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand(RawInsert, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(r => r.Stream)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. batch.Select(r => r.Version)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. batch.Select(r => r.Event.EventId)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(r => r.Event.EventType)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. batch.Select(r => r.Event.Payload.ToArray())], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
    }

    private async Task MartenRentalAsync(string stream, int count, int rental)
    {
        await Task.Yield();
        for (var v = 0; v < count; v++)
        {
            await using var session = marten.LightweightSession();
            var e = new DistanceRecorded(
                new DateTimeOffset(2025, 6, 2, 8, v % 60, rental % 60, TimeSpan.Zero), 0.05m + (v % 9 * 0.01m), new DateTimeOffset(2025, 6, 2, 8, v % 60, rental % 60, 500, TimeSpan.Zero));
            if (v == 0)
            {
                session.Events.StartStream(stream, e);
            }
            else
            {
                session.Events.Append(stream, v + 1, e);
            }

            await session.SaveChangesAsync();
        }
    }

    /// <summary>The event Marten appends: the same content as the journal's ~100-byte JSON payload.</summary>
    public sealed record DistanceRecorded(DateTimeOffset At, decimal Kilometres, DateTimeOffset ReceivedAt);
}
