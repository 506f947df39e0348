using Billing.Resilience.Hosting.Tests.Support;
using Billing.Resilience.Outages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Hosting.Tests;

public class HealthCheckTests
{
    [Fact]
    public async Task Each_dependency_has_a_health_check_that_is_degraded_with_its_outage_while_it_is_down()
    {
        var clock = new FakeClock(TestSetup.T0);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTestBilling(clock);
        services.AddHealthChecks().AddBillingDependencies();
        await using var provider = services.BuildServiceProvider();
        var checks = provider.GetRequiredService<HealthCheckService>();

        var healthy = await checks.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(["billing-identity", "billing-payment"], healthy.Entries.Keys.Order());

        var engine = await provider.GetBillingEngineAsync();
        await engine.Health.ReportDownAsync(Dependency.Payment, "probe failed");
        clock.Advance(Duration.FromMinutes(5));

        var report = await checks.CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Status);
        var payment = report.Entries["billing-payment"];
        Assert.Equal(HealthStatus.Degraded, payment.Status);
        Assert.Equal("payment-1", payment.Data["outage"]);
        Assert.Equal(300d, payment.Data["seconds"]);
        Assert.Equal(HealthStatus.Healthy, report.Entries["billing-identity"].Status);
    }
}
