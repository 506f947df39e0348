using Billing.Resilience.Payments;
using Billing.Resilience.Testing;

namespace Billing.Resilience.Simulation.Tests.Checks;

/// <summary>
/// Exactly-once money, checked on the gateway's ledger (what the provider applied, not what the library believes),
/// incrementally: call <see cref="Advance"/> after every step with the gateway's operations so far. Written here from
/// the operations alone, independently of the gateway's own <c>CheckInvariants</c> (which the final check runs too).
/// </summary>
internal sealed class LedgerAudit
{
    private readonly HashSet<string> keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Hold> holds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Taking> takings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Totals> rentals = new(StringComparer.Ordinal);
    private int seen;

    /// <summary>Checks the operations applied since the last call; returns what they break.</summary>
    public List<Violation> Advance(IReadOnlyList<AppliedPaymentOperation> operations)
    {
        var violations = new List<Violation>();
        for (; seen < operations.Count; seen++)
        {
            Check(operations[seen], violations);
        }

        return violations;
    }

    private void Check(AppliedPaymentOperation op, List<Violation> violations)
    {
        if (!keys.Add(op.Key.Value))
        {
            violations.Add(new Violation("key-applied-once", $"{op.RentalId}: key {op.Key} was applied a second time ({op.Kind} {op.Id} of {op.Amount})."));
        }

        if (op.Amount.IsNegative || (op.Amount.IsZero && op.Kind != PaymentOperationKind.Void))
        {
            violations.Add(new Violation("positive-amounts", $"{op.RentalId}: {op.Kind} {op.Id} applied {op.Amount}."));
        }

        if (!rentals.TryGetValue(op.RentalId, out var totals))
        {
            rentals[op.RentalId] = totals = new Totals();
        }

        switch (op.Kind)
        {
            case PaymentOperationKind.Authorize:
                holds[op.Id] = new Hold(op);
                break;
            case PaymentOperationKind.Capture:
                if (op.Reference is null || !holds.TryGetValue(op.Reference, out var hold) || hold.Operation.RentalId != op.RentalId)
                {
                    violations.Add(new Violation("capture-within-authorized", $"{op.RentalId}: capture {op.Id} references '{op.Reference}', no hold of this rental."));
                    break;
                }

                hold.Captures++;
                hold.Captured += op.Amount.MinorUnits;
                if (hold.Captures > 1)
                {
                    violations.Add(new Violation("one-capture-per-hold", $"{op.RentalId}: hold {hold.Operation.Id} was captured {hold.Captures} times (last {op.Id}, key {op.Key})."));
                }

                if (hold.Captured > hold.Operation.Amount.MinorUnits)
                {
                    violations.Add(new Violation("capture-within-authorized", $"{op.RentalId}: hold {hold.Operation.Id} of {hold.Operation.Amount} had {hold.Captured} minor units captured."));
                }

                if (hold.Voided)
                {
                    violations.Add(new Violation("capture-within-authorized", $"{op.RentalId}: hold {hold.Operation.Id} was captured after it was voided."));
                }

                takings[op.Id] = new Taking(op);
                totals.Taken += op.Amount.MinorUnits;
                break;
            case PaymentOperationKind.Charge:
                takings[op.Id] = new Taking(op);
                totals.Taken += op.Amount.MinorUnits;
                break;
            case PaymentOperationKind.Void:
                if (op.Reference is null || !holds.TryGetValue(op.Reference, out var voided) || voided.Operation.RentalId != op.RentalId)
                {
                    violations.Add(new Violation("void-of-own-hold", $"{op.RentalId}: void {op.Id} references '{op.Reference}', no hold of this rental."));
                    break;
                }

                if (voided.Captures > 0 || voided.Voided)
                {
                    violations.Add(new Violation("void-of-own-hold", $"{op.RentalId}: hold {voided.Operation.Id} voided after it was captured or voided."));
                }

                voided.Voided = true;
                break;
            case PaymentOperationKind.Refund:
                if (op.Reference is null || !takings.TryGetValue(op.Reference, out var taking) || taking.Operation.RentalId != op.RentalId)
                {
                    violations.Add(new Violation("refund-within-taken", $"{op.RentalId}: refund {op.Id} references '{op.Reference}', no capture or charge of this rental."));
                    break;
                }

                taking.Refunded += op.Amount.MinorUnits;
                totals.Refunded += op.Amount.MinorUnits;
                if (taking.Refunded > taking.Operation.Amount.MinorUnits)
                {
                    violations.Add(new Violation("refund-within-taken", $"{op.RentalId}: {taking.Operation.Kind} {taking.Operation.Id} took {taking.Operation.Amount}, {taking.Refunded} minor units refunded against it."));
                }

                if (totals.Refunded > totals.Taken)
                {
                    violations.Add(new Violation("refund-within-taken", $"{op.RentalId}: {totals.Refunded} minor units refunded, {totals.Taken} taken."));
                }

                break;
        }
    }

    private sealed class Hold(AppliedPaymentOperation operation)
    {
        public AppliedPaymentOperation Operation { get; } = operation;

        public int Captures { get; set; }

        public long Captured { get; set; }

        public bool Voided { get; set; }
    }

    private sealed class Taking(AppliedPaymentOperation operation)
    {
        public AppliedPaymentOperation Operation { get; } = operation;

        public long Refunded { get; set; }
    }

    private sealed class Totals
    {
        public long Taken { get; set; }

        public long Refunded { get; set; }
    }
}
