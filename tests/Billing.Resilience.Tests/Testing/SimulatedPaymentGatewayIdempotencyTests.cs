using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using static Billing.Resilience.Tests.Testing.PaymentRequests;

namespace Billing.Resilience.Tests.Testing;

public class SimulatedPaymentGatewayIdempotencyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_replayed_key_returns_the_first_result_and_applies_nothing()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var first = await gateway.ExecuteAsync(Capture("r-1", hold, 6_400), None);

        var replay = await gateway.ExecuteAsync(Capture("r-1", hold, 6_400), None);

        Assert.Equal(first, replay);
        Assert.Equal(2, gateway.GetTotals("r-1").Operations);
        Assert.Equal(Krw(6_400), gateway.GetTotals("r-1").Captured);
        Assert.Equal(2, gateway.GetCallCount(PaymentOperationKind.Capture));
        var calls = gateway.GetCalls();
        Assert.True(calls[1].Applied);
        Assert.False(calls[2].Applied);
        Assert.Equal(PaymentCallOutcome.Succeeded, calls[2].Outcome);
    }

    [Fact]
    public async Task A_replayed_decline_returns_the_decline_even_when_the_operation_would_now_succeed()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var capture = await gateway.Succeeds(Capture("r-1", hold, 1_000));
        var declined = await gateway.ExecuteAsync(Refund("r-1", capture, 1_500), None);

        var replay = await gateway.ExecuteAsync(Refund("r-1", capture, 1_500), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.RefundExceedsCaptured), declined);
        Assert.Equal(declined, replay);
        Assert.Equal(declined, await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Refund), None));
    }

    [Fact]
    public async Task The_same_key_with_other_parameters_fails_as_reused()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        await gateway.Succeeds(Capture("r-1", hold, 6_400));

        var otherAmount = await gateway.ExecuteAsync(Capture("r-1", hold, 6_500), None);
        var otherKind = await gateway.ExecuteAsync(Capture("r-1", hold, 6_400) with { Kind = PaymentOperationKind.Void }, None);
        var otherRider = await gateway.ExecuteAsync(Capture("r-1", hold, 6_400, riderId: "u-2"), None);

        Assert.All([otherAmount, otherKind, otherRider], r => Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.IdempotencyKeyReused), r));
        Assert.Equal(Krw(6_400), gateway.GetTotals("r-1").Captured);
        Assert.Equal(2, gateway.GetTotals("r-1").Operations);
        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task A_void_replays_with_the_amount_it_was_asked_for_and_a_refund_with_its_reference()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        var voided = await gateway.ExecuteAsync(Void("r-1", hold), None);
        var hold2 = await gateway.Succeeds(Authorize("r-1", 10_000, sequence: 2));
        var wholeVoid = await gateway.ExecuteAsync(Void("r-1", hold2, amount: 10_000, sequence: 2), None);
        var capture = await gateway.Succeeds(Capture("r-1", await gateway.Succeeds(Authorize("r-1", 10_000, sequence: 3)), 4_000));
        var refund = await gateway.ExecuteAsync(Refund("r-1", capture, 1_000), None);

        // The void's operation carries the hold (10,000) whatever the request asked for; the replay must ask the same.
        Assert.Equal(voided, await gateway.ExecuteAsync(Void("r-1", hold), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.IdempotencyKeyReused), await gateway.ExecuteAsync(Void("r-1", hold, amount: 10_000), None));
        Assert.Equal(wholeVoid, await gateway.ExecuteAsync(Void("r-1", hold2, amount: 10_000, sequence: 2), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.IdempotencyKeyReused), await gateway.ExecuteAsync(Void("r-1", hold2, sequence: 2), None));
        Assert.Equal(refund, await gateway.ExecuteAsync(Refund("r-1", capture, 1_000), None));
        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.IdempotencyKeyReused), await gateway.ExecuteAsync(Refund("r-1", hold, 1_000), None));
        Assert.Equal(Krw(10_000), voided.Amount);
        Assert.Equal(7, gateway.GetOperations().Count);
        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task Lookup_returns_the_stored_result_or_null()
    {
        var (gateway, _) = NewGateway();
        var result = await gateway.ExecuteAsync(Charge("r-1", 2_500), None);

        Assert.Equal(result, await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Charge), None));
        Assert.Null(await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Charge, 2), None));
        Assert.Equal(2, gateway.LookupCount);
    }

    [Fact]
    public async Task A_failed_request_stores_nothing_and_the_key_may_be_retried()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        var failed = await gateway.ExecuteAsync(Capture("r-1", hold, 0), None);

        Assert.Equal(PaymentOutcome.Failed, failed.Outcome);
        Assert.Null(await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Capture), None));
        await gateway.Succeeds(Capture("r-1", hold, 6_400));
    }

    [Fact]
    public async Task A_cancelled_call_is_not_sent()
    {
        var (gateway, _) = NewGateway();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await gateway.ExecuteAsync(Charge("r-1", 1), cancelled.Token));

        Assert.Empty(gateway.GetOperations());
        Assert.Equal(0, gateway.GetCallCount(PaymentOperationKind.Charge));
    }
}
