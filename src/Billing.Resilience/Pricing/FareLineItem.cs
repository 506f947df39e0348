namespace Billing.Resilience.Pricing;

/// <summary>What a line of a fare stands for.</summary>
public enum FareLineItemKind
{
    /// <summary>The plan's base price (<c>price</c>), charged once.</summary>
    Base = 0,

    /// <summary>A <c>per_min_pricing</c> segment.</summary>
    PerMinute = 1,

    /// <summary>A <c>per_km_pricing</c> segment.</summary>
    PerKm = 2,

    /// <summary>The reduction from <c>fare_capping</c> (zero or negative).</summary>
    FareCap = 3,

    /// <summary>Brings a fare that discounts made negative back to zero (positive).</summary>
    ClampToZero = 4,

    /// <summary>
    /// The difference from rounding once, at the end, to the currency's minor unit. Its exact amount is the rounded total
    /// minus the exact total; its amount is the rounded total minus the other lines' amounts (which were each rounded on
    /// their own). Present only when either is not zero.
    /// </summary>
    Rounding = 5,
}

/// <summary>
/// One line of a fare. <see cref="ExactAmount"/> is the unrounded amount in major units; <see cref="Amount"/> is that
/// amount rounded half-to-even to the minor unit. Both columns sum exactly to the fare's total
/// (<see cref="FareQuote.Total"/>), the <see cref="FareLineItemKind.Rounding"/> line absorbing the difference: its
/// <see cref="Amount"/> is what makes the column add up, not its exact amount rounded.
/// </summary>
/// <param name="Kind">What the line stands for.</param>
/// <param name="Segment">For per-minute and per-km lines, the index of the segment in the plan.</param>
/// <param name="Units">For per-minute and per-km lines, how many intervals were charged.</param>
/// <param name="ExactAmount">The exact amount in major units.</param>
/// <param name="Amount">The amount in minor units.</param>
public sealed record FareLineItem(FareLineItemKind Kind, int? Segment, long? Units, decimal ExactAmount, Money Amount);
