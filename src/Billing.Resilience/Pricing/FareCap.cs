namespace Billing.Resilience.Pricing;

/// <summary>GBFS 3.1 <c>fare_capping</c>: no window of <see cref="DurationMinutes"/> billable minutes costs more than <see cref="Price"/>.</summary>
public sealed record FareCap
{
    /// <summary>Creates a cap; arguments are checked for programmer errors.</summary>
    public FareCap(int durationMinutes, decimal price)
    {
        Preconditions.CheckArgument(durationMinutes > 0, nameof(durationMinutes), "A fare cap window lasts at least one minute.");
        Preconditions.CheckArgument(price >= 0, nameof(price), "A fare cap price is not negative.");
        DurationMinutes = durationMinutes;
        Price = price;
    }

    /// <summary>Gets the length of each capping window in billable minutes.</summary>
    public int DurationMinutes { get; }

    /// <summary>Gets the most one window can cost, in major units.</summary>
    public decimal Price { get; }
}
