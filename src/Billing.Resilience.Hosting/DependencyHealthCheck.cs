using Billing.Resilience.Outages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NodaTime;

namespace Billing.Resilience.Hosting;

/// <summary>
/// An ASP.NET Core health check per dependency (<c>billing-payment</c>, <c>billing-identity</c>): degraded while the
/// dependency is down (the library keeps working — ends are accepted, meters are frozen), with the outage and its start.
/// Register with <c>services.AddHealthChecks().AddBillingDependencies()</c>.
/// </summary>
public sealed class DependencyHealthCheck(DependencyHealth health, Dependency dependency, IClock clock) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (health.CurrentOutage(dependency) is not { } outage)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{Name(dependency)} is up"));
        }

        var data = new Dictionary<string, object>
        {
            ["outage"] = outage.OutageId,
            ["since"] = outage.From.ToString(),
            ["seconds"] = (clock.GetCurrentInstant() - outage.From).TotalSeconds,
            ["reason"] = health.ReasonOf(outage) ?? string.Empty,
        };
        return Task.FromResult(new HealthCheckResult(
            context.Registration.FailureStatus == HealthStatus.Unhealthy ? HealthStatus.Degraded : context.Registration.FailureStatus,
            $"{Name(dependency)} is down since {outage.From} ({outage.OutageId}); rentals end locally and meters are frozen",
            data: data));
    }

    private static string Name(Dependency dependency) => dependency == Dependency.Payment ? "payment" : "identity";
}

/// <summary>Registers a <see cref="DependencyHealthCheck"/> per dependency.</summary>
public static class BillingHealthChecksBuilderExtensions
{
    /// <summary>Adds the checks <c>billing-payment</c> and <c>billing-identity</c> (tags <c>billing</c>, <c>dependency</c>).</summary>
    public static IHealthChecksBuilder AddBillingDependencies(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var dependency in Enum.GetValues<Dependency>())
        {
            var name = dependency == Dependency.Payment ? "billing-payment" : "billing-identity";
            builder.Add(new HealthCheckRegistration(
                name,
                services => new DependencyHealthCheck(
                    (DependencyHealth)services.GetService(typeof(DependencyHealth))!,
                    dependency,
                    (IClock)services.GetService(typeof(IClock))!),
                HealthStatus.Degraded,
                ["billing", "dependency"]));
        }

        return builder;
    }
}
