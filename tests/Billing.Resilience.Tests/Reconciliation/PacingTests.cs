using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>After an outage every pending settlement wants the gateway at once: the reconciler paces itself (BRIEF.md).</summary>
public class PacingTests
{
    [Fact]
    public async Task The_reconciler_never_exceeds_its_rate_and_reaches_it_within_two_percent()
    {
        const int rate = 50;
        const int rentals = 1_000;
        using var t = await TestEngine.CreateAsync(b =>
        {
            b.Reconciler.MaxCallsPerSecond = rate;
            b.Reconciler.MaxRentalsPerRun = 5_000;
        });
        for (var i = 0; i < rentals; i++)
        {
            await t.StartAsync($"r-{i}", rider: $"u-{i}");
        }

        t.Advance(Duration.FromMinutes(10));
        await t.DownAsync(Dependency.Payment);
        t.Advance(Duration.FromMinutes(5));
        for (var i = 0; i < rentals; i++)
        {
            await t.EndAsync($"r-{i}", t.Clock.GetCurrentInstant());
        }

        t.Advance(Duration.FromHours(3));
        await t.UpAsync(Dependency.Payment);
        var start = t.Clock.GetCurrentInstant();

        // Run the reconciler every 250 ms of simulated time (or when the next rental is due) until the backlog is gone.
        var callsBefore = t.Gateway.GetCalls().Count;
        while (t.Engine.Reconciler.Pending > 0)
        {
            await t.Engine.Reconciler.RunOnceAsync();
            var next = t.Clock.GetCurrentInstant() + Duration.FromMilliseconds(250);
            t.Clock.Reset(t.Engine.Reconciler.NextDueAt is { } due && due < next && due > t.Clock.GetCurrentInstant() ? due : next);
        }

        var calls = t.Gateway.GetCalls().Skip(callsBefore).ToList();
        Assert.Equal(rentals, calls.Count); // one charge each, no hold
        var perSecond = calls.GroupBy(c => c.At.ToUnixTimeSeconds()).Select(g => g.Count()).ToList();
        Assert.All(perSecond, n => Assert.True(n <= rate, $"{n} calls in one second, limit {rate}"));

        // Achieved rate over the seconds the backlog took: within 2% of the limit.
        var seconds = calls[^1].At.ToUnixTimeSeconds() - start.ToUnixTimeSeconds() + 1;
        var achieved = calls.Count / (double)seconds;
        Assert.InRange(achieved, rate * 0.98, rate);
        for (var i = 0; i < rentals; i++)
        {
            Assert.Equal(RentalStatus.Settled, (await t.StatementAsync($"r-{i}")).Status);
        }
    }

    [Fact]
    public async Task Once_the_second_is_spent_the_run_looks_at_no_more_rentals_and_they_are_due_at_the_next_whole_second()
    {
        using var t = await TestEngine.CreateAsync(b =>
        {
            b.Reconciler.MaxCallsPerSecond = 10;
            b.Reconciler.MaxConcurrency = 1;
        });
        for (var i = 0; i < 30; i++)
        {
            await t.StartAsync($"r-{i}", rider: $"u-{i}");
        }

        t.Advance(Duration.FromMinutes(10));
        for (var i = 0; i < 30; i++)
        {
            await t.EndAsync($"r-{i}", t.Clock.GetCurrentInstant());
        }

        // Late in a second: the budget's window is the whole second of the clock, not the next 1,000 ms.
        t.Advance(Duration.FromMilliseconds(700));
        var second = t.Clock.GetCurrentInstant().ToUnixTimeSeconds();
        var first = await t.Engine.Reconciler.RunOnceAsync();

        Assert.Equal(10, first.GatewayCalls);
        Assert.Equal(10, first.Settled);
        Assert.Equal(11, first.Examined); // the eleventh found the budget spent; the run looked at no more
        Assert.Equal(20, first.Deferred); // that one and the 19 it did not look at
        Assert.Equal(20, first.StillPending);
        Assert.Equal(NodaTime.Instant.FromUnixTimeSeconds(second + 1), t.Engine.Reconciler.NextDueAt);

        // Nothing is due before the next second starts; at its start the full budget is there again.
        t.Advance(Duration.FromMilliseconds(299));
        Assert.Equal(0, (await t.Engine.Reconciler.RunOnceAsync()).Examined);
        t.Advance(Duration.FromMilliseconds(1));
        var next = await t.Engine.Reconciler.RunOnceAsync();
        Assert.Equal(10, next.GatewayCalls);
        Assert.Equal(10, next.Settled);
        Assert.Equal(10, next.StillPending);
    }

    [Fact]
    public async Task Nothing_is_sent_while_the_payment_backend_is_down()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        await t.DownAsync(Dependency.Payment);
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        for (var i = 0; i < 100; i++)
        {
            await t.Engine.Reconciler.RunOnceAsync();
            t.Advance(Duration.FromMinutes(1));
        }

        Assert.Empty(t.Gateway.GetCalls());
        Assert.Equal(1, t.Engine.Reconciler.Pending);
    }

    [Fact]
    public async Task A_fault_delays_a_settlement_by_seconds_of_backoff_not_more()
    {
        using var t = await TestEngine.CreateAsync(b => b.Reconciler.RetryBaseDelay = Duration.FromSeconds(5));
        await t.StartAsync("r-1");
        t.Gateway.AddFault("r-1", PaymentOperationKind.Charge, PaymentFaultKind.Timeout, 6);
        t.Advance(Duration.FromMinutes(10));
        var endedAt = t.Clock.GetCurrentInstant();
        await t.EndAsync("r-1", endedAt);
        await t.SettleAsync();
        Assert.Equal(RentalStatus.Settled, (await t.StatementAsync("r-1")).Status);
        var charge = Assert.Single(t.Gateway.GetOperations("r-1"));
        Assert.InRange((charge.At - endedAt).TotalSeconds, 1, 60);
    }
}
