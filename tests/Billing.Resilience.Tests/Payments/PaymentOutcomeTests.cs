using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;
using NodaTime.Testing;
using Polly;
using Polly.CircuitBreaker;

namespace Billing.Resilience.Tests.Payments;

/// <summary>What is journaled as the outcome of a payment call: an answer after an attempt of unknown outcome stays
/// unknown, an unknown operation is resolved with the same key (look-up first), a refused circuit is a failure.</summary>
public class PaymentOutcomeTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 5, 1, 8, 0);
    private static readonly PricingPlan Plan = new("flat", CurrencyCode.KRW, 1_000m);

    private sealed class Identity : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
            => ValueTask.FromResult(IdentityVerdict.Authenticated);
    }

    private static async Task<(BillingEngine Engine, InMemoryJournal Journal, FakeClock Clock)> EndedRentalAsync(ScriptedGateway gateway, ResiliencePipeline<PaymentResult> pipeline)
    {
        var clock = new FakeClock(T0);
        var journal = new InMemoryJournal();
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([Plan])
            .UseIdentityProvider(new Identity())
            .AddPaymentGateway(gateway, pipeline);
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k1";
        var engine = await builder.BuildAsync();
        var started = await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "flat", "session"));
        Assert.True(started.Started);
        clock.Advance(Duration.FromMinutes(10));
        Assert.True((await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Vehicle, null))).Accepted);
        return (engine, journal, clock);
    }

    /// <summary>Runs the reconciler again once the rental is due (after its backoff).</summary>
    private static async Task RunWhenDueAsync(BillingEngine engine, FakeClock clock)
    {
        var due = Assert.NotNull(engine.Reconciler.NextDueAt);
        if (due > clock.GetCurrentInstant())
        {
            clock.Reset(due);
        }

        await engine.Reconciler.RunOnceAsync();
    }

    private static async Task<List<PaymentCompleted>> CompletionsAsync(IJournal journal)
        => (await journal.ReadAllAsync(0, 10_000)).Select(EventSerializer.Deserialize).OfType<PaymentCompleted>().ToList();

    private static ResiliencePipeline<PaymentResult> RetryOnce() => new ResiliencePipelineBuilder<PaymentResult>()
        .AddRetry(new Polly.Retry.RetryStrategyOptions<PaymentResult>
        {
            ShouldHandle = new PredicateBuilder<PaymentResult>().Handle<TimeoutException>().HandleResult(r => r.Outcome == PaymentOutcome.Unknown),
            MaxRetryAttempts = 1,
            Delay = TimeSpan.Zero,
        })
        .Build();

    [Fact]
    public async Task A_failure_after_a_timed_out_attempt_is_journaled_as_unknown()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(new TimeoutException());
        gateway.Executions.Enqueue(PaymentResult.Failure("card_error"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, RetryOnce());
        using var _ = engine;

        await engine.Reconciler.RunOnceAsync();

        var completed = Assert.Single(await CompletionsAsync(journal));
        Assert.Equal(PaymentOutcome.Unknown, completed.Outcome);
        Assert.Equal("failed after an attempt with unknown outcome: card_error", completed.Reason);
        Assert.Equal(2, gateway.ExecutedKeys.Count);
        Assert.Single(gateway.ExecutedKeys.Distinct());
    }

    [Fact]
    public async Task A_failure_after_an_unknown_answer_is_journaled_as_unknown()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(PaymentResult.Unknown("lost"));
        gateway.Executions.Enqueue(PaymentResult.Failure("card_error"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, RetryOnce());
        using var _ = engine;

        await engine.Reconciler.RunOnceAsync();

        var completed = Assert.Single(await CompletionsAsync(journal));
        Assert.Equal(PaymentOutcome.Unknown, completed.Outcome);
        Assert.Equal("failed after an attempt with unknown outcome: card_error", completed.Reason);
    }

    [Fact]
    public async Task A_failure_at_the_first_attempt_is_journaled_as_a_failure()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(PaymentResult.Failure("card_error"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, RetryOnce());
        using var _ = engine;

        await engine.Reconciler.RunOnceAsync();

        var completed = Assert.Single(await CompletionsAsync(journal));
        Assert.Equal(PaymentOutcome.Failed, completed.Outcome);
        Assert.Equal("card_error", completed.Reason);
    }

    [Fact]
    public async Task A_transport_error_is_journaled_as_unknown_with_its_type()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(new IOException("reset"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, ResiliencePipeline<PaymentResult>.Empty);
        using var _ = engine;

        await engine.Reconciler.RunOnceAsync();

        var completed = Assert.Single(await CompletionsAsync(journal));
        Assert.Equal(PaymentOutcome.Unknown, completed.Outcome);
        Assert.Equal("IOException", completed.Reason);
    }

    [Fact]
    public async Task An_unknown_charge_is_looked_up_and_a_found_result_is_journaled_without_sending_it_again()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(new IOException("reset"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, ResiliencePipeline<PaymentResult>.Empty);
        using var _ = engine;
        await engine.Reconciler.RunOnceAsync();
        var key = Assert.Single(gateway.ExecutedKeys);
        gateway.Lookups.Enqueue(PaymentResult.Success("ch-1", Money.FromMinorUnits(1_000, CurrencyCode.KRW)));

        await RunWhenDueAsync(engine, clock);

        Assert.Equal([key], gateway.LookedUpKeys);
        Assert.Single(gateway.ExecutedKeys);
        var completions = await CompletionsAsync(journal);
        Assert.Equal([PaymentOutcome.Unknown, PaymentOutcome.Succeeded], completions.Select(c => c.Outcome));
        Assert.Equal("ch-1", completions[1].Reference);
    }

    [Fact]
    public async Task When_the_look_up_fails_or_finds_nothing_the_same_key_is_sent_again()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(new IOException("reset"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, ResiliencePipeline<PaymentResult>.Empty);
        using var _ = engine;
        await engine.Reconciler.RunOnceAsync();
        var key = Assert.Single(gateway.ExecutedKeys);

        gateway.Lookups.Enqueue(new HttpRequestException("look-up down"));
        gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Money.FromMinorUnits(1_000, CurrencyCode.KRW)));
        await RunWhenDueAsync(engine, clock);

        Assert.Equal([key, key], gateway.ExecutedKeys);
        Assert.Equal([PaymentOutcome.Unknown, PaymentOutcome.Succeeded], (await CompletionsAsync(journal)).Select(c => c.Outcome));
    }

    [Fact]
    public async Task A_look_up_that_answers_unknown_is_followed_by_the_same_request()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(new IOException("reset"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, ResiliencePipeline<PaymentResult>.Empty);
        using var _ = engine;
        await engine.Reconciler.RunOnceAsync();

        gateway.Lookups.Enqueue(PaymentResult.Unknown("still processing"));
        gateway.Executions.Enqueue(PaymentResult.Success("ch-1", Money.FromMinorUnits(1_000, CurrencyCode.KRW)));
        await RunWhenDueAsync(engine, clock);

        Assert.Equal(2, gateway.ExecutedKeys.Count);
        Assert.Equal([PaymentOutcome.Unknown, PaymentOutcome.Succeeded], (await CompletionsAsync(journal)).Select(c => c.Outcome));
    }

    [Fact]
    public async Task A_failure_while_resolving_keeps_the_operation_unknown_and_journals_nothing_new()
    {
        var gateway = new ScriptedGateway();
        gateway.Executions.Enqueue(new IOException("reset"));
        var (engine, journal, clock) = await EndedRentalAsync(gateway, ResiliencePipeline<PaymentResult>.Empty);
        using var _ = engine;
        await engine.Reconciler.RunOnceAsync();

        gateway.Lookups.Enqueue(null);
        gateway.Executions.Enqueue(PaymentResult.Failure("card_error"));
        await RunWhenDueAsync(engine, clock);

        var completed = Assert.Single(await CompletionsAsync(journal));
        Assert.Equal(PaymentOutcome.Unknown, completed.Outcome);
        Assert.Equal("IOException", completed.Reason);
        Assert.True((await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!.Money.HasUnresolvedOperation);
    }

    [Fact]
    public async Task A_call_refused_by_an_open_circuit_is_journaled_as_a_failure()
    {
        var gateway = new ScriptedGateway();
        var control = new CircuitBreakerManualControl();
        var pipeline = new ResiliencePipelineBuilder<PaymentResult>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<PaymentResult> { ManualControl = control })
            .Build();
        var (engine, journal, clock) = await EndedRentalAsync(gateway, pipeline);
        using var _ = engine;
        await control.IsolateAsync();

        await engine.Reconciler.RunOnceAsync();

        var completed = Assert.Single(await CompletionsAsync(journal));
        Assert.Equal(PaymentOutcome.Failed, completed.Outcome);
        Assert.Equal("circuit_open", completed.Reason);
        Assert.Empty(gateway.ExecutedKeys);
    }

    [Fact]
    public async Task A_call_refused_by_the_circuit_after_an_attempt_of_unknown_outcome_is_unknown()
    {
        var gateway = new ScriptedGateway();
        var control = new CircuitBreakerManualControl();
        gateway.Executions.Enqueue(new TimeoutException());
        var pipeline = new ResiliencePipelineBuilder<PaymentResult>()
            .AddRetry(new Polly.Retry.RetryStrategyOptions<PaymentResult>
            {
                ShouldHandle = new PredicateBuilder<PaymentResult>().Handle<TimeoutException>(),
                MaxRetryAttempts = 1,
                Delay = TimeSpan.Zero,
                OnRetry = _ => new ValueTask(control.IsolateAsync()),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<PaymentResult> { ManualControl = control })
            .Build();
        var (engine, journal, clock) = await EndedRentalAsync(gateway, pipeline);
        using var _ = engine;

        await engine.Reconciler.RunOnceAsync();

        var completed = Assert.Single(await CompletionsAsync(journal));
        Assert.Equal(PaymentOutcome.Unknown, completed.Outcome);
        Assert.Equal("circuit_open", completed.Reason);
        Assert.Single(gateway.ExecutedKeys);
    }
}
