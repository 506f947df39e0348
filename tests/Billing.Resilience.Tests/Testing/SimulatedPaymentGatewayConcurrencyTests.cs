using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using static Billing.Resilience.Tests.Testing.PaymentRequests;

namespace Billing.Resilience.Tests.Testing;

public class SimulatedPaymentGatewayConcurrencyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Parallel_calls_with_distinct_keys_are_all_applied()
    {
        var (gateway, _) = NewGateway();

        var results = await Task.WhenAll(Enumerable.Range(0, 500).Select(i =>
            Task.Run(async () => await gateway.ExecuteAsync(Charge($"r-{i % 50}", 100, sequence: (i / 50) + 1), None))));

        Assert.All(results, r => Assert.Equal(PaymentOutcome.Succeeded, r.Outcome));
        Assert.Equal(500, results.Select(r => r.Reference).Distinct().Count());
        Assert.Equal(500, gateway.GetOperations().Count);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), gateway.GetOperations().Select(o => o.Sequence));
        Assert.All(gateway.GetTotals(), t => Assert.Equal(Krw(1_000), t.Charged));
        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task Parallel_calls_with_the_same_key_are_applied_once()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));
        using var start = new ManualResetEventSlim();

        var tasks = Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await gateway.ExecuteAsync(Capture("r-1", hold, 6_400), None);
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(tasks);

        Assert.Single(results.Distinct());
        Assert.Equal(PaymentOutcome.Succeeded, results[0].Outcome);
        Assert.Single(gateway.GetOperations(), o => o.Kind == PaymentOperationKind.Capture);
        Assert.Equal(Krw(6_400), gateway.GetTotals("r-1").Captured);
        Assert.Equal(200, gateway.GetCallCount(PaymentOperationKind.Capture));
        Assert.Empty(gateway.CheckInvariants());
    }

    [Fact]
    public async Task Parallel_captures_of_one_hold_under_different_keys_capture_once()
    {
        var (gateway, _) = NewGateway();
        var hold = await gateway.Succeeds(Authorize("r-1", 10_000));

        var results = await Task.WhenAll(Enumerable.Range(1, 100).Select(i =>
            Task.Run(async () => await gateway.ExecuteAsync(Capture("r-1", hold, 6_400, sequence: i), None))));

        Assert.Single(results, r => r.Outcome == PaymentOutcome.Succeeded);
        Assert.Equal(99, results.Count(r => r == PaymentResult.Decline(SimulatedPaymentReasons.AuthorizationNotCapturable)));
        Assert.Equal(Krw(6_400), gateway.GetTotals("r-1").Captured);
        Assert.Empty(gateway.CheckInvariants());
    }
}
