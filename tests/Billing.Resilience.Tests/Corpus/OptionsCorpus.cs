using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// Invalid options and an incomplete engine: <see cref="BillingEngineBuilder.BuildAsync"/> throws one
/// <see cref="InvalidInputException"/> listing every problem, each with its stable code, its path
/// (<c>Metering.FreezeGrace</c>) and the offending value, and touches nothing: the journal stays empty.
/// </summary>
public class OptionsCorpus
{
    /// <summary>A bad configuration: what to do to a complete builder (or which part to leave out), and the error.</summary>
    internal sealed record OptionsCase(string Id, Action<BillingEngineBuilder> Configure, string Path, string Code, string? Shown, Part Omit = Part.None)
    {
        public override string ToString() => Id;
    }

    [Flags]
    internal enum Part
    {
        None = 0,
        Clock = 1,
        Journal = 2,
        Identity = 4,
        Gateway = 8,
        Plans = 16,
    }

    internal static readonly IReadOnlyList<OptionsCase> Cases =
    [
        // Metering.
        Case("metering/freeze-on-null", b => b.Metering.FreezeOn = null!, "Metering.FreezeOn", "BILLING_OPTIONS_FREEZE_ON_REQUIRED", "Freeze On"),
        Case("metering/freeze-on-unknown", b => b.Metering.FreezeOn = new HashSet<Dependency> { Dependency.Payment, (Dependency)7 }, "Metering.FreezeOn", "BILLING_OPTIONS_FREEZE_ON_UNKNOWN", "7"),
        Case("metering/grace-negative", b => b.Metering.FreezeGrace = Duration.FromSeconds(-1), "Metering.FreezeGrace", "BILLING_OPTIONS_FREEZE_GRACE_RANGE", "got -1 s"),
        Case("metering/grace-over-a-day", b => b.Metering.FreezeGrace = Duration.FromHours(24) + Duration.FromSeconds(1), "Metering.FreezeGrace", "BILLING_OPTIONS_FREEZE_GRACE_RANGE", "got 86401 s"),
        Case("metering/skew-negative", b => b.Metering.EndSignalSkew = Duration.FromSeconds(-120), "Metering.EndSignalSkew", "BILLING_OPTIONS_END_SIGNAL_SKEW_RANGE", "got -120 s"),
        Case("metering/skew-over-an-hour", b => b.Metering.EndSignalSkew = Duration.FromSeconds(3601), "Metering.EndSignalSkew", "BILLING_OPTIONS_END_SIGNAL_SKEW_RANGE", "got 3601 s"),
        Case("metering/rounding-unknown", b => b.Metering.IntervalRounding = (IntervalRounding)9, "Metering.IntervalRounding", "BILLING_OPTIONS_INTERVAL_ROUNDING_UNKNOWN", "9"),
        Case("metering/signals-zero", b => b.Metering.MaxEndSignalsPerRental = 0, "Metering.MaxEndSignalsPerRental", "BILLING_OPTIONS_MAX_END_SIGNALS_RANGE", "You entered 0"),
        Case("metering/signals-1001", b => b.Metering.MaxEndSignalsPerRental = 1_001, "Metering.MaxEndSignalsPerRental", "BILLING_OPTIONS_MAX_END_SIGNALS_RANGE", "You entered 1001"),
        Case("metering/signals-negative", b => b.Metering.MaxEndSignalsPerRental = -5, "Metering.MaxEndSignalsPerRental", "BILLING_OPTIONS_MAX_END_SIGNALS_RANGE", "You entered -5"),
        Case("metering/increments-zero", b => b.Metering.MaxDistanceIncrementsPerRental = 0, "Metering.MaxDistanceIncrementsPerRental", "BILLING_OPTIONS_MAX_DISTANCE_INCREMENTS_RANGE", "You entered 0"),
        Case("metering/increments-over-a-million", b => b.Metering.MaxDistanceIncrementsPerRental = 1_000_001, "Metering.MaxDistanceIncrementsPerRental", "BILLING_OPTIONS_MAX_DISTANCE_INCREMENTS_RANGE", "You entered 1000001"),

        // Payments.
        Case("payments/hold-zero", b => b.Payments.HoldAmount = 0m, "Payments.HoldAmount", "BILLING_OPTIONS_HOLD_AMOUNT_NOT_POSITIVE", "got 0"),
        Case("payments/hold-negative", b => b.Payments.HoldAmount = -0.01m, "Payments.HoldAmount", "BILLING_OPTIONS_HOLD_AMOUNT_NOT_POSITIVE", "got -0.01"),
        Case("payments/hold-fraction-of-won", b => b.Payments.HoldAmount = 10_000.5m, "Payments.HoldAmount", "BILLING_OPTIONS_HOLD_AMOUNT_PRECISION", "10000.5"),
        Case("payments/hold-over-precise", b => b.Payments.HoldAmount = 1.0000000000000000000000000001m, "Payments.HoldAmount", "BILLING_OPTIONS_HOLD_AMOUNT_PRECISION", "1.0000000000000000000000000001"),
        Case("payments/validity-59-minutes", b => b.Payments.HoldValidity = Duration.FromMinutes(59), "Payments.HoldValidity", "BILLING_OPTIONS_HOLD_VALIDITY_RANGE", "got 0.98"),
        Case("payments/validity-32-days", b => b.Payments.HoldValidity = Duration.FromDays(32), "Payments.HoldValidity", "BILLING_OPTIONS_HOLD_VALIDITY_RANGE", "got 768 h"),
        Case("payments/validity-negative", b => b.Payments.HoldValidity = Duration.FromHours(-1), "Payments.HoldValidity", "BILLING_OPTIONS_HOLD_VALIDITY_RANGE", "got -1 h"),
        Case("payments/warning-negative", b => b.Payments.HoldExpiryWarning = Duration.FromHours(-1), "Payments.HoldExpiryWarning", "BILLING_OPTIONS_HOLD_EXPIRY_WARNING_RANGE", "got -1 h"),
        Case("payments/warning-equals-validity", b => b.Payments.HoldExpiryWarning = Duration.FromHours(168), "Payments.HoldExpiryWarning", "BILLING_OPTIONS_HOLD_EXPIRY_WARNING_RANGE", "got 168 h"),

        // Reconciler.
        Case("reconciler/rate-zero", b => b.Reconciler.MaxCallsPerSecond = 0, "Reconciler.MaxCallsPerSecond", "BILLING_OPTIONS_RECONCILER_RATE_RANGE", "got 0"),
        Case("reconciler/rate-too-high", b => b.Reconciler.MaxCallsPerSecond = 100_001, "Reconciler.MaxCallsPerSecond", "BILLING_OPTIONS_RECONCILER_RATE_RANGE", "got 100001"),
        Case("reconciler/concurrency-zero", b => b.Reconciler.MaxConcurrency = 0, "Reconciler.MaxConcurrency", "BILLING_OPTIONS_RECONCILER_CONCURRENCY_RANGE", "got 0"),
        Case("reconciler/concurrency-257", b => b.Reconciler.MaxConcurrency = 257, "Reconciler.MaxConcurrency", "BILLING_OPTIONS_RECONCILER_CONCURRENCY_RANGE", "got 257"),
        Case("reconciler/batch-zero", b => b.Reconciler.MaxRentalsPerRun = 0, "Reconciler.MaxRentalsPerRun", "BILLING_OPTIONS_RECONCILER_BATCH_RANGE", "got 0"),
        Case("reconciler/batch-too-large", b => b.Reconciler.MaxRentalsPerRun = 1_000_001, "Reconciler.MaxRentalsPerRun", "BILLING_OPTIONS_RECONCILER_BATCH_RANGE", "got 1000001"),
        Case("reconciler/base-delay-zero", b => b.Reconciler.RetryBaseDelay = Duration.Zero, "Reconciler.RetryBaseDelay", "BILLING_OPTIONS_RECONCILER_RETRY_BASE_RANGE", "got 0:00:00:00"),
        Case("reconciler/base-delay-negative", b => b.Reconciler.RetryBaseDelay = Duration.FromSeconds(-5), "Reconciler.RetryBaseDelay", "BILLING_OPTIONS_RECONCILER_RETRY_BASE_RANGE", "-0:00:00:05"),
        Case("reconciler/base-delay-two-hours", b => b.Reconciler.RetryBaseDelay = Duration.FromHours(2), "Reconciler.RetryBaseDelay", "BILLING_OPTIONS_RECONCILER_RETRY_BASE_RANGE", "0:02:00:00"),
        Case("reconciler/max-delay-below-base", b => b.Reconciler.RetryMaxDelay = Duration.FromSeconds(1), "Reconciler.RetryMaxDelay", "BILLING_OPTIONS_RECONCILER_RETRY_MAX_RANGE", "0:00:00:01"),
        Case("reconciler/lease-one-second", b => b.Reconciler.LeaseDuration = Duration.FromSeconds(1), "Reconciler.LeaseDuration", "BILLING_OPTIONS_RECONCILER_LEASE_RANGE", "0:00:00:01"),
        Case("reconciler/lease-two-hours", b => b.Reconciler.LeaseDuration = Duration.FromHours(2), "Reconciler.LeaseDuration", "BILLING_OPTIONS_RECONCILER_LEASE_RANGE", "0:02:00:00"),
        Case("reconciler/catch-up-zero", b => b.Reconciler.MaxCatchUpEventsPerRun = 0, "Reconciler.MaxCatchUpEventsPerRun", "BILLING_OPTIONS_RECONCILER_CATCH_UP_RANGE", "got 0"),
        Case("reconciler/max-delay-25-hours", b => b.Reconciler.RetryMaxDelay = Duration.FromHours(25), "Reconciler.RetryMaxDelay", "BILLING_OPTIONS_RECONCILER_RETRY_MAX_RANGE", "1:01:00:00"),

        // Rental cache.
        Case("rental-cache/capacity-negative", b => b.RentalCache.Capacity = -1, "RentalCache.Capacity", "BILLING_OPTIONS_RENTAL_CACHE_CAPACITY_RANGE", "got -1"),
        Case("rental-cache/capacity-too-large", b => b.RentalCache.Capacity = 10_000_001, "RentalCache.Capacity", "BILLING_OPTIONS_RENTAL_CACHE_CAPACITY_RANGE", "got 10000001"),

        // Rental tokens.
        Case("tokens/no-keys", b => b.RentalTokens.Keys.Clear(), "RentalTokens.Keys", "BILLING_TOKENS_NO_KEYS", "At least one"),
        Case("tokens/key-id-empty", b => Key(b, string.Empty), "RentalTokens.Keys[1].KeyId", "BILLING_TOKENS_KEY_ID", "''"),
        Case("tokens/key-id-space", b => Key(b, "k 2"), "RentalTokens.Keys[1].KeyId", "BILLING_TOKENS_KEY_ID", "'k 2'"),
        Case("tokens/key-id-dot", b => Key(b, "k.2"), "RentalTokens.Keys[1].KeyId", "BILLING_TOKENS_KEY_ID", "'k.2'"),
        Case("tokens/key-id-33-chars", b => Key(b, new string('k', 33)), "RentalTokens.Keys[1].KeyId", "BILLING_TOKENS_KEY_ID", new string('k', 33)),
        Case("tokens/key-id-non-ascii", b => Key(b, "schl\u00fcssel"), "RentalTokens.Keys[1].KeyId", "BILLING_TOKENS_KEY_ID", "'schl\u00fcssel'"),
        Case("tokens/secret-31-bytes", b => Key(b, "k2", 31), "RentalTokens.Keys[1].Secret", "BILLING_TOKENS_SECRET_TOO_SHORT", "has 31 bytes"),
        Case("tokens/secret-empty", b => Key(b, "k2", 0), "RentalTokens.Keys[1].Secret", "BILLING_TOKENS_SECRET_TOO_SHORT", "has 0 bytes"),
        Case("tokens/secret-null", b => b.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k2", Secret = null! }), "RentalTokens.Keys[1].Secret", "BILLING_TOKENS_SECRET_TOO_SHORT", "has 0 bytes"),
        Case("tokens/active-key-missing", b => b.RentalTokens.ActiveKeyId = "k2", "RentalTokens.ActiveKeyId", "BILLING_TOKENS_ACTIVE_KEY_MISSING", "'k2'"),
        Case("tokens/active-key-other-case", b => b.RentalTokens.ActiveKeyId = "K1", "RentalTokens.ActiveKeyId", "BILLING_TOKENS_ACTIVE_KEY_MISSING", "'K1'"),
        Case("tokens/duplicate-key-id", b => Key(b, "k1"), "RentalTokens.Keys", "BILLING_TOKENS_DUPLICATE_KEY_ID", null),
        Case("tokens/lifetime-59-minutes", b => b.RentalTokens.Lifetime = Duration.FromMinutes(59), "RentalTokens.Lifetime", "BILLING_TOKENS_LIFETIME_RANGE", "0:00:59:00"),
        Case("tokens/lifetime-91-days", b => b.RentalTokens.Lifetime = Duration.FromDays(91), "RentalTokens.Lifetime", "BILLING_TOKENS_LIFETIME_RANGE", "91:00:00:00"),

        // What the engine needs.
        Case("engine/no-clock", _ => { }, "Clock", "BILLING_ENGINE_CLOCK_REQUIRED", "UseClock", Part.Clock),
        Case("engine/no-journal", _ => { }, "Journal", "BILLING_ENGINE_JOURNAL_REQUIRED", "UseJournal", Part.Journal),
        Case("engine/no-identity", _ => { }, "IdentityProvider", "BILLING_ENGINE_IDENTITY_REQUIRED", "UseIdentityProvider", Part.Identity),
        Case("engine/no-gateway", _ => { }, "PaymentGateways", "BILLING_ENGINE_GATEWAY_REQUIRED", "AddPaymentGateway", Part.Gateway),
        Case("engine/no-plans", _ => { }, "PricingPlans", "BILLING_ENGINE_PLANS_REQUIRED", "AddPricingPlans", Part.Plans),
        Case("engine/no-plans-empty-list", b => b.AddPricingPlans([]), "PricingPlans", "BILLING_ENGINE_PLANS_REQUIRED", "AddPricingPlans", Part.Plans),
        Case("engine/duplicate-plan", b => b.AddPricingPlans([new PricingPlan("kickboard", CurrencyCode.USD, 1m)]), "PricingPlans", "BILLING_ENGINE_PLAN_DUPLICATE", "'kickboard' is added 2 times"),
    ];

    public static TheoryData<string> Ids => [.. Cases.Select(c => c.Id)];

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task BuildAsync_throws_one_exception_with_code_path_and_value_and_writes_nothing(string id)
    {
        var c = Cases.Single(x => x.Id == id);
        var journal = new InMemoryJournal();
        var builder = Builder(journal, c.Omit);
        c.Configure(builder);

        var thrown = await Assert.ThrowsAsync<InvalidInputException>(() => builder.BuildAsync());

        var error = CorpusAssert.HasError(thrown.Errors, new CorpusCase(c.Id, () => string.Empty, c.Path, c.Code, c.Shown));
        Assert.Contains(error.ToString(), thrown.Message, StringComparison.Ordinal);
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task Several_problems_at_once_are_all_listed_in_one_exception()
    {
        var journal = new InMemoryJournal();
        var builder = new BillingEngineBuilder()
            .UseJournal(journal)
            .AddPricingPlans([TestEngine.Kickboard, TestEngine.Kickboard]);
        builder.Metering.FreezeGrace = Duration.FromDays(2);
        builder.Payments.HoldAmount = -1m;
        builder.Reconciler.MaxConcurrency = 0;
        builder.RentalTokens.ActiveKeyId = "nope";

        var thrown = await Assert.ThrowsAsync<InvalidInputException>(() => builder.BuildAsync());

        string[] expected =
        [
            "BILLING_ENGINE_CLOCK_REQUIRED", "BILLING_ENGINE_IDENTITY_REQUIRED", "BILLING_ENGINE_GATEWAY_REQUIRED",
            "BILLING_ENGINE_PLAN_DUPLICATE", "BILLING_OPTIONS_FREEZE_GRACE_RANGE", "BILLING_OPTIONS_HOLD_AMOUNT_NOT_POSITIVE",
            "BILLING_OPTIONS_RECONCILER_CONCURRENCY_RANGE", "BILLING_TOKENS_NO_KEYS", "BILLING_TOKENS_ACTIVE_KEY_MISSING",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), thrown.Errors.Select(e => e.Code).Order(StringComparer.Ordinal));
        Assert.StartsWith($"{expected.Length} errors: ", thrown.Message, StringComparison.Ordinal);
        Assert.All(thrown.Errors, e => Assert.Contains($"[{e.Code}]", thrown.Message, StringComparison.Ordinal));
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public void RentalTokens_refuses_invalid_options_with_every_problem()
    {
        var options = new RentalTokenOptions { ActiveKeyId = "k1", Lifetime = Duration.FromDays(100) };
        options.Keys.Add(new RentalTokenKey { KeyId = "k 1", Secret = new byte[8] });
        var thrown = Assert.Throws<InvalidInputException>(() => new RentalTokens(options, new FakeClock(TestEngine.T0)));
        Assert.Equal(
            ["BILLING_TOKENS_KEY_ID", "BILLING_TOKENS_SECRET_TOO_SHORT", "BILLING_TOKENS_ACTIVE_KEY_MISSING", "BILLING_TOKENS_LIFETIME_RANGE"],
            thrown.Errors.Select(e => e.Code));
        Assert.All(thrown.Errors, e => Assert.StartsWith("RentalTokens.", e.Path, StringComparison.Ordinal));
    }

    /// <summary>A builder with everything an engine needs, except the parts in <paramref name="omit"/>.</summary>
    private static BillingEngineBuilder Builder(IJournal journal, Part omit)
    {
        var clock = new FakeClock(TestEngine.T0);
        var builder = new BillingEngineBuilder();
        if (!omit.HasFlag(Part.Clock))
        {
            builder.UseClock(clock);
        }

        if (!omit.HasFlag(Part.Journal))
        {
            builder.UseJournal(journal);
        }

        if (!omit.HasFlag(Part.Identity))
        {
            builder.UseIdentityProvider(new SwitchableIdentityProvider());
        }

        if (!omit.HasFlag(Part.Gateway))
        {
            builder.AddPaymentGateway(new SimulatedPaymentGateway("primary", clock), TestEngine.NoWaitPipeline());
        }

        if (!omit.HasFlag(Part.Plans))
        {
            builder.AddPricingPlans([TestEngine.Kickboard, TestEngine.Bike]);
        }

        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        return builder;
    }

    private static void Key(BillingEngineBuilder builder, string id, int secretBytes = 32)
        => builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = id, Secret = new byte[secretBytes] });

    private static OptionsCase Case(string id, Action<BillingEngineBuilder> configure, string path, string code, string? shown, Part omit = Part.None)
        => new("options/" + id, configure, path, code, shown, omit);
}
