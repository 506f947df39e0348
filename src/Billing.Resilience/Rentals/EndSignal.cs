using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>Who attests the end of a rental.</summary>
public enum EndSignalSource
{
    /// <summary>The rider's app, attested by the phone (and the rental token).</summary>
    Rider = 0,

    /// <summary>The vehicle's lock or park telemetry.</summary>
    Vehicle = 1,

    /// <summary>A support agent, after checking the rider's real usage.</summary>
    Operator = 2,
}

/// <summary>Why an end signal does not count (SCENARIOS.md 3.1), checked in this order.</summary>
public enum SignalRejectionReason
{
    /// <summary>The attested time is at or before the rental's start.</summary>
    BeforeStart = 0,

    /// <summary>The attested time is later than its receipt plus the skew tolerance.</summary>
    InFuture = 1,

    /// <summary>A rider's claim that telemetry contradicts: the vehicle travelled after the claimed end.</summary>
    ContradictedByTelemetry = 2,
}

/// <summary>A claim that a rental ended at <see cref="At"/>, received by the library at <see cref="ReceivedAt"/>.</summary>
/// <param name="At">The attested end time.</param>
/// <param name="ReceivedAt">When the library received and journaled the signal.</param>
/// <param name="Source">Who attests it.</param>
public sealed record EndSignal(Instant At, Instant ReceivedAt, EndSignalSource Source);

/// <summary>An end signal that does not count, and why.</summary>
/// <param name="Signal">The signal.</param>
/// <param name="Reason">Why it does not count.</param>
public sealed record RejectedEndSignal(EndSignal Signal, SignalRejectionReason Reason);

/// <summary>Kilometres travelled, stamped with when they were travelled.</summary>
/// <param name="At">When the increment was travelled.</param>
/// <param name="Kilometres">The increment, positive.</param>
public sealed record DistanceIncrement(Instant At, decimal Kilometres);
