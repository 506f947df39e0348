namespace Billing.Resilience.Outages;

/// <summary>
/// An optional active check of a dependency (a cheap authenticated GET, a provider's status endpoint), run
/// periodically by the hosting package or by you through <see cref="DependencyHealth.ProbeAsync"/>. Circuit breakers
/// only learn from real calls; a probe also notices recovery when there is no traffic.
/// </summary>
public interface IDependencyProbe
{
    /// <summary>Gets the dependency this probe checks.</summary>
    Dependency Dependency { get; }

    /// <summary>Returns true when the dependency answers; false or an exception when it does not.</summary>
    ValueTask<bool> IsUpAsync(CancellationToken cancellationToken);
}
