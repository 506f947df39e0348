using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Billing.Resilience;

/// <summary>
/// Assembles a <see cref="BillingEngine"/>. Nothing is built or connected until <see cref="BuildAsync"/>, which
/// validates every option at once and reports all problems in one <see cref="InvalidInputException"/>.
/// </summary>
public sealed class BillingEngineBuilder
{
    private readonly List<PricingPlan> plans = [];
    private readonly List<(IPaymentGateway Gateway, ResiliencePipeline<PaymentResult>? Pipeline, CircuitBreakerStateProvider? Circuit)> gateways = [];
    private IClock? clock;
    private IJournal? journal;
    private IIdentityProvider? identity;
    private ILoggerFactory loggerFactory = NullLoggerFactory.Instance;
    private TimeProvider? timeProvider;
    private System.Diagnostics.Metrics.IMeterFactory? meterFactory;
    private ISettlementClaims? claims;
    private string? instanceId;

    /// <summary>Gets the metering options (freeze policy, grace, skew tolerance, rounding).</summary>
    public MeteringOptions Metering { get; } = new();

    /// <summary>Gets the payment options (hold amount and validity).</summary>
    public PaymentOptions Payments { get; } = new();

    /// <summary>Gets the reconciler options (rate, concurrency, backoff).</summary>
    public ReconcilerOptions Reconciler { get; } = new();

    /// <summary>Gets the rental token options (keys, lifetime).</summary>
    public RentalTokenOptions RentalTokens { get; } = new();

    /// <summary>Gets the rental cache options (how many rental states are kept in memory).</summary>
    public RentalCacheOptions RentalCache { get; } = new();

    /// <summary>Uses a clock (required). Production: <c>SystemClock.Instance</c>; tests and drills: a fake clock.</summary>
    public BillingEngineBuilder UseClock(IClock value)
    {
        clock = Preconditions.CheckNotNull(value);
        return this;
    }

    /// <summary>Uses a journal (required): SQLite by default in production, PostgreSQL for several instances, in-memory for tests.</summary>
    public BillingEngineBuilder UseJournal(IJournal value)
    {
        journal = Preconditions.CheckNotNull(value);
        return this;
    }

    /// <summary>Adds pricing plans (at least one is required); plan ids must be unique.</summary>
    public BillingEngineBuilder AddPricingPlans(IEnumerable<PricingPlan> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        plans.AddRange(values);
        return this;
    }

    /// <summary>Uses an identity provider (required).</summary>
    public BillingEngineBuilder UseIdentityProvider(IIdentityProvider value)
    {
        identity = Preconditions.CheckNotNull(value);
        return this;
    }

    /// <summary>Adds a payment gateway (at least one is required); the first added gets new holds and charges first. Without a pipeline, the default one (<see cref="PaymentGateways.CreateDefaultPipeline(TimeProvider)"/>) is used, with its circuit breaker feeding dependency health.</summary>
    public BillingEngineBuilder AddPaymentGateway(IPaymentGateway gateway, ResiliencePipeline<PaymentResult>? pipeline = null, CircuitBreakerStateProvider? circuit = null)
    {
        gateways.Add((Preconditions.CheckNotNull(gateway), pipeline, circuit));
        return this;
    }

    /// <summary>Uses a logger factory.</summary>
    public BillingEngineBuilder UseLoggerFactory(ILoggerFactory value)
    {
        loggerFactory = Preconditions.CheckNotNull(value);
        return this;
    }

    /// <summary>
    /// Declares that several application instances share the journal, and coordinates them through leases: each
    /// instance settles a rental only while it holds its lease, reads other instances' work from the journal, and
    /// keeps no rental state in a cache. Required with a shared PostgreSQL journal.
    /// </summary>
    /// <param name="value">The leases (the PostgreSQL package provides them).</param>
    /// <param name="instance">This instance's name in leases; by default a new GUID.</param>
    public BillingEngineBuilder UseSettlementClaims(ISettlementClaims value, string? instance = null)
    {
        claims = Preconditions.CheckNotNull(value);
        instanceId = instance;
        return this;
    }

    /// <summary>Creates the library's meter (<c>Billing.Resilience</c>) from the host's meter factory; without one the engine creates its own meter.</summary>
    public BillingEngineBuilder UseMeterFactory(System.Diagnostics.Metrics.IMeterFactory value)
    {
        meterFactory = Preconditions.CheckNotNull(value);
        return this;
    }

    /// <summary>Uses a time provider for Polly's timers and circuit breakers; by default one whose "now" is the clock.</summary>
    public BillingEngineBuilder UseTimeProvider(TimeProvider value)
    {
        timeProvider = Preconditions.CheckNotNull(value);
        return this;
    }

    /// <summary>Validates everything, reads the outage log and the pending settlements from the journal, and returns the engine.</summary>
    /// <exception cref="InvalidInputException">Something is missing or invalid; every problem is listed.</exception>
    public async Task<BillingEngine> BuildAsync(CancellationToken cancellationToken = default)
    {
        var errors = new List<ValidationError>();
        if (clock is null)
        {
            errors.Add(new ValidationError("Clock", "BILLING_ENGINE_CLOCK_REQUIRED", "A clock is required (UseClock)."));
        }

        if (journal is null)
        {
            errors.Add(new ValidationError("Journal", "BILLING_ENGINE_JOURNAL_REQUIRED", "A journal is required (UseJournal)."));
        }

        if (identity is null)
        {
            errors.Add(new ValidationError("IdentityProvider", "BILLING_ENGINE_IDENTITY_REQUIRED", "An identity provider is required (UseIdentityProvider)."));
        }

        if (gateways.Count == 0)
        {
            errors.Add(new ValidationError("PaymentGateways", "BILLING_ENGINE_GATEWAY_REQUIRED", "At least one payment gateway is required (AddPaymentGateway)."));
        }

        if (plans.Count == 0)
        {
            errors.Add(new ValidationError("PricingPlans", "BILLING_ENGINE_PLANS_REQUIRED", "At least one pricing plan is required (AddPricingPlans)."));
        }

        foreach (var duplicate in plans.GroupBy(p => p.PlanId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add(new ValidationError("PricingPlans", "BILLING_ENGINE_PLAN_DUPLICATE", $"Plan id '{duplicate.Key}' is added {duplicate.Count()} times."));
        }

        errors.AddRange(OptionsValidation.Validate(new MeteringOptionsValidator(), Metering, "Metering"));
        errors.AddRange(OptionsValidation.Validate(new PaymentOptionsValidator(), Payments, "Payments"));
        errors.AddRange(OptionsValidation.Validate(new ReconcilerOptionsValidator(), Reconciler, "Reconciler"));
        errors.AddRange(OptionsValidation.Validate(new RentalTokenOptionsValidator(), RentalTokens, "RentalTokens"));
        errors.AddRange(OptionsValidation.Validate(new RentalCacheOptionsValidator(), RentalCache, "RentalCache"));
        if (Payments.HoldAmount is { } hold)
        {
            foreach (var plan in plans.Where(p => decimal.Round(hold, p.Currency.MinorDigits) != hold).Take(1))
            {
                errors.Add(new ValidationError("Payments.HoldAmount", "BILLING_OPTIONS_HOLD_AMOUNT_PRECISION", $"HoldAmount {hold} has more decimals than {plan.Currency.Code} of plan '{plan.PlanId}' allows."));
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidInputException(errors);
        }

        var time = timeProvider ?? new ClockTimeProvider(clock!);
        var health = new DependencyHealth(journal!, clock!, loggerFactory.CreateLogger<DependencyHealth>()) { Shared = claims is not null };
        await health.LoadAsync(cancellationToken).ConfigureAwait(false);

        var registry = new PaymentGateways();
        var open = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (gateway, pipeline, circuit) in gateways)
        {
            if (pipeline is null)
            {
                var state = new CircuitBreakerStateProvider();
                registry.Add(gateway, PaymentPipelineWithHealth(gateway.Name, time, health, open, gateways.Count, state), state);
            }
            else
            {
                registry.Add(gateway, pipeline, circuit);
            }
        }

        // Several instances: another instance's appends would not be seen by a cache, so every load reads the journal.
        var repository = new RentalRepository(journal!, claims is null ? RentalCache.Capacity : 0);
        var metrics = new Telemetry.BillingMetrics(meterFactory);
        var core = new BillingCore
        {
            Clock = clock!,
            Rentals = repository,
            Health = health,
            Plans = plans.ToDictionary(p => p.PlanId, StringComparer.Ordinal),
            Tokens = new RentalTokens(RentalTokens, clock!),
            Identity = new ResilientIdentityProvider(identity!, IdentityPipeline(time, health)),
            Gateways = registry,
            Payments = new PaymentProcessor(registry, repository, clock!, loggerFactory.CreateLogger<PaymentProcessor>(), metrics),
            Metering = Metering,
            PaymentOptions = Payments,
            ReconcilerOptions = Reconciler,
            Queue = new SettlementQueue(),
            LoggerFactory = loggerFactory,
            Metrics = metrics,
            Claims = claims,
            InstanceId = instanceId ?? Guid.NewGuid().ToString("N"),
        };
        var engine = new BillingEngine(core, journal!);
        var metering = Metering;
        core.Metrics.Observe(
            () => core.Queue.Count,
            () => metering.FreezeOn.Any(d => health.CurrentOutage(d) is { } o && o.From + metering.FreezeGrace <= clock!.GetCurrentInstant()) ? (int)Math.Min(int.MaxValue, core.Metrics.Open) : 0,
            () => Enum.GetValues<Dependency>().Where(health.IsDown).ToArray());
        health.Changed += outage =>
        {
            if (outage.To is { } to)
            {
                core.Metrics.OutageEnded(outage.Dependency, (to - outage.From).TotalSeconds);
            }
        };
        await engine.Reconciler.RecoverAsync(cancellationToken).ConfigureAwait(false);
        return engine;
    }

    private static ResiliencePipeline<PaymentResult> PaymentPipelineWithHealth(string name, TimeProvider time, DependencyHealth health, HashSet<string> open, int gatewayCount, CircuitBreakerStateProvider circuit)
        => PaymentGateways.CreateDefaultPipeline(time, async isOpen =>
        {
            bool allOpen;
            lock (open)
            {
                if (isOpen)
                {
                    open.Add(name);
                }
                else
                {
                    open.Remove(name);
                }

                allOpen = open.Count == gatewayCount;
            }

            // The payment dependency is down when no gateway can take money; any closed circuit brings it back.
            if (allOpen)
            {
                await health.ReportDownAsync(Dependency.Payment, DependencyHealth.CircuitReasonPrefix + " on every payment gateway").ConfigureAwait(false);
            }
            else if (!isOpen)
            {
                await health.ReportUpAsync(Dependency.Payment).ConfigureAwait(false);
            }
        }, circuit);

    private static ResiliencePipeline<IdentityVerdict> IdentityPipeline(TimeProvider time, DependencyHealth health)
        => new ResiliencePipelineBuilder<IdentityVerdict> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<IdentityVerdict>
            {
                ShouldHandle = new PredicateBuilder<IdentityVerdict>().Handle<Exception>(e => e is not OperationCanceledException || e is TimeoutRejectedException),
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(30),
                OnOpened = async _ => await health.ReportDownAsync(Dependency.Identity, DependencyHealth.CircuitReasonPrefix + " on the identity provider").ConfigureAwait(false),
                OnClosed = async _ => await health.ReportUpAsync(Dependency.Identity).ConfigureAwait(false),
            })
            .AddTimeout(TimeSpan.FromSeconds(5))
            .Build();
}

/// <summary>Calls the identity provider through its pipeline (timeout, circuit breaker feeding health).</summary>
internal sealed class ResilientIdentityProvider(IIdentityProvider inner, ResiliencePipeline<IdentityVerdict> pipeline) : IIdentityProvider
{
    public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
        => pipeline.ExecuteAsync(
            static (s, ct) => s.inner.AuthenticateAsync(s.riderId, s.credential, ct),
            (inner, riderId, credential),
            cancellationToken);
}
