using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Billing.Resilience;

/// <summary>The parts of an engine that its services share. Built once by <see cref="BillingEngineBuilder"/>.</summary>
internal sealed class BillingCore
{
    public required IClock Clock { get; init; }

    public required RentalRepository Rentals { get; init; }

    public required DependencyHealth Health { get; init; }

    public required IReadOnlyDictionary<string, PricingPlan> Plans { get; init; }

    public required RentalTokens Tokens { get; init; }

    public required IIdentityProvider Identity { get; init; }

    public required PaymentGateways Gateways { get; init; }

    public required PaymentProcessor Payments { get; init; }

    public required MeteringOptions Metering { get; init; }

    public required PaymentOptions PaymentOptions { get; init; }

    public required ReconcilerOptions ReconcilerOptions { get; init; }

    public required SettlementQueue Queue { get; init; }

    public HoldWatch Holds { get; } = new();

    public required Telemetry.BillingMetrics Metrics { get; init; }

    /// <summary>Leases, when several instances share the journal; null for a single instance.</summary>
    public ISettlementClaims? Claims { get; init; }

    /// <summary>This instance's name in leases.</summary>
    public string InstanceId { get; init; } = "single";

    public required ILoggerFactory LoggerFactory { get; init; }

    public PricingPlan PlanOf(RentalState state)
        => Plans.TryGetValue(state.PlanId, out var plan)
            ? plan
            : throw new InvariantViolationException($"{state.StreamId}: plan '{state.PlanId}' is no longer configured; keep retired plans until their rentals are settled.");

    public RentalStatement Statement(RentalState state, Instant asOf)
    {
        var plan = PlanOf(state);
        var reading = RentalMeter.Read(state.StartedAt, state.Signals, state.Distance, Health.Outages, Metering, plan, asOf);
        var money = RentalMoney.From(state.Currency, state.Payments, asOf, PaymentOptions.HoldValidity);
        var status = state.RefusalReason is not null || !state.IsStarted ? RentalStatus.Refused
            : reading.End is null ? RentalStatus.Open
            : !money.HasUnresolvedOperation && money.Taken == reading.Fare.Total && !money.HoldOpen ? RentalStatus.Settled
            : RentalStatus.PendingSettlement;
        if (status == RentalStatus.Refused)
        {
            // Nothing is charged for a refused start.
            var zero = FareCalculator.Quote(plan, Duration.Zero, 0m, Metering.IntervalRounding);
            return new RentalStatement(
                state.RentalId, state.RiderId, state.PlanId, state.StartedAt, asOf, status, state.RefusalReason ?? "refused", null, [], [],
                state.StartedAt, [], Duration.Zero, Duration.Zero, 0m, ZeroFare(zero), state.StartedAt, ZeroFare(zero), money);
        }

        return new RentalStatement(
            state.RentalId, state.RiderId, state.PlanId, state.StartedAt, asOf, status, null, reading.DecidingSignal, reading.ValidSignals,
            reading.RejectedSignals, reading.BilledUntil, reading.FrozenIntervals, reading.BillableTime, reading.FrozenTime,
            reading.BillableKilometres, reading.Fare, reading.NaiveEnd, reading.NaiveFare, money);
    }

    private static FareQuote ZeroFare(FareQuote template)
        => new(template.PlanId, Money.Zero(template.Currency), 0m, Duration.Zero, 0m, []);
}
