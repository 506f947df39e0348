using BenchmarkDotNet.Attributes;
using Billing.Resilience.Benchmarks.Support;
using Billing.Resilience.Journal;
using Billing.Resilience.Sqlite;
using Billing.Resilience.Testing;
using NodaTime.Testing;

namespace Billing.Resilience.Benchmarks.Settlements;

/// <summary>
/// Settlements per second: one <c>RunOnceAsync</c> settles a backlog of 4,000 ended rentals (one charge each: a
/// durable PaymentRequested, the gateway call, a durable PaymentCompleted) against the in-memory simulated gateway,
/// with no rate limit (100,000 calls/s, the largest allowed; the fake clock keeps the whole run in one second).
/// Reported per settlement. Goal: at least 50,000 settlements/s on SQLite. The baseline is the same run on the
/// in-memory journal: the engine's own cost without storage.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class ReconcileBenchmarks
{
    public const int Backlog = 4_000;

    private SettlementFixture fixture = null!;
    private BillingEngine engine = null!;
    private IJournal journal = null!;

    [Params(8, 64, 256)]
    public int MaxConcurrency { get; set; }

    [GlobalSetup]
    public async Task SetupAsync() => fixture = await SettlementFixture.CreateAsync(Backlog);

    [IterationSetup(Target = nameof(OnInMemory))]
    public void SetupInMemory() => Build(fixture.LoadInMemoryAsync().GetAwaiter().GetResult());

    [IterationSetup(Target = nameof(OnSqlite))]
    public void SetupSqlite() => Build(fixture.OpenCopyAsync().GetAwaiter().GetResult());

    [Benchmark(Baseline = true, OperationsPerInvoke = Backlog, Description = "reconcile, InMemoryJournal")]
    public Task OnInMemory() => SettleAllAsync();

    [Benchmark(OperationsPerInvoke = Backlog, Description = "reconcile, SqliteJournal")]
    public Task OnSqlite() => SettleAllAsync();

    [IterationCleanup]
    public void Cleanup()
    {
        engine.Dispose();
        if (journal is SqliteJournal sqlite)
        {
            sqlite.DisposeAsync().AsTask().GetAwaiter().GetResult();
            SettlementFixture.Delete(sqlite);
        }
    }

    [GlobalCleanup]
    public Task GlobalCleanupAsync() => fixture.DisposeAsync().AsTask();

    private async Task SettleAllAsync()
    {
        var run = await engine.Reconciler.RunOnceAsync();
        if (run.Settled != Backlog || run.GatewayCalls != Backlog)
        {
            throw new InvalidOperationException($"Expected {Backlog} settlements with one call each; the run was {run}.");
        }
    }

    private void Build(IJournal value)
    {
        journal = value;
        var clock = new FakeClock(SettlementFixture.T0 + NodaTime.Duration.FromMinutes(20));
        engine = SettlementFixture.Builder(clock, journal, new SimulatedPaymentGateway("primary", clock), maxConcurrency: MaxConcurrency)
            .BuildAsync().GetAwaiter().GetResult();
        if (engine.Reconciler.Pending != Backlog)
        {
            throw new InvalidOperationException($"Expected {Backlog} pending settlements, found {engine.Reconciler.Pending}.");
        }
    }
}
