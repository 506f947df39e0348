namespace Billing.Resilience.Pricing;

/// <summary>
/// One GBFS <c>per_min_pricing</c> or <c>per_km_pricing</c> segment: from <see cref="Start"/> (inclusive) up to
/// <see cref="End"/> (exclusive, or unbounded), <see cref="Rate"/> is charged for every <see cref="Interval"/>
/// minutes or kilometres (once, when the interval is 0).
/// </summary>
public sealed record PricingSegment
{
    /// <summary>Creates a segment; arguments are checked for programmer errors.</summary>
    public PricingSegment(int start, decimal rate, int interval, int? end = null)
    {
        Preconditions.CheckArgument(start >= 0, nameof(start), "A segment starts at a non-negative minute or kilometre.");
        Preconditions.CheckArgument(interval >= 0, nameof(interval), "A segment interval is not negative.");
        Preconditions.CheckArgument(end is null || end > start, nameof(end), "A segment ends after it starts.");
        Start = start;
        Rate = rate;
        Interval = interval;
        End = end;
    }

    /// <summary>Gets the minute or kilometre at which the segment starts being charged (inclusive).</summary>
    public int Start { get; }

    /// <summary>Gets the amount charged per interval, in major units; negative for a discount.</summary>
    public decimal Rate { get; }

    /// <summary>Gets the interval in minutes or kilometres; 0 charges the rate once.</summary>
    public int Interval { get; }

    /// <summary>Gets the minute or kilometre at which the segment stops (exclusive), or null when it never stops.</summary>
    public int? End { get; }
}
