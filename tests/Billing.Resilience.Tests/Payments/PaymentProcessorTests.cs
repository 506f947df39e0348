using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;
using Polly;
using Polly.CircuitBreaker;

namespace Billing.Resilience.Tests.Payments;

/// <summary>The payment processor driven directly: the call budget, cancellation, the in-flight guards, the circuit
/// flag of gateways without a state provider, resolving an intent without an outcome, and its logs, metrics and
/// trace.</summary>
public sealed class PaymentProcessorTests : IDisposable
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 5, 1, 8, 0);
    private static readonly PricingPlan Plan = new("flat", CurrencyCode.KRW, 1_000m);
    private static readonly Money Amount = Money.FromMinorUnits(1_000, CurrencyCode.KRW);

    private readonly List<IDisposable> disposables = [];

    public void Dispose()
    {
        foreach (var d in disposables)
        {
            d.Dispose();
        }
    }

    private sealed class Identity : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
            => ValueTask.FromResult(IdentityVerdict.Authenticated);
    }

    private sealed record LogEntry(LogLevel Level, int EventId, string Message);

    private sealed class CapturingLoggerFactory : ILoggerFactory, ILogger
    {
        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Entries.Enqueue(new LogEntry(logLevel, eventId.Id, formatter(state, exception)));
    }

    private sealed class Setup(BillingEngine engine, CapturingLoggerFactory logs, IReadOnlyList<ScriptedGateway> gateways) : IDisposable
    {
        public BillingEngine Engine => engine;

        public CapturingLoggerFactory Logs => logs;

        public ScriptedGateway Gateway => gateways[0];

        public PaymentProcessor Processor => engine.Core.Payments;

        public PaymentGateways.Entry Entry(int index = 0) => engine.Core.Gateways.Get(gateways[index].Name);

        public async Task<RentalState> StateAsync() => (await engine.Core.Rentals.ReloadAsync(RentalId.From("r-1"), CancellationToken.None))!;

        public void Dispose() => engine.Dispose();
    }

    private async Task<Setup> CreateAsync(params (ScriptedGateway Gateway, ResiliencePipeline<PaymentResult> Pipeline)[] gateways)
    {
        if (gateways.Length == 0)
        {
            gateways = [(new ScriptedGateway("scripted"), ResiliencePipeline<PaymentResult>.Empty)];
        }

        var clock = new FakeClock(T0);
        var logs = new CapturingLoggerFactory();
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(new InMemoryJournal())
            .AddPricingPlans([Plan])
            .UseIdentityProvider(new Identity())
            .UseLoggerFactory(logs);
        foreach (var (gateway, pipeline) in gateways)
        {
            builder.AddPaymentGateway(gateway, pipeline);
        }

        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        var engine = await builder.BuildAsync();
        var setup = new Setup(engine, logs, gateways.Select(g => g.Gateway).ToList());
        disposables.Add(setup);
        Assert.True((await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "flat", "session"))).Started);
        return setup;
    }

    /// <summary>Journals the intent of a charge without sending it (as after a crash between the two appends).</summary>
    private static async Task<(RentalState State, PaymentRequested Requested)> JournaledIntentAsync(Setup s)
    {
        var state = await s.StateAsync();
        var requested = s.Processor.Intent(state, PaymentOperationKind.Charge, Amount, s.Entry(), null);
        state = await s.Engine.Core.Rentals.AppendAsync(state, [requested], CancellationToken.None);
        return (state, requested);
    }

    // ---- the call budget ----

    [Fact]
    public async Task A_spent_budget_refuses_a_new_operation_before_anything_is_journaled_or_sent()
    {
        var s = await CreateAsync();
        var state = await s.StateAsync();

        var ex = await Assert.ThrowsAsync<CallBudgetSpentException>(() => s.Processor.ExecuteAsync(state, PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None, () => false));

        Assert.Equal("The reconciler's gateway call budget for this second is spent.", ex.Message);
        Assert.Empty(s.Gateway.ExecutedKeys);
        Assert.Empty((await s.StateAsync()).Payments);
        Assert.Equal(state.Version, (await s.StateAsync()).Version);
    }

    [Fact]
    public async Task A_granted_permit_lets_the_operation_through_and_is_taken_once()
    {
        var s = await CreateAsync();
        s.Gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Amount));
        var taken = 0;

        var state = await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None, () => ++taken > 0);

        Assert.Equal(1, taken);
        var step = Assert.Single(state.Payments);
        Assert.Equal(PaymentOutcome.Succeeded, step.Outcome);
        Assert.Single(s.Gateway.ExecutedKeys);
    }

    [Fact]
    public async Task A_spent_budget_refuses_a_resolution_before_the_look_up()
    {
        var s = await CreateAsync();
        var (state, _) = await JournaledIntentAsync(s);

        await Assert.ThrowsAsync<CallBudgetSpentException>(() => s.Processor.ResolveAsync(state, state.Payments[^1], CancellationToken.None, () => false));

        Assert.Empty(s.Gateway.LookedUpKeys);
        Assert.Empty(s.Gateway.ExecutedKeys);
    }

    [Fact]
    public async Task A_resolution_with_a_granted_permit_looks_up_and_journals_the_found_outcome()
    {
        var s = await CreateAsync();
        var (state, requested) = await JournaledIntentAsync(s);
        s.Gateway.Lookups.Enqueue(PaymentResult.Success("ch-1", Amount));

        state = await s.Processor.ResolveAsync(state, state.Payments[^1], CancellationToken.None, () => true);

        Assert.Equal([requested.Key], s.Gateway.LookedUpKeys.Select(k => k.Value));
        Assert.Empty(s.Gateway.ExecutedKeys);
        Assert.Equal(PaymentOutcome.Succeeded, Assert.Single(state.Payments).Outcome);
    }

    // ---- cancellation ----

    [Fact]
    public async Task An_operation_canceled_by_the_gateway_itself_is_an_unknown_outcome()
    {
        var s = await CreateAsync();
        s.Gateway.Executions.Enqueue(new OperationCanceledException("gateway gave up"));

        var state = await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None);

        var step = Assert.Single(state.Payments);
        Assert.Equal(PaymentOutcome.Unknown, step.Outcome);
        Assert.Equal("OperationCanceledException", step.Reason);
    }

    [Fact]
    public async Task A_call_canceled_by_the_caller_propagates_and_leaves_only_the_intent()
    {
        var s = await CreateAsync();
        using var cts = new CancellationTokenSource();
        s.Gateway.DuringCall = cts.Cancel;
        s.Gateway.Executions.Enqueue(new OperationCanceledException(cts.Token));
        var (state, requested) = await JournaledIntentAsync(s);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.Processor.SendAsync(state, requested, s.Entry(), cts.Token));

        Assert.Null(Assert.Single((await s.StateAsync()).Payments).Outcome);
    }

    [Fact]
    public async Task A_transport_error_is_unknown_even_when_the_caller_canceled_meanwhile()
    {
        var s = await CreateAsync();
        using var cts = new CancellationTokenSource();
        s.Gateway.DuringCall = cts.Cancel;
        s.Gateway.Executions.Enqueue(new IOException("reset"));
        var (state, requested) = await JournaledIntentAsync(s);

        var completed = await s.Processor.SendAsync(state, requested, s.Entry(), cts.Token);

        Assert.Equal(PaymentOutcome.Unknown, completed.Outcome);
        Assert.Equal("IOException", completed.Reason);
    }

    [Fact]
    public async Task A_look_up_canceled_by_the_gateway_itself_is_logged_and_the_same_key_is_sent_again()
    {
        var s = await CreateAsync();
        var (state, requested) = await JournaledIntentAsync(s);
        s.Gateway.Lookups.Enqueue(new OperationCanceledException("look-up gave up"));
        s.Gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Amount));

        state = await s.Processor.ResolveAsync(state, state.Payments[^1], CancellationToken.None);

        Assert.Equal([requested.Key], s.Gateway.ExecutedKeys.Select(k => k.Value));
        Assert.Equal(PaymentOutcome.Succeeded, Assert.Single(state.Payments).Outcome);
        var warning = Assert.Single(s.Logs.Entries, e => e.EventId == 2002);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal($"Look-up of payment {requested.Key} failed (OperationCanceledException); sending it again with the same key", warning.Message);
    }

    [Fact]
    public async Task A_look_up_canceled_by_the_caller_propagates_without_sending_again()
    {
        var s = await CreateAsync();
        var (state, _) = await JournaledIntentAsync(s);
        using var cts = new CancellationTokenSource();
        s.Gateway.DuringCall = cts.Cancel;
        s.Gateway.Lookups.Enqueue(new OperationCanceledException(cts.Token));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.Processor.ResolveAsync(state, state.Payments[^1], cts.Token));

        Assert.Empty(s.Gateway.ExecutedKeys);
        Assert.DoesNotContain(s.Logs.Entries, e => e.EventId == 2002);
    }

    [Fact]
    public async Task A_look_up_transport_error_is_logged_even_when_the_caller_canceled_meanwhile()
    {
        var s = await CreateAsync();
        var (state, requested) = await JournaledIntentAsync(s);
        using var cts = new CancellationTokenSource();
        s.Gateway.DuringCall = cts.Cancel;
        s.Gateway.Lookups.Enqueue(new IOException("reset"));
        s.Gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Amount));

        await Record.ExceptionAsync(() => s.Processor.ResolveAsync(state, state.Payments[^1], cts.Token));

        var warning = Assert.Single(s.Logs.Entries, e => e.EventId == 2002);
        Assert.Contains("(IOException)", warning.Message, StringComparison.Ordinal);
        Assert.Contains(requested.Key, warning.Message, StringComparison.Ordinal);
    }

    // ---- the in-flight guards ----

    [Fact]
    public async Task A_new_operation_while_one_is_unresolved_is_an_invariant_violation()
    {
        var s = await CreateAsync();
        var (state, _) = await JournaledIntentAsync(s);

        var ex = Assert.Throws<InvariantViolationException>(() => s.Processor.Intent(state, PaymentOperationKind.Refund, Amount, s.Entry(), null));

        Assert.Contains("a new Refund while an operation is unresolved", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sending_before_any_intent_is_journaled_is_an_invariant_violation()
    {
        var s = await CreateAsync();
        var state = await s.StateAsync();
        var requested = s.Processor.Intent(state, PaymentOperationKind.Charge, Amount, s.Entry(), null);

        var ex = await Assert.ThrowsAsync<InvariantViolationException>(() => s.Processor.SendAsync(state, requested, s.Entry(), CancellationToken.None));

        Assert.Contains($"payment {requested.Key} is sent before its intent is journaled", ex.Message, StringComparison.Ordinal);
        Assert.Empty(s.Gateway.ExecutedKeys);
    }

    [Fact]
    public async Task Sending_an_intent_that_is_not_the_last_journaled_is_an_invariant_violation()
    {
        var s = await CreateAsync();
        s.Gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Amount));
        var state = await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None);
        var other = s.Processor.Intent(state, PaymentOperationKind.Charge, Amount, s.Entry(), null);

        await Assert.ThrowsAsync<InvariantViolationException>(() => s.Processor.SendAsync(state, other, s.Entry(), CancellationToken.None));

        Assert.Single(s.Gateway.ExecutedKeys);
    }

    [Fact]
    public async Task Intents_of_the_same_kind_take_the_next_sequence_and_other_kinds_start_at_one()
    {
        var s = await CreateAsync();
        s.Gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Amount));
        var state = await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None);

        var charge = s.Processor.Intent(state, PaymentOperationKind.Charge, Amount, s.Entry(), null);
        var refund = s.Processor.Intent(state, PaymentOperationKind.Refund, Amount, s.Entry(), "ch-1");

        Assert.Equal(IdempotencyKey.ForRental("r-1", PaymentOperationKind.Charge, 2).Value, charge.Key);
        Assert.Equal(IdempotencyKey.ForRental("r-1", PaymentOperationKind.Refund, 1).Value, refund.Key);
        Assert.Equal("ch-1", refund.Reference);
        Assert.Equal(T0, refund.At);
    }

    // ---- the circuit flag of a gateway registered without a state provider ----

    [Fact]
    public async Task A_refused_call_marks_the_gateway_open_so_new_money_goes_to_the_next_and_a_later_answer_closes_it()
    {
        var control = new CircuitBreakerManualControl();
        var first = new ScriptedGateway("first");
        var second = new ScriptedGateway("second");
        var pipeline = new ResiliencePipelineBuilder<PaymentResult>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<PaymentResult> { ManualControl = control })
            .Build();
        var s = await CreateAsync((first, pipeline), (second, ResiliencePipeline<PaymentResult>.Empty));
        var gateways = s.Engine.Core.Gateways;
        Assert.Equal("first", gateways.ForNewMoney().Gateway.Name);
        await control.IsolateAsync();

        var state = await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Charge, Amount, gateways.ForNewMoney(), null, CancellationToken.None);

        Assert.Equal("circuit_open", state.Payments[^1].Reason);
        Assert.True(s.Entry(0).CircuitOpen);
        Assert.False(s.Entry(1).CircuitOpen);
        Assert.Equal("second", gateways.ForNewMoney().Gateway.Name);

        await control.CloseAsync();
        first.Executions.Enqueue(PaymentResult.Decline("insufficient_funds"));
        state = await s.Processor.ExecuteAsync(state, PaymentOperationKind.Charge, Amount, s.Entry(0), null, CancellationToken.None);

        Assert.Equal(PaymentOutcome.Declined, state.Payments[^1].Outcome);
        Assert.False(s.Entry(0).CircuitOpen);
        Assert.Equal("first", gateways.ForNewMoney().Gateway.Name);
    }

    // ---- resolving an intent journaled without an outcome ----

    [Fact]
    public async Task A_failure_while_resolving_an_intent_without_outcome_is_journaled_as_unknown_with_its_reason()
    {
        var s = await CreateAsync();
        var (state, requested) = await JournaledIntentAsync(s);
        s.Gateway.Lookups.Enqueue(null);
        s.Gateway.Executions.Enqueue(PaymentResult.Failure("card_error"));

        state = await s.Processor.ResolveAsync(state, state.Payments[^1], CancellationToken.None);

        var step = Assert.Single(state.Payments);
        Assert.Equal(requested.Key, step.Key.Value);
        Assert.Equal(PaymentOutcome.Unknown, step.Outcome);
        Assert.Equal("failed while resolving: card_error", step.Reason);
    }

    [Fact]
    public async Task An_unknown_answer_while_resolving_an_intent_without_outcome_is_journaled()
    {
        var s = await CreateAsync();
        var (state, _) = await JournaledIntentAsync(s);
        s.Gateway.Lookups.Enqueue(PaymentResult.Unknown("processing"));
        s.Gateway.Executions.Enqueue(PaymentResult.Unknown("still processing"));

        var after = await s.Processor.ResolveAsync(state, state.Payments[^1], CancellationToken.None);

        Assert.Equal(state.Version + 1, after.Version);
        Assert.Equal("still processing", Assert.Single(after.Payments).Reason);
    }

    // ---- logs, metrics, trace ----

    [Fact]
    public async Task Each_answer_is_logged_at_debug_with_kind_key_outcome_and_reason()
    {
        var s = await CreateAsync();
        s.Gateway.Executions.Enqueue(PaymentResult.Decline("insufficient_funds"));
        s.Gateway.Executions.Enqueue(new IOException("reset"));

        var state = await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None);
        await s.Processor.ExecuteAsync(state, PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None);

        var outcomes = s.Logs.Entries.Where(e => e.EventId == 2001).ToList();
        Assert.All(outcomes, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.Equal(
            [
                $"Payment Charge {IdempotencyKey.ForRental("r-1", PaymentOperationKind.Charge, 1)}: Declined insufficient_funds",
                $"Payment Charge {IdempotencyKey.ForRental("r-1", PaymentOperationKind.Charge, 2)}: Unknown IOException",
            ],
            outcomes.Select(e => e.Message));
    }

    [Fact]
    public async Task Each_answer_and_each_transport_error_is_counted_by_operation_and_outcome()
    {
        var s = await CreateAsync();
        var meter = s.Engine.Core.Metrics.Meter;
        var counted = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "billing.gateway.operations")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(x => x.Key, x => x.Value);
            counted.Enqueue($"{t["operation"]}/{t["outcome"]}x{value}");
        });
        listener.Start();
        s.Gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Amount));
        s.Gateway.Executions.Enqueue(new IOException("reset"));

        var state = await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Authorize, Amount, s.Entry(), null, CancellationToken.None);
        await s.Processor.ExecuteAsync(state, PaymentOperationKind.Charge, Amount, s.Entry(), null, CancellationToken.None);

        Assert.Equal(["authorize/succeededx1", "charge/unknownx1"], counted);
    }

    [Fact]
    public async Task Each_call_is_traced_as_an_activity_named_for_its_operation_and_tagged_with_the_gateway()
    {
        var gateway = new ScriptedGateway("traced-" + Guid.NewGuid().ToString("N"));
        var s = await CreateAsync((gateway, ResiliencePipeline<PaymentResult>.Empty));
        using var activities = new ActivityRecorder();
        gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Amount));

        await s.Processor.ExecuteAsync(await s.StateAsync(), PaymentOperationKind.Capture, Amount, s.Entry(), "hold-1", CancellationToken.None);

        var activity = Assert.Single(activities.Stopped, a => (string?)a.GetTagItem("billing.gateway") == gateway.Name);
        Assert.Equal("billing.gateway.capture", activity.OperationName);
    }
}
