using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Pricing;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Engine;

/// <summary>The builder's arguments, its cross-option check of the hold, and what the engine it builds is made of.</summary>
public class BillingEngineBuilderTests
{
    [Fact]
    public async Task The_rental_cache_has_the_capacity_set_and_none_when_instances_share_the_journal()
    {
        using (var defaults = await TestEngine.CreateAsync())
        {
            Assert.Equal(RentalCacheOptions.DefaultCapacity, defaults.Engine.Core.Rentals.Cache.Capacity);
        }

        using (var small = await TestEngine.CreateAsync(b => b.RentalCache.Capacity = 10))
        {
            Assert.Equal(10, small.Engine.Core.Rentals.Cache.Capacity);
            await small.StartAsync("r-1");
            Assert.True(small.Engine.Core.Rentals.Cache.TryGet("rental-r-1", out _));
        }

        using var shared = await TestEngine.CreateAsync(b => b.UseSettlementClaims(new InMemorySettlementClaims(), "a").RentalCache.Capacity = 10);
        Assert.Equal(0, shared.Engine.Core.Rentals.Cache.Capacity);
        await shared.StartAsync("r-1");
        Assert.False(shared.Engine.Core.Rentals.Cache.TryGet("rental-r-1", out _));
    }

    [Fact]
    public void The_host_s_rental_cache_capacity_is_copied_into_the_builder()
    {
        var options = new BillingResilienceOptions();
        options.RentalCache.Capacity = 1_234;
        var builder = new BillingEngineBuilder();

        BillingEngineHolder.CopyOptions(options, builder);

        Assert.Equal(1_234, builder.RentalCache.Capacity);
    }

    [Fact]
    public void Every_part_refuses_null_naming_its_parameter()
    {
        var builder = new BillingEngineBuilder();
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => builder.UseClock(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => builder.UseJournal(null!)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => builder.AddPricingPlans(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => builder.UseIdentityProvider(null!)).ParamName);
        Assert.Equal("gateway", Assert.Throws<ArgumentNullException>(() => builder.AddPaymentGateway(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => builder.UseLoggerFactory(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => builder.UseSettlementClaims(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => builder.UseMeterFactory(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => builder.UseTimeProvider(null!)).ParamName);
    }

    [Fact]
    public async Task A_hold_with_more_decimals_than_a_plan_s_currency_is_reported_once_for_the_first_such_plan()
    {
        var dollars = new PricingPlan("dollar-bike", CurrencyCode.USD, 1m);
        var journal = new InMemoryJournal();
        var builder = Complete(journal, [dollars, TestEngine.Kickboard, TestEngine.Bike]);
        builder.Payments.HoldAmount = 12.5m;

        var thrown = await Assert.ThrowsAsync<InvalidInputException>(() => builder.BuildAsync());

        var error = Assert.Single(thrown.Errors);
        Assert.Equal(new ValidationError("Payments.HoldAmount", "BILLING_OPTIONS_HOLD_AMOUNT_PRECISION", "HoldAmount 12.5 has more decimals than KRW of plan 'kickboard' allows."), error);
        Assert.Equal(error.ToString(), thrown.Message);
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task A_hold_a_plan_s_currency_can_express_is_accepted()
    {
        var builder = Complete(new InMemoryJournal(), [new PricingPlan("dollar-bike", CurrencyCode.USD, 1m), TestEngine.Kickboard]);
        builder.Payments.HoldAmount = 12m;
        using var engine = await builder.BuildAsync();
        Assert.Equal(12m, engine.Core.PaymentOptions.HoldAmount);
    }

    [Fact]
    public async Task The_engine_exposes_the_clock_journal_and_health_it_was_built_with()
    {
        var journal = new InMemoryJournal();
        var clock = new FakeClock(TestEngine.T0);
        var builder = Complete(journal, [TestEngine.Kickboard], clock);
        using var engine = await builder.BuildAsync();

        Assert.Same(clock, engine.Clock);
        Assert.Same(journal, engine.Journal);
        Assert.Same(engine.Core.Health, engine.Health);
        Assert.Same(builder.Metering, engine.Core.Metering);
        Assert.Same(builder.Reconciler, engine.Core.ReconcilerOptions);
        Assert.Equal(["kickboard"], engine.Core.Plans.Keys);
        Assert.Equal(0, engine.Reconciler.Pending);
        Assert.Null(engine.Reconciler.NextDueAt);
    }

    [Fact]
    public async Task Without_claims_an_instance_has_a_random_name_and_keeps_rentals_in_memory()
    {
        var journal = new InMemoryJournal();
        using var a = await TestEngine.CreateAsync(journal: journal);
        using var b = await TestEngine.CreateAsync(journal: journal, clock: a.Clock);
        Assert.Null(a.Engine.Core.Claims);
        Assert.Matches("^[0-9a-f]{32}$", a.Engine.Core.InstanceId);
        Assert.NotEqual(a.Engine.Core.InstanceId, b.Engine.Core.InstanceId);
        Assert.False(a.Engine.Health.Shared);

        await a.StartAsync("r-1");
        Assert.NotNull(await b.Rentals.GetStatementAsync("r-1", CancellationToken.None)); // b reads r-1 once, and keeps it
        a.Advance(Duration.FromMinutes(5));
        await a.EndAsync("r-1", a.Clock.GetCurrentInstant());

        Assert.NotNull((await a.StatementAsync("r-1")).End);
        Assert.Null((await b.StatementAsync("r-1")).End); // a single instance owns its journal: b's copy is not refreshed
    }

    [Fact]
    public async Task With_claims_an_instance_takes_leases_under_its_name_and_reads_other_instances_writes()
    {
        var journal = new InMemoryJournal();
        var claims = new RecordingClaims();
        using var a = await TestEngine.CreateAsync(b => b.UseSettlementClaims(claims, "node-a"), journal);
        using var b = await TestEngine.CreateAsync(b => b.UseSettlementClaims(claims, "node-b"), journal, a.Clock);
        Assert.Equal("node-a", a.Engine.Core.InstanceId);
        Assert.Same(claims, a.Engine.Core.Claims);
        Assert.True(a.Engine.Health.Shared);

        await a.StartAsync("r-1");
        Assert.NotNull(await b.Rentals.GetStatementAsync("r-1", CancellationToken.None));
        a.Advance(Duration.FromMinutes(5));
        await a.EndAsync("r-1", a.Clock.GetCurrentInstant());
        Assert.Equal(a.Clock.GetCurrentInstant(), (await b.StatementAsync("r-1")).End);

        await b.Engine.Reconciler.RunOnceAsync();
        Assert.Equal(RentalStatus.Settled, (await a.StatementAsync("r-1")).Status);
        Assert.Contains(("claim", "r-1", "node-b"), claims.Calls);
        Assert.Contains(("release", "r-1", "node-b"), claims.Calls);
        Assert.DoesNotContain(claims.Calls, c => c.Owner == "node-a");
    }

    [Fact]
    public async Task With_claims_and_no_name_the_instance_gets_a_random_one()
    {
        using var t = await TestEngine.CreateAsync(b => b.UseSettlementClaims(new InMemorySettlementClaims()));
        Assert.Matches("^[0-9a-f]{32}$", t.Engine.Core.InstanceId);
    }

    [Fact]
    public async Task A_logger_factory_and_a_time_provider_are_used()
    {
        var time = new CountingTimeProvider();
        var loggers = new CountingLoggerFactory();
        using var t = await TestEngine.CreateAsync(b => b.UseLoggerFactory(loggers).UseTimeProvider(time), defaultPipelines: true);
        await t.StartAsync("r-1");
        Assert.Contains(typeof(RentalService).FullName!, loggers.Categories);
        Assert.Contains(typeof(Reconciler).FullName!, loggers.Categories);
        Assert.True(time.Reads > 0);
    }

    [Fact]
    public async Task Without_a_time_provider_the_pipelines_read_the_engine_s_clock()
    {
        var clock = new FakeClock(TestEngine.T0);
        using var t = await TestEngine.CreateAsync(clock: clock, defaultPipelines: true);
        var provider = new ClockTimeProvider(clock);
        Assert.Equal(TestEngine.T0.ToDateTimeOffset(), provider.GetUtcNow());
        clock.Advance(Duration.FromMinutes(3));
        Assert.Equal((TestEngine.T0 + Duration.FromMinutes(3)).ToDateTimeOffset(), provider.GetUtcNow());
    }

    private static BillingEngineBuilder Complete(IJournal journal, IEnumerable<PricingPlan> plans, FakeClock? clock = null)
    {
        clock ??= new FakeClock(TestEngine.T0);
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans(plans)
            .UseIdentityProvider(new SwitchableIdentityProvider())
            .AddPaymentGateway(new SimulatedPaymentGateway("primary", clock));
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        return builder;
    }

    /// <summary>In-memory leases that record who asked for what.</summary>
    private sealed class RecordingClaims : ISettlementClaims
    {
        private readonly InMemorySettlementClaims inner = new();

        public List<(string Call, string Rental, string Owner)> Calls { get; } = [];

        public ValueTask<bool> TryClaimAsync(RentalId rentalId, string owner, Instant now, Instant until, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add(("claim", rentalId.Value, owner));
            }

            return inner.TryClaimAsync(rentalId, owner, now, until, cancellationToken);
        }

        public ValueTask ReleaseAsync(RentalId rentalId, string owner, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add(("release", rentalId.Value, owner));
            }

            return inner.ReleaseAsync(rentalId, owner, cancellationToken);
        }
    }

    private sealed class CountingTimeProvider : TimeProvider
    {
        private int reads;

        public int Reads => Volatile.Read(ref reads);

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Increment(ref reads);
            return base.GetUtcNow();
        }

        public override long GetTimestamp()
        {
            Interlocked.Increment(ref reads);
            return base.GetTimestamp();
        }
    }

    private sealed class CountingLoggerFactory : Microsoft.Extensions.Logging.ILoggerFactory
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Categories { get; } = [];

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName)
        {
            Categories.Add(categoryName);
            return NullLogger.Instance;
        }

        public void Dispose()
        {
        }
    }
}
