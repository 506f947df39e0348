namespace Billing.Resilience.Payments;

/// <summary>What became of a payment operation.</summary>
public enum PaymentOutcome
{
    /// <summary>The gateway applied the operation.</summary>
    Succeeded = 0,

    /// <summary>The gateway refused it for a business reason (insufficient funds, expired hold); nothing was applied.</summary>
    Declined = 1,

    /// <summary>It was certainly not applied (an error before the gateway acted); it may be retried with the same key.</summary>
    Failed = 2,

    /// <summary>Nobody knows (a timeout, a lost response): it must be looked up or retried with the same key before anything else happens to the rental.</summary>
    Unknown = 3,
}

/// <summary>A gateway's answer to a <see cref="PaymentRequest"/> or to a look-up by idempotency key.</summary>
/// <param name="Outcome">What became of the operation.</param>
/// <param name="Reference">The gateway's id of the applied operation (an authorization, capture, charge, void or refund id), when it succeeded.</param>
/// <param name="Amount">The amount the gateway applied, when it succeeded.</param>
/// <param name="Reason">A machine-readable reason for a decline or failure (<c>insufficient_funds</c>, <c>authorization_expired</c>, <c>idempotency_key_reused</c>).</param>
public sealed record PaymentResult(PaymentOutcome Outcome, string? Reference, Money? Amount, string? Reason)
{
    /// <summary>A successful result.</summary>
    public static PaymentResult Success(string reference, Money amount) => new(PaymentOutcome.Succeeded, reference, amount, null);

    /// <summary>A decline with its reason.</summary>
    public static PaymentResult Decline(string reason) => new(PaymentOutcome.Declined, null, null, reason);

    /// <summary>A failure that was certainly not applied.</summary>
    public static PaymentResult Failure(string reason) => new(PaymentOutcome.Failed, null, null, reason);

    /// <summary>An outcome nobody knows.</summary>
    public static PaymentResult Unknown(string reason) => new(PaymentOutcome.Unknown, null, null, reason);
}
