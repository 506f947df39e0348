using BenchmarkDotNet.Attributes;
using Billing.Resilience.Benchmarks.Support;
using Billing.Resilience.Sqlite;
using Microsoft.Data.Sqlite;

namespace Billing.Resilience.Benchmarks.Appends;

/// <summary>
/// Durable appends on SQLite: 64 concurrent rentals, each appending and awaiting durability (group commit), against
/// the raw Microsoft.Data.Sqlite insert of the same rows into the same schema (same table, constraints and triggers,
/// WAL, synchronous=FULL) in batches of 1,000 rows per transaction. Reported per row. Goal: at least 85% of the
/// baseline's rows per second (Ratio at most 1.18).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class SqliteAppendBenchmarks
{
    private string directory = string.Empty;
    private SqliteJournal journal = null!;
    private SqliteJournal wideJournal = null!;
    private SqliteConnection raw = null!;
    private SqliteCommand insert = null!;
    private AppendWorkload workload = null!;
    private AppendWorkload wideWorkload = null!;
    private int round;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        directory = Directory.CreateTempSubdirectory("billing-bench-sqlite-").FullName;
        journal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = Path.Combine(directory, "journal.db") });
        wideJournal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = Path.Combine(directory, "wide.db"), MaxAppendsPerBatch = AppendWorkload.ManyRentals });

        // The baseline's file: the journal's own schema, created by the journal, then written without it.
        var rawPath = Path.Combine(directory, "raw.db");
        await (await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = rawPath })).DisposeAsync();
        raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = rawPath, Pooling = false }.ToString());
        raw.Open();
        // The journal's own settings, its checkpoint threshold included: the baseline gets every advantage the journal has.
        var checkpoint = FormattableString.Invariant($"PRAGMA wal_autocheckpoint = {new SqliteJournalOptions().CheckpointAfterPages}");
        foreach (var pragma in new[] { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", checkpoint })
        {
            using var command = raw.CreateCommand();
            command.CommandText = pragma;
            command.ExecuteNonQuery();
        }

        insert = raw.CreateCommand();
        insert.CommandText = "INSERT INTO events (stream_id, stream_version, event_id, event_type, payload) VALUES ($stream, $version, $id, $type, $payload)";
        foreach (var name in new[] { "$stream", "$version", "$id", "$type", "$payload" })
        {
            insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        insert.Prepare();
    }

    [IterationSetup]
    public void NextWorkload()
    {
        workload = AppendWorkload.Create("sqlite", round);
        wideWorkload = AppendWorkload.Create("sqlite-wide", round++, AppendWorkload.ManyRentals);
    }

    /// <summary>The baseline: the same rows, raw Microsoft.Data.Sqlite, 1,000 rows per transaction (one fsync each).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = AppendWorkload.Rows, Description = "raw Microsoft.Data.Sqlite, 1,000 rows/tx")]
    public void RawInsert() => Insert(AppendWorkload.BaselineBatch);

    /// <summary>For the analysis: the same rows, raw, 64 rows per transaction, the most one commit can serve when 64
    /// rentals each wait for their own append (what any group commit can at best do at this concurrency).</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "raw Microsoft.Data.Sqlite, 64 rows/tx")]
    public void RawInsert64() => Insert(AppendWorkload.GroupBatch);

    /// <summary>The library: 64 rentals appending at once, every append durable before it returns.</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "SqliteJournal, 64 concurrent rentals")]
    public Task JournalAppend() => workload.AppendConcurrentlyAsync(journal);

    /// <summary>For the analysis: the same number of rows from 1,000 rentals at once (8 appends each), with
    /// MaxAppendsPerBatch = 1,000, so that up to 1,000 appends share a commit.</summary>
    [Benchmark(OperationsPerInvoke = AppendWorkload.Rows, Description = "SqliteJournal, 1,000 concurrent rentals")]
    public Task JournalAppendWide() => wideWorkload.AppendConcurrentlyAsync(wideJournal);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        insert.Dispose();
        await raw.DisposeAsync();
        await journal.DisposeAsync();
        await wideJournal.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private void Insert(int rowsPerTransaction)
    {
        var transaction = default(SqliteTransaction);
        var inBatch = 0;
        foreach (var (stream, version, e) in workload.AllRows())
        {
            if (transaction is null)
            {
                transaction = raw.BeginTransaction(deferred: false);
                insert.Transaction = transaction;
            }

            insert.Parameters[0].Value = stream;
            insert.Parameters[1].Value = version;
            insert.Parameters[2].Value = e.EventId.ToString("D");
            insert.Parameters[3].Value = e.EventType;
            insert.Parameters[4].Value = e.Payload.ToArray();
            insert.ExecuteNonQuery();
            if (++inBatch == rowsPerTransaction)
            {
                transaction.Commit();
                transaction.Dispose();
                transaction = null;
                inBatch = 0;
            }
        }

        transaction?.Commit();
        transaction?.Dispose();
    }
}
