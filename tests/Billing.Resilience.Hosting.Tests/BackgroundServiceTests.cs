using Billing.Resilience.Hosting.Tests.Support;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Hosting.Tests;

public sealed class BackgroundServiceTests
{
    [Fact]
    public async Task The_hosted_reconciler_settles_a_rental_ended_during_a_payment_outage_once_payment_is_back()
    {
        var clock = new FakeClock(TestSetup.T0);
        using var host = BuildHost(clock, out _);
        await host.StartAsync();
        var services = host.Services;
        var rentals = services.GetRequiredService<RentalService>();
        var health = services.GetRequiredService<DependencyHealth>();
        var gateway = services.GetRequiredService<SimulatedPaymentGateway>();

        Assert.True((await rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"))).Started);
        clock.Advance(Duration.FromMinutes(10));
        gateway.SetAvailable(false);
        await health.ReportDownAsync(Dependency.Payment, "test");
        clock.Advance(Duration.FromMinutes(30));
        var receipt = await rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Vehicle));
        Assert.True(receipt.Accepted);

        // Several polls go by while payment is down: nothing moves.
        await Task.Delay(300);
        var pending = await rentals.GetStatementAsync("r-1", CancellationToken.None);
        Assert.Equal(RentalStatus.PendingSettlement, pending!.Status);
        Assert.Empty(gateway.GetCalls());

        gateway.SetAvailable(true);
        await health.ReportUpAsync(Dependency.Payment);
        await TestSetup.EventuallyAsync(
            async () => (await rentals.GetStatementAsync("r-1", CancellationToken.None))!.Status == RentalStatus.Settled,
            "the rental to settle");

        var settled = (await rentals.GetStatementAsync("r-1", CancellationToken.None))!;
        Assert.Equal(Duration.FromMinutes(30), settled.FrozenTime);
        Assert.Equal(Money.FromMinorUnits(1000 + (180 * 10), CurrencyCode.KRW), settled.Charge);
        Assert.Equal(settled.Charge, gateway.GetTotals("r-1").Net);
        gateway.EnsureInvariants();
        await host.StopAsync();
    }

    [Fact]
    public async Task A_failing_settlement_is_logged_and_retried_with_backoff_and_the_host_keeps_running()
    {
        var clock = new FakeClock(TestSetup.T0);
        var journal = new FlakyJournal();
        using var host = BuildHost(clock, out var logs, journal);
        await host.StartAsync();
        var rentals = host.Services.GetRequiredService<RentalService>();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        var health = host.Services.GetRequiredService<DependencyHealth>();
        Assert.True((await rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"))).Started);
        clock.Advance(Duration.FromMinutes(3));
        await health.ReportDownAsync(Dependency.Payment, "test");
        Assert.True((await rentals.ReportEndAsync(new ReportEndSignal("r-1", clock.GetCurrentInstant(), EndSignalSource.Vehicle))).Accepted);

        // Payment comes back, but the settlement cannot write to the rental's stream until the journal is back.
        journal.FailAppends = true;
        await health.ReportUpAsync(Dependency.Payment);
        // The reconciler isolates the failing rental (event 4003) and defers it with backoff; the run itself goes on.
        await TestSetup.EventuallyAsync(() => Task.FromResult(logs.Has(4003) && journal.FailedAppends >= 1), "the failed settlement to be logged");
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);

        journal.FailAppends = false;
        clock.Advance(Duration.FromMinutes(10)); // past the backoff
        await TestSetup.EventuallyAsync(
            async () => (await rentals.GetStatementAsync("r-1", CancellationToken.None))!.Status == RentalStatus.Settled,
            "the rental to settle after the journal came back",
            TimeSpan.FromSeconds(60));
        await host.StopAsync();
    }

    [Fact]
    public async Task Probes_report_outages_and_recoveries_and_a_hanging_probe_counts_as_down()
    {
        var clock = new FakeClock(TestSetup.T0);
        var payment = new SwitchableProbe(Dependency.Payment);
        var identity = new SwitchableProbe(Dependency.Identity);
        using var host = BuildHost(clock, out _, configure: b => b.AddDependencyProbe(_ => payment).AddDependencyProbe(_ => identity));
        await host.StartAsync();
        var health = host.Services.GetRequiredService<DependencyHealth>();

        payment.Up = false;
        await TestSetup.EventuallyAsync(() => Task.FromResult(health.IsDown(Dependency.Payment)), "payment down");
        Assert.False(health.IsDown(Dependency.Identity));

        payment.Up = true;
        identity.Hang = true;
        await TestSetup.EventuallyAsync(() => Task.FromResult(!health.IsDown(Dependency.Payment) && health.IsDown(Dependency.Identity)), "payment back, identity down");

        identity.Hang = false;
        await TestSetup.EventuallyAsync(() => Task.FromResult(!health.IsDown(Dependency.Identity)), "identity back");
        Assert.Equal(["payment-1", "identity-1"], health.Outages.Select(o => o.OutageId));
        await host.StopAsync();
    }

    [Fact]
    public async Task Invalid_background_options_stop_the_host_at_start_with_every_error()
    {
        using var host = BuildHost(new FakeClock(TestSetup.T0), out _, background: o =>
        {
            o.ReconcilerPollInterval = TimeSpan.Zero;
            o.ProbeTimeout = TimeSpan.FromMinutes(1);
            o.MaxErrorBackoff = TimeSpan.FromDays(1);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("BILLING_HOSTING_POLL_INTERVAL_RANGE", error.Message, StringComparison.Ordinal);
        Assert.Contains("BILLING_HOSTING_PROBE_TIMEOUT_RANGE", error.Message, StringComparison.Ordinal);
        Assert.Contains("BILLING_HOSTING_MAX_ERROR_BACKOFF_RANGE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_engine_is_built_when_the_host_starts()
    {
        var built = false;
        using var host = BuildHost(new FakeClock(TestSetup.T0), out var logs, configure: b => b.UseJournal(_ =>
        {
            built = true;
            return new InMemoryJournal();
        }));
        Assert.False(built);

        await host.StartAsync();

        Assert.True(built);
        Assert.True(logs.Has(5001));
        await host.StopAsync();
    }

    [Fact]
    public void Backoff_doubles_up_to_the_cap()
    {
        var waits = Enumerable.Range(1, 8).Select(n => Backoff.AfterFailures(n, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20)).TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 20, 20, 20], waits);
        Assert.Equal(TimeSpan.FromSeconds(20), Backoff.AfterFailures(int.MaxValue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20)));
    }

    private static IHost BuildHost(
        FakeClock clock,
        out ListLoggerProvider logs,
        IJournal? journal = null,
        Action<IBillingResilienceBuilder>? configure = null,
        Action<BillingBackgroundServiceOptions>? background = null)
    {
        var builder = Host.CreateApplicationBuilder();
        logs = new ListLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        var billing = builder.Services.AddTestBilling(clock);
        if (journal is not null)
        {
            billing.UseJournal(_ => journal);
        }

        configure?.Invoke(billing);
        billing.AddBackgroundServices(o =>
        {
            o.ReconcilerPollInterval = TimeSpan.FromMilliseconds(50);
            o.ProbeInterval = TimeSpan.FromMilliseconds(50);
            o.ProbeTimeout = TimeSpan.FromMilliseconds(50);
            o.ErrorBackoff = TimeSpan.FromMilliseconds(20);
            o.MaxErrorBackoff = TimeSpan.FromMilliseconds(100);
            background?.Invoke(o);
        });
        return builder.Build();
    }

    private sealed class SwitchableProbe(Dependency dependency) : IDependencyProbe
    {
        public volatile bool Up = true;

        public volatile bool Hang;

        public Dependency Dependency { get; } = dependency;

        public async ValueTask<bool> IsUpAsync(CancellationToken cancellationToken)
        {
            if (Hang)
            {
                // Ignores its token: the service's own timeout must bound it.
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
            }

            return Up;
        }
    }
}
