using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Testing;

/// <summary>Builds requests the way the library does: keys derived from the rental and the step.</summary>
internal static class PaymentRequests
{
    public static readonly Instant Start = Instant.FromUtc(2022, 10, 15, 5, 50);

    public static Money Krw(long amount) => Money.FromMinorUnits(amount, CurrencyCode.KRW);

    public static IdempotencyKey Key(string rentalId, PaymentOperationKind kind, int sequence = 1)
        => IdempotencyKey.ForRental(rentalId, kind, sequence);

    public static PaymentRequest Authorize(string rentalId, long amount, int sequence = 1, string riderId = "u-1")
        => new(Key(rentalId, PaymentOperationKind.Authorize, sequence), PaymentOperationKind.Authorize, rentalId, riderId, Krw(amount), null);

    public static PaymentRequest Capture(string rentalId, string authorization, long amount, int sequence = 1, string riderId = "u-1")
        => new(Key(rentalId, PaymentOperationKind.Capture, sequence), PaymentOperationKind.Capture, rentalId, riderId, Krw(amount), authorization);

    public static PaymentRequest Charge(string rentalId, long amount, int sequence = 1, string riderId = "u-1")
        => new(Key(rentalId, PaymentOperationKind.Charge, sequence), PaymentOperationKind.Charge, rentalId, riderId, Krw(amount), null);

    public static PaymentRequest Void(string rentalId, string authorization, long amount = 0, int sequence = 1, string riderId = "u-1")
        => new(Key(rentalId, PaymentOperationKind.Void, sequence), PaymentOperationKind.Void, rentalId, riderId, Krw(amount), authorization);

    public static PaymentRequest Refund(string rentalId, string taken, long amount, int sequence = 1, string riderId = "u-1")
        => new(Key(rentalId, PaymentOperationKind.Refund, sequence), PaymentOperationKind.Refund, rentalId, riderId, Krw(amount), taken);

    public static (SimulatedPaymentGateway Gateway, FakeClock Clock) NewGateway(SimulatedPaymentGatewayOptions? options = null)
    {
        var clock = new FakeClock(Start);
        return (new SimulatedPaymentGateway("sim", clock, options ?? new SimulatedPaymentGatewayOptions()), clock);
    }

    public static async Task<string> Succeeds(this SimulatedPaymentGateway gateway, PaymentRequest request)
    {
        var result = await gateway.ExecuteAsync(request, CancellationToken.None);
        Assert.True(result.Outcome == PaymentOutcome.Succeeded, $"{request.Kind} {request.Key}: {result}");
        return result.Reference!;
    }
}
