using System.Text;
using BenchmarkDotNet.Attributes;
using Billing.Resilience.Benchmarks.Support;
using Billing.Resilience.Journal;
using Billing.Resilience.Sqlite;
using Microsoft.Data.Sqlite;

namespace Billing.Resilience.Benchmarks.Appends;

/// <summary>
/// A durable append to a long stream against the same append to a short one, on SQLite: a car-sharing rental with
/// telemetry every 10 seconds for a day has 8,640 events. Each invocation makes <see cref="Appends"/> appends of one
/// <c>DistanceRecorded</c> event, one after the other, each awaited (one commit and fsync each): to a rental that holds
/// <see cref="LongStream"/> events, or to <see cref="Appends"/> rentals of <see cref="ShortStream"/> events each
/// (the baseline). Goal: the same cost (Ratio about 1): what the journal checks per event must not grow with the stream.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class LongStreamAppendBenchmarks
{
    /// <summary>Appends per invocation.</summary>
    public const int Appends = 200;

    /// <summary>Events in the long rental before the first invocation (it grows by <see cref="Appends"/> per invocation).</summary>
    public const int LongStream = 10_000;

    /// <summary>Events in each short rental before its append.</summary>
    public const int ShortStream = 10;

    private string directory = string.Empty;
    private SqliteJournal journal = null!;
    private long longVersion;
    private int round;
    private string[] shortStreams = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        directory = Directory.CreateTempSubdirectory("billing-bench-long-").FullName;
        journal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = Path.Combine(directory, "journal.db") });
        for (var written = 0; written < LongStream; written += 500)
        {
            var events = Enumerable.Range(written + 1, 500).Select(Distance).ToArray();
            longVersion = (await journal.AppendAsync("car-long", ExpectedVersion.Exactly(written), events)).NextExpectedVersion;
        }
    }

    /// <summary>Fresh short rentals for the next invocation, written before it is timed.</summary>
    [IterationSetup(Target = nameof(AppendToShortStreams))]
    public void CreateShortStreams()
    {
        shortStreams = Enumerable.Range(0, Appends).Select(i => FormattableString.Invariant($"car-short-{round}-{i}")).ToArray();
        round++;
        foreach (var stream in shortStreams)
        {
            journal.AppendAsync(stream, ExpectedVersion.NoStream, Enumerable.Range(1, ShortStream).Select(Distance).ToArray()).AsTask().GetAwaiter().GetResult();
        }

        Checkpoint();
    }

    /// <summary>Before each invocation of either benchmark, the write-ahead log is copied into the file and emptied, so that
    /// no invocation pays for a checkpoint the setup's writes brought on.</summary>
    [IterationSetup(Target = nameof(AppendToLongStream))]
    public void Checkpoint()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal.Path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        command.ExecuteNonQuery();
    }

    /// <summary>The baseline: one append each to <see cref="Appends"/> rentals of <see cref="ShortStream"/> events.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Appends, Description = "append to a rental of 10 events")]
    public async Task AppendToShortStreams()
    {
        foreach (var stream in shortStreams)
        {
            await journal.AppendAsync(stream, ExpectedVersion.Exactly(ShortStream), [Distance(ShortStream + 1)]).ConfigureAwait(false);
        }
    }

    /// <summary><see cref="Appends"/> appends to the one rental of <see cref="LongStream"/> events and more.</summary>
    [Benchmark(OperationsPerInvoke = Appends, Description = "append to a rental of 10,000+ events")]
    public async Task AppendToLongStream()
    {
        for (var i = 0; i < Appends; i++)
        {
            longVersion = (await journal.AppendAsync("car-long", ExpectedVersion.Exactly(longVersion), [Distance((int)longVersion + 1)]).ConfigureAwait(false)).NextExpectedVersion;
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await journal.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static EventData Distance(int version)
        => new(Guid.NewGuid(), "DistanceRecorded", Encoding.UTF8.GetBytes(FormattableString.Invariant(
            $$"""{"at":"2025-06-02T08:{{version / 6 % 60:00}}:{{version % 6 * 10:00}}Z","kilometres":0.05,"receivedAt":"2025-06-02T08:{{version / 6 % 60:00}}:{{version % 6 * 10:00}}.5Z"}""")));
}
