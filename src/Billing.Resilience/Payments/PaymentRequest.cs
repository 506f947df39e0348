namespace Billing.Resilience.Payments;

/// <summary>
/// One payment operation as sent to a gateway. The same <see cref="Key"/> is always sent with the same parameters;
/// a gateway that sees the key again returns the first result and applies nothing.
/// </summary>
/// <param name="Key">The idempotency key.</param>
/// <param name="Kind">The operation.</param>
/// <param name="RentalId">The rental the money is for.</param>
/// <param name="RiderId">The rider who pays.</param>
/// <param name="Amount">The amount: the hold for <see cref="PaymentOperationKind.Authorize"/>, the amount to take or return otherwise (zero for a void).</param>
/// <param name="Reference">The gateway's reference this operation acts on: the authorization for capture and void, the capture or charge for a refund; null for authorize and charge.</param>
public sealed record PaymentRequest(
    IdempotencyKey Key,
    PaymentOperationKind Kind,
    string RentalId,
    string RiderId,
    Money Amount,
    string? Reference);
