namespace Billing.Resilience.Rentals;

/// <summary>What the identity provider said about a rider.</summary>
public enum IdentityVerdict
{
    /// <summary>The rider is who they claim and may rent.</summary>
    Authenticated = 0,

    /// <summary>The rider is not authenticated (bad credential, blocked account, unpaid fares).</summary>
    Denied = 1,
}

/// <summary>
/// The port to the identity backend (login) that authenticates riders at the start of a rental. Only starting a
/// rental needs it; ending never does. Throw (<see cref="TimeoutException"/>, <see cref="HttpRequestException"/>, ...)
/// when the backend cannot be reached: the start is refused with <c>identityUnavailable</c> and the failure feeds dependency health.
/// </summary>
public interface IIdentityProvider
{
    /// <summary>Authenticates a rider with the credential their app presented.</summary>
    ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken);
}
