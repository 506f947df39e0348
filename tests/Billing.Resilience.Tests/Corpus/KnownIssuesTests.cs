using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;
using OutageDrill.Scenarios;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// What the corpus found outside the files its author could change, now fixed (K1–K4, K6) or decided (K5).
/// </summary>
public class KnownIssuesTests
{
    [Fact]
    public async Task A_hold_amount_beyond_64_bit_minor_units_is_refused_by_BuildAsync_not_thrown_by_StartAsync()
    {
        // Today: BuildAsync accepts 1e20 KRW, and every StartAsync throws OverflowException from Money.FromMajor.
        var thrown = await Assert.ThrowsAsync<InvalidInputException>(() => TestEngine.CreateAsync(b => b.Payments.HoldAmount = 100_000_000_000_000_000_000m));
        Assert.Contains(thrown.Errors, e => e.Path == "Payments.HoldAmount" && e.Message.Contains("100000000000000000000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_key_without_an_id_is_refused()
    {
        // Today: BuildAsync accepts it; tokens read "v1..<expiry>.<mac>" and never verify (UnknownKey).
        var thrown = await Assert.ThrowsAsync<InvalidInputException>(() => TestEngine.CreateAsync(b =>
        {
            b.RentalTokens.Keys.Clear();
            b.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = null!, Secret = new byte[32] });
            b.RentalTokens.ActiveKeyId = null!;
        }));
        Assert.Contains(thrown.Errors, e => e.Code == "BILLING_TOKENS_KEY_ID");
    }

    [Fact]
    public async Task A_duplicate_token_key_id_is_named_in_the_message()
    {
        var thrown = await Assert.ThrowsAsync<InvalidInputException>(() => TestEngine.CreateAsync(b =>
            b.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("another secret of at least 32 bytes!") })));
        var error = Assert.Single(thrown.Errors, e => e.Code == "BILLING_TOKENS_DUPLICATE_KEY_ID");
        Assert.Contains("'k1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rider_end_signal_received_more_than_7_days_after_the_start_does_not_crash_the_drill()
    {
        // Today: the drill throws InvalidOperationException (BILLING_RENTAL_TOKEN_EXPIRED) out of Program.MainAsync;
        // SCENARIOS.md 3.1 says an end signal is accepted whenever it arrives.
        var seed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "seeds", "kakao-2022-10-15.json"));
        var late = seed.Replace("\"receivedAt\": \"2022-10-16T09:31:00+09:00\"", "\"receivedAt\": \"2022-10-25T09:31:00+09:00\"", StringComparison.Ordinal)
            .Replace("\"runUntil\": \"2022-10-20T00:00:00+09:00\"", "\"runUntil\": \"2022-10-30T00:00:00+09:00\"", StringComparison.Ordinal);
        using var dir = new TempDirectory();
        var (exit, _, stderr) = await DrillCli.RunAsync("simulate", dir.Write("late.json", late));
        Assert.True(exit == 0, stderr);
    }

    [Fact]
    public async Task A_statement_whose_fare_does_not_fit_in_minor_units_throws_rather_than_round_or_wrap()
    {
        // The importer accepts rates up to 1e9 and 100 segments; ten years on such a plan do not fit in a long of cents.
        // Decision: money overflow throws (never wraps, never clamps); the drill refuses such scenarios up front
        // (DRILL_FARE_TOO_LARGE) and the reconciler isolates such a rental (event 4003) so the others still settle.
        var expensive = new PricingPlan("gold", CurrencyCode.USD, 1m, Enumerable.Repeat(new PricingSegment(0, 1_000_000_000m, 1), 100));
        using var engine = await TestEngine.CreateAsync(b => b.AddPricingPlans([expensive]));
        await engine.StartAsync("r-1", plan: "gold");
        engine.Advance(Duration.FromDays(3_650));
        await Assert.ThrowsAsync<OverflowException>(() => engine.Rentals.GetStatementAsync("r-1", CancellationToken.None));
    }

    [Fact]
    public async Task Telemetry_stamped_far_in_the_future_is_refused()
    {
        // Today: an increment stamped in the year 9999 is accepted, and then contradicts every rider end signal.
        var journal = new InMemoryJournal();
        using var engine = await TestEngine.CreateAsync(journal: journal);
        await engine.StartAsync("r-1");
        var before = journal.Count;
        var errors = await engine.Rentals.RecordDistanceAsync(new RecordDistance("r-1", Instant.FromUtc(9999, 1, 1, 0, 0), 1m));
        Assert.NotEmpty(errors);
        Assert.Equal(before, journal.Count);
    }
}
