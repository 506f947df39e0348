using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>SCENARIOS.md 3.4, one decision at a time: what the planner does next from a statement and its payment
/// steps, and how <see cref="RentalMoney"/> reads those steps.</summary>
public class SettlementPlannerTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 5, 1, 8, 0);
    private static readonly Duration HoldValidity = Duration.FromHours(6);

    private static Money Krw(long amount) => Money.FromMinorUnits(amount, CurrencyCode.KRW);

    private static PaymentStep Step(PaymentOperationKind kind, long amount, PaymentOutcome? outcome, string? resultReference = null, long? applied = null, string? reference = null, string? reason = null, int sequence = 1, string gateway = "pg")
    {
        var step = new PaymentStep(IdempotencyKey.ForRental("r-1", kind, sequence), kind, Krw(amount), gateway, reference, T0);
        return outcome is { } o
            ? step.Completed(o, resultReference, applied is { } a ? Krw(a) : null, reason, T0 + Duration.FromMinutes(1))
            : step;
    }

    private static PaymentStep Hold(long amount = 10_000, string gateway = "pg") => Step(PaymentOperationKind.Authorize, amount, PaymentOutcome.Succeeded, "auth-1", gateway: gateway);

    private static RentalStatement Statement(RentalStatus status, long charge, IReadOnlyList<PaymentStep> steps, Instant? asOf = null)
    {
        var now = asOf ?? T0 + Duration.FromMinutes(30);
        var fare = new FareQuote("plan", Krw(charge), charge, Duration.FromMinutes(30), 0m, []);
        var money = RentalMoney.From(CurrencyCode.KRW, steps, now, HoldValidity);
        return new RentalStatement(
            RentalId.From("r-1"), RiderId.From("u-1"), "plan", T0, now, status, status == RentalStatus.Refused ? "identity_down" : null,
            null, [], [], now, [], Duration.FromMinutes(30), Duration.Zero, 0m, fare, now, fare, money);
    }

    private static SettlementAction Next(RentalStatus status, long charge, params PaymentStep[] steps)
        => SettlementPlanner.Next(Statement(status, charge, steps), steps);

    [Fact]
    public void An_operation_in_flight_is_resolved_before_anything_else()
    {
        var inFlight = Step(PaymentOperationKind.Capture, 5_000, null, sequence: 1);
        var action = Next(RentalStatus.PendingSettlement, 5_000, Hold(), inFlight);

        Assert.Equal(SettlementActionKind.Resolve, action.Kind);
        Assert.Same(inFlight, action.Step);
    }

    [Fact]
    public void The_first_unknown_operation_is_resolved_first()
    {
        var unknown = Step(PaymentOperationKind.Charge, 5_000, PaymentOutcome.Unknown, sequence: 1);
        var later = Step(PaymentOperationKind.Charge, 5_000, null, sequence: 2);
        var action = Next(RentalStatus.Settled, 0, unknown, later);

        Assert.Equal(SettlementActionKind.Resolve, action.Kind);
        Assert.Same(unknown, action.Step);
    }

    [Fact]
    public void A_refused_start_with_a_hold_voids_it_on_the_hold_s_gateway()
    {
        var action = Next(RentalStatus.Refused, 0, Hold(gateway: "pg-2"));

        Assert.Equal(SettlementActionKind.Execute, action.Kind);
        Assert.Equal(PaymentOperationKind.Void, action.Operation);
        Assert.Equal(Krw(0), action.Amount);
        Assert.Equal("pg-2", action.Gateway);
        Assert.Equal("auth-1", action.Reference);
        Assert.Null(action.Step);
    }

    [Fact]
    public void A_refused_start_without_a_hold_needs_nothing()
        => Assert.Same(SettlementAction.None, Next(RentalStatus.Refused, 0));

    [Fact]
    public void An_open_rental_keeps_its_hold()
        => Assert.Same(SettlementAction.None, Next(RentalStatus.Open, 7_000, Hold()));

    [Fact]
    public void A_hold_larger_than_the_charge_is_captured_for_the_charge()
    {
        var action = Next(RentalStatus.PendingSettlement, 7_000, Hold(10_000, "pg-2"));

        Assert.Equal(SettlementActionKind.Execute, action.Kind);
        Assert.Equal(PaymentOperationKind.Capture, action.Operation);
        Assert.Equal(Krw(7_000), action.Amount);
        Assert.Equal("pg-2", action.Gateway);
        Assert.Equal("auth-1", action.Reference);
    }

    [Fact]
    public void A_hold_smaller_than_the_charge_is_captured_whole_and_the_rest_charged_next()
    {
        var capture = Next(RentalStatus.PendingSettlement, 12_000, Hold(10_000));

        Assert.Equal(PaymentOperationKind.Capture, capture.Operation);
        Assert.Equal(Krw(10_000), capture.Amount);

        var captured = Step(PaymentOperationKind.Capture, 10_000, PaymentOutcome.Succeeded, "cap-1", 10_000);
        var charge = Next(RentalStatus.PendingSettlement, 12_000, Hold(10_000), captured);

        Assert.Equal(SettlementActionKind.Execute, charge.Kind);
        Assert.Equal(PaymentOperationKind.Charge, charge.Operation);
        Assert.Equal(Krw(2_000), charge.Amount);
        Assert.Null(charge.Gateway);
        Assert.Null(charge.Reference);
    }

    [Fact]
    public void Without_a_hold_the_fare_is_charged()
    {
        var action = Next(RentalStatus.PendingSettlement, 3_500);

        Assert.Equal(SettlementActionKind.Execute, action.Kind);
        Assert.Equal(PaymentOperationKind.Charge, action.Operation);
        Assert.Equal(Krw(3_500), action.Amount);
    }

    [Fact]
    public void A_declined_charge_waits_for_an_operator()
    {
        var declined = Step(PaymentOperationKind.Charge, 3_500, PaymentOutcome.Declined, reason: "insufficient_funds");

        Assert.Same(SettlementAction.None, Next(RentalStatus.PendingSettlement, 3_500, declined));
    }

    [Fact]
    public void An_expired_hold_is_not_captured_the_fare_is_charged()
    {
        var steps = new[] { Hold(10_000) };
        var statement = Statement(RentalStatus.PendingSettlement, 4_000, steps, asOf: T0 + Duration.FromMinutes(1) + HoldValidity);

        var action = SettlementPlanner.Next(statement, steps);

        Assert.True(statement.Money.HoldExpired);
        Assert.False(statement.Money.HoldOpen);
        Assert.Equal(PaymentOperationKind.Charge, action.Operation);
        Assert.Equal(Krw(4_000), action.Amount);
    }

    [Fact]
    public void A_hold_is_still_open_just_before_its_validity_ends()
    {
        var steps = new[] { Hold(10_000) };
        var statement = Statement(RentalStatus.PendingSettlement, 4_000, steps, asOf: T0 + Duration.FromMinutes(1) + HoldValidity - Duration.Epsilon);

        Assert.True(statement.Money.HoldOpen);
        Assert.False(statement.Money.HoldExpired);
        Assert.Equal(PaymentOperationKind.Capture, SettlementPlanner.Next(statement, steps).Operation);
    }

    [Fact]
    public void A_declined_capture_closes_the_hold_and_the_fare_is_charged()
    {
        var declined = Step(PaymentOperationKind.Capture, 4_000, PaymentOutcome.Declined, reason: "hold_expired");
        var steps = new[] { Hold(10_000), declined };
        var statement = Statement(RentalStatus.PendingSettlement, 4_000, steps);

        var action = SettlementPlanner.Next(statement, steps);

        Assert.True(statement.Money.HoldExpired);
        Assert.Equal(Krw(10_000), statement.Money.Released);
        Assert.Null(statement.Money.DeclineReason);
        Assert.Equal(PaymentOperationKind.Charge, action.Operation);
        Assert.Equal(Krw(4_000), action.Amount);
    }

    [Fact]
    public void A_settled_amount_with_the_hold_still_open_voids_the_hold()
    {
        var charged = Step(PaymentOperationKind.Charge, 4_000, PaymentOutcome.Succeeded, "ch-1", 4_000);
        var action = Next(RentalStatus.PendingSettlement, 4_000, Hold(10_000, "pg-2"), charged);

        Assert.Equal(PaymentOperationKind.Void, action.Operation);
        Assert.Equal("pg-2", action.Gateway);
        Assert.Equal("auth-1", action.Reference);
    }

    [Fact]
    public void A_settled_amount_without_a_hold_needs_nothing()
    {
        var charged = Step(PaymentOperationKind.Charge, 4_000, PaymentOutcome.Succeeded, "ch-1", 4_000);

        Assert.Same(SettlementAction.None, Next(RentalStatus.Settled, 4_000, charged));
    }

    [Fact]
    public void An_excess_is_refunded_from_the_newest_payment_first_up_to_what_it_took()
    {
        var captured = Step(PaymentOperationKind.Capture, 3_000, PaymentOutcome.Succeeded, "cap-1", 3_000, gateway: "pg-1");
        var charged = Step(PaymentOperationKind.Charge, 2_000, PaymentOutcome.Succeeded, "ch-1", 2_000, gateway: "pg-2");

        // Taken 5,000, charge now 1,000: 4,000 too much; the charge (newest) gives back all it took.
        var first = Next(RentalStatus.Settled, 1_000, Hold(3_000, "pg-1"), captured, charged);
        Assert.Equal(SettlementActionKind.Execute, first.Kind);
        Assert.Equal(PaymentOperationKind.Refund, first.Operation);
        Assert.Equal(Krw(2_000), first.Amount);
        Assert.Equal("pg-2", first.Gateway);
        Assert.Equal("ch-1", first.Reference);

        // Once the charge is refunded whole, the capture gives back the rest.
        var refunded = Step(PaymentOperationKind.Refund, 2_000, PaymentOutcome.Succeeded, "rf-1", 2_000, reference: "ch-1", gateway: "pg-2");
        var second = Next(RentalStatus.Settled, 1_000, Hold(3_000, "pg-1"), captured, charged, refunded);
        Assert.Equal(PaymentOperationKind.Refund, second.Operation);
        Assert.Equal(Krw(2_000), second.Amount);
        Assert.Equal("pg-1", second.Gateway);
        Assert.Equal("cap-1", second.Reference);
    }

    [Fact]
    public void A_small_excess_is_refunded_exactly()
    {
        var charged = Step(PaymentOperationKind.Charge, 5_000, PaymentOutcome.Succeeded, "ch-1", 5_000);

        var action = Next(RentalStatus.Settled, 4_200, charged);

        Assert.Equal(PaymentOperationKind.Refund, action.Operation);
        Assert.Equal(Krw(800), action.Amount);
        Assert.Equal("ch-1", action.Reference);
    }

    [Fact]
    public void An_excess_with_nothing_left_to_refund_stops_with_an_invariant_violation()
    {
        // Only inconsistent data gets here (every payment already refunded whole, yet more taken than charged): the
        // planner refuses to invent a refund. A statement with a charge below what was refunded stands for it.
        var charged = Step(PaymentOperationKind.Charge, 5_000, PaymentOutcome.Succeeded, "ch-1", 5_000);
        var refunded = Step(PaymentOperationKind.Refund, 5_000, PaymentOutcome.Succeeded, "rf-1", 5_000, reference: "ch-1");
        var steps = new[] { charged, refunded };

        var ex = Assert.Throws<InvariantViolationException>(() => SettlementPlanner.Next(Statement(RentalStatus.Settled, -1, steps), steps));

        Assert.Contains("r-1", ex.Message, StringComparison.Ordinal);
        Assert.Same(SettlementAction.None, SettlementPlanner.Next(Statement(RentalStatus.Settled, 0, steps), steps));
    }

    [Fact]
    public void Money_read_from_the_steps_adds_up()
    {
        var captured = Step(PaymentOperationKind.Capture, 6_000, PaymentOutcome.Succeeded, "cap-1", 6_000);
        var charged = Step(PaymentOperationKind.Charge, 1_500, PaymentOutcome.Succeeded, "ch-1", 1_500);
        var refunded = Step(PaymentOperationKind.Refund, 500, PaymentOutcome.Succeeded, "rf-1", 500, reference: "ch-1");
        var failed = Step(PaymentOperationKind.Charge, 9_999, PaymentOutcome.Failed, sequence: 2);

        var money = RentalMoney.From(CurrencyCode.KRW, [Hold(10_000), captured, charged, refunded, failed], T0, HoldValidity);

        Assert.Equal(Krw(10_000), money.Authorized);
        Assert.Equal(Krw(6_000), money.Captured);
        Assert.Equal(Krw(1_500), money.Charged);
        Assert.Equal(Krw(500), money.Refunded);
        Assert.Equal(Krw(4_000), money.Released);
        Assert.Equal(Krw(7_000), money.Taken);
        Assert.Equal(4, money.AppliedOperations);
        Assert.False(money.HoldOpen);
        Assert.False(money.HoldExpired);
        Assert.False(money.HasUnresolvedOperation);
        Assert.Null(money.DeclineReason);
        Assert.Equal("pg", money.AuthorizationGateway);
        Assert.Equal("auth-1", money.AuthorizationReference);
        Assert.Equal(T0 + Duration.FromMinutes(1), money.AuthorizedAt);
        Assert.Equal([Krw(6_000), Krw(1_000)], money.Refundable.Select(r => r.Remaining));
    }

    [Fact]
    public void A_decline_is_remembered_until_money_is_taken()
    {
        var declined = Step(PaymentOperationKind.Charge, 1_500, PaymentOutcome.Declined, reason: null);
        var money = RentalMoney.From(CurrencyCode.KRW, [declined], T0, HoldValidity);
        Assert.Equal("declined", money.DeclineReason);

        var retried = Step(PaymentOperationKind.Charge, 1_500, PaymentOutcome.Succeeded, "ch-2", 1_500, sequence: 2);
        Assert.Null(RentalMoney.From(CurrencyCode.KRW, [declined, retried], T0, HoldValidity).DeclineReason);

        var unknown = Step(PaymentOperationKind.Charge, 1_500, PaymentOutcome.Unknown, sequence: 3);
        Assert.True(RentalMoney.From(CurrencyCode.KRW, [declined, unknown], T0, HoldValidity).HasUnresolvedOperation);
    }

    [Fact]
    public void A_void_releases_the_whole_hold()
    {
        var voided = Step(PaymentOperationKind.Void, 0, PaymentOutcome.Succeeded, "v-1", 0);
        var money = RentalMoney.From(CurrencyCode.KRW, [Hold(10_000), voided], T0, HoldValidity);

        Assert.False(money.HoldOpen);
        Assert.False(money.HoldExpired);
        Assert.Equal(Krw(10_000), money.Released);
        Assert.Equal(Krw(0), money.Taken);
    }

    [Fact]
    public void A_decline_keeps_the_gateway_s_reason()
    {
        var declined = Step(PaymentOperationKind.Charge, 1_500, PaymentOutcome.Declined, reason: "insufficient_funds");

        Assert.Equal("insufficient_funds", RentalMoney.From(CurrencyCode.KRW, [declined], T0, HoldValidity).DeclineReason);
    }

    [Fact]
    public void The_amount_the_gateway_applied_counts_not_the_amount_requested()
    {
        // A partial capture: 6,000 requested, the gateway took 5,000 (the rest of the hold is released).
        var captured = Step(PaymentOperationKind.Capture, 6_000, PaymentOutcome.Succeeded, "cap-1", 5_000);

        var money = RentalMoney.From(CurrencyCode.KRW, [Hold(10_000), captured], T0, HoldValidity);

        Assert.Equal(Krw(5_000), money.Captured);
        Assert.Equal(Krw(5_000), money.Released);
        Assert.Equal(Krw(5_000), money.Taken);
        Assert.Equal([Krw(5_000)], money.Refundable.Select(r => r.Remaining));
    }

    [Fact]
    public void An_expired_hold_is_released_whole()
    {
        var money = RentalMoney.From(CurrencyCode.KRW, [Hold(10_000)], T0 + Duration.FromMinutes(1) + HoldValidity, HoldValidity);

        Assert.True(money.HoldExpired);
        Assert.False(money.HoldOpen);
        Assert.Equal(Krw(10_000), money.Released);
        Assert.Equal(Krw(0), money.Taken);
    }
}
