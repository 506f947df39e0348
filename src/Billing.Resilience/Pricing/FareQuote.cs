using NodaTime;

namespace Billing.Resilience.Pricing;

/// <summary>The fare for an amount of billable time and distance under one plan, with the lines that explain it.</summary>
public sealed class FareQuote
{
    internal FareQuote(string planId, Money total, decimal exactTotal, Duration billableTime, decimal billableKilometres, IReadOnlyList<FareLineItem> lineItems)
    {
        PlanId = planId;
        Total = total;
        ExactTotal = exactTotal;
        BillableTime = billableTime;
        BillableKilometres = billableKilometres;
        LineItems = lineItems;
    }

    /// <summary>Gets the plan the fare was computed with.</summary>
    public string PlanId { get; }

    /// <summary>Gets the currency of the fare.</summary>
    public CurrencyCode Currency => Total.Currency;

    /// <summary>Gets the fare, rounded once to the minor unit (half to even), never negative.</summary>
    public Money Total { get; }

    /// <summary>Gets the fare before that final rounding, in major units (after capping and clamping).</summary>
    public decimal ExactTotal { get; }

    /// <summary>Gets the billable time the fare is for.</summary>
    public Duration BillableTime { get; }

    /// <summary>Gets the billable distance the fare is for, in kilometres.</summary>
    public decimal BillableKilometres { get; }

    /// <summary>
    /// Gets the lines of the fare, in this order: the base price, every per-minute segment, every per-km segment (each
    /// with its count of intervals, zero included), then when they apply the fare-cap reduction, the clamp to zero and
    /// the rounding. Their amounts sum to <see cref="Total"/>, and so do their exact amounts.
    /// </summary>
    public IReadOnlyList<FareLineItem> LineItems { get; }
}
