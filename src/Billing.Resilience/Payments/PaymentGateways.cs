using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Billing.Resilience.Payments;

/// <summary>
/// The payment gateways in priority order, each behind its own Polly pipeline. New holds and charges go to the first
/// gateway whose circuit is not open (an operator's second provider: the lesson of the second data center); captures,
/// voids and refunds always go to the gateway that holds the money.
/// </summary>
public sealed class PaymentGateways
{
    private readonly List<Entry> entries = [];

    /// <summary>Adds a gateway with the default pipeline (<see cref="CreateDefaultPipeline(TimeProvider)"/>); the first added has the highest priority.</summary>
    public PaymentGateways Add(IPaymentGateway gateway)
    {
        var circuit = new CircuitBreakerStateProvider();
        return Add(gateway, CreateDefaultPipeline(TimeProvider.System, null, circuit), circuit);
    }

    /// <summary>Adds a gateway with a pipeline of your own (timeouts, retries, circuit breaker, hedging...).</summary>
    /// <remarks>Retries in the pipeline must only repeat the same request: the idempotency key makes that safe.</remarks>
    public PaymentGateways Add(IPaymentGateway gateway, ResiliencePipeline<PaymentResult> pipeline) => Add(gateway, pipeline, null);

    /// <summary>Adds a gateway with a pipeline of your own and the state provider of its circuit breaker, so new money skips it while its circuit is open.</summary>
    public PaymentGateways Add(IPaymentGateway gateway, ResiliencePipeline<PaymentResult> pipeline, CircuitBreakerStateProvider? circuit)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(pipeline);
        Preconditions.CheckArgument(entries.TrueForAll(e => e.Gateway.Name != gateway.Name), nameof(gateway), $"A gateway named '{gateway.Name}' is already registered.");
        entries.Add(new Entry(gateway, pipeline, circuit));
        return this;
    }

    /// <summary>Gets the gateways in priority order.</summary>
    public IReadOnlyList<IPaymentGateway> All => entries.ConvertAll(e => e.Gateway);

    /// <summary>
    /// The default pipeline: a 10 s timeout per attempt, up to 2 retries of the same request after a timeout or a
    /// transport error (exponential backoff from 200 ms, jittered, at most 5 s), and a circuit breaker that opens
    /// for 30 s when half of at least 10 calls in 30 s failed.
    /// </summary>
    public static ResiliencePipeline<PaymentResult> CreateDefaultPipeline(TimeProvider timeProvider) => CreateDefaultPipeline(timeProvider, null, null);

    /// <summary>The default pipeline, reporting circuit transitions (true: opened; false: closed).</summary>
    internal static ResiliencePipeline<PaymentResult> CreateDefaultPipeline(TimeProvider timeProvider, Func<bool, ValueTask>? onCircuitChanged, CircuitBreakerStateProvider? circuit)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var transient = new PredicateBuilder<PaymentResult>()
            .Handle<TimeoutException>()
            .Handle<TimeoutRejectedException>()
            .Handle<HttpRequestException>()
            .Handle<IOException>()
            .HandleResult(r => r.Outcome == PaymentOutcome.Unknown);
        return new ResiliencePipelineBuilder<PaymentResult> { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<PaymentResult>
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(30),
                StateProvider = circuit,
                OnOpened = _ => onCircuitChanged?.Invoke(true) ?? ValueTask.CompletedTask,
                OnClosed = _ => onCircuitChanged?.Invoke(false) ?? ValueTask.CompletedTask,
            })
            .AddRetry(new RetryStrategyOptions<PaymentResult>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    internal Entry Get(string name)
        => entries.Find(e => e.Gateway.Name == name)
           ?? throw new InvariantViolationException($"Payment gateway '{name}' holds money of a rental but is not registered.");

    /// <summary>The gateway for new money: the first whose circuit is not open, else the first.</summary>
    internal Entry ForNewMoney()
    {
        Preconditions.CheckInvariant(entries.Count > 0, "No payment gateway is registered.");
        return entries.Find(e => !e.IsCircuitOpen) ?? entries[0];
    }

    /// <summary>The gateways for new money in the order to try them: those whose circuit is not open first, by priority.</summary>
    internal IEnumerable<Entry> ForNewMoneyInOrder() => entries.Where(e => !e.IsCircuitOpen).Concat(entries.Where(e => e.IsCircuitOpen));

    internal sealed class Entry(IPaymentGateway gateway, ResiliencePipeline<PaymentResult> pipeline, CircuitBreakerStateProvider? circuit)
    {
        /// <summary>Gets a value indicating whether calls would be refused: by the breaker's own state when known, else by the last refusal seen.</summary>
        public bool IsCircuitOpen => circuit is { } c ? c.CircuitState is CircuitState.Open or CircuitState.Isolated : CircuitOpen;

        public IPaymentGateway Gateway { get; } = gateway;

        public ResiliencePipeline<PaymentResult> Pipeline { get; } = pipeline;

        /// <summary>Set when a call was refused by an open circuit; cleared by the next call that reached the gateway.</summary>
        public bool CircuitOpen { get; set; }
    }
}
