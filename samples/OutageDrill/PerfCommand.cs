using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Billing.Resilience;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.PostgreSql;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Sqlite;
using Billing.Resilience.Testing;
using Npgsql;
using NodaTime;
using NodaTime.Testing;
using OutageDrill.Reporting;
using Polly;
using Spectre.Console;

namespace OutageDrill;

/// <summary>
/// <c>perf --rentals N [--journal sqlite|postgres] [--seed S] [--ride-ids unordered|start-order] [--rental-cache N]</c>: a Kakao-scale drill built in memory and run end to end through
/// the library on a durable journal. N rentals start in the four hours before a 20-hour payment and identity outage;
/// most riders' end signals arrive late, during the outage; 1 % of gateway calls fail (lost responses, timeouts,
/// errors); when the backends return the reconciler settles the backlog. Every money invariant is checked at the end,
/// and the last line printed is one JSON object.
/// </summary>
internal static class PerfCommand
{
    /// <summary>Commands in flight at once (starts and end signals within a minute of the timeline): group commit needs many appends waiting.</summary>
    private const int Concurrency = 1_024;

    /// <summary>Rentals the reconciler settles at once (its largest setting).</summary>
    private const int ReconcilerConcurrency = 256;

    /// <summary>Appends the journal commits in one transaction: as many as there are commands in flight.</summary>
    private const int AppendsPerBatch = 1_024;

    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 0, 0);
    private static readonly Instant OutageFrom = T0 + Duration.FromHours(4);
    private static readonly Instant OutageTo = OutageFrom + Duration.FromHours(20);
    private static readonly PricingPlan Kickboard = new("kickboard", CurrencyCode.KRW, 1000m, [new PricingSegment(0, 180m, 1)]);

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
        => RunAsync(
            args,
            stdout,
            stderr,
            Console.IsOutputRedirected || stdout != Console.Out ? null : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) }));

    /// <summary>The drill, with a progress bar on <paramref name="console"/> when it is an interactive terminal (null: plain lines).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IAnsiConsole? console)
    {
        if (!Program.TryParseOptions("perf", args, ["--rentals", "--journal", "--seed", "--ride-ids", "--rental-cache"], out var options, out var problem))
        {
            return Program.Fail(stderr, problem);
        }

        if (!options.TryGetValue("--rentals", out var rentalsText) || !int.TryParse(rentalsText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 10_000_000)
        {
            return Program.Fail(stderr, new CommandLineError("perf", "--rentals", "DRILL_RENTALS_INVALID", "a number of rentals from 1 to 10000000 is required"));
        }

        var store = options.GetValueOrDefault("--journal", "sqlite");
        if (store is not ("sqlite" or "postgres"))
        {
            return Program.Fail(stderr, new CommandLineError("perf", "--journal", "DRILL_JOURNAL_UNKNOWN", $"'{store}' is neither sqlite nor postgres"));
        }

        var seedText = options.GetValueOrDefault("--seed", "20221015");
        if (!int.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
        {
            return Program.Fail(stderr, new CommandLineError("perf", "--seed", "DRILL_SEED_INVALID", $"'{seedText}' is not a whole number from 0 to {int.MaxValue}"));
        }

        var rideIds = options.GetValueOrDefault("--ride-ids", "unordered");
        if (rideIds is not ("unordered" or "start-order"))
        {
            return Program.Fail(stderr, new CommandLineError("perf", "--ride-ids", "DRILL_RIDE_IDS_UNKNOWN", $"'{rideIds}' is neither unordered nor start-order"));
        }

        var cacheText = options.GetValueOrDefault("--rental-cache", RentalCacheOptions.DefaultCapacity.ToString(CultureInfo.InvariantCulture));
        if (!int.TryParse(cacheText, NumberStyles.None, CultureInfo.InvariantCulture, out var cacheCapacity) || cacheCapacity > RentalCacheOptions.MaxCapacity)
        {
            return Program.Fail(stderr, new CommandLineError("perf", "--rental-cache", "DRILL_RENTAL_CACHE_INVALID", $"'{cacheText}' is not a number of rental states from 0 to {RentalCacheOptions.MaxCapacity}"));
        }

        var stopwatch = Stopwatch.StartNew();
        var (journal, dispose, description) = await OpenAsync(store, stderr).ConfigureAwait(false);
        if (journal is null)
        {
            return 2;
        }

        try
        {
            // A progress bar on an interactive terminal; plain lines otherwise (logs, pipes). The JSON line stays last.
            var result = await DrillProgress.RunAsync(
                console,
                2 * n,
                Program.ProgressBarThreshold,
                progress => RunDrillAsync(n, seed, rideIds == "start-order", cacheCapacity, journal, stdout, progress),
                $"Perf drill: {n:N0} rentals").ConfigureAwait(false);
            stopwatch.Stop();
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
            await stdout.WriteLineAsync($"journal: {description}").ConfigureAwait(false);
            await stdout.WriteLineAsync(FormattableString.Invariant(
                $"{n} rentals ({result.Started} started), {result.Settled} settled, {result.Events} journal events, {result.Operations} gateway operations, {result.Calls} calls; invariants {(result.InvariantsHeld ? "held" : "BROKEN: " + result.Problem)}")).ConfigureAwait(false);
            await stdout.WriteLineAsync(FormattableString.Invariant(
                $"{{\"rentals\":{n},\"seconds\":{stopwatch.Elapsed.TotalSeconds:0.0},\"peakWorkingSetMB\":{peak},\"journalEvents\":{result.Events},\"settled\":{result.Settled},\"invariantsHeld\":{(result.InvariantsHeld ? "true" : "false")}}}")).ConfigureAwait(false);
            return result.InvariantsHeld ? 0 : 1;
        }
        finally
        {
            await dispose().ConfigureAwait(false);
        }
    }

    private sealed record PerfResult(int Started, int Settled, long Events, int Operations, long Calls, bool InvariantsHeld, string? Problem);

    /// <param name="startOrder">Number the rides in the order they start (ids zero-padded, so they sort the same way as
    /// text), as sequential database ids or ULIDs would; otherwise a ride's number says nothing about when it starts,
    /// as with random ids.</param>
    /// <param name="cacheCapacity">The engine's rental-state cache (<see cref="RentalCacheOptions.Capacity"/>).</param>
    private static async Task<PerfResult> RunDrillAsync(int n, int seed, bool startOrder, int cacheCapacity, IJournal journal, TextWriter stdout, Action<int, int>? progress)
    {
        // The rides as seconds after T0, three ints each: at N = 1,000,000 the timeline is 12 MB of rides and 8 MB of
        // steps, not a closure, a delegate and a record per ride and step (about 150 bytes per ride in the drill's own heap).
        var random = new Random(seed);
        var starts = new int[n];
        var ends = new int[n];
        var received = new int[n];
        for (var i = 0; i < n; i++)
        {
            starts[i] = random.Next(0, 4 * 3600);
            ends[i] = starts[i] + random.Next(5 * 60, 90 * 60);
            // Most riders' end signals arrive late (the app was offline, the lock report queued): during the outage.
            received[i] = random.NextDouble() < 0.2 ? ends[i] : ends[i] + random.Next(3600, 20 * 3600);
        }

        if (startOrder)
        {
            (starts, ends, received) = InStartOrder(starts, ends, received);
        }

        var idFormat = RideIdFormat(n, startOrder);
        string RideId(int ride) => "p-" + ride.ToString(idFormat, CultureInfo.InvariantCulture);

        var clock = new FakeClock(T0);
        var gateway = new SimulatedPaymentGateway("psp", clock, new SimulatedPaymentGatewayOptions
        {
            RandomFaults = new RandomPaymentFaults(seed) { LostResponseRate = 0.004, TimeoutRate = 0.003, ErrorRate = 0.003 },
            MaxKeys = Math.Max(SimulatedPaymentGatewayOptions.DefaultMaxKeys, n * 4),
            MaxRecordedCalls = 1,
        });
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([Kickboard])
            .UseIdentityProvider(new Welcome())
            .AddPaymentGateway(gateway, new ResiliencePipelineBuilder<PaymentResult>()
                .AddRetry(new Polly.Retry.RetryStrategyOptions<PaymentResult>
                {
                    ShouldHandle = new PredicateBuilder<PaymentResult>().Handle<TimeoutException>().HandleResult(r => r.Outcome == PaymentOutcome.Unknown),
                    MaxRetryAttempts = 2,
                    Delay = TimeSpan.Zero,
                })
                .Build());
        builder.Payments.HoldAmount = 10_000m;
        builder.Reconciler.MaxCallsPerSecond = 100_000;
        builder.Reconciler.MaxConcurrency = ReconcilerConcurrency;
        builder.Reconciler.MaxRentalsPerRun = 100_000;
        builder.Reconciler.RetryBaseDelay = Duration.FromSeconds(1);
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "perf", Secret = RandomNumberGenerator.GetBytes(32) });
        builder.RentalTokens.ActiveKeyId = "perf";
        builder.RentalCache.Capacity = cacheCapacity;
        using var engine = await builder.BuildAsync().ConfigureAwait(false);

        // The timeline in one-minute slices: each step is (minute << 32) | (ride << 1) | (0 start, 1 end signal), sorted,
        // so a slice is a run of equal minutes, starts before end signals and rides in order within each. What happens
        // within a slice runs concurrently (group commit at work).
        var steps = new long[2 * (long)n];
        for (var i = 0; i < n; i++)
        {
            steps[2 * i] = ((long)(starts[i] / 60) << 32) | ((long)i << 1);
            steps[(2 * i) + 1] = ((long)(received[i] / 60) << 32) | ((long)i << 1) | 1;
        }

        Array.Sort(steps);
        var outageFromMinute = (OutageFrom - T0).TotalMinutes;
        var outageToMinute = (OutageTo - T0).TotalMinutes;

        var started = 0;
        async Task StepAsync(long step)
        {
            var ride = (int)((step & 0xFFFF_FFFF) >> 1);
            var id = RideId(ride);
            if ((step & 1) == 0)
            {
                if ((await engine.Rentals.StartAsync(new StartRental(id, "u-" + id, "kickboard")).ConfigureAwait(false)).Started)
                {
                    Interlocked.Increment(ref started);
                }
            }
            else
            {
                await engine.Rentals.ReportEndAsync(new ReportEndSignal(id, T0 + Duration.FromSeconds(ends[ride]), EndSignalSource.Vehicle)).ConfigureAwait(false);
            }
        }

        // The payment and identity outage begins (down) or ends, at its instant on the drill's clock.
        async Task OutageAsync(bool down)
        {
            clock.Reset(down ? OutageFrom : OutageTo);
            gateway.SetAvailable(!down);
            foreach (var dependency in new[] { Dependency.Payment, Dependency.Identity })
            {
                if (down)
                {
                    await engine.Health.ReportDownAsync(dependency, "perf drill").ConfigureAwait(false);
                }
                else
                {
                    await engine.Health.ReportUpAsync(dependency).ConfigureAwait(false);
                }
            }
        }

        var done = 0;
        var total = steps.Length;
        var nextReport = total / 10;
        var outageStarted = false;
        var outageEnded = false;
        for (var first = 0; first < steps.Length;)
        {
            var minuteNumber = steps[first] >> 32;
            var last = first;
            while (last < steps.Length && steps[last] >> 32 == minuteNumber)
            {
                last++;
            }

            var minute = T0 + Duration.FromMinutes(minuteNumber);
            clock.Reset(minute);

            // Outage transitions first, alone, so the minute's commands see them.
            if (!outageStarted && minuteNumber >= outageFromMinute)
            {
                outageStarted = true;
                await OutageAsync(down: true).ConfigureAwait(false);
                clock.Reset(minute);
            }

            if (!outageEnded && minuteNumber >= outageToMinute)
            {
                outageEnded = true;
                await OutageAsync(down: false).ConfigureAwait(false);
                clock.Reset(minute);
            }

            await Parallel.ForAsync(first, last, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (index, _) => await StepAsync(steps[index]).ConfigureAwait(false)).ConfigureAwait(false);
            done += last - first;
            first = last;
            if (!engine.Health.IsDown(Dependency.Payment))
            {
                await engine.Reconciler.RunOnceAsync().ConfigureAwait(false);
            }

            if (progress is not null)
            {
                progress(done, total);
            }
            else if (done >= nextReport)
            {
                await stdout.WriteLineAsync(FormattableString.Invariant($"  {100 * (long)done / total,3} % of the timeline ({minute:yyyy-MM-dd HH:mm}), {engine.Reconciler.Pending} pending settlement")).ConfigureAwait(false);
                nextReport += total / 10;
            }
        }

        // With a handful of rides every step can come before the outage or before its end: the timeline still has both.
        if (!outageStarted)
        {
            await OutageAsync(down: true).ConfigureAwait(false);
        }

        if (!outageEnded)
        {
            await OutageAsync(down: false).ConfigureAwait(false);
        }

        // The backlog after the outage: the reconciler settles it (faults delay some by seconds of backoff).
        for (var round = 0; round < 100_000 && engine.Reconciler.Pending > 0; round++)
        {
            await engine.Reconciler.RunOnceAsync().ConfigureAwait(false);
            clock.Advance(Duration.FromSeconds(1));
        }

        // Every money invariant, by the gateway's own ledger, and every charge as the journal explains it.
        var problems = gateway.CheckInvariants();
        var settled = 0;
        string? problem = problems.Count > 0 ? problems[0].ToString() : null;
        for (var ride = 0; ride < n; ride++)
        {
            var id = RideId(ride);
            var statement = await engine.Rentals.GetStatementAsync(id, CancellationToken.None).ConfigureAwait(false);
            if (statement is null || statement.Status == RentalStatus.Refused)
            {
                continue;
            }

            if (statement.Status != RentalStatus.Settled)
            {
                problem ??= $"{id} is {statement.Status}";
                continue;
            }

            settled++;
            var totals = gateway.GetTotals(id);
            if (totals.Net != statement.Charge || totals.Held.MinorUnits != 0)
            {
                problem ??= $"{id}: the gateway took {totals.Net}, the charge is {statement.Charge}";
            }
        }

        long events = 0;
        for (long position = 0; ;)
        {
            var batch = await journal.ReadAllAsync(position, 10_000).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                break;
            }

            events += batch.Count;
            position = batch[^1].GlobalPosition;
        }

        return new PerfResult(started, settled, events, gateway.GetOperations().Count, gateway.GetCallCount(PaymentOperationKind.Capture) + gateway.GetCallCount(PaymentOperationKind.Authorize), problem is null, problem);
    }

    /// <summary>The number format of ride ids: zero-padded to the width of the largest when the rides are numbered in
    /// start order, so the ids sort as text in that order; plain otherwise.</summary>
    internal static string RideIdFormat(int rentals, bool startOrder)
        => startOrder ? "D" + (rentals - 1).ToString(CultureInfo.InvariantCulture).Length.ToString(CultureInfo.InvariantCulture) : "D";

    /// <summary>The same rides renumbered in the order they start: every ride keeps its own start, end and arrival
    /// times (the arrays are rows of one table).</summary>
    internal static (int[] Starts, int[] Ends, int[] Received) InStartOrder(int[] starts, int[] ends, int[] received)
    {
        var order = new int[starts.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort((int[])starts.Clone(), order);
        return (Permute(starts, order), Permute(ends, order), Permute(received, order));
    }

    private static int[] Permute(int[] values, int[] order)
    {
        var result = new int[values.Length];
        for (var i = 0; i < order.Length; i++)
        {
            result[i] = values[order[i]];
        }

        return result;
    }

    private static async Task<(IJournal? Journal, Func<ValueTask> Dispose, string Description)> OpenAsync(string store, TextWriter stderr)
    {
        if (store == "sqlite")
        {
            var path = Path.Combine(Path.GetTempPath(), $"outage-drill-perf-{Guid.NewGuid():N}.db");
            var sqlite = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = path, MaxAppendsPerBatch = AppendsPerBatch, MaxPendingAppends = 4 * AppendsPerBatch }).ConfigureAwait(false);
            return (sqlite, async () =>
            {
                await sqlite.DisposeAsync().ConfigureAwait(false);
                foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
                {
                    File.Delete(path + suffix);
                }
            }, "SQLite " + path);
        }

        var connection = Environment.GetEnvironmentVariable("BILLING_PERF_POSTGRES") ?? Environment.GetEnvironmentVariable("BILLING_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(connection))
        {
            Program.Fail(stderr, new CommandLineError("perf", "--journal", "DRILL_POSTGRES_MISSING", "set BILLING_PERF_POSTGRES to a connection string (eval \"$(./eng/postgres.sh start)\" sets BILLING_TEST_POSTGRES)"));
            return (null, () => ValueTask.CompletedTask, string.Empty);
        }

        var dataSource = NpgsqlDataSource.Create(connection);
        var schema = "perf_" + Guid.NewGuid().ToString("N")[..12];
        var postgres = await PostgreSqlJournal.OpenAsync(dataSource, new PostgreSqlJournalOptions { Schema = schema, MaxAppendsPerBatch = AppendsPerBatch, MaxPendingAppends = 4 * AppendsPerBatch }).ConfigureAwait(false);
        return (postgres, async () =>
        {
            await postgres.DisposeAsync().ConfigureAwait(false);
            await using (var command = dataSource.CreateCommand($"DROP SCHEMA {schema} CASCADE"))
            {
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            await dataSource.DisposeAsync().ConfigureAwait(false);
        }, $"PostgreSQL schema {schema}");
    }

    private sealed class Welcome : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
            => ValueTask.FromResult(IdentityVerdict.Authenticated);
    }
}
