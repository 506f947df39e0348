using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Sqlite;
using Billing.Resilience.Testing;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Benchmarks.Settlements;

/// <summary>
/// Ended rentals waiting for settlement, made once through the engine's own API and kept as a SQLite journal file
/// (the template); every measurement opens a fresh copy of it, so each one settles the same backlog from scratch.
/// </summary>
internal sealed class SettlementFixture : IAsyncDisposable
{
    public static readonly Instant T0 = Instant.FromUtc(2025, 6, 2, 8, 0);

    /// <summary>1,000 KRW to unlock, then 180 KRW per started minute; every rental rides 12 minutes (3,160 KRW).</summary>
    public static readonly PricingPlan Kickboard = new("kickboard", CurrencyCode.KRW, 1000m, [new PricingSegment(0, 180m, 1)]);

    private readonly string directory;
    private int copies;

    private SettlementFixture(string directory, string template, int rentals)
    {
        this.directory = directory;
        Template = template;
        Rentals = rentals;
    }

    /// <summary>Gets the path of the template journal.</summary>
    public string Template { get; }

    /// <summary>Gets the number of ended rentals in the template.</summary>
    public int Rentals { get; }

    /// <summary>Starts and ends <paramref name="rentals"/> rentals (64 at a time) on a fake clock and keeps their journal.</summary>
    public static async Task<SettlementFixture> CreateAsync(int rentals)
    {
        var directory = Directory.CreateTempSubdirectory("billing-bench-settle-").FullName;
        var template = Path.Combine(directory, "template.db");
        var clock = new FakeClock(T0);
        var journal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = template });
        var gateway = new SimulatedPaymentGateway("primary", clock);
        using (var engine = await Builder(clock, journal, gateway).BuildAsync())
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, rentals), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
            {
                var started = await engine.Rentals.StartAsync(new StartRental(RentalId(i), $"rider-{i}", Kickboard.PlanId), ct);
                if (!started.Started)
                {
                    throw new InvalidOperationException($"Rental {i} did not start: {started.Refusal}.");
                }
            });
            clock.Advance(Duration.FromMinutes(15));
            await Parallel.ForEachAsync(Enumerable.Range(0, rentals), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
            {
                var receipt = await engine.Rentals.ReportEndAsync(new ReportEndSignal(RentalId(i), T0 + Duration.FromMinutes(12), EndSignalSource.Vehicle), ct);
                if (!receipt.Accepted || receipt.End is null)
                {
                    throw new InvalidOperationException($"Rental {i} did not end: {string.Join("; ", receipt.Errors)}.");
                }
            });
        }

        await journal.DisposeAsync();
        SqliteConnection.ClearAllPools();
        return new SettlementFixture(directory, template, rentals);
    }

    /// <summary>The engine the benchmarks use: defaults (the default gateway pipeline), the given rate and concurrency.</summary>
    public static BillingEngineBuilder Builder(IClock clock, IJournal journal, IPaymentGateway gateway, int maxCallsPerSecond = 100_000, int maxConcurrency = 8)
    {
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([Kickboard])
            .UseIdentityProvider(new AlwaysAuthenticated())
            .AddPaymentGateway(gateway);
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        builder.Reconciler.MaxCallsPerSecond = maxCallsPerSecond;
        builder.Reconciler.MaxConcurrency = maxConcurrency;
        builder.Reconciler.MaxRentalsPerRun = 1_000_000;
        return builder;
    }

    /// <summary>Opens a fresh copy of the template as a SQLite journal.</summary>
    public Task<SqliteJournal> OpenCopyAsync()
    {
        var path = Path.Combine(directory, $"copy-{Interlocked.Increment(ref copies)}.db");
        File.Copy(Template, path);
        return SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = path });
    }

    /// <summary>Loads the template into an in-memory journal (the engine without storage cost).</summary>
    public async Task<InMemoryJournal> LoadInMemoryAsync()
    {
        var source = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = Template });
        var target = new InMemoryJournal();
        long after = 0;
        while (await source.ReadAllAsync(after, 10_000) is { Count: > 0 } batch)
        {
            foreach (var stream in batch.GroupBy(e => e.StreamId, StringComparer.Ordinal))
            {
                await target.AppendAsync(stream.Key, ExpectedVersion.Any, [.. stream.Select(e => new EventData(e.EventId, e.EventType, e.Payload))]);
            }

            after = batch[^1].GlobalPosition;
        }

        await source.DisposeAsync();
        return target;
    }

    /// <summary>Deletes a copy made by <see cref="OpenCopyAsync"/> once its journal is closed.</summary>
    public static void Delete(SqliteJournal journal)
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(journal.Path + suffix);
        }
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    private static string RentalId(int i) => FormattableString.Invariant($"r-{i:000000}");

    private sealed class AlwaysAuthenticated : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
            => ValueTask.FromResult(IdentityVerdict.Authenticated);
    }
}
