using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;

namespace OutageDrill.Scenarios;

/// <summary>A drill scenario (SCENARIOS.md section 2), validated.</summary>
internal sealed record Scenario(
    string Name,
    IReadOnlyList<PricingPlan> Plans,
    ScenarioPolicy Policy,
    IReadOnlyList<ScenarioOutage> Outages,
    IReadOnlyList<ScenarioRental> Rentals,
    IReadOnlyList<PaymentFault> Faults,
    OffsetDateTime RunUntil);

internal sealed record ScenarioPolicy(
    IntervalRounding IntervalRounding,
    IReadOnlySet<Dependency> FreezeOn,
    Duration FreezeGrace,
    Duration EndSignalSkew,
    decimal? HoldAmount,
    Duration HoldValidity)
{
    public static ScenarioPolicy Default { get; } = new(
        IntervalRounding.Started, new HashSet<Dependency> { Dependency.Payment, Dependency.Identity }, Duration.Zero, Duration.FromSeconds(120), null, Duration.FromHours(168));
}

internal sealed record ScenarioOutage(Dependency Dependency, OffsetDateTime From, OffsetDateTime? To);

internal sealed record ScenarioRental(
    string Id,
    string RiderId,
    string PlanId,
    OffsetDateTime StartedAt,
    IReadOnlyList<ScenarioSignal> EndSignals,
    IReadOnlyList<ScenarioDistance> Distance);

internal sealed record ScenarioSignal(OffsetDateTime At, OffsetDateTime ReceivedAt, EndSignalSource Source);

internal sealed record ScenarioDistance(OffsetDateTime At, decimal Kilometres);
