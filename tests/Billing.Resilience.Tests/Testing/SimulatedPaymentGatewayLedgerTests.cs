using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using NodaTime;
using static Billing.Resilience.Tests.Testing.PaymentRequests;

namespace Billing.Resilience.Tests.Testing;

public class SimulatedPaymentGatewayLedgerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Authorize_places_a_hold_that_expires_after_the_validity()
    {
        var (gateway, _) = NewGateway();

        var result = await gateway.ExecuteAsync(Authorize("r-1", 10_000), None);

        Assert.Equal(PaymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(Krw(10_000), result.Amount);
        var hold = gateway.GetAuthorization(result.Reference!)!;
        Assert.Equal(
            new SimulatedAuthorization(result.Reference!, "r-1", "u-1", Krw(10_000), Start, Start + Duration.FromDays(7), Krw(0), Krw(0), AuthorizationState.Held),
            hold);
        var totals = gateway.GetTotals("r-1");
        Assert.Equal(Krw(10_000), totals.Authorized);
        Assert.Equal(Krw(10_000), totals.Held);
        Assert.Equal(1, totals.Operations);
    }

    [Fact]
    public async Task Partial_capture_takes_the_amount_and_releases_the_rest()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        var result = await gateway.ExecuteAsync(Capture("r-1", hold, 6_400), None);

        Assert.Equal(PaymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(Krw(6_400), result.Amount);
        Assert.StartsWith("cap_", result.Reference, StringComparison.Ordinal);
        var authorization = gateway.GetAuthorization(hold)!;
        Assert.Equal(AuthorizationState.Captured, authorization.State);
        Assert.Equal(Krw(6_400), authorization.Captured);
        Assert.Equal(Krw(3_600), authorization.Released);
        var totals = gateway.GetTotals("r-1");
        Assert.Equal((Krw(10_000), Krw(6_400), Krw(3_600), Krw(0), Krw(0)), (totals.Authorized, totals.Captured, totals.Released, totals.Held, totals.Voided));
        Assert.Equal(Krw(6_400), totals.Net);
        Assert.Equal(2, totals.Operations);
        Assert.Empty(gateway.CheckCharge("r-1", Krw(6_400)));
        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task Capture_of_the_whole_hold_releases_nothing()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        await gateway.Succeeds(Capture("r-1", hold, 10_000));

        Assert.Equal(Krw(0), gateway.GetAuthorization(hold)!.Released);
    }

    [Fact]
    public async Task A_second_capture_of_the_same_authorization_is_declined()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        await gateway.Succeeds(Capture("r-1", hold, 4_000));

        var second = await gateway.ExecuteAsync(Capture("r-1", hold, 1_000, sequence: 2), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.AuthorizationNotCapturable), second);
        Assert.Equal(Krw(4_000), gateway.GetTotals("r-1").Captured);
        Assert.Equal(2, gateway.GetTotals("r-1").Operations);
    }

    [Fact]
    public async Task Capture_above_the_hold_is_declined()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        var result = await gateway.ExecuteAsync(Capture("r-1", hold, 10_001), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.CaptureExceedsAuthorized), result);
        Assert.Equal(AuthorizationState.Held, gateway.GetAuthorization(hold)!.State);
    }

    [Fact]
    public async Task Capture_after_the_validity_is_declined_as_expired()
    {
        var (gateway, clock) = NewGateway(new SimulatedPaymentGatewayOptions { AuthorizationValidity = Duration.FromHours(168) });
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        clock.Advance(Duration.FromHours(168) - Duration.FromSeconds(1));
        Assert.Equal(AuthorizationState.Held, gateway.GetAuthorization(hold)!.State);

        clock.Advance(Duration.FromSeconds(1));
        var capture = await gateway.ExecuteAsync(Capture("r-1", hold, 6_400), None);
        var @void = await gateway.ExecuteAsync(Void("r-1", hold), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.AuthorizationExpired), capture);
        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.AuthorizationExpired), @void);
        var totals = gateway.GetTotals("r-1");
        Assert.Equal((Krw(10_000), Krw(0), Krw(0), Krw(10_000)), (totals.Authorized, totals.Captured, totals.Held, totals.Expired));
        Assert.Equal(AuthorizationState.Expired, gateway.GetAuthorization(hold)!.State);
    }

    [Fact]
    public async Task Capture_one_tick_before_expiry_succeeds()
    {
        var (gateway, clock) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        clock.Advance(Duration.FromDays(7) - Duration.Epsilon);

        await gateway.Succeeds(Capture("r-1", hold, 10_000));
    }

    [Fact]
    public async Task Void_releases_an_uncaptured_hold()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        var result = await gateway.ExecuteAsync(Void("r-1", hold), None);

        Assert.Equal(PaymentOutcome.Succeeded, result.Outcome);
        Assert.Equal(Krw(10_000), result.Amount);
        var totals = gateway.GetTotals("r-1");
        Assert.Equal((Krw(10_000), Krw(10_000), Krw(0), Krw(0)), (totals.Voided, totals.Released, totals.Held, totals.Net));
        Assert.Equal(AuthorizationState.Voided, gateway.GetAuthorization(hold)!.State);
        Assert.Equal(
            PaymentResult.Decline(SimulatedPaymentReasons.AuthorizationNotCapturable),
            await gateway.ExecuteAsync(Capture("r-1", hold, 1), None));
        Assert.Equal(
            PaymentResult.Decline(SimulatedPaymentReasons.AuthorizationNotVoidable),
            await gateway.ExecuteAsync(Void("r-1", hold, sequence: 2), None));
    }

    [Fact]
    public async Task Void_may_name_the_whole_hold_but_no_other_amount()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidAmount), await gateway.ExecuteAsync(Void("r-1", hold, 5_000), None));
        await gateway.Succeeds(Void("r-1", hold, 10_000));
    }

    [Fact]
    public async Task Void_after_a_capture_is_declined()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        await gateway.Succeeds(Capture("r-1", hold, 6_400));

        var result = await gateway.ExecuteAsync(Void("r-1", hold), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.AuthorizationNotVoidable), result);
    }

    [Fact]
    public async Task Charge_takes_money_without_a_hold()
    {
        var (gateway, _) = NewGateway();

        var result = await gateway.ExecuteAsync(Charge("r-1", 2_500), None);

        Assert.Equal(PaymentOutcome.Succeeded, result.Outcome);
        Assert.StartsWith("ch_", result.Reference, StringComparison.Ordinal);
        var totals = gateway.GetTotals("r-1");
        Assert.Equal((Krw(0), Krw(2_500), Krw(2_500)), (totals.Authorized, totals.Charged, totals.Net));
    }

    [Fact]
    public async Task Settlement_captures_the_hold_and_charges_the_rest()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        await gateway.Succeeds(Capture("r-1", hold, 10_000));
        await gateway.Succeeds(Charge("r-1", 4_000));

        Assert.Empty(gateway.CheckCharge("r-1", Krw(14_000)));
        Assert.Equal(3, gateway.GetTotals("r-1").Operations);
    }

    [Fact]
    public async Task Refund_returns_up_to_what_the_capture_took()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var capture = await gateway.Succeeds(Capture("r-1", hold, 6_400));

        await gateway.Succeeds(Refund("r-1", capture, 4_000));
        var tooMuch = await gateway.ExecuteAsync(Refund("r-1", capture, 2_401, sequence: 2), None);
        await gateway.Succeeds(Refund("r-1", capture, 2_400, sequence: 3));
        var nothingLeft = await gateway.ExecuteAsync(Refund("r-1", capture, 1, sequence: 4), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.RefundExceedsCaptured), tooMuch);
        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.RefundExceedsCaptured), nothingLeft);
        var totals = gateway.GetTotals("r-1");
        Assert.Equal((Krw(6_400), Krw(6_400), Krw(0)), (totals.Captured, totals.Refunded, totals.Net));
        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task Refund_of_a_charge_is_limited_by_that_charge()
    {
        var (gateway, _) = NewGateway();
        var charge = await gateway.Succeeds(Charge("r-1", 3_000));
        await gateway.Succeeds(Charge("r-1", 5_000, sequence: 2));

        var result = await gateway.ExecuteAsync(Refund("r-1", charge, 3_001), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.RefundExceedsCaptured), result);
    }

    [Fact]
    public async Task Refund_may_not_reference_an_authorization()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        var result = await gateway.ExecuteAsync(Refund("r-1", hold, 1_000), None);

        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidReference), result);
        Assert.Null(await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Refund), None));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task Amounts_must_be_positive(long amount)
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var charge = await gateway.Succeeds(Charge("r-1", 1_000));

        foreach (var request in new[] { Authorize("r-1", amount, 2), Charge("r-1", amount, 2), Capture("r-1", hold, amount), Refund("r-1", charge, amount) })
        {
            Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidAmount), await gateway.ExecuteAsync(request, None));
        }

        Assert.Equal(2, gateway.GetTotals("r-1").Operations);
    }

    [Fact]
    public async Task Currency_must_match_the_authorization_and_the_rental()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var usd = Money.FromMinorUnits(500, CurrencyCode.USD);

        var capture = await gateway.ExecuteAsync(Capture("r-1", hold, 500) with { Amount = usd }, None);
        var charge = await gateway.ExecuteAsync(Charge("r-1", 500) with { Amount = usd }, None);

        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.CurrencyMismatch), capture);
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.CurrencyMismatch), charge);
        Assert.Equal(1, gateway.GetTotals("r-1").Operations);
    }

    [Fact]
    public async Task References_must_exist_and_belong_to_the_rental()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.UnknownReference), await gateway.ExecuteAsync(Capture("r-1", "auth_999", 100), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidReference), await gateway.ExecuteAsync(Capture("r-1", null!, 100), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.ReferenceMismatch), await gateway.ExecuteAsync(Capture("r-2", hold, 100), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.ReferenceMismatch), await gateway.ExecuteAsync(Capture("r-1", hold, 100, riderId: "u-2"), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidReference), await gateway.ExecuteAsync(Charge("r-1", 100) with { Reference = hold }, None));
        Assert.Equal(AuthorizationState.Held, gateway.GetAuthorization(hold)!.State);
    }

    [Theory]
    [InlineData("auth_01")]
    [InlineData("auth_1 ")]
    [InlineData("auth_+1")]
    [InlineData("auth_-1")]
    [InlineData("auth_")]
    [InlineData("_1")]
    [InlineData("auth1")]
    [InlineData("AUTH_1")]
    [InlineData("cap_1")]
    [InlineData("auth_1_1")]
    [InlineData("auth_2")]
    [InlineData("auth_0")]
    [InlineData("auth_99999999999999999999999")]
    public async Task A_reference_names_an_operation_only_as_the_gateway_wrote_its_id(string reference)
    {
        var (gateway, _) = NewGateway();
        Assert.Equal("auth_1", await gateway.Succeeds(Authorize("r-1", 10_000)));

        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.UnknownReference), await gateway.ExecuteAsync(Capture("r-1", reference, 100), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.UnknownReference), await gateway.ExecuteAsync(Refund("r-1", reference, 100), None));
        Assert.Null(gateway.GetAuthorization(reference));
        Assert.Equal(AuthorizationState.Held, gateway.GetAuthorization("auth_1")!.State);
    }

    [Fact]
    public async Task A_reference_to_an_operation_of_another_kind_is_invalid()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var capture = await gateway.Succeeds(Capture("r-1", hold, 4_000));
        var charge = await gateway.Succeeds(Charge("r-1", 500));
        var refund = await gateway.Succeeds(Refund("r-1", charge, 100));

        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidReference), await gateway.ExecuteAsync(Capture("r-1", capture, 100, sequence: 2), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidReference), await gateway.ExecuteAsync(Void("r-1", charge), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.InvalidReference), await gateway.ExecuteAsync(Refund("r-1", refund, 1, sequence: 2), None));
        Assert.Null(gateway.GetAuthorization(capture));
        Assert.Equal(["auth_1", "cap_2", "ch_3", "re_4"], [hold, capture, charge, refund]);
    }

    [Fact]
    public async Task The_operations_listed_are_the_ledger_as_it_stood_when_asked()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var before = gateway.GetOperations();

        await gateway.Succeeds(Capture("r-1", hold, 6_400));
        var after = gateway.GetOperations();

        Assert.Single(before);
        Assert.Equal(hold, before[0].Id);
        Assert.Equal(before[0], after[0]);
        Assert.Equal([hold, "cap_2"], after.Select(o => o.Id));
        Assert.Throws<ArgumentOutOfRangeException>(() => before[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => after[-1]);

        // A read-only list: LINQ goes by position, and nothing can be changed through it.
        var list = Assert.IsAssignableFrom<IList<AppliedPaymentOperation>>(after);
        Assert.True(list.IsReadOnly);
        Assert.Equal(1, list.IndexOf(after[1]));
        Assert.Equal(-1, list.IndexOf(after[1] with { Amount = Krw(1) }));
        Assert.Equal(-1, list.IndexOf(after[1] with { Sequence = 3 }));
        Assert.Equal(after, after.ToArray());
        Assert.Equal("cap_2", after.Last().Id);
        Assert.Throws<NotSupportedException>(() => list.Add(after[0]));
        Assert.Throws<NotSupportedException>(() => list[0] = after[1]);
        Assert.Equal(2, gateway.GetOperations().Count);
    }

    [Fact]
    public async Task A_rentals_operations_share_one_copy_of_its_ids()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize(new string("r-1"), 10_000, riderId: new string("u-1")));
        await gateway.Succeeds(Capture(new string("r-1"), hold, 6_400, riderId: new string("u-1")));
        await gateway.Succeeds(Charge(new string("r-1"), 100, riderId: new string("u-2")));

        var operations = gateway.GetOperations("r-1");

        Assert.Same(operations[0].RentalId, operations[1].RentalId);
        Assert.Same(operations[0].RentalId, operations[2].RentalId);
        Assert.Same(operations[0].RiderId, operations[1].RiderId);
        Assert.Equal("u-2", operations[2].RiderId);
    }

    [Fact]
    public async Task Declined_riders_are_declined()
    {
        var options = new SimulatedPaymentGatewayOptions();
        options.DeclinedRiders.Add("u-bad");
        var (gateway, _) = NewGateway(options);

        var result = await gateway.ExecuteAsync(Authorize("r-1", 10_000, riderId: "u-bad"), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.CardDeclined), result);
        Assert.Equal(0, gateway.GetTotals("r-1").Operations);
        await gateway.Succeeds(Authorize("r-2", 10_000, riderId: "u-good"));
    }

    [Fact]
    public async Task Rider_funds_cover_holds_and_charges_until_released()
    {
        var options = new SimulatedPaymentGatewayOptions();
        options.RiderFunds.Add("u-1", Krw(15_000));
        var (gateway, clock) = NewGateway(options);
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.InsufficientFunds), await gateway.ExecuteAsync(Charge("r-2", 5_001), None));
        await gateway.Succeeds(Capture("r-1", hold, 4_000)); // releases 6,000: 11,000 left
        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.InsufficientFunds), await gateway.ExecuteAsync(Authorize("r-3", 11_001), None));
        var hold3 = await gateway.Succeeds(Authorize("r-3", 11_000, sequence: 2));
        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.InsufficientFunds), await gateway.ExecuteAsync(Charge("r-4", 1), None));

        clock.Advance(Duration.FromDays(7)); // hold3 lapses
        await gateway.Succeeds(Charge("r-4", 11_000, sequence: 2));
        Assert.Equal(AuthorizationState.Expired, gateway.GetAuthorization(hold3)!.State);
        Assert.Equal(
            PaymentResult.Decline(SimulatedPaymentReasons.InsufficientFunds),
            await gateway.ExecuteAsync(Charge("r-5", 1) with { Amount = Money.FromMinorUnits(1, CurrencyCode.USD) }, None));
    }

    [Fact]
    public async Task Operations_are_listed_in_order_with_their_keys_and_references()
    {
        var (gateway, clock) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        clock.Advance(Duration.FromMinutes(30));
        var capture = await gateway.Succeeds(Capture("r-1", hold, 6_400));
        await gateway.Succeeds(Charge("r-2", 900));

        var operations = gateway.GetOperations();

        Assert.Equal(
            [
                new AppliedPaymentOperation(1, hold, Key("r-1", PaymentOperationKind.Authorize), PaymentOperationKind.Authorize, "r-1", "u-1", Krw(10_000), null, Start, Duration.Zero),
                new AppliedPaymentOperation(2, capture, Key("r-1", PaymentOperationKind.Capture), PaymentOperationKind.Capture, "r-1", "u-1", Krw(6_400), hold, Start + Duration.FromMinutes(30), Duration.Zero),
                new AppliedPaymentOperation(3, "ch_3", Key("r-2", PaymentOperationKind.Charge), PaymentOperationKind.Charge, "r-2", "u-1", Krw(900), null, Start + Duration.FromMinutes(30), Duration.Zero),
            ],
            operations);
        Assert.Equal(2, gateway.GetOperations("r-1").Count);
        Assert.Empty(gateway.GetOperations("r-9"));
        Assert.Equal(["r-1", "r-2"], gateway.GetTotals().Select(t => t.RentalId));
    }

    [Fact]
    public void Totals_of_an_unknown_rental_are_zero()
    {
        var (gateway, _) = NewGateway();

        var totals = gateway.GetTotals("r-9");

        Assert.Equal(0, totals.Operations);
        Assert.True(totals.Net.IsZero);
        Assert.True(totals.Currency.IsDefault);
        Assert.Empty(gateway.CheckCharge("r-9", Krw(0)));
        Assert.Single(gateway.CheckCharge("r-9", Krw(1)));
    }

    [Fact]
    public async Task CheckCharge_reports_a_wrong_expected_charge()
    {
        var (gateway, _) = NewGateway();
        await gateway.Succeeds(Charge("r-1", 2_500));

        var violation = Assert.Single(gateway.CheckCharge("r-1", Krw(2_000)));

        Assert.Equal(LedgerInvariant.ExpectedCharge, violation.Invariant);
        Assert.Equal("r-1", violation.RentalId);
        Assert.Contains("2500 KRW", violation.Message, StringComparison.Ordinal);
        Assert.Single(gateway.CheckCharge("r-1", Money.FromMinorUnits(2_500, CurrencyCode.USD)));
    }

    [Fact]
    public void Options_are_validated_with_every_error_in_one_message()
    {
        var options = new SimulatedPaymentGatewayOptions
        {
            AuthorizationValidity = Duration.Zero,
            MaxKeys = 0,
            RandomFaults = new RandomPaymentFaults(1) { TimeoutRate = 0.7, ErrorRate = 0.7, SlowRate = double.NaN },
        };
        options.RiderFunds.Add("u-1", Krw(-1));

        var error = Assert.Throws<ArgumentException>(() => new SimulatedPaymentGateway("sim", new NodaTime.Testing.FakeClock(Start), options));

        foreach (var expected in new[] { "AuthorizationValidity", "MaxKeys", "RiderFunds[u-1]", "SlowRate", "add up to" })
        {
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Options_are_copied_when_the_gateway_is_created()
    {
        var options = new SimulatedPaymentGatewayOptions();
        var (gateway, _) = NewGateway(options);
        options.DeclinedRiders.Add("u-1");
        options.AuthorizationValidity = Duration.FromSeconds(1);

        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        Assert.Equal(Start + Duration.FromDays(7), gateway.GetAuthorization(hold)!.ExpiresAt);
    }

    [Fact]
    public async Task The_key_store_is_bounded()
    {
        var (gateway, _) = NewGateway(new SimulatedPaymentGatewayOptions { MaxKeys = 2 });
        await gateway.Succeeds(Charge("r-1", 1));
        await gateway.Succeeds(Charge("r-2", 1));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await gateway.ExecuteAsync(Charge("r-3", 1), None));
        await gateway.Succeeds(Charge("r-1", 1)); // a replay stores nothing new
        Assert.Equal(2, gateway.GetOperations().Count);
    }
}
