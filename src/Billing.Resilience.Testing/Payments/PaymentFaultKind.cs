namespace Billing.Resilience.Testing;

/// <summary>What a <see cref="SimulatedPaymentGateway"/> does wrong on a call it was told to fault.</summary>
public enum PaymentFaultKind
{
    /// <summary>
    /// The gateway applies the operation (or replays the key's stored result) and remembers it, then the caller sees a
    /// <see cref="TimeoutException"/>. Scenario kind <c>lostResponse</c>.
    /// </summary>
    LostResponse = 0,

    /// <summary>Nothing is applied and the caller sees a <see cref="TimeoutException"/>. Scenario kind <c>timeout</c>.</summary>
    Timeout = 1,

    /// <summary>
    /// Nothing is applied and the caller gets <see cref="Payments.PaymentOutcome.Failed"/> with reason
    /// <see cref="SimulatedPaymentReasons.GatewayError"/>; the key stays unused. Scenario kind <c>error</c>.
    /// </summary>
    Error = 2,

    /// <summary>
    /// The gateway declines the operation with reason <see cref="SimulatedPaymentReasons.InsufficientFunds"/> and stores
    /// the decline under the key, as a real provider does. A key that already has a stored result replays it instead.
    /// </summary>
    Decline = 3,

    /// <summary>
    /// The operation is applied normally but the call is recorded with a latency (<see cref="PaymentFault.Latency"/>, or
    /// <see cref="SimulatedPaymentGatewayOptions.SlowLatency"/>). Nothing sleeps: the gateway runs on simulated time.
    /// </summary>
    Slow = 4,
}
