// docs: begin usings
using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;
// docs: end usings

namespace Billing.Resilience.Tests.Testing;

/// <summary>
/// The examples of docs/testing-gateway.md, kept compiling and green here. The page embeds the lines between
/// "docs: begin NAME" and "docs: end NAME" verbatim (the Packaging tests check it); edit both together.
/// </summary>
public class GatewayInYourTestsExamples
{
    [Fact]
    public async Task A_lost_capture_is_applied_once()
    {
        // docs: begin lost-capture
        // Arrange: a fake clock, the gateway, and a capture whose response will be lost.
        var clock = new FakeClock(Instant.FromUtc(2022, 10, 15, 5, 50));
        var gateway = new SimulatedPaymentGateway("psp", clock, new SimulatedPaymentGatewayOptions
        {
            AuthorizationValidity = Duration.FromHours(168),
        });
        gateway.AddFault("r-1", PaymentOperationKind.Capture, PaymentFaultKind.LostResponse, times: 1);

        // Act: what your billing code does (here by hand): hold at start, capture at the end, retry under the same key.
        var krw = CurrencyCode.KRW;
        var hold = await gateway.ExecuteAsync(
            new PaymentRequest(IdempotencyKey.ForRental("r-1", PaymentOperationKind.Authorize, 1), PaymentOperationKind.Authorize,
                "r-1", "u-1", Money.FromMinorUnits(10_000, krw), Reference: null),
            CancellationToken.None);
        clock.Advance(Duration.FromMinutes(50));
        var capture = new PaymentRequest(IdempotencyKey.ForRental("r-1", PaymentOperationKind.Capture, 1), PaymentOperationKind.Capture,
            "r-1", "u-1", Money.FromMinorUnits(6_400, krw), hold.Reference);
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(capture, CancellationToken.None));
        var retried = await gateway.ExecuteAsync(capture, CancellationToken.None);

        // Assert on the gateway's own ledger, not on what the code believes.
        Assert.Equal(PaymentOutcome.Succeeded, retried.Outcome);
        Assert.Empty(gateway.CheckInvariants());
        Assert.Empty(gateway.CheckCharge("r-1", Money.FromMinorUnits(6_400, krw)));
        var totals = gateway.GetTotals("r-1");
        Assert.Equal(2, totals.Operations);                           // authorize + one capture, however many attempts
        Assert.Equal(Money.FromMinorUnits(3_600, krw), totals.Released); // the partial capture released the rest
        Assert.Equal(2, gateway.GetCallCount(PaymentOperationKind.Capture));
        // docs: end lost-capture
    }

    [Fact]
    public async Task Scenario_faults_and_an_outage()
    {
        // docs: begin faults-and-outage
        var clock = new FakeClock(Instant.FromUtc(2022, 10, 15, 5, 50));
        var gateway = new SimulatedPaymentGateway("psp", clock);

        // A scenario's "faults": [{ "rentalId": "r-2", "operation": "charge", "kind": "timeout", "times": 2 }]
        gateway.AddFault(PaymentFault.FromScenario("r-2", "charge", "timeout", 2));

        // The payment backend goes down: every call and look-up throws HttpRequestException, nothing is applied.
        gateway.SetAvailable(false);
        var charge = new PaymentRequest(IdempotencyKey.ForRental("r-2", PaymentOperationKind.Charge, 1), PaymentOperationKind.Charge,
            "r-2", "u-2", Money.FromMinorUnits(2_500, CurrencyCode.KRW), Reference: null);
        await Assert.ThrowsAsync<HttpRequestException>(async () => await gateway.ExecuteAsync(charge, CancellationToken.None));

        // It comes back; the two scripted timeouts apply to the first two calls that reach it.
        gateway.SetAvailable(true);
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(charge, CancellationToken.None));
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(charge, CancellationToken.None));
        Assert.Equal(PaymentOutcome.Succeeded, (await gateway.ExecuteAsync(charge, CancellationToken.None)).Outcome);

        Assert.Equal(1, gateway.GetTotals("r-2").Operations);
        Assert.Empty(gateway.GetPendingFaults());
        gateway.EnsureInvariants(); // throws InvariantViolationException listing every violation
        // docs: end faults-and-outage
    }

    [Fact]
    public void Seeded_random_faults()
    {
        // docs: begin random-faults
        var options = new SimulatedPaymentGatewayOptions
        {
            // Same seed and same sequence of calls => same faults; a failing seed replays exactly.
            RandomFaults = new RandomPaymentFaults(seed: 20221015)
            {
                LostResponseRate = 0.05,
                TimeoutRate = 0.05,
                ErrorRate = 0.05,
            },
        };
        options.RiderFunds.Add("u-broke", Money.FromMinorUnits(5_000, CurrencyCode.KRW));
        options.DeclinedRiders.Add("u-stolen-card");
        var gateway = new SimulatedPaymentGateway("psp", new FakeClock(Instant.FromUtc(2022, 10, 15, 5, 50)), options);
        // docs: end random-faults

        Assert.True(gateway.IsAvailable);
    }
}
