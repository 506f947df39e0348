using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;
using Polly;

namespace Billing.Resilience.Tests.Support;

/// <summary>An engine on a fake clock, an in-memory journal and simulated gateways, for tests.</summary>
internal sealed class TestEngine : IDisposable
{
    public static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 5, 50);

    /// <summary>1,000 KRW to unlock, then 180 KRW per started minute (the seed's kickboard).</summary>
    public static readonly PricingPlan Kickboard = new("kickboard", CurrencyCode.KRW, 1000m, [new PricingSegment(0, 180m, 1)]);

    /// <summary>1,000 KRW for the first 15 minutes, then 500 KRW per started 5 minutes (the seed's bike).</summary>
    public static readonly PricingPlan Bike = new("bike", CurrencyCode.KRW, 1000m, [new PricingSegment(15, 500m, 5)]);

    /// <summary>Free for the first 5 minutes, then 100 KRW per started minute: a short ride costs nothing.</summary>
    public static readonly PricingPlan Promo = new("promo", CurrencyCode.KRW, 0m, [new PricingSegment(5, 100m, 1)]);

    private TestEngine(BillingEngine engine, FakeClock clock, IJournal journal, IReadOnlyList<SimulatedPaymentGateway> gateways, SwitchableIdentityProvider identity)
    {
        Engine = engine;
        Clock = clock;
        Journal = journal;
        Gateways = gateways;
        Identity = identity;
    }

    public BillingEngine Engine { get; }

    public FakeClock Clock { get; }

    public IJournal Journal { get; }

    public IReadOnlyList<SimulatedPaymentGateway> Gateways { get; }

    public SimulatedPaymentGateway Gateway => Gateways[0];

    public SwitchableIdentityProvider Identity { get; }

    public static async Task<TestEngine> CreateAsync(
        Action<BillingEngineBuilder>? configure = null,
        IJournal? journal = null,
        FakeClock? clock = null,
        int gateways = 1,
        bool defaultPipelines = false,
        IReadOnlyList<SimulatedPaymentGateway>? existingGateways = null)
    {
        clock ??= new FakeClock(T0);
        journal ??= new InMemoryJournal();
        var simulated = existingGateways ?? Enumerable.Range(0, gateways).Select(i => new SimulatedPaymentGateway(i == 0 ? "primary" : $"secondary-{i}", clock)).ToList();
        var identity = new SwitchableIdentityProvider();
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([Kickboard, Bike, Promo])
            .UseIdentityProvider(identity);
        foreach (var gateway in simulated)
        {
            builder.AddPaymentGateway(gateway, defaultPipelines ? null : NoWaitPipeline());
        }

        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        configure?.Invoke(builder);
        var engine = await builder.BuildAsync();
        return new TestEngine(engine, clock, journal, simulated, identity);
    }

    /// <summary>Retries the same request at once after a timeout: what the default pipeline does, without real waiting.</summary>
    public static ResiliencePipeline<PaymentResult> NoWaitPipeline()
        => new ResiliencePipelineBuilder<PaymentResult>()
            .AddRetry(new Polly.Retry.RetryStrategyOptions<PaymentResult>
            {
                ShouldHandle = new PredicateBuilder<PaymentResult>().Handle<TimeoutException>().HandleResult(r => r.Outcome == PaymentOutcome.Unknown),
                MaxRetryAttempts = 2,
                Delay = TimeSpan.Zero,
            })
            .Build();

    public RentalService Rentals => Engine.Rentals;

    public void Advance(Duration duration) => Clock.Advance(duration);

    public async Task<string> StartAsync(string rentalId, string plan = "kickboard", string rider = "u-1")
    {
        var result = await Rentals.StartAsync(new StartRental(rentalId, rider, plan, "session"));
        Assert.True(result.Started, $"start refused: {result.Refusal} {string.Join("; ", result.Errors)}");
        return result.RentalToken!;
    }

    public async Task<EndSignalReceipt> EndAsync(string rentalId, Instant at, EndSignalSource source = EndSignalSource.Vehicle, string? token = null)
    {
        var receipt = await Rentals.ReportEndAsync(new ReportEndSignal(rentalId, at, source, token));
        Assert.True(receipt.Accepted, string.Join("; ", receipt.Errors));
        return receipt;
    }

    public Task DownAsync(Dependency dependency)
    {
        if (dependency == Dependency.Payment)
        {
            foreach (var g in Gateways)
            {
                g.SetAvailable(false);
            }
        }
        else
        {
            Identity.Available = false;
        }

        return Engine.Health.ReportDownAsync(dependency, "test");
    }

    public Task UpAsync(Dependency dependency)
    {
        if (dependency == Dependency.Payment)
        {
            foreach (var g in Gateways)
            {
                g.SetAvailable(true);
            }
        }
        else
        {
            Identity.Available = true;
        }

        return Engine.Health.ReportUpAsync(dependency);
    }

    /// <summary>Runs the reconciler until nothing is due now or later within <paramref name="horizon"/>, advancing the clock to each due time.</summary>
    public async Task SettleAsync(Duration? horizon = null)
    {
        var until = Clock.GetCurrentInstant() + (horizon ?? Duration.FromHours(1));
        for (var i = 0; i < 10_000; i++)
        {
            await Engine.Reconciler.RunOnceAsync();
            if (Engine.Reconciler.NextDueAt is not { } due || due > until || Engine.Health.IsDown(Dependency.Payment))
            {
                return;
            }

            if (due > Clock.GetCurrentInstant())
            {
                Clock.Reset(due);
            }
        }

        throw new InvalidOperationException("The reconciler did not come to rest.");
    }

    public async Task<RentalStatement> StatementAsync(string rentalId)
        => (await Rentals.GetStatementAsync(rentalId, CancellationToken.None))!;

    public void Dispose() => Engine.Dispose();
}

/// <summary>An identity backend that is up or down as the test says.</summary>
internal sealed class SwitchableIdentityProvider : IIdentityProvider
{
    public bool Available { get; set; } = true;

    public ISet<string> DeniedRiders { get; } = new HashSet<string>();

    public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
        => !Available
            ? throw new HttpRequestException("identity backend unreachable")
            : ValueTask.FromResult(DeniedRiders.Contains(riderId.Value) ? IdentityVerdict.Denied : IdentityVerdict.Authenticated);
}
