using Billing.Resilience.Outages;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>A part of a rental during which the meter was frozen, and the outage that froze it.</summary>
/// <param name="Interval">The frozen time, half-open.</param>
/// <param name="Outage">The outage that caused it. Intervals of overlapping outages may overlap; a second is never billed nor frozen twice.</param>
public sealed record FrozenInterval(Interval Interval, Outage Outage);
