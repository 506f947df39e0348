using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>Where a rental stands.</summary>
public enum RentalStatus
{
    /// <summary>No valid end signal yet: the meter runs (except while frozen).</summary>
    Open = 0,

    /// <summary>The end is known; money still has to move (the payment backend is down, an operation is unresolved, or a charge was declined).</summary>
    PendingSettlement = 1,

    /// <summary>The end is known and the money taken equals the charge; no hold is left open.</summary>
    Settled = 2,

    /// <summary>The start was refused (no rider authentication or no hold possible); nothing is charged.</summary>
    Refused = 3,
}

/// <summary>
/// Everything about a rental's bill at a moment, with the reasons: the signals that decided its end and those that
/// did not count, the frozen intervals with the outages that caused them, the fare with its line items, what a
/// naive system would have charged, and where the money stands.
/// </summary>
public sealed class RentalStatement
{
    internal RentalStatement(
        RentalId rentalId, RiderId riderId, string planId, Instant startedAt, Instant asOf, RentalStatus status, string? refusalReason,
        EndSignal? decidingSignal, IReadOnlyList<EndSignal> validSignals, IReadOnlyList<RejectedEndSignal> rejectedSignals,
        Instant billedUntil, IReadOnlyList<FrozenInterval> frozenIntervals, Duration billableTime, Duration frozenTime,
        decimal billableKilometres, FareQuote fare, Instant naiveEnd, FareQuote naiveFare, RentalMoney money)
    {
        RentalId = rentalId;
        RiderId = riderId;
        PlanId = planId;
        StartedAt = startedAt;
        AsOf = asOf;
        Status = status;
        RefusalReason = refusalReason;
        DecidingSignal = decidingSignal;
        ValidSignals = validSignals;
        RejectedSignals = rejectedSignals;
        BilledUntil = billedUntil;
        FrozenIntervals = frozenIntervals;
        BillableTime = billableTime;
        FrozenTime = frozenTime;
        BillableKilometres = billableKilometres;
        Fare = fare;
        NaiveEnd = naiveEnd;
        NaiveFare = naiveFare;
        Money = money;
    }

    /// <summary>Gets the rental.</summary>
    public RentalId RentalId { get; }

    /// <summary>Gets the rider.</summary>
    public RiderId RiderId { get; }

    /// <summary>Gets the pricing plan.</summary>
    public string PlanId { get; }

    /// <summary>Gets when the rental started (S).</summary>
    public Instant StartedAt { get; }

    /// <summary>Gets the moment the statement describes; an open rental is billed up to it.</summary>
    public Instant AsOf { get; }

    /// <summary>Gets where the rental stands.</summary>
    public RentalStatus Status { get; }

    /// <summary>Gets why the start was refused, for a refused rental (<c>paymentUnavailable</c>, <c>holdDeclined</c>, ...).</summary>
    public string? RefusalReason { get; }

    /// <summary>Gets the signal that decided the end (the earliest valid one), or null while the rental is open.</summary>
    public EndSignal? DecidingSignal { get; }

    /// <summary>Gets the end (E), or null while the rental is open.</summary>
    public Instant? End => DecidingSignal?.At;

    /// <summary>Gets the signals that count, in order of receipt.</summary>
    public IReadOnlyList<EndSignal> ValidSignals { get; }

    /// <summary>Gets the signals that do not count, with the reason.</summary>
    public IReadOnlyList<RejectedEndSignal> RejectedSignals { get; }

    /// <summary>Gets the instant billing stops: the end, or <see cref="AsOf"/> while open.</summary>
    public Instant BilledUntil { get; }

    /// <summary>Gets the frozen intervals, one per outage that froze the rental.</summary>
    public IReadOnlyList<FrozenInterval> FrozenIntervals { get; }

    /// <summary>Gets the billable time: from start to <see cref="BilledUntil"/> minus every frozen second.</summary>
    public Duration BillableTime { get; }

    /// <summary>Gets the frozen time (the union of the frozen intervals).</summary>
    public Duration FrozenTime { get; }

    /// <summary>Gets the kilometres travelled in billable time.</summary>
    public decimal BillableKilometres { get; }

    /// <summary>Gets the fare with its line items; <see cref="FareQuote.Total"/> is the charge.</summary>
    public FareQuote Fare { get; }

    /// <summary>Gets the charge: <see cref="Fare"/>'s total.</summary>
    public Money Charge => Fare.Total;

    /// <summary>Gets when a system without this library would have ended the rental (no end while a dependency is down).</summary>
    public Instant NaiveEnd { get; }

    /// <summary>Gets what a system without this library would have charged: no freezes, no end while a dependency is down.</summary>
    public FareQuote NaiveFare { get; }

    /// <summary>Gets where the money stands, from the journaled payment steps.</summary>
    public RentalMoney Money { get; }
}
