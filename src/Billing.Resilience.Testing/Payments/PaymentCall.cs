using Billing.Resilience.Payments;
using NodaTime;

namespace Billing.Resilience.Testing;

/// <summary>What the caller of a <see cref="SimulatedPaymentGateway"/> saw from one call.</summary>
public enum PaymentCallOutcome
{
    /// <summary>A result with <see cref="PaymentOutcome.Succeeded"/> (a new operation or a replay).</summary>
    Succeeded = 0,

    /// <summary>A result with <see cref="PaymentOutcome.Declined"/> (a new decline or a replay of one).</summary>
    Declined = 1,

    /// <summary>A result with <see cref="PaymentOutcome.Failed"/>.</summary>
    Failed = 2,

    /// <summary>
    /// A <see cref="TimeoutException"/>, or <see cref="PaymentOutcome.Unknown"/> with
    /// <see cref="SimulatedPaymentGatewayOptions.ReportTimeoutsAsUnknown"/> (a <see cref="PaymentFaultKind.Timeout"/> or
    /// <see cref="PaymentFaultKind.LostResponse"/> fault).
    /// </summary>
    TimedOut = 3,

    /// <summary>An <see cref="HttpRequestException"/>: the gateway was unavailable.</summary>
    Unavailable = 4,
}

/// <summary>One call (attempt) a <see cref="SimulatedPaymentGateway"/> received, whatever became of it.</summary>
/// <param name="Sequence">The call's number, from 1, in the order calls took the gateway's lock.</param>
/// <param name="At">The clock's instant of the call.</param>
/// <param name="Key">The idempotency key sent.</param>
/// <param name="Kind">The operation.</param>
/// <param name="RentalId">The rental.</param>
/// <param name="Fault">The fault injected into the call, scripted or random; null for none.</param>
/// <param name="Outcome">What the caller saw.</param>
/// <param name="Reason">The reason of a decline or failure the gateway decided, also when a lost response hid it from the caller; null otherwise.</param>
/// <param name="Applied">Whether this call applied a new operation (true for a lost response that applied one).</param>
/// <param name="Latency">The latency a <see cref="PaymentFaultKind.Slow"/> fault recorded; zero otherwise.</param>
public sealed record PaymentCall(
    long Sequence,
    Instant At,
    IdempotencyKey Key,
    PaymentOperationKind Kind,
    string RentalId,
    PaymentFaultKind? Fault,
    PaymentCallOutcome Outcome,
    string? Reason,
    bool Applied,
    Duration Latency);
