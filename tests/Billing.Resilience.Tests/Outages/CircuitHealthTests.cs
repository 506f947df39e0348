using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Outages;

/// <summary>Failures of real calls feed dependency health through Polly's circuit breakers, and the outage ends through them.</summary>
public class CircuitHealthTests
{
    [Fact]
    public async Task Failing_identity_calls_open_the_circuit_record_an_outage_and_a_trial_call_after_the_break_ends_it()
    {
        using var t = await TestEngine.CreateAsync();
        t.Identity.Available = false;
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(StartRefusal.IdentityUnavailable, (await t.Rentals.StartAsync(new StartRental($"r-{i}", "u-1", "kickboard"))).Refusal);
        }

        var outage = t.Engine.Health.CurrentOutage(Dependency.Identity);
        Assert.NotNull(outage);
        Assert.StartsWith("circuit open", t.Engine.Health.ReasonOf(outage), StringComparison.Ordinal);

        // While the circuit is open, starts are refused without calling the backend.
        t.Identity.Available = true;
        Assert.Equal(StartRefusal.IdentityUnavailable, (await t.Rentals.StartAsync(new StartRental("r-open", "u-1", "kickboard"))).Refusal);

        // After the break the next start is the trial call: it succeeds, the circuit closes, the outage ends.
        t.Advance(Duration.FromSeconds(31));
        Assert.True((await t.Rentals.StartAsync(new StartRental("r-trial", "u-1", "kickboard"))).Started);
        Assert.False(t.Engine.Health.IsDown(Dependency.Identity));
        var ended = Assert.Single(t.Engine.Health.Outages);
        Assert.Equal(TestEngine.T0 + Duration.FromSeconds(31), ended.To);
    }

    [Fact]
    public async Task Failing_payment_calls_open_the_default_circuit_and_the_reconciler_s_trial_call_ends_the_outage()
    {
        using var t = await TestEngine.CreateAsync(defaultPipelines: true);
        for (var i = 0; i < 10; i++)
        {
            await t.StartAsync($"r-{i}", rider: $"u-{i}");
        }

        t.Advance(Duration.FromMinutes(10));
        for (var i = 0; i < 10; i++)
        {
            await t.EndAsync($"r-{i}", t.Clock.GetCurrentInstant());
        }

        // The provider fails without anyone having told the library.
        t.Gateway.SetAvailable(false);
        await t.Engine.Reconciler.RunOnceAsync();
        var outage = t.Engine.Health.CurrentOutage(Dependency.Payment);
        Assert.NotNull(outage);
        Assert.Equal(TestEngine.T0 + Duration.FromMinutes(10), outage.From);

        // Rentals still open during the outage are frozen from when it was recorded.
        t.Gateway.SetAvailable(true);
        t.Advance(Duration.FromSeconds(31));
        await t.SettleAsync();

        Assert.False(t.Engine.Health.IsDown(Dependency.Payment));
        Assert.Empty(t.Gateway.CheckInvariants());
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(RentalStatus.Settled, (await t.StatementAsync($"r-{i}")).Status);
        }
    }

    [Fact]
    public async Task With_both_down_a_start_is_refused_for_payment_first_even_when_a_circuit_breaker_found_the_payment_outage()
    {
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 20m, defaultPipelines: true);
        for (var i = 0; i < 10; i++)
        {
            await t.StartAsync($"r-{i}", rider: $"u-{i}");
        }

        t.Advance(Duration.FromMinutes(10));
        for (var i = 0; i < 10; i++)
        {
            await t.EndAsync($"r-{i}", t.Clock.GetCurrentInstant());
        }

        // The payment provider fails and its circuit breaker records the outage (a hold is configured, so a start is
        // left to the breaker); then the identity backend fails too.
        t.Gateway.SetAvailable(false);
        await t.Engine.Reconciler.RunOnceAsync();
        Assert.StartsWith("circuit open", t.Engine.Health.ReasonOf(t.Engine.Health.CurrentOutage(Dependency.Payment)!), StringComparison.Ordinal);
        t.Identity.Available = false;

        // SCENARIOS.md 3.1: rejected with paymentUnavailable (payment first), whether identity's failure is a call
        // that throws or, once its own circuit is open, a refusal without a call.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(StartRefusal.PaymentUnavailable, (await t.Rentals.StartAsync(new StartRental($"late-{i}", "u-1", "kickboard"))).Refusal);
        }

        Assert.True(t.Engine.Health.IsDown(Dependency.Identity));
        Assert.Equal(StartRefusal.PaymentUnavailable, (await t.Rentals.StartAsync(new StartRental("late-open", "u-1", "kickboard"))).Refusal);

        // With payment back, identity alone refuses.
        t.Gateway.SetAvailable(true);
        t.Advance(Duration.FromSeconds(31));
        await t.SettleAsync();
        Assert.False(t.Engine.Health.IsDown(Dependency.Payment));
        Assert.Equal(StartRefusal.IdentityUnavailable, (await t.Rentals.StartAsync(new StartRental("late-identity", "u-1", "kickboard"))).Refusal);
    }
}
