using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;

namespace Billing.Resilience.Reconciliation;

/// <summary>What the reconciler does next for a rental.</summary>
internal enum SettlementActionKind
{
    /// <summary>Nothing to do: settled, open, or waiting for an operator (a declined charge).</summary>
    None,

    /// <summary>Resolve the operation whose outcome is unknown.</summary>
    Resolve,

    /// <summary>Send a new operation.</summary>
    Execute,
}

internal sealed record SettlementAction(SettlementActionKind Kind, PaymentStep? Step = null, PaymentOperationKind Operation = default, Money Amount = default, string? Gateway = null, string? Reference = null)
{
    public static readonly SettlementAction None = new(SettlementActionKind.None);
}

/// <summary>
/// Decides the next payment operation of a rental from its statement alone (SCENARIOS.md 3.4). Pure: the same
/// statement gives the same action, so a reconciler that crashed anywhere resumes by asking again.
/// </summary>
internal static class SettlementPlanner
{
    public static SettlementAction Next(RentalStatement statement, IReadOnlyList<PaymentStep> steps)
    {
        var money = statement.Money;

        // An unknown outcome is resolved before anything else happens to the rental.
        var unresolved = steps.FirstOrDefault(s => s.IsUnresolved);
        if (unresolved is not null)
        {
            return new SettlementAction(SettlementActionKind.Resolve, unresolved);
        }

        if (statement.Status == RentalStatus.Refused || statement.Status == RentalStatus.Open)
        {
            // A refused start never keeps a hold; an open rental keeps its hold until it ends.
            return statement.Status == RentalStatus.Refused && money.HoldOpen ? Void(money) : SettlementAction.None;
        }

        var charge = statement.Charge;
        var taken = money.Taken;
        if (taken < charge)
        {
            if (money.DeclineReason is not null)
            {
                // Debt to collect: the operator decides (retry, another payment method, write-off).
                return SettlementAction.None;
            }

            var missing = charge - taken;
            if (money.HoldOpen && money.Captured.IsZero)
            {
                // Capture what the hold covers; the rest of the hold is released by the partial capture.
                var capture = Money.Min(missing, money.Authorized);
                return new SettlementAction(SettlementActionKind.Execute, null, PaymentOperationKind.Capture, capture, money.AuthorizationGateway, money.AuthorizationReference);
            }

            return new SettlementAction(SettlementActionKind.Execute, null, PaymentOperationKind.Charge, missing);
        }

        if (taken > charge)
        {
            // A later signal moved the end earlier: refund the difference, newest payment first.
            var excess = taken - charge;
            for (var i = money.Refundable.Count - 1; i >= 0; i--)
            {
                var (gateway, reference, remaining) = money.Refundable[i];
                if (remaining.MinorUnits > 0)
                {
                    return new SettlementAction(SettlementActionKind.Execute, null, PaymentOperationKind.Refund, Money.Min(excess, remaining), gateway, reference);
                }
            }

            throw new InvariantViolationException($"Rental {statement.RentalId}: {taken} taken exceeds the charge {charge} but nothing is refundable.");
        }

        return money.HoldOpen ? Void(money) : SettlementAction.None;
    }

    private static SettlementAction Void(RentalMoney money)
        => new(SettlementActionKind.Execute, null, PaymentOperationKind.Void, Money.Zero(money.Authorized.Currency), money.AuthorizationGateway, money.AuthorizationReference);
}
