using System.Collections.Concurrent;
using System.Text;
using Billing.Resilience.Hosting.Tests.Support;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Hosting.Tests;

/// <summary>
/// The edges of the DI layer: argument checks of every extension method, the <c>Use…</c> methods replacing what was
/// there, the engine after the container is disposed, the start-up log, the options reaching the engine, and the exact
/// errors of the options validation.
/// </summary>
public sealed class DependencyInjectionEdgeTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");

    private const string BikeDocument = """{"data": {"plans": [{"plan_id": "bike", "name": "Bike", "currency": "KRW", "price": 1000, "is_taxable": false, "description": "Bike"}]}}""";

    private const string UnknownCurrencyDocument = """{"data": {"plans": [{"plan_id": "p", "name": "P", "currency": "XYZ", "price": 1, "is_taxable": false, "description": "d"}]}}""";

    [Fact]
    public void Every_builder_extension_names_its_null_argument()
    {
        var builder = new ServiceCollection().AddBillingResilience(TestSetup.ValidOptions);
        IBillingResilienceBuilder none = null!;

        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.Configure(_ => { })).ParamName);
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => builder.Configure(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.UseJournal(_ => new InMemoryJournal())).ParamName);
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => builder.UseJournal(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.UseInMemoryJournal()).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.AddPaymentGateway<PrimaryGateway>()).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.AddPaymentGateway(sp => sp.GetRequiredService<PrimaryGateway>())).ParamName);
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => builder.AddPaymentGateway(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.UseIdentityProvider<SwitchableIdentityProvider>()).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.UseIdentityProvider(_ => new SwitchableIdentityProvider())).ParamName);
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => builder.UseIdentityProvider(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.UseSettlementClaims(_ => new InMemorySettlementClaims())).ParamName);
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => builder.UseSettlementClaims(null!)).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => none.UseClock(new FakeClock(TestSetup.T0))).ParamName);
        Assert.Equal("clock", Assert.Throws<ArgumentNullException>(() => builder.UseClock(null!)).ParamName);

        // A null factory or gateway is refused before anything is registered.
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(IJournal) || d.ServiceType == typeof(IIdentityProvider));
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(ISettlementClaims) || d.ServiceType.Name == "PaymentGatewayRegistration");
    }

    [Fact]
    public async Task Registration_and_the_service_provider_extension_name_their_null_argument_services_first()
    {
        IServiceCollection services = null!;
        IServiceProvider provider = null!;

        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => services.AddBillingResilience(TestSetup.ValidOptions)).ParamName);
        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => services.AddBillingResilience(null!)).ParamName);
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddBillingResilience(null!)).ParamName);
        Assert.Equal("services", (await Assert.ThrowsAsync<ArgumentNullException>(() => provider.GetBillingEngineAsync())).ParamName);
    }

    [Fact]
    public void The_options_methods_name_their_null_argument()
    {
        var options = new BillingResilienceOptions();

        Assert.Equal("plans", Assert.Throws<ArgumentNullException>(() => options.AddPricingPlans(null!)).ParamName);
        Assert.Equal("json", Assert.Throws<ArgumentNullException>(() => options.AddGbfsPricingPlans(null!)).ParamName);
        Assert.Empty(options.PricingPlans);
    }

    [Fact]
    public async Task Configure_on_the_builder_adds_to_the_options_like_the_delegate_of_AddBillingResilience()
    {
        var clock = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        services.AddSingleton(sp => new SimulatedPaymentGateway("simulated", sp.GetRequiredService<IClock>()));
        var builder = services.AddBillingResilience(_ => { })
            .UseClock(clock).UseInMemoryJournal().UseIdentityProvider<SwitchableIdentityProvider>()
            .AddPaymentGateway(sp => sp.GetRequiredService<SimulatedPaymentGateway>());

        Assert.Same(builder, builder.Configure(TestSetup.ValidOptions).Configure(o => o.Reconciler.MaxConcurrency = 7));
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<BillingResilienceOptions>>().Value;
        Assert.Equal(7, options.Reconciler.MaxConcurrency);
        Assert.Equal("kickboard", Assert.Single(options.PricingPlans).PlanId);
        Assert.True((await (await provider.GetBillingEngineAsync()).Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"))).Started);
    }

    [Fact]
    public async Task UseSettlementClaims_twice_leaves_one_registration_the_last()
    {
        var first = new InMemorySettlementClaims();
        var last = new InMemorySettlementClaims();
        var builder = new ServiceCollection().AddTestBilling(new FakeClock(TestSetup.T0)).UseSettlementClaims(_ => first).UseSettlementClaims(_ => last);
        await using var provider = builder.Services.BuildServiceProvider();

        Assert.Single(builder.Services, d => d.ServiceType == typeof(ISettlementClaims));
        Assert.Same(last, provider.GetRequiredService<ISettlementClaims>());
    }

    [Fact]
    public async Task UseClock_twice_leaves_one_registration_the_last()
    {
        var first = new FakeClock(TestSetup.T0);
        var last = new FakeClock(TestSetup.T0 + Duration.FromDays(1));
        var builder = new ServiceCollection().AddTestBilling(first).UseClock(last);
        await using var provider = builder.Services.BuildServiceProvider();

        Assert.Single(builder.Services, d => d.ServiceType == typeof(IClock));
        Assert.Same(last, (await provider.GetBillingEngineAsync()).Clock);
    }

    [Fact]
    public async Task A_service_kept_past_the_container_cannot_get_the_engine_once_the_container_is_disposed()
    {
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0));
        var provider = services.BuildServiceProvider();
        var kept = new RememberingProvider(provider);
        Assert.NotNull(await kept.GetBillingEngineAsync());

        await provider.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => kept.GetBillingEngineAsync());
    }

    [Fact]
    public async Task Disposing_the_engine_holder_twice_is_harmless_and_it_stays_disposed()
    {
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0));
        var provider = services.BuildServiceProvider();
        var kept = new RememberingProvider(provider);
        var engine = await kept.GetBillingEngineAsync();
        var holder = Assert.Single(kept.Resolved.OfType<IDisposable>(), d => d is not BillingEngine);

        await provider.DisposeAsync();
        holder.Dispose();
        holder.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => kept.GetBillingEngineAsync());
        Assert.NotNull(engine);
    }

    [Fact]
    public async Task A_cancelled_wait_for_the_engine_throws_at_once_and_the_build_goes_on_for_the_next_caller()
    {
        // The journal answers once the test opens it (or after a few seconds, so that a caller blocked on the build fails instead of hanging).
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var fallback = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var opensAnyway = fallback.Token.Register(() => opened.TrySetResult());
        var journals = 0;
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0)).UseJournal(_ =>
        {
            Interlocked.Increment(ref journals);
            return new GatedJournal(opened.Task);
        });
        await using var provider = services.BuildServiceProvider();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => provider.GetBillingEngineAsync(new CancellationToken(canceled: true)));
        opened.TrySetResult();
        var engine = await provider.GetBillingEngineAsync();

        Assert.Same(engine, provider.GetRequiredService<BillingEngine>());
        Assert.Equal(1, journals);
    }

    [Theory]
    [InlineData(false, false, "payment up, identity up")]
    [InlineData(true, false, "payment down, identity up")]
    [InlineData(false, true, "payment up, identity down")]
    public async Task The_engine_logs_through_the_container_logger_factory_that_it_is_built_and_the_state_of_payment_and_identity(
        bool paymentDown, bool identityDown, string states)
    {
        // An earlier engine on the same journal recorded the outages: the container's engine reads them when it is built.
        var clock = new FakeClock(TestSetup.T0);
        var journal = new InMemoryJournal();
        using (var earlier = await BuildEngineAsync(clock, journal))
        {
            if (paymentDown)
            {
                await earlier.Health.ReportDownAsync(Dependency.Payment, "gateway timeouts");
            }

            if (identityDown)
            {
                await earlier.Health.ReportDownAsync(Dependency.Identity, "login backend unreachable");
            }
        }

        var logs = new ListLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddTestBilling(clock).UseJournal(_ => journal);
        await using var provider = services.BuildServiceProvider();

        var engine = await provider.GetBillingEngineAsync();

        Assert.Equal(paymentDown, engine.Health.IsDown(Dependency.Payment));
        Assert.Equal(identityDown, engine.Health.IsDown(Dependency.Identity));
        var built = Assert.Single(logs.Entries, e => e.EventId.Id == 5001 && e.Category == typeof(BillingEngine).FullName);
        Assert.Equal(LogLevel.Information, built.Level);
        Assert.Equal("Billing engine built: 0 rentals pending settlement; " + states, built.Message);
    }

    [Fact]
    public async Task Rental_token_keys_of_the_options_sign_the_engine_tokens_with_the_active_key()
    {
        var clock = new FakeClock(TestSetup.T0);
        var active = new RentalTokenKey { KeyId = "ops-2026", Secret = Encoding.UTF8.GetBytes("fedcba9876543210fedcba9876543210") };
        var services = new ServiceCollection();
        services.AddTestBilling(clock, o =>
        {
            o.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = active.KeyId, Secret = (byte[])active.Secret.Clone() });
            o.RentalTokens.ActiveKeyId = active.KeyId;
        });
        await using var provider = services.BuildServiceProvider();
        var engine = await provider.GetBillingEngineAsync();

        var started = await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        clock.Advance(Duration.FromMinutes(4));
        var end = await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Rider, started.RentalToken));

        Assert.True(end.Accepted);
        var ours = new RentalTokens(new RentalTokenOptions { Keys = { active }, ActiveKeyId = active.KeyId }, clock);
        Assert.Equal(RentalTokenProblem.None, ours.Verify(started.RentalToken, RentalId.From("r-1"), RiderId.From("u-1")));
        var otherSecret = new RentalTokens(new RentalTokenOptions { Keys = { new RentalTokenKey { KeyId = active.KeyId, Secret = Secret } }, ActiveKeyId = active.KeyId }, clock);
        Assert.Equal(RentalTokenProblem.BadSignature, otherSecret.Verify(started.RentalToken, RentalId.From("r-1"), RiderId.From("u-1")));
    }

    [Fact]
    public async Task FreezeOn_payment_only_from_the_options_keeps_the_meter_running_through_an_identity_outage()
    {
        var clock = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        services.AddTestBilling(clock, o => o.Metering.FreezeOn = new HashSet<Dependency> { Dependency.Payment });
        await using var provider = services.BuildServiceProvider();
        var engine = await provider.GetBillingEngineAsync();

        Assert.True((await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"))).Started);
        clock.Advance(Duration.FromMinutes(5));
        await engine.Health.ReportDownAsync(Dependency.Identity, "test");
        clock.Advance(Duration.FromMinutes(5));
        await engine.Health.ReportUpAsync(Dependency.Identity);
        await engine.Health.ReportDownAsync(Dependency.Payment, "test");
        clock.Advance(Duration.FromMinutes(5));
        var statement = await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None);

        Assert.Equal(Duration.FromMinutes(5), statement!.FrozenTime);
        Assert.Equal(Duration.FromMinutes(10), statement.BillableTime);
    }

    [Fact]
    public void A_bad_second_gbfs_document_is_reported_under_its_own_index_after_a_good_first_one()
    {
        var options = new BillingResilienceOptions();
        options.AddGbfsPricingPlans(BikeDocument).AddGbfsPricingPlans(UnknownCurrencyDocument);
        using var provider = ProviderWithEverythingRegistered();

        var result = Validator(provider).Validate(Options.DefaultName, options);

        Assert.Equal("bike", Assert.Single(options.PricingPlans).PlanId);
        var failure = Assert.Single(result.Failures!, f => f.Contains("gbfs", StringComparison.Ordinal));
        Assert.StartsWith("PricingPlans.gbfs[1].data.plans[0].currency: ", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_of_a_whole_gbfs_document_is_reported_at_the_document_path()
    {
        var options = new BillingResilienceOptions();
        TestSetup.ValidOptions(options);
        options.AddGbfsPricingPlans("{ not json").AddGbfsPricingPlans("[1, 2");
        using var provider = ProviderWithEverythingRegistered();

        var result = Validator(provider).Validate(Options.DefaultName, options);

        Assert.Collection(
            result.Failures!,
            f => Assert.Matches(@"^PricingPlans\.gbfs\[0\]: .* \[BILLING_GBFS_MALFORMED_JSON\]$", f),
            f => Assert.Matches(@"^PricingPlans\.gbfs\[1\]: .* \[BILLING_GBFS_MALFORMED_JSON\]$", f));
    }

    [Fact]
    public void Options_of_another_name_are_not_validated_the_engine_reads_the_unnamed_ones_only()
    {
        using var provider = ProviderWithEverythingRegistered();

        var named = provider.GetRequiredService<IOptionsMonitor<BillingResilienceOptions>>().Get("tenant-b");
        var skipped = Validator(provider).Validate("tenant-b", new BillingResilienceOptions());
        var unnamed = Validator(provider).Validate(null, new BillingResilienceOptions());

        Assert.Empty(named.PricingPlans);
        Assert.True(skipped.Skipped);
        Assert.True(unnamed.Failed);
    }

    [Fact]
    public void Valid_options_with_every_service_registered_succeed()
    {
        using var provider = ProviderWithEverythingRegistered();
        var options = new BillingResilienceOptions();
        TestSetup.ValidOptions(options);

        var result = Validator(provider).Validate(Options.DefaultName, options);

        Assert.True(result.Succeeded);
        Assert.False(result.Failed);
        Assert.Null(result.Failures);
    }

    [Fact]
    public void The_validation_names_its_null_options()
    {
        using var provider = ProviderWithEverythingRegistered();

        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => Validator(provider).Validate(Options.DefaultName, null!)).ParamName);
    }

    [Fact]
    public void Missing_plans_and_services_are_reported_with_their_exact_path_message_and_code()
    {
        var services = new ServiceCollection();
        services.AddBillingResilience(_ => { });
        using var provider = services.BuildServiceProvider();
        var options = new BillingResilienceOptions();
        options.Payments.HoldValidity = Duration.FromMinutes(1);
        options.RentalCache.Capacity = -1;

        var failures = Validator(provider).Validate(Options.DefaultName, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("Payments.HoldValidity: ", StringComparison.Ordinal) && f.EndsWith(" [BILLING_OPTIONS_HOLD_VALIDITY_RANGE]", StringComparison.Ordinal));
        Assert.Contains("RentalCache.Capacity: Capacity must be between 0 and 10000000; got -1. [BILLING_OPTIONS_RENTAL_CACHE_CAPACITY_RANGE]", failures);
        Assert.Contains("RentalTokens.Keys: At least one rental token key is required. [BILLING_TOKENS_NO_KEYS]", failures);
        Assert.Contains("RentalTokens.ActiveKeyId: The active key '' is not among the keys. [BILLING_TOKENS_ACTIVE_KEY_MISSING]", failures);
        Assert.Contains("PricingPlans: At least one pricing plan is required (o.AddPricingPlans or o.AddGbfsPricingPlans). [BILLING_ENGINE_PLANS_REQUIRED]", failures);
        Assert.Contains("Journal: A journal is required: builder.UseJournal(...), a store package's UseSqliteJournal(...), or UseInMemoryJournal() for tests. [BILLING_ENGINE_JOURNAL_REQUIRED]", failures);
        Assert.Contains("IdentityProvider: An identity provider is required: builder.UseIdentityProvider<T>(). [BILLING_ENGINE_IDENTITY_REQUIRED]", failures);
        Assert.Contains("PaymentGateways: At least one payment gateway is required: builder.AddPaymentGateway<T>(). [BILLING_ENGINE_GATEWAY_REQUIRED]", failures);
    }

    [Fact]
    public void A_duplicate_plan_id_and_a_hold_two_plans_cannot_express_are_each_reported_once_naming_the_first_plan()
    {
        using var provider = ProviderWithEverythingRegistered();
        var options = new BillingResilienceOptions();
        TestSetup.ValidOptions(options);
        options.AddPricingPlans([TestSetup.Kickboard]).AddGbfsPricingPlans(BikeDocument);
        options.Payments.HoldAmount = 0.5m;

        var failures = Validator(provider).Validate(Options.DefaultName, options).Failures!.ToList();

        Assert.Equal(
            [
                "PricingPlans: Plan id 'kickboard' is added 2 times. [BILLING_ENGINE_PLAN_DUPLICATE]",
                $"Payments.HoldAmount: HoldAmount {0.5m} has more decimals than KRW of plan 'kickboard' allows. [BILLING_OPTIONS_HOLD_AMOUNT_PRECISION]",
            ],
            failures);
    }

    private static ServiceProvider ProviderWithEverythingRegistered()
    {
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0));
        return services.BuildServiceProvider();
    }

    private static IValidateOptions<BillingResilienceOptions> Validator(IServiceProvider provider)
        => Assert.Single(provider.GetServices<IValidateOptions<BillingResilienceOptions>>());

    private static async Task<BillingEngine> BuildEngineAsync(IClock clock, IJournal journal)
    {
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([TestSetup.Kickboard])
            .UseIdentityProvider(new SwitchableIdentityProvider())
            .AddPaymentGateway(new SimulatedPaymentGateway("earlier", clock));
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Secret });
        builder.RentalTokens.ActiveKeyId = "k1";
        return await builder.BuildAsync();
    }

    /// <summary>Remembers what it resolved, like a component that kept its services past the container's disposal.</summary>
    private sealed class RememberingProvider(IServiceProvider inner) : IServiceProvider
    {
        private readonly ConcurrentDictionary<Type, object?> resolved = new();

        public IEnumerable<object> Resolved => resolved.Values.OfType<object>();

        public object? GetService(Type serviceType) => resolved.GetOrAdd(serviceType, inner.GetService);
    }

    /// <summary>An in-memory journal that answers once <paramref name="opened"/> completes, like a database still connecting.</summary>
    private sealed class GatedJournal(Task opened) : IJournal
    {
        private readonly InMemoryJournal inner = new();

        public async ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
        {
            await opened.ConfigureAwait(false);
            return await inner.AppendAsync(streamId, expectedVersion, events, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
        {
            await opened.ConfigureAwait(false);
            return await inner.ReadStreamAsync(streamId, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
        {
            await opened.ConfigureAwait(false);
            return await inner.ReadAllAsync(afterPosition, maxCount, cancellationToken).ConfigureAwait(false);
        }
    }
}
