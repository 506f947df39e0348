namespace Billing.Resilience.Testing;

/// <summary>The ledger invariants a <see cref="SimulatedPaymentGateway"/> checks (the promise of exactly-once money).</summary>
public enum LedgerInvariant
{
    /// <summary>What was captured against an authorization is at most what it authorized.</summary>
    CaptureWithinAuthorization = 0,

    /// <summary>An authorization is captured at most once.</summary>
    SingleCapturePerAuthorization = 1,

    /// <summary>What was refunded is at most what was taken: per capture or charge, and per rental (captured + charged).</summary>
    RefundWithinTaken = 2,

    /// <summary>Every idempotency key was applied at most once.</summary>
    KeyAppliedOnce = 3,

    /// <summary>No amount in the ledger is negative.</summary>
    NonNegativeAmount = 4,

    /// <summary>A rental's operations share one currency.</summary>
    SingleCurrency = 5,

    /// <summary>Captured + charged - refunded equals the charge the caller expected (see <see cref="SimulatedPaymentGateway.CheckCharge"/>).</summary>
    ExpectedCharge = 6,
}

/// <summary>A broken ledger invariant, found by <see cref="SimulatedPaymentGateway.CheckInvariants()"/> or <see cref="SimulatedPaymentGateway.CheckCharge"/>.</summary>
/// <param name="Invariant">The invariant.</param>
/// <param name="RentalId">The rental whose ledger breaks it.</param>
/// <param name="Message">What is wrong, with the ids and amounts involved.</param>
public sealed record LedgerViolation(LedgerInvariant Invariant, string RentalId, string Message)
{
    /// <summary>Formats as "rental r-1: KeyAppliedOnce: ...".</summary>
    public override string ToString() => $"rental {RentalId}: {Invariant}: {Message}";
}
