namespace Billing.Resilience.Simulation.Tests.Checks;

/// <summary>A broken invariant: its stable name (docs/testing.md lists them) and what exactly is wrong.</summary>
internal sealed record Violation(string Invariant, string Message)
{
    public override string ToString() => $"{Invariant}: {Message}";
}
