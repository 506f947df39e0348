using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Payments;

/// <summary>
/// Where a rental's money stands, as its journaled payment steps tell it: held, captured, charged, refunded,
/// released. Derived, never stored, so it cannot drift from the journal.
/// </summary>
public sealed class RentalMoney
{
    private RentalMoney(CurrencyCode currency)
    {
        Authorized = Captured = Charged = Refunded = Released = Money.Zero(currency);
    }

    /// <summary>Gets the amount of the successful authorization (hold), zero without one.</summary>
    public Money Authorized { get; private set; }

    /// <summary>Gets the amount captured from the hold.</summary>
    public Money Captured { get; private set; }

    /// <summary>Gets the amount charged without a hold.</summary>
    public Money Charged { get; private set; }

    /// <summary>Gets the amount refunded.</summary>
    public Money Refunded { get; private set; }

    /// <summary>Gets the part of the hold that was released: by a partial capture, a void, or expiry.</summary>
    public Money Released { get; private set; }

    /// <summary>Gets the amount the rider has paid: captured + charged - refunded.</summary>
    public Money Taken => Captured + Charged - Refunded;

    /// <summary>Gets the gateway that holds the authorization, if any.</summary>
    public string? AuthorizationGateway { get; private set; }

    /// <summary>Gets the gateway's reference of the authorization, if any.</summary>
    public string? AuthorizationReference { get; private set; }

    /// <summary>Gets when the hold was placed, if it was.</summary>
    public Instant? AuthorizedAt { get; private set; }

    /// <summary>Gets a value indicating whether the hold is still open: authorized, neither captured nor voided (it may have expired).</summary>
    public bool HoldOpen { get; private set; }

    /// <summary>Gets the reason of the most recent decline, when the last attempt to take money was declined (debt to collect).</summary>
    public string? DeclineReason { get; private set; }

    /// <summary>Gets a value indicating whether an operation's outcome is unknown: nothing else may happen to the rental until it is resolved.</summary>
    public bool HasUnresolvedOperation { get; private set; }

    /// <summary>Gets the number of operations the gateway applied, by the library's record.</summary>
    public int AppliedOperations { get; private set; }

    internal List<(string Gateway, string Reference, Money Remaining)> Refundable { get; } = [];

    internal static RentalMoney From(CurrencyCode currency, IReadOnlyList<PaymentStep> steps, Instant now, Duration holdValidity)
    {
        var money = new RentalMoney(currency);
        foreach (var step in steps)
        {
            if (step.IsUnresolved)
            {
                money.HasUnresolvedOperation = true;
            }

            if (step.Outcome == PaymentOutcome.Declined && step.Kind == PaymentOperationKind.Charge)
            {
                money.DeclineReason = step.Reason ?? "declined";
            }

            if (step.Outcome == PaymentOutcome.Declined && step.Kind is PaymentOperationKind.Capture or PaymentOperationKind.Void && money.HoldOpen)
            {
                // The gateway will not capture this hold (expired or released on its side): it is gone; charge instead.
                money.HoldOpen = false;
                money.HoldExpired = true;
                money.Released += money.Authorized;
            }

            if (!step.Succeeded)
            {
                continue;
            }

            money.AppliedOperations++;
            var applied = step.AppliedAmount ?? step.Amount;
            switch (step.Kind)
            {
                case PaymentOperationKind.Authorize:
                    money.Authorized = applied;
                    money.AuthorizationGateway = step.Gateway;
                    money.AuthorizationReference = step.ResultReference;
                    money.AuthorizedAt = step.CompletedAt;
                    money.HoldOpen = true;
                    break;
                case PaymentOperationKind.Capture:
                    money.Captured += applied;
                    money.Released += money.Authorized - applied;
                    money.HoldOpen = false;
                    money.DeclineReason = null;
                    money.Refundable.Add((step.Gateway, step.ResultReference ?? string.Empty, applied));
                    break;
                case PaymentOperationKind.Charge:
                    money.Charged += applied;
                    money.DeclineReason = null;
                    money.Refundable.Add((step.Gateway, step.ResultReference ?? string.Empty, applied));
                    break;
                case PaymentOperationKind.Void:
                    money.Released += money.Authorized;
                    money.HoldOpen = false;
                    break;
                case PaymentOperationKind.Refund:
                    money.Refunded += applied;
                    var index = money.Refundable.FindIndex(r => r.Reference == step.Reference);
                    if (index >= 0)
                    {
                        var r = money.Refundable[index];
                        money.Refundable[index] = (r.Gateway, r.Reference, r.Remaining - applied);
                    }

                    break;
            }
        }

        if (money.HoldOpen && money.AuthorizedAt is { } at && now >= at + holdValidity)
        {
            // An expired hold is released by the issuer; it can no longer be captured or voided.
            money.HoldOpen = false;
            money.HoldExpired = true;
            money.Released += money.Authorized;
        }

        return money;
    }

    /// <summary>Gets a value indicating whether the hold expired before it was captured or voided.</summary>
    public bool HoldExpired { get; private set; }
}
