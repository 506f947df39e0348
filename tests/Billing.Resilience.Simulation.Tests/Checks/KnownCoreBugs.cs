namespace Billing.Resilience.Simulation.Tests.Checks;

/// <summary>
/// Bugs in the core that the simulation found and that are not fixed yet. While a switch here is on, the simulation
/// reports the bug as a counted finding instead of failing the seed, and checks everything else around it; a test in
/// <see cref="KnownCoreBugTests"/> reproduces each one and fails once the core is fixed, so that the switch is turned
/// off the same day. docs/testing.md lists them with their seeds.
/// </summary>
internal static class KnownCoreBugs
{
    /// <summary>
    /// <c>RentalService.RecordDistanceAsync</c> appends every <c>RecordDistance</c> it is given: a telemetry report
    /// delivered twice (a retry after a lost acknowledgement, or after a crash once the append was durable) is
    /// journaled twice and its kilometres billed twice. End signals are deduplicated by (source, time); distance is not.
    /// </summary>
    public static readonly bool DistanceIsNotDeduplicated = true;

    /// <summary>
    /// <c>PaymentProcessor.ResolveAsync</c> takes one reconciler call permit for the look-up and another for sending the
    /// key again. With <c>ReconcilerOptions.MaxCallsPerSecond = 1</c> (a valid setting) the second permit is never granted
    /// in the same second; <c>CallBudgetSpent</c> discards the look-up, and a rental whose operation is unknown to the
    /// gateway (a crash after <c>PaymentRequested</c> was durable, a timeout that applied nothing) is retried every second
    /// forever: it never settles. While on, the simulation draws budgets of 2 or more.
    /// </summary>
    public static readonly bool ResolveNeedsTwoPermitsInOneSecond = true;
}
