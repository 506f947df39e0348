using System.Runtime.InteropServices;
using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>
/// A rental as its events tell it. Built only by replaying the journal, so the state after a crash is exactly the
/// state before it; every decision (the end, the freezes, the money still to move) is derived from it.
/// </summary>
internal sealed class RentalState
{
    private readonly List<EndSignal> signals;
    private readonly HashSet<(EndSignalSource, Instant)> signalKeys;
    private SnapshotList<DistanceIncrement> distance;

    /// <summary>The increments while <see cref="Replay"/> applies a stream's events: a plain list, changed in place (no
    /// intermediate state is seen), made a <see cref="SnapshotList{T}"/> once at the end; null otherwise.</summary>
    private List<DistanceIncrement>? replayedDistance;
    private readonly List<PaymentStep> payments;

    private RentalState(string streamId)
    {
        StreamId = streamId;
        signals = [];
        signalKeys = [];
        distance = SnapshotList<DistanceIncrement>.Empty;
        payments = [];
    }

    /// <summary>A copy of <paramref name="previous"/>: its own lists of the few end signals and payment steps, sharing
    /// their immutable items (a completion replaces its step), and the distance increments themselves, which can be
    /// many (telemetry): a <see cref="SnapshotList{T}"/> never changes, and its successors share its buffer.</summary>
    private RentalState(RentalState previous)
    {
        StreamId = previous.StreamId;
        Version = previous.Version;
        RentalId = previous.RentalId;
        RiderId = previous.RiderId;
        PlanId = previous.PlanId;
        Currency = previous.Currency;
        StartedAt = previous.StartedAt;
        HoldAmount = previous.HoldAmount;
        IsStarted = previous.IsStarted;
        RefusalReason = previous.RefusalReason;
        signals = new List<EndSignal>(previous.signals);
        signalKeys = new HashSet<(EndSignalSource, Instant)>(previous.signalKeys);
        distance = previous.distance;
        payments = new List<PaymentStep>(previous.payments);
    }

    public string StreamId { get; }

    public long Version { get; private set; }

    public RentalId RentalId { get; private set; }

    public RiderId RiderId { get; private set; }

    public string PlanId { get; private set; } = string.Empty;

    public CurrencyCode Currency { get; private set; }

    public Instant StartedAt { get; private set; }

    public Money? HoldAmount { get; private set; }

    public bool IsStarted { get; private set; }

    public string? RefusalReason { get; private set; }

    public IReadOnlyList<EndSignal> Signals => signals;

    /// <summary>Distance increments in order of their time (ties in order of receipt).</summary>
    public IReadOnlyList<DistanceIncrement> Distance => distance;

    public IReadOnlyList<PaymentStep> Payments => payments;

    public static string StreamIdFor(RentalId rentalId) => "rental-" + rentalId.Value;

    public static RentalState Replay(string streamId, IReadOnlyList<RecordedEvent> events)
    {
        var replayed = new List<DistanceIncrement>();
        var state = new RentalState(streamId) { replayedDistance = replayed };
        foreach (var recorded in events)
        {
            InvariantCheck(recorded.StreamVersion == state.Version + 1, $"{streamId}: version {recorded.StreamVersion} follows {state.Version}.");
            state.Apply(EventSerializer.Deserialize(recorded));
        }

        state.distance = SnapshotList<DistanceIncrement>.Of(CollectionsMarshal.AsSpan(replayed));
        state.replayedDistance = null;
        return state;
    }

    public static RentalState Empty(string streamId) => new(streamId);

    /// <summary>
    /// A new state with <paramref name="events"/> applied after this one's; this instance is left as it was. Built from
    /// this state (a copy of its lists) plus the new events, not by replaying the whole history: the same result, since
    /// a state is a left fold of its events.
    /// </summary>
    public RentalState With(IEnumerable<object> events)
    {
        var next = new RentalState(this);
        foreach (var e in events)
        {
            next.Apply(e);
        }

        return next;
    }

    public bool HasSignal(EndSignalSource source, Instant at) => signalKeys.Contains((source, at));

    /// <summary>Whether the same increment (same time, same kilometres) was recorded: a duplicate delivery of telemetry.
    /// The increments of that instant sit just before where a new one would go (<see cref="PlaceFor"/>).</summary>
    public bool HasDistance(Instant at, decimal kilometres)
    {
        var increments = distance.AsSpan();
        for (var i = PlaceFor(increments, at) - 1; i >= 0 && increments[i].At == at; i--)
        {
            if (increments[i].Kilometres == kilometres)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where an increment at <paramref name="at"/> goes in increments sorted by time: after every increment at or
    /// before it (ties in order of receipt), so an increment in order goes at the end.</summary>
    private static int PlaceFor(ReadOnlySpan<DistanceIncrement> increments, Instant at)
    {
        var low = 0;
        var high = increments.Length;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (increments[middle].At <= at)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    public void Apply(object @event)
    {
        switch (@event)
        {
            case RentalRequested e:
                Identify(e.RentalId, e.RiderId, e.PlanId, e.Currency);
                StartedAt = e.RequestedAt;
                HoldAmount = Money.FromMinorUnits(e.HoldMinorUnits, Currency);
                break;
            case RentalStarted e:
                Identify(e.RentalId, e.RiderId, e.PlanId, e.Currency);
                StartedAt = e.StartedAt;
                HoldAmount = e.HoldMinorUnits is { } hold ? Money.FromMinorUnits(hold, Currency) : null;
                IsStarted = true;
                break;
            case RentalRefused e:
                RefusalReason = e.Reason;
                break;
            case EndSignalReceived e:
                if (signalKeys.Add((e.Source, e.At)))
                {
                    signals.Add(new EndSignal(e.At, e.ReceivedAt, e.Source));
                }

                break;
            case DistanceRecorded e:
                var increment = new DistanceIncrement(e.At, e.Kilometres);
                if (replayedDistance is { } replayed)
                {
                    replayed.Insert(PlaceFor(CollectionsMarshal.AsSpan(replayed), e.At), increment);
                }
                else
                {
                    distance = distance.Insert(PlaceFor(distance.AsSpan(), e.At), increment);
                }

                break;
            case PaymentRequested e:
                InvariantCheck(payments.TrueForAll(p => p.Key.Value != e.Key), $"{StreamId}: idempotency key {e.Key} requested twice.");
                payments.Add(new PaymentStep(
                    IdempotencyKey.From(e.Key), e.Kind, Money.FromMinorUnits(e.AmountMinorUnits, CurrencyCode.Parse(e.Currency)), e.Gateway, e.Reference, e.At));
                break;
            case PaymentCompleted e:
                var stepIndex = payments.FindIndex(p => p.Key.Value == e.Key);
                if (stepIndex < 0)
                {
                    throw new InvariantViolationException($"{StreamId}: completion of unknown payment {e.Key}.");
                }

                var step = payments[stepIndex];
                InvariantCheck(step.Outcome is null or PaymentOutcome.Unknown, $"{StreamId}: payment {e.Key} completed twice.");
                // A new step, not a change to the old one: earlier states share their steps with this one.
                payments[stepIndex] = step.Completed(e.Outcome, e.Reference, e.AmountMinorUnits is { } applied ? Money.FromMinorUnits(applied, step.Amount.Currency) : null, e.Reason, e.At);
                break;
            default:
                throw new InvariantViolationException($"{StreamId}: unexpected event {@event.GetType().Name}.");
        }

        Version++;
    }

    private void Identify(string rentalId, string riderId, string planId, string currency)
    {
        RentalId = RentalId.From(rentalId);
        RiderId = RiderId.From(riderId);
        PlanId = planId;
        Currency = CurrencyCode.Parse(currency);
    }

    private static void InvariantCheck(bool condition, string message) => Preconditions.CheckInvariant(condition, message);
}

/// <summary>One payment operation of a rental: the intent (written before the call) and, once known, its outcome. Immutable: states share steps.</summary>
internal sealed class PaymentStep(IdempotencyKey key, PaymentOperationKind kind, Money amount, string gateway, string? reference, Instant requestedAt)
{
    public IdempotencyKey Key { get; } = key;

    public PaymentOperationKind Kind { get; } = kind;

    public Money Amount { get; } = amount;

    public string Gateway { get; } = gateway;

    public string? Reference { get; } = reference;

    public Instant RequestedAt { get; } = requestedAt;

    /// <summary>Null while the call is in flight (or the process died during it); Unknown after a timeout.</summary>
    public PaymentOutcome? Outcome { get; private init; }

    public string? ResultReference { get; private init; }

    public Money? AppliedAmount { get; private init; }

    public string? Reason { get; private init; }

    public Instant? CompletedAt { get; private init; }

    public bool IsUnresolved => Outcome is null or PaymentOutcome.Unknown;

    public bool Succeeded => Outcome == PaymentOutcome.Succeeded;

    /// <summary>This step with its outcome; this instance is left as it was.</summary>
    public PaymentStep Completed(PaymentOutcome outcome, string? resultReference, Money? appliedAmount, string? reason, Instant at)
        => new(Key, Kind, Amount, Gateway, Reference, RequestedAt)
        {
            Outcome = outcome,
            ResultReference = resultReference,
            AppliedAmount = appliedAmount,
            Reason = reason,
            CompletedAt = at,
        };
}
