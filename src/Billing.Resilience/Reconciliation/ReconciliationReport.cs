using Billing.Resilience.Outages;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>Where a group of rentals stands, in one currency: how many are settled, pending, declined, and the money.</summary>
/// <param name="Currency">The currency of every amount.</param>
/// <param name="Rentals">Rentals in the group (refused starts included).</param>
/// <param name="Settled">Rentals settled.</param>
/// <param name="Pending">Rentals whose end is known and whose money does not match yet (payment down, unresolved, or retrying).</param>
/// <param name="Declined">Pending rentals whose charge was declined: debt to collect.</param>
/// <param name="Open">Rentals with no valid end signal yet.</param>
/// <param name="Refused">Starts refused.</param>
/// <param name="Charge">What the library charges (open rentals up to the report's moment).</param>
/// <param name="NaiveCharge">What a system without the library would have charged.</param>
/// <param name="Taken">What was actually taken: captured + charged - refunded, by the journal.</param>
/// <param name="Debt">Charges not collected because they were declined.</param>
public sealed record SettlementTotals(
    CurrencyCode Currency, int Rentals, int Settled, int Pending, int Declined, int Open, int Refused,
    Money Charge, Money NaiveCharge, Money Taken, Money Debt)
{
    /// <summary>Gets what riders were spared: naive charge minus charge.</summary>
    public Money NotCharged => NaiveCharge - Charge;
}

/// <summary>The rentals an outage froze, and where they stand.</summary>
/// <param name="Outage">The outage.</param>
/// <param name="Totals">The rentals it froze (a non-empty frozen interval caused by it), by currency.</param>
public sealed record OutageSettlement(Outage Outage, IReadOnlyList<SettlementTotals> Totals);

/// <summary>The reconciliation report: every rental by currency, and per outage what it froze and what settled since.</summary>
/// <param name="AsOf">The moment the report describes.</param>
/// <param name="Totals">Every rental, by currency.</param>
/// <param name="Outages">Every outage in the log, with the rentals it froze.</param>
public sealed record ReconciliationReport(Instant AsOf, IReadOnlyList<SettlementTotals> Totals, IReadOnlyList<OutageSettlement> Outages);
