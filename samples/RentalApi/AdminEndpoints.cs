using Billing.Resilience.Outages;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Testing;

namespace RentalApi;

/// <summary>
/// DEMO ONLY: take the simulated payment gateway or the demo identity backend down and bring them back, to watch the
/// meter freeze and the reconciler settle. Mapped only with the simulated backends (RentalApi:UseSimulatedBackends);
/// a real deployment learns about outages from circuit breakers and probes, never from an endpoint.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Maps POST /admin/outages/{dependency}/down and /up.</summary>
    public static IEndpointRouteBuilder MapDemoAdminEndpoints(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/admin/outages");
        admin.MapPost("/{dependency}/down", (string dependency, IServiceProvider services, CancellationToken ct) => SwitchAsync(dependency, up: false, services, ct));
        admin.MapPost("/{dependency}/up", (string dependency, IServiceProvider services, CancellationToken ct) => SwitchAsync(dependency, up: true, services, ct));
        return routes;
    }

    private static async Task<IResult> SwitchAsync(string dependency, bool up, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<Dependency>(dependency, ignoreCase: true, out var which) || !Enum.IsDefined(which) || int.TryParse(dependency, out _))
        {
            return Problems.Of(StatusCodes.Status404NotFound, "Unknown dependency", "unknownDependency", [new Billing.Resilience.ValidationError("dependency", "RENTAL_API_DEPENDENCY_UNKNOWN", $"'{dependency}' is not payment or identity.")]);
        }

        var health = services.GetRequiredService<DependencyHealth>();
        if (which == Dependency.Payment)
        {
            services.GetRequiredService<SimulatedPaymentGateway>().SetAvailable(up);
        }
        else
        {
            services.GetRequiredService<DemoIdentityProvider>().Available = up;
        }

        // What a circuit breaker or a probe would report.
        if (up)
        {
            await health.ReportUpAsync(which, cancellationToken);
        }
        else
        {
            await health.ReportDownAsync(which, "demo: admin endpoint", cancellationToken);
        }

        return Results.Ok(HealthDto.From(health, services.GetRequiredService<Reconciler>()));
    }
}
