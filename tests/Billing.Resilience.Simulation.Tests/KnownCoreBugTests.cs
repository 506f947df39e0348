using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Simulation.Tests.Checks;
using Billing.Resilience.Simulation.Tests.CrashPoints;
using Billing.Resilience.Simulation.Tests.World;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Simulation.Tests;

/// <summary>
/// One reproduction per bug in <see cref="KnownCoreBugs"/>, through the public API. Each asserts that its switch matches
/// what the core does today: green while the bug is there, red the day the core is fixed, with the message to turn the
/// switch off (the simulation then holds the core to the full invariant again).
/// </summary>
public sealed class KnownCoreBugTests
{
    private static readonly Instant T0 = ScenarioGenerator.DayStart + Duration.FromHours(1);

    [Fact]
    public async Task Distance_reported_twice_is_billed_twice()
    {
        var (engine, clock, _) = await EngineAsync(new InMemoryJournal());
        Assert.True((await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kick"))).Started);
        clock.Advance(Duration.FromMinutes(10));
        var report = new RecordDistance("r-1", T0 + Duration.FromMinutes(5), 1.5m);
        Assert.Empty(await engine.Rentals.RecordDistanceAsync(report));
        Assert.Empty(await engine.Rentals.RecordDistanceAsync(report)); // the same report, delivered again (its acknowledgement was lost)
        Assert.True((await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", T0 + Duration.FromMinutes(10), EndSignalSource.Vehicle))).Accepted);

        var statement = (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!;
        var billedTwice = statement.BillableKilometres == 3.0m;
        Assert.True(
            billedTwice == KnownCoreBugs.DistanceIsNotDeduplicated,
            billedTwice
                ? "A distance report delivered twice is billed twice; KnownCoreBugs.DistanceIsNotDeduplicated says it is fixed."
                : $"The core bills {statement.BillableKilometres} km for one report delivered twice: the bug is fixed, turn KnownCoreBugs.DistanceIsNotDeduplicated off.");
    }

    [Fact]
    public async Task A_start_retried_while_payment_is_down_is_refused_although_it_started()
    {
        var (engine, _, _) = await EngineAsync(new InMemoryJournal());
        var command = new StartRental("r-1", "u-1", "kick");
        Assert.True((await engine.Rentals.StartAsync(command)).Started);
        await engine.Health.ReportDownAsync(Dependency.Payment, "test");

        // The client never heard the first answer (the process died after RentalStarted was durable, or the network lost it).
        var retry = await engine.Rentals.StartAsync(command);
        var statement = (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!;
        Assert.NotEqual(RentalStatus.Refused, statement.Status); // it did start, and it is billed
        var refused = !retry.Started;
        Assert.True(
            refused == KnownCoreBugs.StartRetryIsAnsweredFromHealthFirst,
            refused
                ? $"The retry is refused {retry.Refusal} although the rental started; KnownCoreBugs.StartRetryIsAnsweredFromHealthFirst says it is fixed."
                : "The retry is answered 'started': turn KnownCoreBugs.StartRetryIsAnsweredFromHealthFirst off.");
    }

    [Fact]
    public async Task A_rental_settled_before_its_end_keeps_the_overcharge_until_a_restart()
    {
        var journal = new InMemoryJournal();
        var (engine, clock, gateway) = await EngineAsync(journal);
        Assert.True((await engine.Rentals.StartAsync(new StartRental("r-1", "u-1", "kick"))).Started);
        clock.Advance(Duration.FromMinutes(10));
        await engine.Health.ReportDownAsync(Dependency.Identity, "test"); // login goes down: the meter freezes from now
        clock.Advance(Duration.FromMinutes(10));

        // The vehicle's clock is a minute ahead: its end lies in the future, within the skew tolerance.
        Assert.True((await engine.Rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant() + Duration.FromMinutes(1), EndSignalSource.Vehicle))).Accepted);
        await engine.Reconciler.RunOnceAsync(); // settles now, billing the minute ahead as unfrozen
        clock.Advance(Duration.FromMinutes(10));
        await engine.Health.ReportUpAsync(Dependency.Identity); // the freeze covered that minute too: the charge drops
        await engine.Reconciler.RunOnceAsync();

        var statement = (await engine.Rentals.GetStatementAsync("r-1", CancellationToken.None))!;
        var overcharged = statement.Money.Taken > statement.Charge;
        Assert.True(
            overcharged == KnownCoreBugs.SettledBeforeItsEnd,
            overcharged
                ? $"Taken {statement.Money.Taken} for a charge of {statement.Charge}, nothing queued to refund it; KnownCoreBugs.SettledBeforeItsEnd says it is fixed."
                : "The difference is refunded without a restart: turn KnownCoreBugs.SettledBeforeItsEnd off.");

        // A restart reads the whole journal (RecoverAsync) and refunds it: the workaround, and what the simulation checks.
        var (restarted, _, _) = await EngineAsync(journal, clock, gateway);
        await restarted.Reconciler.RunOnceAsync();
        var after = (await restarted.Rentals.GetStatementAsync("r-1", CancellationToken.None))!;
        Assert.Equal(RentalStatus.Settled, after.Status);
        Assert.Equal(after.Charge, gateway.GetTotals("r-1").Net);
    }

    [Fact]
    public async Task An_unknown_operation_never_resolves_with_one_reconciler_call_per_second()
    {
        // The crash-point scenario with a budget of one call per second, and a crash right after the first capture's
        // intent is durable (before the gateway hears of it): the look-up finds nothing, the resend needs a second permit.
        var lives = RentalLives.Create();
        var scenario = lives with { Policy = lives.Policy with { MaxCallsPerSecond = 1 } };
        var baseline = await Simulator.RunAsync(scenario);
        var firstEnd = baseline.Appends.First(a => a.WritePoint == "EndSignalReceived").Number;
        var capture = baseline.Appends.First(a => a.WritePoint == "PaymentRequested" && a.Number > firstEnd).Number;
        var outcome = await Simulator.RunAsync(scenario, new SimulationOptions { Crashes = new CrashAtAppend(capture, CrashMode.AfterDurable) });

        var stuck = outcome.Violations.Any(v => v.Invariant == "settles-after-faults-stop");
        Assert.True(
            stuck == KnownCoreBugs.ResolveNeedsTwoPermitsInOneSecond,
            stuck
                ? "A rental with an unknown operation never settles at one call per second; KnownCoreBugs.ResolveNeedsTwoPermitsInOneSecond says it is fixed."
                : $"It settles now ({string.Join("; ", outcome.Violations)}): turn KnownCoreBugs.ResolveNeedsTwoPermitsInOneSecond off so that the simulation draws budgets of 1 again.");
    }

    [Fact]
    public async Task A_start_interrupted_by_a_crash_is_refused_when_the_client_retries()
    {
        var scenario = RentalLives.Create();
        var baseline = await Simulator.RunAsync(scenario);
        var started = baseline.Appends.First(a => a.WritePoint == "PaymentCompleted+RentalStarted").Number; // r-0: the hold is placed, its outcome and the start are not yet durable
        var outcome = await Simulator.RunAsync(scenario, new SimulationOptions { Crashes = new CrashAtAppend(started, CrashMode.BeforeDurable) });

        Assert.True(outcome.Passed, string.Join("; ", outcome.Violations)); // no money is lost: the hold is voided
        var neverStarts = !outcome.Record.Find("r-0")!.Started;
        Assert.True(
            neverStarts == KnownCoreBugs.StartIsNotResumedAfterACrash,
            neverStarts
                ? "The retried start is refused DuplicateRental; KnownCoreBugs.StartIsNotResumedAfterACrash says it is fixed."
                : "The retried start now starts the rental: turn KnownCoreBugs.StartIsNotResumedAfterACrash off.");
    }

    /// <summary>An engine on a fake clock with one plan (1,000 KRW + 180 KRW/min + 100 KRW/km), no hold, default policy.</summary>
    private static async Task<(BillingEngine Engine, FakeClock Clock, SimulatedPaymentGateway Gateway)> EngineAsync(
        IJournal journal, FakeClock? clock = null, SimulatedPaymentGateway? gateway = null)
    {
        clock ??= new FakeClock(T0);
        gateway ??= new SimulatedPaymentGateway("psp", clock);
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([Simulator.ToPricingPlan(new PlanSpec("kick", "KRW", 0, 1_000m, [new SegmentSpec(0, 180m, 1, null)], [new SegmentSpec(0, 100m, 1, null)]))])
            .UseIdentityProvider(new SimIdentityProvider())
            .AddPaymentGateway(gateway);
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k", Secret = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef") });
        builder.RentalTokens.ActiveKeyId = "k";
        return (await builder.BuildAsync(), clock, gateway);
    }
}
