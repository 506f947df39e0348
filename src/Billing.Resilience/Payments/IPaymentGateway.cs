namespace Billing.Resilience.Payments;

/// <summary>
/// The port to a payment provider (Stripe, Adyen, Toss, an operator's in-house wallet). Implementations translate
/// to the provider's API and must pass the idempotency key through unchanged.
/// </summary>
/// <remarks>
/// <para>Contract: the same key with the same parameters returns the first result and applies nothing more; the same key
/// with other parameters returns <see cref="PaymentOutcome.Failed"/> with reason <c>idempotency_key_reused</c>. A call
/// that times out or loses its response may have been applied: implementations throw (<see cref="TimeoutException"/>,
/// <see cref="HttpRequestException"/>, ...) or return <see cref="PaymentOutcome.Unknown"/>, and the library resolves it
/// with <see cref="LookupAsync"/> and a retry under the same key.</para>
/// <para>A capture smaller than the hold releases the rest of the hold (as Stripe and Adyen do). A capture or void of an
/// authorization older than the provider's validity is declined with reason <c>authorization_expired</c>.</para>
/// </remarks>
public interface IPaymentGateway
{
    /// <summary>Gets the gateway's name, recorded with every operation so that captures, voids and refunds go back to the gateway that holds the money.</summary>
    string Name { get; }

    /// <summary>Sends an operation.</summary>
    ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken);

    /// <summary>Looks up what became of an operation sent with <paramref name="key"/>; null when the gateway never applied or saw it.</summary>
    ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken);
}
