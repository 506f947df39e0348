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
    public static readonly bool DistanceIsNotDeduplicated = false;

    /// <summary>
    /// <c>PaymentProcessor.ResolveAsync</c> takes one reconciler call permit for the look-up and another for sending the
    /// key again. With <c>ReconcilerOptions.MaxCallsPerSecond = 1</c> (a valid setting) the second permit is never granted
    /// in the same second; <c>CallBudgetSpent</c> discards the look-up, and a rental whose operation is unknown to the
    /// gateway (a crash after <c>PaymentRequested</c> was durable, a timeout that applied nothing) is retried every second
    /// forever: it never settles. While on, the simulation draws budgets of 2 or more.
    /// </summary>
    public static readonly bool ResolveNeedsTwoPermitsInOneSecond = false;

    /// <summary>
    /// <c>RentalService.StartAsync</c> does not resume a start that a crash interrupted: once <c>RentalRequested</c> is
    /// durable but neither <c>RentalStarted</c> nor <c>RentalRefused</c> is, the client's retry of the same
    /// <c>StartRental</c> is answered <c>DuplicateRental</c> and the rental never starts (the hold, if it was placed, is
    /// voided by the reconciler: no money is lost, the ride is). The simulation counts it as a finding; nothing to switch off.
    /// </summary>
    public static readonly bool StartIsNotResumedAfterACrash = false;

    /// <summary>
    /// <c>RentalService.StartCoreAsync</c> checks dependency health before it looks for an existing rental. A client whose
    /// "started" answer was lost (the process died after <c>RentalStarted</c> was durable) retries; if the payment or
    /// identity backend is down by then, the retry is answered <c>PaymentUnavailable</c> or <c>IdentityUnavailable</c>
    /// although the rental started: the rider is told it did not start, and is billed for it.
    /// </summary>
    public static readonly bool StartRetryIsAnsweredFromHealthFirst = false;

    /// <summary>
    /// A rental is settled as soon as its end is known, even when the end lies in the future (an end signal stamped up to
    /// <c>EndSignalSkew</c> ahead of its receipt). The part [now, end) is billed as unfrozen because an ongoing outage is
    /// counted only up to now; when the outage is recorded as ended (or begins) before the end, the charge drops, but
    /// nothing queues the rental again (only the end of a payment outage re-queues, and only rentals already queued), so
    /// the refund waits for the next restart (<c>RecoverAsync</c>).
    /// </summary>
    public static readonly bool SettledBeforeItsEnd = false;
}
