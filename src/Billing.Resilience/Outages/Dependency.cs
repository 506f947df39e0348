namespace Billing.Resilience.Outages;

/// <summary>A remote system the rental backend depends on and whose outage freezes the meter.</summary>
public enum Dependency
{
    /// <summary>The payment provider: holds, captures, charges, refunds.</summary>
    Payment = 0,

    /// <summary>The identity provider that authenticates riders (login).</summary>
    Identity = 1,
}
