using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using NodaTime;
using static Billing.Resilience.Tests.Testing.PaymentRequests;

namespace Billing.Resilience.Tests.Testing;

public class SimulatedPaymentGatewayFaultTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Lost_response_applies_the_operation_and_the_retry_returns_it_once()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        gateway.AddFault("r-1", PaymentOperationKind.Capture, PaymentFaultKind.LostResponse);

        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Capture("r-1", hold, 6_400), None));

        Assert.Equal(Krw(6_400), gateway.GetTotals("r-1").Captured);
        var looked = await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Capture), None);
        Assert.Equal(PaymentOutcome.Succeeded, looked!.Outcome);

        var retry = await gateway.ExecuteAsync(Capture("r-1", hold, 6_400), None);

        Assert.Equal(looked, retry);
        Assert.Equal(2, gateway.GetTotals("r-1").Operations);
        Assert.Single(gateway.GetOperations("r-1"), o => o.Kind == PaymentOperationKind.Capture);
        Assert.Equal(2, gateway.GetCallCount(PaymentOperationKind.Capture));
        var lost = gateway.GetCalls()[1];
        Assert.Equal((PaymentFaultKind.LostResponse, PaymentCallOutcome.TimedOut, true), (lost.Fault!.Value, lost.Outcome, lost.Applied));
        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task Timeouts_can_be_reported_as_unknown_instead_of_thrown()
    {
        var (gateway, _) = NewGateway(new SimulatedPaymentGatewayOptions { ReportTimeoutsAsUnknown = true });
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.LostResponse);
        gateway.AddFault("r-2", PaymentOperationKind.Charge, PaymentFaultKind.Timeout);

        var lost = await gateway.ExecuteAsync(Charge("r-1", 100), None);
        var timedOut = await gateway.ExecuteAsync(Charge("r-2", 100), None);

        Assert.Equal(PaymentResult.Unknown(SimulatedPaymentReasons.Timeout), lost);
        Assert.Equal(PaymentResult.Unknown(SimulatedPaymentReasons.Timeout), timedOut);
        Assert.Equal(1, gateway.GetTotals("r-1").Operations);
        Assert.Equal(0, gateway.GetTotals("r-2").Operations);
        Assert.All(gateway.GetCalls(), c => Assert.Equal(PaymentCallOutcome.TimedOut, c.Outcome));
    }

    [Fact]
    public async Task Timeout_applies_nothing()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Timeout);

        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Charge("r-1", 2_500), None));

        Assert.Equal(0, gateway.GetTotals("r-1").Operations);
        Assert.Null(await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Charge), None));
        await gateway.Succeeds(Charge("r-1", 2_500));
        Assert.Equal(1, gateway.GetTotals("r-1").Operations);
    }

    [Fact]
    public async Task Error_applies_nothing_and_returns_failed()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault("r-1", PaymentOperationKind.Authorize, PaymentFaultKind.Error);

        var result = await gateway.ExecuteAsync(Authorize("r-1", 10_000), None);

        Assert.Equal(PaymentResult.Failure(SimulatedPaymentReasons.GatewayError), result);
        Assert.Equal(0, gateway.GetTotals("r-1").Operations);
        Assert.Null(await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Authorize), None));
        await gateway.Succeeds(Authorize("r-1", 10_000));
    }

    [Fact]
    public async Task Times_two_fails_two_consecutive_calls_then_succeeds()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault(new PaymentFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Timeout, 2));

        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Charge("r-1", 2_500), None));
        Assert.Single(gateway.GetPendingFaults(), f => f.Times == 1);
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Charge("r-1", 2_500), None));
        await gateway.Succeeds(Charge("r-1", 2_500));

        Assert.Empty(gateway.GetPendingFaults());
        Assert.Equal(3, gateway.GetCallCount(PaymentOperationKind.Charge));
        Assert.Equal(1, gateway.GetTotals("r-1").Operations);
    }

    [Fact]
    public async Task Lost_response_twice_applies_once()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.LostResponse, times: 2);

        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Charge("r-1", 2_500), None));
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Charge("r-1", 2_500), None));
        var third = await gateway.ExecuteAsync(Charge("r-1", 2_500), None);

        Assert.Equal(PaymentResult.Success("ch_1", Krw(2_500)), third);
        Assert.Equal([true, false, false], gateway.GetCalls().Select(c => c.Applied));
        Assert.Empty(gateway.CheckCharge("r-1", Krw(2_500)));
    }

    [Fact]
    public async Task Faults_apply_only_to_their_rental_and_operation()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault("r-1", PaymentOperationKind.Capture, PaymentFaultKind.Timeout);

        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        await gateway.Succeeds(Charge("r-2", 100));
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Capture("r-1", hold, 100), None));
    }

    [Fact]
    public async Task Faults_for_the_same_rental_and_operation_apply_one_after_the_other()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Error);
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Timeout);

        Assert.Equal(PaymentOutcome.Failed, (await gateway.ExecuteAsync(Charge("r-1", 100), None)).Outcome);
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Charge("r-1", 100), None));
        await gateway.Succeeds(Charge("r-1", 100));
    }

    [Fact]
    public async Task Decline_fault_declines_and_stores_the_decline_under_the_key()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Decline);

        var declined = await gateway.ExecuteAsync(Charge("r-1", 2_500), None);
        var replay = await gateway.ExecuteAsync(Charge("r-1", 2_500), None);
        var newKey = await gateway.ExecuteAsync(Charge("r-1", 2_500, sequence: 2), None);

        Assert.Equal(PaymentResult.Decline(SimulatedPaymentReasons.InsufficientFunds), declined);
        Assert.Equal(declined, replay);
        Assert.Equal(PaymentOutcome.Succeeded, newKey.Outcome);
        Assert.Equal(1, gateway.GetTotals("r-1").Operations);
    }

    [Fact]
    public async Task Slow_applies_and_records_the_latency_without_sleeping()
    {
        var (gateway, clock) = NewGateway(new SimulatedPaymentGatewayOptions { SlowLatency = Duration.FromSeconds(12) });
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Slow);
        gateway.AddFault(new PaymentFault("r-2", PaymentOperationKind.Charge, PaymentFaultKind.Slow, 1) { Latency = Duration.FromSeconds(45) });

        await gateway.Succeeds(Charge("r-1", 100));
        await gateway.Succeeds(Charge("r-2", 100));

        Assert.Equal([Duration.FromSeconds(12), Duration.FromSeconds(45)], gateway.GetOperations().Select(o => o.Latency));
        Assert.Equal([Duration.FromSeconds(12), Duration.FromSeconds(45)], gateway.GetCalls().Select(c => c.Latency));
        Assert.Equal(Start, clock.GetCurrentInstant());
    }

    [Fact]
    public async Task Down_gateway_refuses_every_call_and_lookup()
    {
        var (gateway, _) = NewGateway();
        await gateway.Succeeds(Charge("r-1", 100));
        gateway.AddFault("r-2", PaymentOperationKind.Charge, PaymentFaultKind.Timeout);
        gateway.SetAvailable(false);

        await Assert.ThrowsAsync<HttpRequestException>(async () => await gateway.ExecuteAsync(Charge("r-2", 100), None));
        await Assert.ThrowsAsync<HttpRequestException>(async () => await gateway.ExecuteAsync(Charge("r-1", 100), None));
        await Assert.ThrowsAsync<HttpRequestException>(async () => await gateway.LookupAsync(Key("r-1", PaymentOperationKind.Charge), None));
        Assert.False(gateway.IsAvailable);
        Assert.Single(gateway.GetOperations());
        Assert.Equal(PaymentCallOutcome.Unavailable, gateway.GetCalls()[^1].Outcome);

        gateway.SetAvailable(true);

        // Calls refused while down never reached the gateway: the scripted fault is still pending.
        await Assert.ThrowsAsync<TimeoutException>(async () => await gateway.ExecuteAsync(Charge("r-2", 100), None));
        await gateway.Succeeds(Charge("r-2", 100));
        Assert.Equal(5, gateway.GetCallCount(PaymentOperationKind.Charge));
    }

    [Fact]
    public async Task Scenario_fault_names_map_to_fault_kinds()
    {
        Assert.Equal(new PaymentFault("r-1", PaymentOperationKind.Capture, PaymentFaultKind.LostResponse, 1), PaymentFault.FromScenario("r-1", "capture", "lostResponse", 1));
        Assert.Equal(new PaymentFault("r-1", PaymentOperationKind.Void, PaymentFaultKind.Timeout, 3), PaymentFault.FromScenario("r-1", "void", "timeout", 3));
        Assert.Equal(new PaymentFault("r-1", PaymentOperationKind.Refund, PaymentFaultKind.Error, 2), PaymentFault.FromScenario("r-1", "refund", "error", 2));
        Assert.Equal(PaymentOperationKind.Authorize, PaymentFault.FromScenario("r-1", "authorize", "error", 1).Operation);
        Assert.Equal(PaymentOperationKind.Charge, PaymentFault.FromScenario("r-1", "charge", "error", 1).Operation);
        Assert.Throws<FormatException>(() => PaymentFault.FromScenario("r-1", "Capture", "timeout", 1));
        Assert.Throws<FormatException>(() => PaymentFault.FromScenario("r-1", "capture", "slow", 1));
        Assert.Throws<ArgumentException>(() => PaymentFault.FromScenario("r-1", "capture", "timeout", 0));

        var (gateway, _) = NewGateway();
        Assert.Throws<ArgumentException>(() => gateway.AddFault("", PaymentOperationKind.Capture, PaymentFaultKind.Timeout));
        gateway.AddFault(PaymentFault.FromScenario("r-1", "charge", "error", 1));
        Assert.Equal(PaymentOutcome.Failed, (await gateway.ExecuteAsync(Charge("r-1", 100), None)).Outcome);
    }

    [Fact]
    public async Task ClearFaults_removes_pending_scripted_faults()
    {
        var (gateway, _) = NewGateway();
        gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Timeout, times: 5);

        gateway.ClearFaults();

        Assert.Empty(gateway.GetPendingFaults());
        await gateway.Succeeds(Charge("r-1", 100));
    }

    [Fact]
    public async Task Random_faults_replay_identically_for_the_same_seed()
    {
        static async Task<List<string>> Run(int seed)
        {
            var options = new SimulatedPaymentGatewayOptions
            {
                RandomFaults = new RandomPaymentFaults(seed) { LostResponseRate = 0.1, TimeoutRate = 0.1, ErrorRate = 0.1, DeclineRate = 0.05, SlowRate = 0.05 },
            };
            var (gateway, _) = NewGateway(options);
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    await gateway.ExecuteAsync(Charge($"r-{i % 20}", 100, sequence: (i / 20) + 1), None);
                }
                catch (TimeoutException)
                {
                }
            }

            return gateway.GetCalls().Select(c => $"{c.Key} {c.Fault} {c.Outcome} {c.Applied}").ToList();
        }

        var first = await Run(42);
        var again = await Run(42);
        var other = await Run(43);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Contains(first, c => c.Contains("LostResponse", StringComparison.Ordinal));
        Assert.Contains(first, c => c.EndsWith("  Succeeded True", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Random_faults_follow_their_rates()
    {
        var options = new SimulatedPaymentGatewayOptions { RandomFaults = new RandomPaymentFaults(7) { TimeoutRate = 0.25 } };
        var (gateway, _) = NewGateway(options);
        var timeouts = 0;
        for (var i = 0; i < 4_000; i++)
        {
            try
            {
                await gateway.ExecuteAsync(Charge($"r-{i}", 100), None);
            }
            catch (TimeoutException)
            {
                timeouts++;
            }
        }

        Assert.InRange(timeouts, 880, 1_120);
        Assert.Equal(4_000 - timeouts, gateway.GetOperations().Count);
    }

    [Fact]
    public async Task A_scripted_fault_does_not_shift_later_random_faults()
    {
        static async Task<List<PaymentFaultKind?>> Run(bool script)
        {
            var options = new SimulatedPaymentGatewayOptions { RandomFaults = new RandomPaymentFaults(5) { ErrorRate = 0.3 } };
            var (gateway, _) = NewGateway(options);
            if (script)
            {
                gateway.AddFault("r-0", PaymentOperationKind.Charge, PaymentFaultKind.Error);
            }

            for (var i = 0; i < 50; i++)
            {
                await gateway.ExecuteAsync(Charge($"r-{i}", 100), None);
            }

            return gateway.GetCalls().Skip(1).Select(c => c.Fault).ToList();
        }

        Assert.Equal(await Run(script: false), await Run(script: true));
    }
}
