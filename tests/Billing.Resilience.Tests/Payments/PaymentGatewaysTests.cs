using Billing.Resilience.Payments;
using Polly;
using Polly.CircuitBreaker;

namespace Billing.Resilience.Tests.Payments;

/// <summary>The registry of payment gateways: unique names, the gateway a rental's money is on, and which gateway new
/// money goes to when a circuit is open.</summary>
public class PaymentGatewaysTests
{
    private sealed class NamedGateway(string name) : IPaymentGateway
    {
        public string Name { get; } = name;

        public ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
            => ValueTask.FromResult(PaymentResult.Success("ref", request.Amount));

        public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken)
            => ValueTask.FromResult<PaymentResult?>(null);
    }

    [Fact]
    public void Gateways_are_listed_in_the_order_they_were_added()
    {
        var gateways = new PaymentGateways()
            .Add(new NamedGateway("pg-1"), ResiliencePipeline<PaymentResult>.Empty)
            .Add(new NamedGateway("pg-2"), ResiliencePipeline<PaymentResult>.Empty);

        Assert.Equal(["pg-1", "pg-2"], gateways.All.Select(g => g.Name));
        Assert.Equal("pg-2", gateways.Get("pg-2").Gateway.Name);
    }

    [Fact]
    public void A_gateway_added_without_a_pipeline_gets_the_default_one()
    {
        var gateways = new PaymentGateways().Add(new NamedGateway("pg"));

        Assert.Equal("pg", Assert.Single(gateways.All).Name);
        Assert.NotNull(gateways.Get("pg").Pipeline);
        Assert.False(gateways.Get("pg").IsCircuitOpen);
    }

    [Fact]
    public void A_second_gateway_with_the_same_name_is_refused()
    {
        var gateways = new PaymentGateways().Add(new NamedGateway("pg"), ResiliencePipeline<PaymentResult>.Empty);

        var ex = Assert.Throws<ArgumentException>(() => gateways.Add(new NamedGateway("pg"), ResiliencePipeline<PaymentResult>.Empty));

        Assert.Equal("gateway", ex.ParamName);
        Assert.StartsWith("A gateway named 'pg' is already registered.", ex.Message, StringComparison.Ordinal);
        Assert.Single(gateways.All);
    }

    [Fact]
    public void A_gateway_and_a_pipeline_are_required()
    {
        var gateways = new PaymentGateways();

        Assert.Throws<ArgumentNullException>(() => gateways.Add(null!, ResiliencePipeline<PaymentResult>.Empty));
        Assert.Throws<ArgumentNullException>(() => gateways.Add(new NamedGateway("pg"), null!));
        Assert.Throws<ArgumentNullException>(() => PaymentGateways.CreateDefaultPipeline(null!));
    }

    [Fact]
    public void Money_on_an_unregistered_gateway_is_an_invariant_violation()
    {
        var gateways = new PaymentGateways().Add(new NamedGateway("pg"), ResiliencePipeline<PaymentResult>.Empty);

        var ex = Assert.Throws<InvariantViolationException>(() => gateways.Get("gone"));

        Assert.Equal("Payment gateway 'gone' holds money of a rental but is not registered.", ex.Message);
    }

    [Fact]
    public void New_money_needs_a_registered_gateway()
    {
        var ex = Assert.Throws<InvariantViolationException>(() => new PaymentGateways().ForNewMoney());

        Assert.Equal("No payment gateway is registered.", ex.Message);
    }

    [Fact]
    public void New_money_goes_to_the_first_gateway_whose_circuit_is_closed_else_to_the_first()
    {
        var gateways = new PaymentGateways()
            .Add(new NamedGateway("pg-1"), ResiliencePipeline<PaymentResult>.Empty)
            .Add(new NamedGateway("pg-2"), ResiliencePipeline<PaymentResult>.Empty)
            .Add(new NamedGateway("pg-3"), ResiliencePipeline<PaymentResult>.Empty);
        Assert.Equal("pg-1", gateways.ForNewMoney().Gateway.Name);

        gateways.Get("pg-1").CircuitOpen = true;
        Assert.Equal("pg-2", gateways.ForNewMoney().Gateway.Name);
        Assert.Equal(["pg-2", "pg-3", "pg-1"], gateways.ForNewMoneyInOrder().Select(e => e.Gateway.Name));

        gateways.Get("pg-2").CircuitOpen = true;
        gateways.Get("pg-3").CircuitOpen = true;
        Assert.Equal("pg-1", gateways.ForNewMoney().Gateway.Name);
        Assert.Equal(["pg-1", "pg-2", "pg-3"], gateways.ForNewMoneyInOrder().Select(e => e.Gateway.Name));
    }

    [Fact]
    public async Task A_gateway_with_a_circuit_breaker_is_open_while_its_circuit_is_open_or_isolated()
    {
        var circuit = new CircuitBreakerStateProvider();
        var control = new CircuitBreakerManualControl();
        var pipeline = new ResiliencePipelineBuilder<PaymentResult>()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<PaymentResult> { StateProvider = circuit, ManualControl = control })
            .Build();
        var gateways = new PaymentGateways()
            .Add(new NamedGateway("pg-1"), pipeline, circuit)
            .Add(new NamedGateway("pg-2"), ResiliencePipeline<PaymentResult>.Empty);
        var entry = gateways.Get("pg-1");

        Assert.False(entry.IsCircuitOpen);
        entry.CircuitOpen = true; // only a gateway without a breaker is told by hand
        Assert.False(entry.IsCircuitOpen);

        await control.IsolateAsync();
        Assert.True(entry.IsCircuitOpen);
        Assert.Equal("pg-2", gateways.ForNewMoney().Gateway.Name);

        await control.CloseAsync();
        Assert.False(entry.IsCircuitOpen);
        Assert.Equal("pg-1", gateways.ForNewMoney().Gateway.Name);
    }
}
