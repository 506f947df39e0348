using Billing.Resilience.Rentals;

namespace Billing.Resilience.Simulation.Tests.World;

/// <summary>The login backend: up or down as the simulation's outage schedule says; another system, so it survives a crash of ours.</summary>
internal sealed class SimIdentityProvider : IIdentityProvider
{
    public bool Available { get; set; } = true;

    public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
        => Available
            ? ValueTask.FromResult(IdentityVerdict.Authenticated)
            : ValueTask.FromException<IdentityVerdict>(new HttpRequestException("identity backend unreachable (simulated outage)"));
}
