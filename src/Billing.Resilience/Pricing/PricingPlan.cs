namespace Billing.Resilience.Pricing;

/// <summary>
/// A GBFS pricing plan (<c>system_pricing_plans.json</c>, any version 1.1 to 3.1), validated and ready for the
/// <see cref="FareCalculator"/>. Prices and rates are exact decimals in major units of <see cref="Currency"/>.
/// </summary>
/// <remarks>Create plans with <see cref="GbfsPricingPlans"/>; the constructor is for tests and hand-written plans and
/// only checks programmer errors.</remarks>
public sealed class PricingPlan
{
    /// <summary>Creates a plan. Arguments are checked; use <see cref="GbfsPricingPlans"/> for user input.</summary>
    public PricingPlan(
        string planId,
        CurrencyCode currency,
        decimal price,
        IEnumerable<PricingSegment>? perMinutePricing = null,
        IEnumerable<PricingSegment>? perKmPricing = null,
        FareCap? fareCap = null)
    {
        Preconditions.CheckArgument(!string.IsNullOrEmpty(planId), nameof(planId), "A plan id is required.");
        Preconditions.CheckArgument(!currency.IsDefault, nameof(currency), "A currency is required.");
        Preconditions.CheckArgument(price >= 0, nameof(price), "The base price must not be negative.");
        PlanId = planId;
        Currency = currency;
        Price = price;
        PerMinutePricing = (perMinutePricing ?? []).ToArray();
        PerKmPricing = (perKmPricing ?? []).ToArray();
        FareCap = fareCap;
        Name = planId;
        Description = string.Empty;
    }

    /// <summary>Gets the plan's identifier, unique within its feed.</summary>
    public string PlanId { get; }

    /// <summary>Gets the currency of every price in the plan.</summary>
    public CurrencyCode Currency { get; }

    /// <summary>Gets the base price, charged once per rental (typically the unlock fee), in major units.</summary>
    public decimal Price { get; }

    /// <summary>Gets the segments priced by billable minutes, in feed order.</summary>
    public IReadOnlyList<PricingSegment> PerMinutePricing { get; }

    /// <summary>Gets the segments priced by billable kilometres, in feed order.</summary>
    public IReadOnlyList<PricingSegment> PerKmPricing { get; }

    /// <summary>Gets the fare cap (GBFS 3.1 <c>fare_capping</c>), if any.</summary>
    public FareCap? FareCap { get; }

    /// <summary>Gets the plan's display name (first localized text for GBFS 3.x feeds).</summary>
    public string Name { get; init; }

    /// <summary>Gets the customer-readable description; some feeds state rules here that the segments cannot express.</summary>
    public string Description { get; init; }

    /// <summary>Gets the plan's URL, if the feed gives one.</summary>
    public string? Url { get; init; }

    /// <summary>Gets a value indicating whether tax is added to the prices.</summary>
    public bool IsTaxable { get; init; }

    /// <summary>Gets whether surge pricing is in effect, when the feed says.</summary>
    public bool? SurgePricing { get; init; }

    /// <summary>Gets the per-minute reservation price (GBFS 3.1), kept but not part of a rental's fare.</summary>
    public decimal? ReservationPricePerMinute { get; init; }

    /// <summary>Gets the flat reservation price (GBFS 3.1), kept but not part of a rental's fare.</summary>
    public decimal? ReservationPriceFlatRate { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{PlanId} ({Currency.Code})";
}
