using Billing.Resilience.Payments;
using NodaTime;

namespace Billing.Resilience.Testing;

/// <summary>
/// A scripted fault: the next <see cref="Times"/> calls of <see cref="Operation"/> for rental <see cref="RentalId"/>
/// that reach a <see cref="SimulatedPaymentGateway"/> fail with <see cref="Kind"/>; later calls behave normally. This is
/// the <c>faults</c> entry of a drill scenario.
/// </summary>
/// <remarks>
/// Calls are counted from the first one after the fault was added, whatever their idempotency key: a retry under the same
/// key is a call like any other. Calls refused because the gateway is unavailable (<see cref="SimulatedPaymentGateway.SetAvailable"/>)
/// never reached it and do not count. Several faults for the same rental and operation apply one after the other.
/// </remarks>
/// <param name="RentalId">The rental whose calls fail.</param>
/// <param name="Operation">The operation whose calls fail.</param>
/// <param name="Kind">How they fail.</param>
/// <param name="Times">How many consecutive calls fail, at least 1.</param>
public sealed record PaymentFault(string RentalId, PaymentOperationKind Operation, PaymentFaultKind Kind, int Times)
{
    /// <summary>Gets the latency recorded for a <see cref="PaymentFaultKind.Slow"/> fault; null uses <see cref="SimulatedPaymentGatewayOptions.SlowLatency"/>.</summary>
    public Duration? Latency { get; init; }

    /// <summary>
    /// Creates a fault from the names a drill scenario uses (SCENARIOS.md section 2): <paramref name="operation"/> is
    /// <c>authorize</c>, <c>capture</c>, <c>charge</c>, <c>void</c> or <c>refund</c>; <paramref name="kind"/> is
    /// <c>lostResponse</c>, <c>timeout</c> or <c>error</c>. Names are case-sensitive, as in the scenario format.
    /// </summary>
    /// <exception cref="FormatException">An operation or kind that the scenario format does not define.</exception>
    /// <exception cref="ArgumentException">An empty rental id, or <paramref name="times"/> below 1.</exception>
    public static PaymentFault FromScenario(string rentalId, string operation, string kind, int times)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(kind);
        var op = operation switch
        {
            "authorize" => PaymentOperationKind.Authorize,
            "capture" => PaymentOperationKind.Capture,
            "charge" => PaymentOperationKind.Charge,
            "void" => PaymentOperationKind.Void,
            "refund" => PaymentOperationKind.Refund,
            _ => throw new FormatException($"'{operation}' is not a fault operation; expected authorize, capture, charge, void or refund."),
        };
        var faultKind = kind switch
        {
            "lostResponse" => PaymentFaultKind.LostResponse,
            "timeout" => PaymentFaultKind.Timeout,
            "error" => PaymentFaultKind.Error,
            _ => throw new FormatException($"'{kind}' is not a fault kind; expected lostResponse, timeout or error."),
        };
        var fault = new PaymentFault(rentalId, op, faultKind, times);
        fault.Validate();
        return fault;
    }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(RentalId, nameof(RentalId));
        if (!Enum.IsDefined(Operation))
        {
            throw new ArgumentException($"{Operation} is not a payment operation.", nameof(Operation));
        }

        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentException($"{Kind} is not a fault kind.", nameof(Kind));
        }

        if (Times < 1)
        {
            throw new ArgumentException($"A fault applies to at least one call; got Times = {Times}.", nameof(Times));
        }

        if (Latency is { } latency && latency < Duration.Zero)
        {
            throw new ArgumentException($"A latency is not negative; got {latency}.", nameof(Latency));
        }
    }
}
