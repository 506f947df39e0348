using Billing.Resilience.Payments;
using NodaTime;

namespace Billing.Resilience.Testing;

/// <summary>
/// One operation a <see cref="SimulatedPaymentGateway"/> applied: an entry of its ledger. A replay of a key, a decline, a
/// failure or a fault that applied nothing is not an operation (see <see cref="PaymentCall"/> for every attempt).
/// </summary>
/// <param name="Sequence">The position in the gateway's ledger, from 1, in the order operations were applied.</param>
/// <param name="Id">The gateway's id of the operation (<c>auth_1</c>, <c>cap_2</c>, <c>ch_3</c>, <c>void_4</c>, <c>re_5</c>), returned as <see cref="PaymentResult.Reference"/>.</param>
/// <param name="Key">The idempotency key it was applied under.</param>
/// <param name="Kind">The operation.</param>
/// <param name="RentalId">The rental.</param>
/// <param name="RiderId">The rider.</param>
/// <param name="Amount">The amount applied: the hold, the amount captured, charged or refunded, or for a void the hold it released.</param>
/// <param name="Reference">The operation it acted on (the authorization of a capture or void, the capture or charge of a refund); null for authorize and charge.</param>
/// <param name="At">The clock's instant when it was applied.</param>
/// <param name="Latency">The latency recorded by a <see cref="PaymentFaultKind.Slow"/> fault; zero otherwise.</param>
public sealed record AppliedPaymentOperation(
    long Sequence,
    string Id,
    IdempotencyKey Key,
    PaymentOperationKind Kind,
    string RentalId,
    string RiderId,
    Money Amount,
    string? Reference,
    Instant At,
    Duration Latency);
