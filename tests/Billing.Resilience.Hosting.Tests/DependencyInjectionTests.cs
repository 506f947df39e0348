using System.Text;
using Billing.Resilience.Hosting.Tests.Support;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Hosting.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task Registering_builds_nothing_until_the_engine_is_resolved()
    {
        var created = new List<string>();
        var clock = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        services.AddBillingResilience(TestSetup.ValidOptions)
            .UseClock(clock)
            .UseJournal(_ =>
            {
                created.Add("journal");
                return new InMemoryJournal();
            })
            .UseIdentityProvider(_ =>
            {
                created.Add("identity");
                return new SwitchableIdentityProvider();
            })
            .AddPaymentGateway(sp =>
            {
                created.Add("gateway");
                return new SimulatedPaymentGateway("simulated", sp.GetRequiredService<IClock>());
            });

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Assert.Empty(created);

        var rentals = provider.GetRequiredService<RentalService>();
        Assert.Equal(["journal", "identity", "gateway"], created);

        // One engine; the services are its own.
        var engine = provider.GetRequiredService<BillingEngine>();
        Assert.Same(engine.Rentals, rentals);
        Assert.Same(engine.Reconciler, provider.GetRequiredService<Reconciler>());
        Assert.Same(engine.Health, provider.GetRequiredService<DependencyHealth>());
        Assert.Same(engine, await provider.GetBillingEngineAsync());
        Assert.Same(clock, engine.Clock);
        Assert.Equal(3, created.Count);
    }

    [Fact]
    public async Task Concurrent_first_resolutions_share_one_build()
    {
        var builds = 0;
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0)).UseJournal(_ =>
        {
            Interlocked.Increment(ref builds);
            return new InMemoryJournal();
        });
        await using var provider = services.BuildServiceProvider();

        var engines = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? provider.GetBillingEngineAsync()
            : Task.Run(() => provider.GetRequiredService<BillingEngine>())));

        Assert.All(engines, e => Assert.Same(engines[0], e));
        Assert.Equal(1, builds);
    }

    [Fact]
    public async Task A_failed_build_is_tried_again()
    {
        var attempts = 0;
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0)).UseJournal(_ =>
            ++attempts == 1 ? throw new IOException("journal unreachable at start") : new InMemoryJournal());
        await using var provider = services.BuildServiceProvider();

        await Assert.ThrowsAsync<IOException>(() => provider.GetBillingEngineAsync());
        var engine = await provider.GetBillingEngineAsync();

        Assert.NotNull(engine);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Asking_for_the_engine_without_registering_the_library_says_what_to_call()
    {
        await using var provider = new ServiceCollection().BuildServiceProvider();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetBillingEngineAsync());

        Assert.Contains("AddBillingResilience", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_last_identity_provider_chosen_wins()
    {
        var last = new SwitchableIdentityProvider { Available = false };
        var builder = new ServiceCollection().AddTestBilling(new FakeClock(TestSetup.T0)).UseIdentityProvider(_ => last);
        await using var provider = builder.Services.BuildServiceProvider();

        var result = await provider.GetRequiredService<RentalService>().StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.Equal(StartRefusal.IdentityUnavailable, result.Refusal);
        Assert.Single(builder.Services, d => d.ServiceType == typeof(IIdentityProvider));
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_at_start_with_every_error_in_one_message()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddBillingResilience(o =>
        {
            // No plans, no token keys, and out-of-range options (a 1-minute hold is shorter than the 24-hour expiry warning too).
            o.Metering.FreezeGrace = Duration.FromHours(-1);
            o.Reconciler.MaxConcurrency = 0;
            o.Payments.HoldValidity = Duration.FromMinutes(1);
        });

        // Nothing registered for the journal, the identity provider or the gateways either.
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        foreach (var code in new[]
        {
            "BILLING_OPTIONS_FREEZE_GRACE_RANGE", "BILLING_OPTIONS_RECONCILER_CONCURRENCY_RANGE", "BILLING_OPTIONS_HOLD_VALIDITY_RANGE",
            "BILLING_OPTIONS_HOLD_EXPIRY_WARNING_RANGE",
            "BILLING_TOKENS_NO_KEYS", "BILLING_TOKENS_ACTIVE_KEY_MISSING", "BILLING_ENGINE_PLANS_REQUIRED",
            "BILLING_ENGINE_JOURNAL_REQUIRED", "BILLING_ENGINE_IDENTITY_REQUIRED", "BILLING_ENGINE_GATEWAY_REQUIRED",
        })
        {
            Assert.Contains(code, error.Message, StringComparison.Ordinal);
        }

        Assert.Contains("Metering.FreezeGrace", error.Message, StringComparison.Ordinal);
        Assert.Contains("Reconciler.MaxConcurrency", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, error.Failures.Count());
    }

    [Fact]
    public void Without_a_host_the_first_resolution_reports_every_error()
    {
        var services = new ServiceCollection();
        services.AddBillingResilience(o => o.Reconciler.MaxCallsPerSecond = 0).UseInMemoryJournal();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<RentalService>());

        Assert.Contains("BILLING_OPTIONS_RECONCILER_RATE_RANGE", error.Message, StringComparison.Ordinal);
        Assert.Contains("BILLING_ENGINE_GATEWAY_REQUIRED", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BILLING_ENGINE_JOURNAL_REQUIRED", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_problems_are_reported_with_the_rest_duplicate_ids_hold_precision_and_gbfs_errors_with_their_path()
    {
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0), o =>
        {
            o.AddPricingPlans([TestSetup.Kickboard]);
            o.Payments.HoldAmount = 0.5m;
            o.AddGbfsPricingPlans("""{"data": {"plans": [{"plan_id": "p", "name": "P", "currency": "XYZ", "price": 1, "is_taxable": false, "description": "d"}]}}""");
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BillingResilienceOptions>>().Value);

        Assert.Contains("BILLING_ENGINE_PLAN_DUPLICATE", error.Message, StringComparison.Ordinal);
        Assert.Contains("BILLING_OPTIONS_HOLD_AMOUNT_PRECISION", error.Message, StringComparison.Ordinal);
        Assert.Contains("PricingPlans.gbfs[0].data.plans[0].currency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gbfs_plans_are_added_from_the_document()
    {
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0), o => o.AddGbfsPricingPlans(
            """{"data": {"plans": [{"plan_id": "bike", "name": "Bike", "currency": "KRW", "price": 1000, "is_taxable": false, "description": "Bike"}]}}"""));
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<RentalService>().StartAsync(new StartRental("r-1", "u-1", "bike"));

        Assert.True(result.Started);
    }

    [Fact]
    public async Task An_application_clock_registered_before_or_after_wins_over_the_default()
    {
        var before = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        services.AddSingleton<IClock>(before);
        services.AddBillingResilience(TestSetup.ValidOptions).UseInMemoryJournal().UseIdentityProvider<SwitchableIdentityProvider>().AddPaymentGateway<PrimaryGateway>();
        await using (var provider = services.BuildServiceProvider())
        {
            Assert.Same(before, (await provider.GetBillingEngineAsync()).Clock);
        }

        var after = new FakeClock(TestSetup.T0);
        services.AddSingleton<IClock>(after);
        await using (var provider = services.BuildServiceProvider())
        {
            Assert.Same(after, (await provider.GetBillingEngineAsync()).Clock);
        }
    }

    [Fact]
    public async Task The_default_clock_is_the_system_clock()
    {
        var services = new ServiceCollection();
        services.AddBillingResilience(TestSetup.ValidOptions).UseInMemoryJournal().UseIdentityProvider<SwitchableIdentityProvider>().AddPaymentGateway<PrimaryGateway>();
        await using var provider = services.BuildServiceProvider();

        Assert.Same(SystemClock.Instance, (await provider.GetBillingEngineAsync()).Clock);
    }

    [Fact]
    public async Task An_application_journal_registered_afterwards_overrides_the_chosen_one_and_the_last_UseJournal_wins()
    {
        var mine = new InMemoryJournal();
        var services = new ServiceCollection();
        services.AddTestBilling(new FakeClock(TestSetup.T0));
        services.AddSingleton<IJournal>(mine);
        await using (var provider = services.BuildServiceProvider())
        {
            Assert.Same(mine, (await provider.GetBillingEngineAsync()).Journal);
        }

        var last = new InMemoryJournal();
        var builder = new ServiceCollection().AddTestBilling(new FakeClock(TestSetup.T0));
        builder.UseJournal(_ => new InMemoryJournal()).UseJournal(_ => last);
        await using (var provider = builder.Services.BuildServiceProvider())
        {
            Assert.Same(last, (await provider.GetBillingEngineAsync()).Journal);
            Assert.Single(builder.Services, d => d.ServiceType == typeof(IJournal));
        }
    }

    [Fact]
    public async Task An_application_engine_registration_wins()
    {
        var clock = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        services.AddSingleton(_ => BuildEngine(clock));
        services.AddTestBilling(clock);
        await using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<BillingEngine>();
        Assert.Same(engine.Rentals, provider.GetRequiredService<RentalService>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Gateways_take_new_money_in_registration_order(bool secondaryFirst)
    {
        var clock = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        var builder = services.AddBillingResilience(o =>
            {
                TestSetup.ValidOptions(o);
                o.Payments.HoldAmount = 5000m;
            })
            .UseClock(clock).UseInMemoryJournal().UseIdentityProvider<SwitchableIdentityProvider>();
        if (secondaryFirst)
        {
            builder.AddPaymentGateway(sp => sp.GetRequiredService<SecondaryGateway>()).AddPaymentGateway<PrimaryGateway>();
            services.AddSingleton<SecondaryGateway>();
        }
        else
        {
            builder.AddPaymentGateway<PrimaryGateway>().AddPaymentGateway<SecondaryGateway>().AddPaymentGateway<PrimaryGateway>();
        }

        await using var provider = services.BuildServiceProvider();
        var result = await provider.GetRequiredService<RentalService>().StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.True(result.Started);
        var (first, second) = secondaryFirst
            ? ((ForwardingGateway)provider.GetRequiredService<SecondaryGateway>(), (ForwardingGateway)provider.GetRequiredService<PrimaryGateway>())
            : (provider.GetRequiredService<PrimaryGateway>(), provider.GetRequiredService<SecondaryGateway>());
        Assert.Single(first.Inner.GetOperations("r-1"), op => op.Kind == PaymentOperationKind.Authorize);
        Assert.Empty(second.Inner.GetOperations("r-1"));
    }

    [Fact]
    public void The_same_gateway_type_added_twice_is_one_gateway_and_a_second_AddBillingResilience_adds_to_the_options()
    {
        var services = new ServiceCollection();
        services.AddBillingResilience(TestSetup.ValidOptions).UseInMemoryJournal().UseIdentityProvider<SwitchableIdentityProvider>()
            .AddPaymentGateway<PrimaryGateway>().AddPaymentGateway<PrimaryGateway>();
        services.AddBillingResilience(o => o.Reconciler.MaxConcurrency = 3);
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(PrimaryGateway));
        Assert.Single(services, d => d.ServiceType == typeof(BillingEngine));
        var options = provider.GetRequiredService<IOptionsMonitor<BillingResilienceOptions>>().Get(Options.DefaultName);
        Assert.Equal(3, options.Reconciler.MaxConcurrency);
        Assert.Single(options.PricingPlans);
    }

    [Fact]
    public async Task Options_reach_the_engine_freeze_policy_and_hold()
    {
        var clock = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        services.AddTestBilling(clock, o =>
        {
            // Only identity outages freeze; a hold is placed at start.
            o.Metering.FreezeOn = new HashSet<Dependency> { Dependency.Identity };
            o.Payments.HoldAmount = 5000m;
        });
        await using var provider = services.BuildServiceProvider();
        var engine = await provider.GetBillingEngineAsync();

        Assert.True((await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"))).Started);
        clock.Advance(Duration.FromMinutes(5));
        await engine.Health.ReportDownAsync(Dependency.Payment, "test");
        clock.Advance(Duration.FromMinutes(5));
        var statement = await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None);

        Assert.Equal(Duration.Zero, statement!.FrozenTime);
        Assert.Equal(Duration.FromMinutes(10), statement.BillableTime);
        Assert.Equal(Money.FromMinorUnits(5000, CurrencyCode.KRW), statement.Money.Authorized);
    }

    [Fact]
    public async Task Settlement_claims_in_the_container_coordinate_instances_under_the_configured_name()
    {
        var clock = new FakeClock(TestSetup.T0);
        var claims = new RecordingClaims();
        var services = new ServiceCollection();
        services.AddTestBilling(clock, o => o.InstanceId = "pod-a").UseSettlementClaims(_ => claims);
        await using var provider = services.BuildServiceProvider();
        var engine = await provider.GetBillingEngineAsync();

        Assert.True((await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"))).Started);
        clock.Advance(Duration.FromMinutes(3));
        Assert.True((await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Vehicle))).Accepted);
        await engine.Reconciler.RunOnceAsync();

        Assert.Contains(("r-1", "pod-a"), claims.Claimed);
        Assert.Equal(RentalStatus.Settled, (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task The_meter_is_created_by_the_container_meter_factory()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddTestBilling(new FakeClock(TestSetup.T0));
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var scopes = new List<object?>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == "Billing.Resilience")
                {
                    lock (scopes)
                    {
                        scopes.Add(instrument.Meter.Scope);
                    }
                }
            },
        };
        listener.Start();

        await provider.GetBillingEngineAsync();

        lock (scopes)
        {
            // The listener sees every meter in the process (other tests run in parallel): ours must be among them.
            Assert.Contains(scopes, scope => ReferenceEquals(scope, factory));
        }
    }

    /// <summary>
    /// A tripwire: the DI layer copies every option into <see cref="BillingEngineBuilder"/> by hand. When an option is
    /// added, copy it in BillingEngineHolder.CopyOptions, then add it here.
    /// </summary>
    [Theory]
    [InlineData(typeof(MeteringOptions), "EndSignalSkew,FreezeGrace,FreezeOn,IntervalRounding,MaxDistanceIncrementsPerRental,MaxEndSignalsPerRental")]
    [InlineData(typeof(PaymentOptions), "HoldAmount,HoldExpiryWarning,HoldValidity")]
    [InlineData(typeof(ReconcilerOptions), "JitterSeed,LeaseDuration,MaxCallsPerSecond,MaxCatchUpEventsPerRun,MaxConcurrency,MaxRentalsPerRun,RetryBaseDelay,RetryMaxDelay")]
    [InlineData(typeof(RentalTokenOptions), "ActiveKeyId,Keys,Lifetime")]
    [InlineData(typeof(RentalTokenKey), "KeyId,Secret")]
    [InlineData(typeof(RentalCacheOptions), "Capacity")]
    [InlineData(typeof(BillingResilienceOptions), "InstanceId,Metering,Payments,PricingPlans,Reconciler,RentalCache,RentalTokens")]
    public void Every_option_is_copied_into_the_engine_builder(Type options, string copied)
    {
        var properties = options.GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(copied, string.Join(",", properties));
    }

    private sealed class RecordingClaims : ISettlementClaims
    {
        private readonly InMemorySettlementClaims inner = new();

        public System.Collections.Concurrent.ConcurrentQueue<(string RentalId, string Owner)> Claimed { get; } = new();

        public ValueTask<bool> TryClaimAsync(RentalId rentalId, string owner, Instant now, Instant until, CancellationToken cancellationToken)
        {
            Claimed.Enqueue((rentalId.Value, owner));
            return inner.TryClaimAsync(rentalId, owner, now, until, cancellationToken);
        }

        public ValueTask ReleaseAsync(RentalId rentalId, string owner, CancellationToken cancellationToken) => inner.ReleaseAsync(rentalId, owner, cancellationToken);
    }

    private static BillingEngine BuildEngine(IClock clock)
    {
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(new InMemoryJournal())
            .AddPricingPlans([TestSetup.Kickboard])
            .UseIdentityProvider(new SwitchableIdentityProvider())
            .AddPaymentGateway(new SimulatedPaymentGateway("own", clock));
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        return builder.BuildAsync().GetAwaiter().GetResult();
    }
}
