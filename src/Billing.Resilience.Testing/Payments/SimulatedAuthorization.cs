using NodaTime;

namespace Billing.Resilience.Testing;

/// <summary>The state of a hold in a <see cref="SimulatedPaymentGateway"/>, at the clock's now.</summary>
public enum AuthorizationState
{
    /// <summary>The amount is held and can still be captured or voided.</summary>
    Held = 0,

    /// <summary>Captured (in full or in part; a partial capture released the rest).</summary>
    Captured = 1,

    /// <summary>Voided: the whole hold was released.</summary>
    Voided = 2,

    /// <summary>Neither captured nor voided before it expired; the hold lapsed and can no longer be captured.</summary>
    Expired = 3,
}

/// <summary>A snapshot of one authorization (hold) in a <see cref="SimulatedPaymentGateway"/>'s ledger.</summary>
/// <param name="Reference">The authorization's id, which captures and voids reference.</param>
/// <param name="RentalId">The rental.</param>
/// <param name="RiderId">The rider.</param>
/// <param name="Amount">The amount authorized.</param>
/// <param name="AuthorizedAt">When the hold was placed.</param>
/// <param name="ExpiresAt">From when it can no longer be captured or voided: <paramref name="AuthorizedAt"/> plus <see cref="SimulatedPaymentGatewayOptions.AuthorizationValidity"/>.</param>
/// <param name="Captured">The amount captured (zero until captured).</param>
/// <param name="Released">The amount given back by a void or by a partial capture; an expired hold is not counted here.</param>
/// <param name="State">The state at the clock's now when the snapshot was taken.</param>
public sealed record SimulatedAuthorization(
    string Reference,
    string RentalId,
    string RiderId,
    Money Amount,
    Instant AuthorizedAt,
    Instant ExpiresAt,
    Money Captured,
    Money Released,
    AuthorizationState State);
