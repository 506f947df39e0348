namespace Billing.Resilience.Testing;

/// <summary>The machine-readable reasons a <see cref="SimulatedPaymentGateway"/> gives for a decline or a failure.</summary>
public static class SimulatedPaymentReasons
{
    /// <summary>Declined: the rider's funds (<see cref="SimulatedPaymentGatewayOptions.RiderFunds"/>) do not cover the hold or charge, or a <see cref="PaymentFaultKind.Decline"/> fault.</summary>
    public const string InsufficientFunds = "insufficient_funds";

    /// <summary>Declined: the rider is in <see cref="SimulatedPaymentGatewayOptions.DeclinedRiders"/>.</summary>
    public const string CardDeclined = "card_declined";

    /// <summary>Declined: the authorization is older than <see cref="SimulatedPaymentGatewayOptions.AuthorizationValidity"/> at the clock's now.</summary>
    public const string AuthorizationExpired = "authorization_expired";

    /// <summary>Declined: a capture of an authorization that was already captured or voided.</summary>
    public const string AuthorizationNotCapturable = "authorization_not_capturable";

    /// <summary>Declined: a void of an authorization that was already captured or voided.</summary>
    public const string AuthorizationNotVoidable = "authorization_not_voidable";

    /// <summary>Declined: a capture larger than the authorization.</summary>
    public const string CaptureExceedsAuthorized = "capture_exceeds_authorized";

    /// <summary>Declined: a refund larger than what its capture or charge took minus what was already refunded.</summary>
    public const string RefundExceedsCaptured = "refund_exceeds_captured";

    /// <summary>Failed: the key was already used with other parameters.</summary>
    public const string IdempotencyKeyReused = "idempotency_key_reused";

    /// <summary>Failed: an injected <see cref="PaymentFaultKind.Error"/>.</summary>
    public const string GatewayError = "gateway_error";

    /// <summary>Unknown: a timeout or lost response, when <see cref="SimulatedPaymentGatewayOptions.ReportTimeoutsAsUnknown"/> is set.</summary>
    public const string Timeout = "timeout";

    /// <summary>Failed: an amount that is not positive (a void's amount is zero or the whole hold), or not in a real currency.</summary>
    public const string InvalidAmount = "invalid_amount";

    /// <summary>Failed: the amount's currency differs from the referenced operation's, or from the rental's earlier operations.</summary>
    public const string CurrencyMismatch = "currency_mismatch";

    /// <summary>Failed: a reference where none belongs (authorize, charge), none where one is needed, or one of the wrong kind.</summary>
    public const string InvalidReference = "invalid_reference";

    /// <summary>Failed: the reference names nothing this gateway applied.</summary>
    public const string UnknownReference = "unknown_reference";

    /// <summary>Failed: the referenced operation belongs to another rental or rider.</summary>
    public const string ReferenceMismatch = "reference_mismatch";

    /// <summary>Failed: an empty rental or rider id, or an undefined operation kind.</summary>
    public const string InvalidRequest = "invalid_request";
}
