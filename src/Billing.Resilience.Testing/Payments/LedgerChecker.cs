using System.Runtime.InteropServices;
using Billing.Resilience.Payments;

namespace Billing.Resilience.Testing;

/// <summary>
/// Checks the ledger invariants by recomputing them from the list of applied operations alone, independently of the
/// state the gateway keeps to enforce them, so that a bug in the gateway shows up too.
/// </summary>
internal static class LedgerChecker
{
    /// <summary>
    /// Checks the operations of any set of rentals, in the order they were applied. Reads each operation twice, by
    /// position, and keeps only positions in between, so that a list whose items are made when read (the gateway's
    /// ledger of millions) is never held whole.
    /// </summary>
    public static List<LedgerViolation> Check(IReadOnlyList<AppliedPaymentOperation> operations)
    {
        var violations = new List<LedgerViolation>();
        var byKey = new Dictionary<IdempotencyKey, int>(operations.Count);
        var byRental = new Dictionary<string, (int First, int Last)>(StringComparer.Ordinal);
        var next = new int[operations.Count];
        var rentalOrder = new List<int>();
        for (var index = 0; index < operations.Count; index++)
        {
            var op = operations[index];
            next[index] = -1;
            if (byKey.TryGetValue(op.Key, out var firstIndex))
            {
                var first = operations[firstIndex];
                var message = $"key '{op.Key}' was applied more than once: {first.Id} (#{first.Sequence}, rental {first.RentalId}) and {op.Id} (#{op.Sequence}, rental {op.RentalId}).";
                violations.Add(new LedgerViolation(LedgerInvariant.KeyAppliedOnce, op.RentalId, message));
                if (!string.Equals(first.RentalId, op.RentalId, StringComparison.Ordinal))
                {
                    violations.Add(new LedgerViolation(LedgerInvariant.KeyAppliedOnce, first.RentalId, message));
                }
            }
            else
            {
                byKey.Add(op.Key, index);
            }

            if (op.Amount.IsNegative)
            {
                violations.Add(new LedgerViolation(LedgerInvariant.NonNegativeAmount, op.RentalId, $"{op.Kind} {op.Id} has a negative amount {op.Amount}."));
            }

            ref var rental = ref CollectionsMarshal.GetValueRefOrAddDefault(byRental, op.RentalId, out var seen);
            if (seen)
            {
                next[rental.Last] = index;
                rental.Last = index;
            }
            else
            {
                rental = (index, index);
                rentalOrder.Add(index);
            }
        }

        var rentalOperations = new List<AppliedPaymentOperation>();
        foreach (var first in rentalOrder)
        {
            rentalOperations.Clear();
            for (var index = first; index != -1; index = next[index])
            {
                rentalOperations.Add(operations[index]);
            }

            CheckRental(rentalOperations[0].RentalId, rentalOperations, violations);
        }

        return violations;
    }

    private static void CheckRental(string rentalId, List<AppliedPaymentOperation> operations, List<LedgerViolation> violations)
    {
        var currency = operations[0].Amount.Currency;
        var authorizations = new Dictionary<string, AppliedPaymentOperation>(StringComparer.Ordinal);
        var captures = new Dictionary<string, List<AppliedPaymentOperation>>(StringComparer.Ordinal);
        var taken = new Dictionary<string, AppliedPaymentOperation>(StringComparer.Ordinal);
        var refundedByTaken = new Dictionary<string, long>(StringComparer.Ordinal);
        long takenTotal = 0;
        long refundedTotal = 0;
        foreach (var op in operations)
        {
            if (op.Amount.Currency != currency)
            {
                violations.Add(new LedgerViolation(
                    LedgerInvariant.SingleCurrency,
                    rentalId,
                    $"{op.Kind} {op.Id} is in {op.Amount.Currency}, the rental's first operation in {currency}; it is left out of the other checks."));
                continue;
            }

            switch (op.Kind)
            {
                case PaymentOperationKind.Authorize:
                    authorizations[op.Id] = op;
                    break;
                case PaymentOperationKind.Capture:
                    if (op.Reference is null || !authorizations.ContainsKey(op.Reference))
                    {
                        violations.Add(new LedgerViolation(
                            LedgerInvariant.CaptureWithinAuthorization,
                            rentalId,
                            $"capture {op.Id} of {op.Amount} references '{op.Reference}', which is no earlier authorization of this rental."));
                    }
                    else
                    {
                        if (!captures.TryGetValue(op.Reference, out var list))
                        {
                            list = [];
                            captures.Add(op.Reference, list);
                        }

                        list.Add(op);
                    }

                    taken[op.Id] = op;
                    takenTotal = checked(takenTotal + op.Amount.MinorUnits);
                    break;
                case PaymentOperationKind.Charge:
                    taken[op.Id] = op;
                    takenTotal = checked(takenTotal + op.Amount.MinorUnits);
                    break;
                case PaymentOperationKind.Refund:
                    refundedTotal = checked(refundedTotal + op.Amount.MinorUnits);
                    if (op.Reference is null || !taken.TryGetValue(op.Reference, out var source))
                    {
                        violations.Add(new LedgerViolation(
                            LedgerInvariant.RefundWithinTaken,
                            rentalId,
                            $"refund {op.Id} of {op.Amount} references '{op.Reference}', which is no earlier capture or charge of this rental."));
                    }
                    else
                    {
                        var refunded = checked(refundedByTaken.GetValueOrDefault(op.Reference) + op.Amount.MinorUnits);
                        refundedByTaken[op.Reference] = refunded;
                        if (refunded > source.Amount.MinorUnits)
                        {
                            violations.Add(new LedgerViolation(
                                LedgerInvariant.RefundWithinTaken,
                                rentalId,
                                $"{source.Kind} {source.Id} took {source.Amount} but {Money.FromMinorUnits(refunded, currency)} was refunded against it (last by {op.Id})."));
                        }
                    }

                    break;
                default:
                    break;
            }
        }

        foreach (var (authorizationId, list) in captures)
        {
            var authorization = authorizations[authorizationId];
            if (list.Count > 1)
            {
                violations.Add(new LedgerViolation(
                    LedgerInvariant.SingleCapturePerAuthorization,
                    rentalId,
                    $"authorization {authorizationId} was captured {list.Count} times: {string.Join(", ", list.Select(c => c.Id))}."));
            }

            long captured = 0;
            foreach (var capture in list)
            {
                captured = checked(captured + capture.Amount.MinorUnits);
            }

            if (captured > authorization.Amount.MinorUnits)
            {
                violations.Add(new LedgerViolation(
                    LedgerInvariant.CaptureWithinAuthorization,
                    rentalId,
                    $"authorization {authorizationId} held {authorization.Amount} but {Money.FromMinorUnits(captured, currency)} was captured."));
            }
        }

        if (refundedTotal > 0 && refundedTotal > takenTotal)
        {
            violations.Add(new LedgerViolation(
                LedgerInvariant.RefundWithinTaken,
                rentalId,
                $"{Money.FromMinorUnits(refundedTotal, currency)} was refunded but only {Money.FromMinorUnits(takenTotal, currency)} was captured or charged."));
        }
    }

    /// <summary>Checks that captured + charged - refunded of one rental's operations is <paramref name="expected"/>.</summary>
    public static LedgerViolation? CheckCharge(string rentalId, IReadOnlyList<AppliedPaymentOperation> operations, Money expected)
    {
        if (operations.Count == 0)
        {
            return expected.IsZero
                ? null
                : new LedgerViolation(LedgerInvariant.ExpectedCharge, rentalId, $"expected a charge of {expected} but the gateway applied nothing for the rental.");
        }

        var currency = operations[0].Amount.Currency;
        if (expected.Currency != currency)
        {
            return new LedgerViolation(LedgerInvariant.ExpectedCharge, rentalId, $"expected a charge in {expected.Currency} but the rental's operations are in {currency}.");
        }

        long net = 0;
        foreach (var op in operations)
        {
            if (op.Amount.Currency != currency)
            {
                continue;
            }

            net = op.Kind switch
            {
                PaymentOperationKind.Capture or PaymentOperationKind.Charge => checked(net + op.Amount.MinorUnits),
                PaymentOperationKind.Refund => checked(net - op.Amount.MinorUnits),
                _ => net,
            };
        }

        return net == expected.MinorUnits
            ? null
            : new LedgerViolation(
                LedgerInvariant.ExpectedCharge,
                rentalId,
                $"captured + charged - refunded is {Money.FromMinorUnits(net, currency)}, expected {expected}.");
    }
}
