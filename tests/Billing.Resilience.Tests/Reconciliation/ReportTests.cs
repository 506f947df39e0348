using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Reconciliation;

public class ReportTests
{
    private static Money Krw(long amount) => Money.FromMinorUnits(amount, CurrencyCode.KRW);

    [Fact]
    public async Task The_report_counts_each_outage_s_rentals_settled_pending_declined_and_what_a_naive_system_would_have_charged()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");                 // ends during the outage, settles after it
        await t.StartAsync("r-2", rider: "u-2");   // ends during the outage, its charge is declined
        await t.StartAsync("r-3", rider: "u-3");   // still open
        t.Gateway.AddFault("r-2", PaymentOperationKind.Charge, PaymentFaultKind.Decline, 1);
        t.Advance(Duration.FromMinutes(10));
        await t.DownAsync(Dependency.Payment);
        t.Advance(Duration.FromMinutes(10));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        await t.EndAsync("r-2", t.Clock.GetCurrentInstant());
        t.Advance(Duration.FromMinutes(40));
        await t.UpAsync(Dependency.Payment);
        await t.SettleAsync();

        var report = await t.Engine.Reconciler.ReportAsync();

        // r-1 and r-2 rode 20 minutes, the last 10 frozen: 1,000 + 10 x 180 = 2,800 each. A naive system ends them when
        // payment is back, at minute 60: 1,000 + 60 x 180 = 11,800 each. r-3 is open at minute 60: 10 minutes billable
        // before the outage, none during it: 2,800; naively 60 minutes: 11,800.
        Assert.Equal(TestEngine.T0 + Duration.FromMinutes(60), t.Clock.GetCurrentInstant());
        var totals = Assert.Single(report.Totals);
        Assert.Equal(3, totals.Rentals);
        Assert.Equal(1, totals.Settled);
        Assert.Equal(1, totals.Pending);
        Assert.Equal(1, totals.Declined);
        Assert.Equal(1, totals.Open);
        Assert.Equal(Krw(3 * 2_800), totals.Charge);
        Assert.Equal(Krw(2_800), totals.Taken);
        Assert.Equal(Krw(2_800), totals.Debt);
        Assert.Equal(Krw(3 * 11_800), totals.NaiveCharge);
        Assert.Equal(Krw((3 * 11_800) - (3 * 2_800)), totals.NotCharged);

        var outage = Assert.Single(report.Outages);
        Assert.Equal("payment-1", outage.Outage.OutageId);
        Assert.Equal(3, Assert.Single(outage.Totals).Rentals);
    }

    [Fact]
    public async Task Holds_about_to_expire_on_unsettled_rentals_are_reported_once()
    {
        using var t = await TestEngine.CreateAsync(b =>
        {
            b.Payments.HoldAmount = 10_000m;
            b.Payments.HoldValidity = Duration.FromHours(168);
            b.Payments.HoldExpiryWarning = Duration.FromHours(24);
        });
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(30));
        await t.DownAsync(Dependency.Payment);
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());

        t.Advance(Duration.FromHours(140));
        Assert.Equal(0, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon);
        t.Advance(Duration.FromHours(5));
        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon);
        t.Advance(Duration.FromHours(1));
        Assert.Equal(0, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon);
    }
}
