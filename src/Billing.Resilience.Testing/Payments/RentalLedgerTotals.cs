namespace Billing.Resilience.Testing;

/// <summary>
/// What a <see cref="SimulatedPaymentGateway"/>'s ledger holds for one rental, at the clock's now. Every hold ends up
/// in exactly one bucket: <c>Authorized = Captured + Released + Expired + Held</c>.
/// </summary>
/// <remarks>
/// A rental the gateway applied nothing for has every amount zero in the placeholder currency <c>XXX</c> and
/// <see cref="Operations"/> zero.
/// </remarks>
/// <param name="RentalId">The rental.</param>
/// <param name="Currency">The currency of the rental's operations (a rental's operations share one).</param>
/// <param name="Authorized">The sum of the holds placed.</param>
/// <param name="Captured">The sum taken by captures.</param>
/// <param name="Charged">The sum taken by charges (without a hold).</param>
/// <param name="Refunded">The sum returned by refunds.</param>
/// <param name="Voided">The sum of holds released by voids.</param>
/// <param name="Released">The sum of holds released by voids and by partial captures (what a partial capture did not take).</param>
/// <param name="Expired">The sum of holds that expired neither captured nor voided.</param>
/// <param name="Held">The sum of holds still capturable.</param>
/// <param name="Operations">The number of operations applied for the rental: applied, not attempted; a replayed key is not an operation.</param>
public sealed record RentalLedgerTotals(
    string RentalId,
    CurrencyCode Currency,
    Money Authorized,
    Money Captured,
    Money Charged,
    Money Refunded,
    Money Voided,
    Money Released,
    Money Expired,
    Money Held,
    int Operations)
{
    /// <summary>Gets what the rider paid in the end: <c>Captured + Charged - Refunded</c>.</summary>
    public Money Net => Captured.Plus(Charged).Minus(Refunded);
}
