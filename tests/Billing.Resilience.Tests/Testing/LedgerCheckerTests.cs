using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using NodaTime;
using static Billing.Resilience.Tests.Testing.PaymentRequests;

namespace Billing.Resilience.Tests.Testing;

/// <summary>The gateway never breaks its own invariants, so the checker is tested on ledgers built by hand.</summary>
public class LedgerCheckerTests
{
    private static long sequence;

    private static AppliedPaymentOperation Op(string id, string key, PaymentOperationKind kind, long amount, string? reference = null, string rentalId = "r-1", CurrencyCode? currency = null)
        => new(++sequence, id, IdempotencyKey.From(key), kind, rentalId, "u-1", Money.FromMinorUnits(amount, currency ?? CurrencyCode.KRW), reference, Start, Duration.Zero);

    private static LedgerInvariant[] Check(params AppliedPaymentOperation[] operations)
        => LedgerChecker.Check(operations).Select(v => v.Invariant).ToArray();

    [Fact]
    public void A_sound_ledger_has_no_violation()
    {
        Assert.Empty(Check(
            Op("auth_1", "a", PaymentOperationKind.Authorize, 10_000),
            Op("cap_2", "b", PaymentOperationKind.Capture, 10_000, "auth_1"),
            Op("ch_3", "c", PaymentOperationKind.Charge, 4_000),
            Op("re_4", "d", PaymentOperationKind.Refund, 4_000, "ch_3"),
            Op("re_5", "e", PaymentOperationKind.Refund, 10_000, "cap_2")));
    }

    [Fact]
    public void Capture_above_the_authorization()
        => Assert.Equal(
            [LedgerInvariant.CaptureWithinAuthorization],
            Check(Op("auth_1", "a", PaymentOperationKind.Authorize, 10_000), Op("cap_2", "b", PaymentOperationKind.Capture, 10_001, "auth_1")));

    [Fact]
    public void Capture_without_an_authorization()
        => Assert.Equal([LedgerInvariant.CaptureWithinAuthorization], Check(Op("cap_1", "b", PaymentOperationKind.Capture, 1, "auth_9")));

    [Fact]
    public void Two_captures_of_one_authorization()
        => Assert.Equal(
            [LedgerInvariant.SingleCapturePerAuthorization],
            Check(
                Op("auth_1", "a", PaymentOperationKind.Authorize, 10_000),
                Op("cap_2", "b", PaymentOperationKind.Capture, 1_000, "auth_1"),
                Op("cap_3", "c", PaymentOperationKind.Capture, 1_000, "auth_1")));

    [Fact]
    public void Refund_above_its_capture_and_the_rental()
        => Assert.Equal(
            [LedgerInvariant.RefundWithinTaken, LedgerInvariant.RefundWithinTaken],
            Check(Op("ch_1", "a", PaymentOperationKind.Charge, 1_000), Op("re_2", "b", PaymentOperationKind.Refund, 1_001, "ch_1")));

    [Fact]
    public void Refund_of_nothing()
        => Assert.Equal(
            [LedgerInvariant.RefundWithinTaken, LedgerInvariant.RefundWithinTaken],
            Check(Op("re_1", "b", PaymentOperationKind.Refund, 1, "ch_9")));

    [Fact]
    public void A_key_applied_twice_is_reported_for_both_rentals()
    {
        var violations = LedgerChecker.Check([Op("ch_1", "k", PaymentOperationKind.Charge, 1), Op("ch_2", "k", PaymentOperationKind.Charge, 1, rentalId: "r-2")]);

        Assert.Equal([("r-2", LedgerInvariant.KeyAppliedOnce), ("r-1", LedgerInvariant.KeyAppliedOnce)], violations.Select(v => (v.RentalId, v.Invariant)));
        Assert.Contains("'k'", violations[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_amount()
        => Assert.Equal(
            [LedgerInvariant.NonNegativeAmount],
            Check(Op("ch_1", "a", PaymentOperationKind.Charge, -5)));

    [Fact]
    public void Mixed_currencies()
        => Assert.Equal(
            [LedgerInvariant.SingleCurrency],
            Check(Op("ch_1", "a", PaymentOperationKind.Charge, 100), Op("ch_2", "b", PaymentOperationKind.Charge, 100, currency: CurrencyCode.USD)));

    [Fact]
    public void Expected_charge()
    {
        AppliedPaymentOperation[] ops =
        [
            Op("auth_1", "a", PaymentOperationKind.Authorize, 10_000),
            Op("cap_2", "b", PaymentOperationKind.Capture, 6_400, "auth_1"),
            Op("ch_3", "c", PaymentOperationKind.Charge, 1_000),
            Op("re_4", "d", PaymentOperationKind.Refund, 400, "cap_2"),
        ];

        Assert.Null(LedgerChecker.CheckCharge("r-1", ops, Krw(7_000)));
        Assert.Equal(LedgerInvariant.ExpectedCharge, LedgerChecker.CheckCharge("r-1", ops, Krw(6_999))!.Invariant);
    }

    [Fact]
    public void EnsureInvariants_passes_for_a_sound_gateway()
    {
        var (gateway, _) = NewGateway();

        gateway.EnsureInvariants();
    }
}
