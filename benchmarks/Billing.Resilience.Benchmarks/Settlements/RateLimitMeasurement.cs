using System.Collections.Concurrent;
using System.Globalization;
using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using NodaTime;

namespace Billing.Resilience.Benchmarks.Settlements;

/// <summary>
/// The reconciler's achieved call rate with <c>MaxCallsPerSecond</c> set, on the real clock and a SQLite journal: a
/// backlog larger than the limit allows is reconciled in a loop (as the hosted service does), every gateway call is
/// counted by the clock second it was sent in, and the rate is averaged over whole seconds (the first, partial
/// second is left out). Goal: the achieved rate within 2% of the limit. The busiest second is shown too: the
/// reconciler counts a call when it takes the permit, the gateway when the call arrives (after the durable
/// PaymentRequested append), so a permit taken at the end of one second can arrive in the next.
/// </summary>
/// <remarks>Usage: <c>rate-limit [--limit N]... [--seconds S] [--concurrency C]</c>; by default limits 200 and 1,000, 5 s each, concurrency 8.</remarks>
internal static class RateLimitMeasurement
{
    public static async Task<int> RunAsync(string[] args)
    {
        var limits = new List<int>();
        var seconds = 5;
        var concurrency = 8;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--limit": limits.Add(value); break;
                case "--seconds": seconds = value; break;
                case "--concurrency": concurrency = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        if (limits.Count == 0)
        {
            limits.AddRange([200, 1_000]);
        }

        var backlog = (limits.Max() * (seconds + 2)) + 1_000;
        Console.WriteLine(FormattableString.Invariant($"Making {backlog:N0} ended rentals (template journal)..."));
        await using var fixture = await SettlementFixture.CreateAsync(backlog);
        var results = new List<string>();
        var ok = true;
        foreach (var limit in limits)
        {
            var (perSecond, settled) = await MeasureAsync(fixture, limit, seconds, concurrency);
            var mean = perSecond.Average();
            var deviation = (mean - limit) / limit;
            var within = Math.Abs(deviation) <= 0.02;
            ok &= within;
            results.Add(FormattableString.Invariant(
                $"| {limit:N0} | {concurrency} | {backlog:N0} | {string.Join(", ", perSecond.Select(c => c.ToString("N0", CultureInfo.InvariantCulture)))} | {mean:N1} | {deviation:+0.0%;-0.0%;0.0%} | {(perSecond.Max() - limit) / (double)limit:+0.0%;-0.0%;0.0%} | {settled:N0} | {(within ? "yes" : "no")} |"));
        }

        Console.WriteLine();
        Console.WriteLine("| MaxCallsPerSecond | MaxConcurrency | backlog | gateway calls in each whole second | achieved calls/s | vs limit | busiest second vs limit | settled | within 2% |");
        Console.WriteLine("|---:|---:|---:|---|---:|---:|---:|---:|:---:|");
        foreach (var line in results)
        {
            Console.WriteLine(line);
        }

        return ok ? 0 : 1;
    }

    private static async Task<(long[] PerSecond, int Settled)> MeasureAsync(SettlementFixture fixture, int limit, int seconds, int concurrency)
    {
        var clock = SystemClock.Instance;
        var journal = await fixture.OpenCopyAsync();
        var gateway = new CountingGateway(new SimulatedPaymentGateway("primary", clock), clock);
        var settled = 0;
        using (var engine = await SettlementFixture.Builder(clock, journal, gateway, maxCallsPerSecond: limit, maxConcurrency: concurrency).BuildAsync())
        {
            // From the next whole second on, for `seconds` whole seconds, plus the second in which we start.
            var first = clock.GetCurrentInstant().ToUnixTimeSeconds() + 1;
            var end = first + seconds;
            while (clock.GetCurrentInstant().ToUnixTimeSeconds() < end)
            {
                var run = await engine.Reconciler.RunOnceAsync();
                settled += run.Settled;
                if (run.GatewayCalls == 0)
                {
                    // Nothing due or the budget is spent: what the hosted service does between runs, shorter.
                    await Task.Delay(5);
                }
            }

            await journal.DisposeAsync();
            SettlementFixture.Delete(journal);
            return ([.. Enumerable.Range(0, seconds).Select(s => gateway.CallsIn(first + s))], settled);
        }
    }

    /// <summary>Counts the calls sent to the gateway per clock second.</summary>
    private sealed class CountingGateway(IPaymentGateway inner, IClock clock) : IPaymentGateway
    {
        private readonly ConcurrentDictionary<long, long> calls = new();

        public string Name => inner.Name;

        public long CallsIn(long unixSecond) => calls.TryGetValue(unixSecond, out var count) ? count : 0;

        public ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
        {
            Count();
            return inner.ExecuteAsync(request, cancellationToken);
        }

        public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken)
        {
            Count();
            return inner.LookupAsync(key, cancellationToken);
        }

        private void Count() => calls.AddOrUpdate(clock.GetCurrentInstant().ToUnixTimeSeconds(), 1, static (_, n) => n + 1);
    }
}
