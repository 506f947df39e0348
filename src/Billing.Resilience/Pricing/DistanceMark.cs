using NodaTime;

namespace Billing.Resilience.Pricing;

/// <summary>
/// Kilometres travelled at a point of a rental's billable time: <see cref="BillableOffset"/> is how much billable
/// time had passed when the increment was travelled. Only <c>fare_capping</c> needs to know when distance was
/// travelled; every other rule uses the total.
/// </summary>
/// <param name="BillableOffset">Billable time elapsed before the increment (frozen time does not count), not negative.
/// Under <c>fare_capping</c> an increment belongs to the window [kD, (k+1)D) that contains its offset.</param>
/// <param name="Kilometres">The increment in kilometres, not negative.</param>
public readonly record struct DistanceMark(Duration BillableOffset, decimal Kilometres);
