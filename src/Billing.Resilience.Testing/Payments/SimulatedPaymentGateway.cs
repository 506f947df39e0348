using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Billing.Resilience.Payments;
using NodaTime;

namespace Billing.Resilience.Testing;

/// <summary>
/// An in-memory payment provider with its own ledger and injectable faults: the ground truth of "exactly-once money"
/// in tests, drills and simulations. Invariants are counted by its ledger, not by what the caller believes.
/// </summary>
/// <remarks>
/// <para>It behaves like a card provider (Stripe, Adyen): <see cref="PaymentOperationKind.Authorize"/> places a hold that
/// expires after <see cref="SimulatedPaymentGatewayOptions.AuthorizationValidity"/>; one
/// <see cref="PaymentOperationKind.Capture"/> per hold takes up to the held amount and releases the rest;
/// <see cref="PaymentOperationKind.Void"/> releases an uncaptured, unexpired hold; <see cref="PaymentOperationKind.Charge"/>
/// takes money without a hold; <see cref="PaymentOperationKind.Refund"/> returns up to what a capture or charge took.</para>
/// <para>Idempotency: a key is applied at most once. A key whose operation was applied or declined stores that result;
/// the same key with the same parameters returns it and applies nothing, the same key with other parameters returns
/// <see cref="PaymentOutcome.Failed"/> with <see cref="SimulatedPaymentReasons.IdempotencyKeyReused"/>. A
/// <see cref="PaymentOutcome.Failed"/> result (an invalid request, an injected error) stores nothing: nothing was
/// applied, and the key may be retried. Keys are kept for the gateway's lifetime (at most
/// <see cref="SimulatedPaymentGatewayOptions.MaxKeys"/>), longer than any provider's 24 hours.</para>
/// <para>Faults: scripted per rental and operation (<see cref="AddFault(PaymentFault)"/>), seeded random
/// (<see cref="SimulatedPaymentGatewayOptions.RandomFaults"/>), and a whole-gateway outage (<see cref="SetAvailable"/>).</para>
/// <para>Thread-safe: every call takes one lock, so calls are applied one at a time in the order they take it. Every call
/// completes synchronously; nothing sleeps or reads the wall clock.</para>
/// </remarks>
public sealed class SimulatedPaymentGateway : IPaymentGateway
{
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;
    private const int NoOperation = -1;
    private static readonly int OperationKindCount = Enum.GetValues<PaymentOperationKind>().Length;

    private readonly object gate = new();
    private readonly IClock clock;
    private readonly SimulatedPaymentGatewayOptions options;
    private readonly Random? random;

    // Each key's stored result: the index of the operation it applied, or the bitwise complement of its index in
    // declines (the rare keys that stored a decline keep their request and result).
    private readonly Dictionary<IdempotencyKey, int> keys = [];
    private readonly List<(PaymentRequest Request, PaymentResult Result)> declines = [];
    private readonly Dictionary<string, RentalLedger> rentals = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Duration> latencies = [];
    private readonly Dictionary<string, RiderAccount> riderAccounts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string RentalId, PaymentOperationKind Operation), Queue<ScriptedFault>> scriptedFaults = [];
    private readonly long[] callCounts = new long[OperationKindCount];
    private readonly Queue<PaymentCall> calls = new();

    // The ledger: every applied operation once, in the order applied, in chunks that never move (a list of millions of
    // structs would copy itself, and hold twice its size, on every growth). An operation's index is its sequence - 1.
    private Operation[][] chunks = [];
    private int operationCount;
    private long callSequence;
    private long lookupCount;
    private bool available = true;

    /// <summary>Creates a gateway with the default options (7-day holds, no faults, unlimited funds).</summary>
    /// <param name="name">The gateway's <see cref="Name"/>.</param>
    /// <param name="clock">The clock that stamps operations and expires holds; a NodaTime.Testing <c>FakeClock</c> in tests.</param>
    public SimulatedPaymentGateway(string name, IClock clock)
        : this(name, clock, new SimulatedPaymentGatewayOptions())
    {
    }

    /// <summary>Creates a gateway.</summary>
    /// <param name="name">The gateway's <see cref="Name"/>.</param>
    /// <param name="clock">The clock that stamps operations and expires holds; a NodaTime.Testing <c>FakeClock</c> in tests.</param>
    /// <param name="options">The options; validated (every error in one <see cref="ArgumentException"/>) and copied.</param>
    public SimulatedPaymentGateway(string name, IClock clock, SimulatedPaymentGatewayOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        this.clock = clock;
        this.options = options.ValidatedCopy();
        if (this.options.RandomFaults is { } randomFaults)
        {
            random = new Random(randomFaults.Seed);
        }
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Gets a value indicating whether the gateway answers calls (see <see cref="SetAvailable"/>).</summary>
    public bool IsAvailable
    {
        get
        {
            lock (gate)
            {
                return available;
            }
        }
    }

    /// <summary>Gets the number of <see cref="LookupAsync"/> calls, including those refused while unavailable.</summary>
    public long LookupCount
    {
        get
        {
            lock (gate)
            {
                return lookupCount;
            }
        }
    }

    /// <summary>
    /// Takes the gateway down (false) or brings it back (true). While down, every <see cref="ExecuteAsync"/> and
    /// <see cref="LookupAsync"/> fails with <see cref="HttpRequestException"/> and applies nothing; such calls are counted
    /// as attempts but do not use up scripted faults or random draws.
    /// </summary>
    public void SetAvailable(bool isAvailable)
    {
        lock (gate)
        {
            available = isAvailable;
        }
    }

    /// <summary>Adds a scripted fault: the next <see cref="PaymentFault.Times"/> calls of its operation for its rental fail so.</summary>
    /// <exception cref="ArgumentException">An empty rental id, an undefined operation or kind, <c>Times</c> below 1 or a negative latency.</exception>
    public void AddFault(PaymentFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        fault.Validate();
        lock (gate)
        {
            var slot = (fault.RentalId, fault.Operation);
            if (!scriptedFaults.TryGetValue(slot, out var queue))
            {
                queue = new Queue<ScriptedFault>();
                scriptedFaults.Add(slot, queue);
            }

            queue.Enqueue(new ScriptedFault(fault));
        }
    }

    /// <summary>Adds a scripted fault: the next <paramref name="times"/> calls of <paramref name="operation"/> for <paramref name="rentalId"/> fail with <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentException">An empty rental id, an undefined operation or kind, or <paramref name="times"/> below 1.</exception>
    public void AddFault(string rentalId, PaymentOperationKind operation, PaymentFaultKind kind, int times = 1)
        => AddFault(new PaymentFault(rentalId, operation, kind, times));

    /// <summary>Returns the scripted faults not used up yet, with <see cref="PaymentFault.Times"/> the calls each has left, in the order they apply per rental and operation.</summary>
    public IReadOnlyList<PaymentFault> GetPendingFaults()
    {
        lock (gate)
        {
            return scriptedFaults.Values.SelectMany(q => q).Select(f => f.Fault with { Times = f.Remaining }).ToArray();
        }
    }

    /// <summary>Removes every scripted fault that is not used up yet. Random faults and availability are unchanged.</summary>
    public void ClearFaults()
    {
        lock (gate)
        {
            scriptedFaults.Clear();
        }
    }

    /// <summary>
    /// Sends an operation. In order: while unavailable it fails with <see cref="HttpRequestException"/>; a fault is picked
    /// (scripted first, else random); a <see cref="PaymentFaultKind.Timeout"/> throws <see cref="TimeoutException"/> and an
    /// <see cref="PaymentFaultKind.Error"/> returns <see cref="PaymentOutcome.Failed"/>, applying nothing; otherwise a stored
    /// key is replayed (or refused as reused), an invalid request fails, a business rule or a
    /// <see cref="PaymentFaultKind.Decline"/> declines, or the operation is applied. A
    /// <see cref="PaymentFaultKind.LostResponse"/> then throws <see cref="TimeoutException"/> instead of answering. With
    /// <see cref="SimulatedPaymentGatewayOptions.ReportTimeoutsAsUnknown"/>, both timeouts return
    /// <see cref="PaymentOutcome.Unknown"/> instead of throwing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The call would store more than <see cref="SimulatedPaymentGatewayOptions.MaxKeys"/> keys.</exception>
    public ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<PaymentResult>(cancellationToken);
        }

        lock (gate)
        {
            var now = clock.GetCurrentInstant();
            if ((uint)request.Kind < (uint)callCounts.Length)
            {
                callCounts[(int)request.Kind]++;
            }

            if (!available)
            {
                RecordCall(now, request, null, PaymentCallOutcome.Unavailable, null, applied: false, Duration.Zero);
                return ValueTask.FromException<PaymentResult>(Unavailable());
            }

            var (fault, faultLatency) = NextFault(request);
            switch (fault)
            {
                case PaymentFaultKind.Timeout:
                    RecordCall(now, request, fault, PaymentCallOutcome.TimedOut, null, applied: false, Duration.Zero);
                    return TimedOut(request, applied: false);
                case PaymentFaultKind.Error:
                    var error = PaymentResult.Failure(SimulatedPaymentReasons.GatewayError);
                    RecordCall(now, request, fault, PaymentCallOutcome.Failed, error.Reason, applied: false, Duration.Zero);
                    return ValueTask.FromResult(error);
                default:
                    break;
            }

            var latency = fault == PaymentFaultKind.Slow ? faultLatency : Duration.Zero;
            var (result, applied) = Process(request, now, decline: fault == PaymentFaultKind.Decline, latency);
            if (fault == PaymentFaultKind.LostResponse)
            {
                RecordCall(now, request, fault, PaymentCallOutcome.TimedOut, result.Reason, applied, Duration.Zero);
                return TimedOut(request, applied);
            }

            RecordCall(now, request, fault, ToCallOutcome(result.Outcome), result.Reason, applied, latency);
            return ValueTask.FromResult(result);
        }
    }

    /// <summary>
    /// Returns the result stored under <paramref name="key"/> (an applied operation or a decline), or null when the key was
    /// never applied. Lookups are never faulted, except while the gateway is unavailable: then they fail with
    /// <see cref="HttpRequestException"/>.
    /// </summary>
    public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<PaymentResult?>(cancellationToken);
        }

        lock (gate)
        {
            lookupCount++;
            if (!available)
            {
                return ValueTask.FromException<PaymentResult?>(Unavailable());
            }

            return ValueTask.FromResult(keys.TryGetValue(key, out var stored) ? StoredResult(stored) : null);
        }
    }

    /// <summary>Returns how many calls of <paramref name="kind"/> the gateway received: attempts, whatever became of them.</summary>
    public long GetCallCount(PaymentOperationKind kind)
    {
        lock (gate)
        {
            return (uint)kind < (uint)callCounts.Length ? callCounts[(int)kind] : 0;
        }
    }

    /// <summary>Returns the most recent calls (at most <see cref="SimulatedPaymentGatewayOptions.MaxRecordedCalls"/>), oldest first.</summary>
    public IReadOnlyList<PaymentCall> GetCalls()
    {
        lock (gate)
        {
            return calls.ToArray();
        }
    }

    /// <summary>
    /// Returns every operation the gateway applied, in the order applied: a read-only view of the ledger as it stands
    /// now (operations applied later are not in it). Applied operations never change, so the view stays true; each
    /// item is created when read, so that a ledger of millions of operations is not copied to be counted or checked.
    /// </summary>
    public IReadOnlyList<AppliedPaymentOperation> GetOperations()
    {
        lock (gate)
        {
            return new OperationList(this, operationCount);
        }
    }

    /// <summary>Returns the operations applied for one rental, in the order applied; empty for a rental never seen.</summary>
    public IReadOnlyList<AppliedPaymentOperation> GetOperations(string rentalId)
    {
        ArgumentNullException.ThrowIfNull(rentalId);
        lock (gate)
        {
            return RentalOperations(rentalId);
        }
    }

    /// <summary>Returns the authorizations of one rental as they stand at the clock's now, in the order placed.</summary>
    public IReadOnlyList<SimulatedAuthorization> GetAuthorizations(string rentalId)
    {
        ArgumentNullException.ThrowIfNull(rentalId);
        lock (gate)
        {
            if (!rentals.TryGetValue(rentalId, out var ledger))
            {
                return [];
            }

            var now = clock.GetCurrentInstant();
            var placed = new List<SimulatedAuthorization>();
            for (var index = ledger.First; index != NoOperation; index = OperationAt(index).NextOfRental)
            {
                if (OperationAt(index).Kind == PaymentOperationKind.Authorize)
                {
                    placed.Add(Snapshot(index, now));
                }
            }

            return placed;
        }
    }

    /// <summary>Returns the authorization with the given id as it stands at the clock's now, or null when there is none.</summary>
    public SimulatedAuthorization? GetAuthorization(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        lock (gate)
        {
            return TryFind(reference, out var index) && OperationAt(index).Kind == PaymentOperationKind.Authorize
                ? Snapshot(index, clock.GetCurrentInstant())
                : null;
        }
    }

    /// <summary>Returns one rental's totals at the clock's now (zero in currency <c>XXX</c> for a rental with no applied operation).</summary>
    public RentalLedgerTotals GetTotals(string rentalId)
    {
        ArgumentNullException.ThrowIfNull(rentalId);
        lock (gate)
        {
            if (!rentals.TryGetValue(rentalId, out var ledger))
            {
                var zero = Money.Zero(default);
                return new RentalLedgerTotals(rentalId, default, zero, zero, zero, zero, zero, zero, zero, zero, 0);
            }

            return Totals(ledger, clock.GetCurrentInstant());
        }
    }

    /// <summary>Returns the totals of every rental the gateway applied an operation for, in the order first seen.</summary>
    public IReadOnlyList<RentalLedgerTotals> GetTotals()
    {
        lock (gate)
        {
            var now = clock.GetCurrentInstant();
            var totals = new List<RentalLedgerTotals>(rentals.Count);
            for (var index = 0; index < operationCount; index++)
            {
                var ledger = rentals[OperationAt(index).RentalId];
                if (ledger.First == index)
                {
                    totals.Add(Totals(ledger, now));
                }
            }

            return totals;
        }
    }

    /// <summary>
    /// Checks the ledger invariants of every rental and returns the violations (empty when the ledger is sound): captured
    /// at most authorized and at most one capture per authorization, refunded at most what was captured or charged (per
    /// capture or charge and per rental), every key applied at most once (also across rentals), no negative amount, one
    /// currency per rental. They are recomputed from <see cref="GetOperations()"/> alone.
    /// </summary>
    public IReadOnlyList<LedgerViolation> CheckInvariants() => LedgerChecker.Check(GetOperations());

    /// <summary>
    /// Checks the ledger invariants of one rental (see <see cref="CheckInvariants()"/>); a key applied for this and another
    /// rental is found only by <see cref="CheckInvariants()"/>.
    /// </summary>
    public IReadOnlyList<LedgerViolation> CheckInvariants(string rentalId) => LedgerChecker.Check(GetOperations(rentalId));

    /// <summary>
    /// Checks that the rental's captured + charged - refunded equals <paramref name="expectedCharge"/>, as for a settled
    /// rental; returns the violation, or nothing. A rental with no applied operation matches a zero charge in any currency.
    /// </summary>
    public IReadOnlyList<LedgerViolation> CheckCharge(string rentalId, Money expectedCharge)
        => LedgerChecker.CheckCharge(rentalId, GetOperations(rentalId), expectedCharge) is { } violation ? [violation] : [];

    /// <summary>Throws when <see cref="CheckInvariants()"/> finds any violation; the message lists them all.</summary>
    /// <exception cref="InvariantViolationException">The ledger breaks an invariant.</exception>
    public void EnsureInvariants()
    {
        var violations = CheckInvariants();
        if (violations.Count > 0)
        {
            throw new InvariantViolationException(
                $"The ledger of simulated payment gateway '{Name}' breaks {violations.Count} invariant(s):{Environment.NewLine}"
                + string.Join(Environment.NewLine, violations));
        }
    }

    private static string Prefix(PaymentOperationKind kind) => kind switch
    {
        PaymentOperationKind.Authorize => "auth",
        PaymentOperationKind.Capture => "cap",
        PaymentOperationKind.Charge => "ch",
        PaymentOperationKind.Void => "void",
        _ => "re",
    };

    private static bool IsSameOwner(in Operation referenced, PaymentRequest request)
        => string.Equals(referenced.RentalId, request.RentalId, StringComparison.Ordinal)
           && string.Equals(referenced.RiderId, request.RiderId, StringComparison.Ordinal);

    private static void CheckInvariant(bool condition, string invariant)
    {
        if (!condition)
        {
            throw new InvariantViolationException($"Simulated payment gateway bug: {invariant}.");
        }
    }

    private static PaymentCallOutcome ToCallOutcome(PaymentOutcome outcome) => outcome switch
    {
        PaymentOutcome.Succeeded => PaymentCallOutcome.Succeeded,
        PaymentOutcome.Declined => PaymentCallOutcome.Declined,
        _ => PaymentCallOutcome.Failed,
    };

    private ref Operation OperationAt(int index) => ref chunks[index >> ChunkBits][index & (ChunkSize - 1)];

    /// <summary>The id the gateway gave the operation at <paramref name="index"/>: its kind's prefix and its sequence (<c>cap_2</c>).</summary>
    private string IdOf(int index)
        => string.Create(CultureInfo.InvariantCulture, $"{Prefix(OperationAt(index).Kind)}_{index + 1}");

    /// <summary>Finds the operation an id names: the id <see cref="IdOf"/> gave it, exactly (no sign, no leading zero).</summary>
    private bool TryFind(string id, out int index)
    {
        index = NoOperation;
        var separator = id.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0 || separator == id.Length - 1 || id[separator + 1] == '0')
        {
            return false;
        }

        long sequence = 0;
        for (var i = separator + 1; i < id.Length; i++)
        {
            var digit = id[i] - '0';
            if (digit is < 0 or > 9)
            {
                return false;
            }

            sequence = (sequence * 10) + digit;
            if (sequence > operationCount)
            {
                return false;
            }
        }

        if (!id.AsSpan(0, separator).SequenceEqual(Prefix(OperationAt((int)sequence - 1).Kind)))
        {
            return false;
        }

        index = (int)sequence - 1;
        return true;
    }

    private AppliedPaymentOperation Materialize(int index)
    {
        ref readonly var op = ref OperationAt(index);
        return new AppliedPaymentOperation(
            index + 1L,
            IdOf(index),
            op.Key,
            op.Kind,
            op.RentalId,
            op.RiderId,
            op.Amount,
            op.Reference == NoOperation ? null : IdOf(op.Reference),
            op.At,
            latencies.TryGetValue(index, out var latency) ? latency : Duration.Zero);
    }

    private AppliedPaymentOperation[] RentalOperations(string rentalId)
    {
        if (!rentals.TryGetValue(rentalId, out var ledger))
        {
            return [];
        }

        var result = new AppliedPaymentOperation[ledger.Count];
        var position = 0;
        for (var index = ledger.First; index != NoOperation; index = OperationAt(index).NextOfRental)
        {
            result[position++] = Materialize(index);
        }

        return result;
    }

    private (PaymentFaultKind? Kind, Duration Latency) NextFault(PaymentRequest request)
    {
        // One draw per call that reaches the gateway, also when a scripted fault wins, so that scripting one call does
        // not shift the random faults of all later calls.
        var randomFault = random is null ? null : options.RandomFaults!.Pick(random.NextDouble());
        if (request.RentalId is not null && scriptedFaults.TryGetValue((request.RentalId, request.Kind), out var queue))
        {
            var scripted = queue.Peek();
            scripted.Remaining--;
            if (scripted.Remaining == 0)
            {
                queue.Dequeue();
                if (queue.Count == 0)
                {
                    scriptedFaults.Remove((request.RentalId, request.Kind));
                }
            }

            return (scripted.Fault.Kind, scripted.Fault.Latency ?? options.SlowLatency);
        }

        return (randomFault, options.SlowLatency);
    }

    private (PaymentResult Result, bool Applied) Process(PaymentRequest request, Instant now, bool decline, Duration latency)
    {
        if (request.Key.Value.Length == 0)
        {
            return (PaymentResult.Failure(SimulatedPaymentReasons.InvalidRequest), false);
        }

        if (keys.TryGetValue(request.Key, out var stored))
        {
            return IsReplay(stored, request)
                ? (StoredResult(stored), false)
                : (PaymentResult.Failure(SimulatedPaymentReasons.IdempotencyKeyReused), false);
        }

        if (Validate(request, out var authorization, out var taking) is { } invalid)
        {
            return (PaymentResult.Failure(invalid), false);
        }

        var declineReason = decline ? SimulatedPaymentReasons.InsufficientFunds : Decide(request, now, authorization, taking);
        if (keys.Count >= options.MaxKeys)
        {
            throw new InvalidOperationException(
                $"Simulated payment gateway '{Name}' stores at most {options.MaxKeys} idempotency keys (SimulatedPaymentGatewayOptions.MaxKeys); raise the limit for a longer test.");
        }

        if (declineReason is not null)
        {
            var declined = PaymentResult.Decline(declineReason);
            keys.Add(request.Key, ~declines.Count);
            declines.Add((request, declined));
            return (declined, false);
        }

        var index = Apply(request, now, authorization, taking, latency);
        keys.Add(OperationAt(index).Key, index);
        return (StoredResult(index), true);
    }

    /// <summary>The result a key answers with: its operation's success, or its decline.</summary>
    private PaymentResult StoredResult(int stored)
        => stored >= 0 ? PaymentResult.Success(IdOf(stored), OperationAt(stored).Amount) : declines[~stored].Result;

    /// <summary>Whether <paramref name="request"/> is the request a key stored (every field equal), so that it is a replay.</summary>
    private bool IsReplay(int stored, PaymentRequest request)
    {
        if (stored < 0)
        {
            return declines[~stored].Request == request;
        }

        ref readonly var op = ref OperationAt(stored);

        // A void's operation carries the hold it released; its request may have asked for zero.
        var requested = op.State.HasFlag(OperationState.RequestedZero) ? Money.Zero(op.Amount.Currency) : op.Amount;
        var sameReference = op.Reference == NoOperation
            ? request.Reference is null
            : request.Reference is not null && TryFind(request.Reference, out var referenced) && referenced == op.Reference;
        return op.Key == request.Key
               && op.Kind == request.Kind
               && IsSameOwner(op, request)
               && sameReference
               && requested == request.Amount;
    }

    private string? Validate(PaymentRequest request, out int authorization, out int taking)
    {
        authorization = NoOperation;
        taking = NoOperation;
        if (string.IsNullOrEmpty(request.RentalId) || string.IsNullOrEmpty(request.RiderId) || !Enum.IsDefined(request.Kind))
        {
            return SimulatedPaymentReasons.InvalidRequest;
        }

        var amount = request.Amount;
        if (amount.Currency.IsDefault || amount.IsNegative)
        {
            return SimulatedPaymentReasons.InvalidAmount;
        }

        if (rentals.TryGetValue(request.RentalId, out var ledger) && ledger.Currency != amount.Currency)
        {
            return SimulatedPaymentReasons.CurrencyMismatch;
        }

        switch (request.Kind)
        {
            case PaymentOperationKind.Authorize:
            case PaymentOperationKind.Charge:
                if (request.Reference is not null)
                {
                    return SimulatedPaymentReasons.InvalidReference;
                }

                return amount.IsZero ? SimulatedPaymentReasons.InvalidAmount : null;

            case PaymentOperationKind.Capture:
            case PaymentOperationKind.Void:
                if (request.Reference is null)
                {
                    return SimulatedPaymentReasons.InvalidReference;
                }

                if (!TryFind(request.Reference, out var held))
                {
                    return SimulatedPaymentReasons.UnknownReference;
                }

                ref readonly var hold = ref OperationAt(held);
                if (hold.Kind != PaymentOperationKind.Authorize)
                {
                    return SimulatedPaymentReasons.InvalidReference;
                }

                authorization = held;
                if (!IsSameOwner(hold, request))
                {
                    return SimulatedPaymentReasons.ReferenceMismatch;
                }

                if (hold.Amount.Currency != amount.Currency)
                {
                    return SimulatedPaymentReasons.CurrencyMismatch;
                }

                if (request.Kind == PaymentOperationKind.Capture)
                {
                    return amount.IsZero ? SimulatedPaymentReasons.InvalidAmount : null;
                }

                return amount.IsZero || amount == hold.Amount ? null : SimulatedPaymentReasons.InvalidAmount;

            default: // Refund
                if (request.Reference is null)
                {
                    return SimulatedPaymentReasons.InvalidReference;
                }

                if (!TryFind(request.Reference, out var took))
                {
                    return SimulatedPaymentReasons.UnknownReference;
                }

                ref readonly var source = ref OperationAt(took);
                if (source.Kind is not (PaymentOperationKind.Capture or PaymentOperationKind.Charge))
                {
                    return SimulatedPaymentReasons.InvalidReference;
                }

                taking = took;
                if (!IsSameOwner(source, request))
                {
                    return SimulatedPaymentReasons.ReferenceMismatch;
                }

                if (source.Amount.Currency != amount.Currency)
                {
                    return SimulatedPaymentReasons.CurrencyMismatch;
                }

                return amount.IsZero ? SimulatedPaymentReasons.InvalidAmount : null;
        }
    }

    private string? Decide(PaymentRequest request, Instant now, int authorization, int taking)
    {
        switch (request.Kind)
        {
            case PaymentOperationKind.Authorize:
            case PaymentOperationKind.Charge:
                if (options.DeclinedRiders.Contains(request.RiderId))
                {
                    return SimulatedPaymentReasons.CardDeclined;
                }

                if (options.RiderFunds.TryGetValue(request.RiderId, out var funds)
                    && (funds.Currency != request.Amount.Currency || AvailableFunds(request.RiderId, funds, now) < request.Amount.MinorUnits))
                {
                    return SimulatedPaymentReasons.InsufficientFunds;
                }

                return null;

            case PaymentOperationKind.Capture:
                ref readonly var captured = ref OperationAt(authorization);
                if (captured.IsCaptured || captured.IsVoided)
                {
                    return SimulatedPaymentReasons.AuthorizationNotCapturable;
                }

                if (now >= ExpiresAt(captured))
                {
                    return SimulatedPaymentReasons.AuthorizationExpired;
                }

                return request.Amount > captured.Amount ? SimulatedPaymentReasons.CaptureExceedsAuthorized : null;

            case PaymentOperationKind.Void:
                ref readonly var voided = ref OperationAt(authorization);
                if (voided.IsCaptured || voided.IsVoided)
                {
                    return SimulatedPaymentReasons.AuthorizationNotVoidable;
                }

                return now >= ExpiresAt(voided) ? SimulatedPaymentReasons.AuthorizationExpired : null;

            default: // Refund
                ref readonly var source = ref OperationAt(taking);
                var refundable = source.Amount.MinorUnits - source.Settled;
                return request.Amount.MinorUnits > refundable ? SimulatedPaymentReasons.RefundExceedsCaptured : null;
        }
    }

    private long AvailableFunds(string riderId, Money funds, Instant now)
    {
        if (!riderAccounts.TryGetValue(riderId, out var account))
        {
            return funds.MinorUnits;
        }

        long held = 0;
        foreach (var authorization in account.Authorizations)
        {
            ref readonly var hold = ref OperationAt(authorization);
            if (IsHeldAt(hold, now))
            {
                held = checked(held + hold.Amount.MinorUnits);
            }
        }

        return checked(funds.MinorUnits - held - account.NetTaken);
    }

    /// <summary>Applies a valid, undeclined request: checks first, then writes, so that a failed check writes nothing.</summary>
    private int Apply(PaymentRequest request, Instant now, int authorization, int taking, Duration latency)
    {
        var index = operationCount;
        var amount = request.Kind == PaymentOperationKind.Void ? OperationAt(authorization).Amount : request.Amount;
        long refunded = 0;
        switch (request.Kind)
        {
            case PaymentOperationKind.Capture:
                ref readonly var hold = ref OperationAt(authorization);
                CheckInvariant(IsHeldAt(hold, now) && amount <= hold.Amount, "a capture takes at most a live hold");
                break;
            case PaymentOperationKind.Void:
                CheckInvariant(IsHeldAt(OperationAt(authorization), now), "a void releases a live hold");
                break;
            case PaymentOperationKind.Refund:
                ref readonly var source = ref OperationAt(taking);
                refunded = checked(source.Settled + amount.MinorUnits);
                CheckInvariant(refunded <= source.Amount.MinorUnits, "a refund returns at most what was taken");
                break;
            default:
                break;
        }

        // The operation first (the only step that allocates, so the only one that can fail), then what it does to the
        // ledger. The rental's and rider's ids are kept once per rental, however many operations and requests carry them.
        ref var ledger = ref CollectionsMarshal.GetValueRefOrNullRef(rentals, request.RentalId);
        var known = !Unsafe.IsNullRef(ref ledger);
        var rentalId = known ? ledger.RentalId : request.RentalId;
        var riderId = known && string.Equals(request.RiderId, ledger.RiderId, StringComparison.Ordinal) ? ledger.RiderId : request.RiderId;
        Append(new Operation(
            request.Key,
            request.Kind,
            rentalId,
            riderId,
            amount,
            now,
            authorization != NoOperation ? authorization : taking,
            request.Kind == PaymentOperationKind.Void && request.Amount.IsZero ? OperationState.RequestedZero : OperationState.None));
        if (known)
        {
            OperationAt(ledger.Last).NextOfRental = index;
            ledger.Last = index;
            ledger.Count++;
        }
        else
        {
            rentals.Add(rentalId, new RentalLedger(rentalId, riderId, amount.Currency, index));
        }

        if (latency != Duration.Zero)
        {
            latencies.Add(index, latency);
        }

        RiderAccount? account = null;
        if (options.RiderFunds.ContainsKey(request.RiderId) && !riderAccounts.TryGetValue(request.RiderId, out account))
        {
            account = new RiderAccount();
            riderAccounts.Add(request.RiderId, account);
        }

        switch (request.Kind)
        {
            case PaymentOperationKind.Authorize:
                account?.Authorizations.Add(index);
                break;
            case PaymentOperationKind.Capture:
                ref var captured = ref OperationAt(authorization);
                captured.State |= OperationState.Captured;
                captured.Settled = amount.MinorUnits;
                account?.Take(amount.MinorUnits);
                break;
            case PaymentOperationKind.Charge:
                account?.Take(amount.MinorUnits);
                break;
            case PaymentOperationKind.Void:
                OperationAt(authorization).State |= OperationState.Voided;
                break;
            default: // Refund
                OperationAt(taking).Settled = refunded;
                account?.Take(-amount.MinorUnits);
                break;
        }

        return index;
    }

    private void Append(in Operation operation)
    {
        var chunk = operationCount >> ChunkBits;
        if (chunk == chunks.Length)
        {
            Array.Resize(ref chunks, Math.Max(16, chunks.Length * 2));
        }

        var array = chunks[chunk] ??= new Operation[ChunkSize];
        array[operationCount & (ChunkSize - 1)] = operation;
        operationCount++;
    }

    private Instant ExpiresAt(in Operation authorization) => authorization.At.Plus(options.AuthorizationValidity);

    private bool IsHeldAt(in Operation authorization, Instant now)
        => !authorization.IsCaptured && !authorization.IsVoided && now < ExpiresAt(authorization);

    private AuthorizationState StateAt(in Operation authorization, Instant now)
        => authorization.IsCaptured ? AuthorizationState.Captured
            : authorization.IsVoided ? AuthorizationState.Voided
            : now >= ExpiresAt(authorization) ? AuthorizationState.Expired
            : AuthorizationState.Held;

    private static Money Captured(in Operation authorization)
        => Money.FromMinorUnits(authorization.IsCaptured ? authorization.Settled : 0, authorization.Amount.Currency);

    private static Money Released(in Operation authorization)
        => authorization.IsCaptured ? authorization.Amount.Minus(Captured(authorization))
            : authorization.IsVoided ? authorization.Amount
            : Money.Zero(authorization.Amount.Currency);

    private SimulatedAuthorization Snapshot(int index, Instant now)
    {
        ref readonly var hold = ref OperationAt(index);
        return new(IdOf(index), hold.RentalId, hold.RiderId, hold.Amount, hold.At, ExpiresAt(hold), Captured(hold), Released(hold), StateAt(hold, now));
    }

    private RentalLedgerTotals Totals(in RentalLedger ledger, Instant now)
    {
        var zero = Money.Zero(ledger.Currency);
        Money authorized = zero, captured = zero, charged = zero, refunded = zero, voided = zero, released = zero, expired = zero, held = zero;
        for (var index = ledger.First; index != NoOperation; index = OperationAt(index).NextOfRental)
        {
            ref readonly var op = ref OperationAt(index);
            switch (op.Kind)
            {
                case PaymentOperationKind.Authorize:
                    authorized = authorized.Plus(op.Amount);
                    released = released.Plus(Released(op));
                    switch (StateAt(op, now))
                    {
                        case AuthorizationState.Expired:
                            expired = expired.Plus(op.Amount);
                            break;
                        case AuthorizationState.Held:
                            held = held.Plus(op.Amount);
                            break;
                        default:
                            break;
                    }

                    break;
                case PaymentOperationKind.Capture:
                    captured = captured.Plus(op.Amount);
                    break;
                case PaymentOperationKind.Charge:
                    charged = charged.Plus(op.Amount);
                    break;
                case PaymentOperationKind.Void:
                    voided = voided.Plus(op.Amount);
                    break;
                default:
                    refunded = refunded.Plus(op.Amount);
                    break;
            }
        }

        return new RentalLedgerTotals(ledger.RentalId, ledger.Currency, authorized, captured, charged, refunded, voided, released, expired, held, ledger.Count);
    }

    private void RecordCall(Instant now, PaymentRequest request, PaymentFaultKind? fault, PaymentCallOutcome outcome, string? reason, bool applied, Duration latency)
    {
        callSequence++;
        if (options.MaxRecordedCalls == 0)
        {
            return;
        }

        if (calls.Count == options.MaxRecordedCalls)
        {
            calls.Dequeue();
        }

        calls.Enqueue(new PaymentCall(callSequence, now, request.Key, request.Kind, request.RentalId, fault, outcome, reason, applied, latency));
    }

    private HttpRequestException Unavailable()
        => new($"Simulated payment gateway '{Name}' is unavailable.");

    private ValueTask<PaymentResult> TimedOut(PaymentRequest request, bool applied)
    {
        if (options.ReportTimeoutsAsUnknown)
        {
            return ValueTask.FromResult(PaymentResult.Unknown(SimulatedPaymentReasons.Timeout));
        }

        return ValueTask.FromException<PaymentResult>(new TimeoutException(applied
            ? $"Simulated payment gateway '{Name}': {request.Kind} '{request.Key}' was applied but its response was lost."
            : $"Simulated payment gateway '{Name}': {request.Kind} '{request.Key}' timed out."));
    }

    /// <summary>
    /// One applied operation, kept once and small (a drill's gateway holds millions): no object of its own, no id text
    /// (derived from its kind and index), the operation it references by index, and what became of it since: an
    /// authorization's capture or void, a capture's or charge's refunds. <see cref="AppliedPaymentOperation"/> is made
    /// from it when read.
    /// </summary>
    private struct Operation(IdempotencyKey key, PaymentOperationKind kind, string rentalId, string riderId, Money amount, Instant at, int reference, OperationState state)
    {
        public readonly IdempotencyKey Key = key;
        public readonly string RentalId = rentalId;
        public readonly string RiderId = riderId;
        public readonly Money Amount = amount;
        public readonly Instant At = at;

        /// <summary>The operation it acted on (a capture's or void's authorization, a refund's capture or charge), or <see cref="NoOperation"/>.</summary>
        public readonly int Reference = reference;

        public readonly PaymentOperationKind Kind = kind;

        /// <summary>The next operation of the same rental, or <see cref="NoOperation"/>.</summary>
        public int NextOfRental = NoOperation;

        /// <summary>An authorization: the minor units captured. A capture or charge: the minor units refunded against it.</summary>
        public long Settled;

        public OperationState State = state;

        public readonly bool IsCaptured => State.HasFlag(OperationState.Captured);

        public readonly bool IsVoided => State.HasFlag(OperationState.Voided);
    }

    [Flags]
    private enum OperationState : byte
    {
        None = 0,
        Captured = 1,
        Voided = 2,

        /// <summary>A void whose request asked for zero (the operation carries the hold's amount).</summary>
        RequestedZero = 4,
    }

    /// <summary>One rental's place in the ledger: its first and last operation (each links to the next), and the ids kept once.</summary>
    private struct RentalLedger(string rentalId, string riderId, CurrencyCode currency, int first)
    {
        public readonly string RentalId = rentalId;
        public readonly string RiderId = riderId;
        public readonly CurrencyCode Currency = currency;
        public readonly int First = first;
        public int Last = first;
        public int Count = 1;
    }

    private sealed class ScriptedFault(PaymentFault fault)
    {
        public PaymentFault Fault { get; } = fault;

        public int Remaining { get; set; } = fault.Times;
    }

    private sealed class RiderAccount
    {
        /// <summary>The indices of the rider's authorizations.</summary>
        public List<int> Authorizations { get; } = [];

        /// <summary>Captured + charged - refunded, in minor units of the rider's funds currency.</summary>
        public long NetTaken { get; private set; }

        public void Take(long minorUnits) => NetTaken = checked(NetTaken + minorUnits);
    }

    /// <summary>
    /// The ledger's first <see cref="Count"/> operations, each made when read. Read-only; an <see cref="IList{T}"/> too,
    /// so that LINQ's <c>Count()</c>, <c>Last()</c>, <c>ElementAt</c>, <c>Skip</c> and <c>ToArray</c> go by position
    /// instead of walking the ledger.
    /// </summary>
    private sealed class OperationList(SimulatedPaymentGateway gateway, int count) : IReadOnlyList<AppliedPaymentOperation>, IList<AppliedPaymentOperation>
    {
        public int Count => count;

        public bool IsReadOnly => true;

        public AppliedPaymentOperation this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                lock (gateway.gate)
                {
                    return gateway.Materialize(index);
                }
            }

            set => throw ReadOnly();
        }

        public IEnumerator<AppliedPaymentOperation> GetEnumerator()
        {
            for (var index = 0; index < count; index++)
            {
                yield return this[index];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public int IndexOf(AppliedPaymentOperation item)
        {
            // Sequence is position + 1: one look, not a walk.
            var index = item is null ? -1 : item.Sequence - 1;
            return index >= 0 && index < count && this[(int)index].Equals(item) ? (int)index : -1;
        }

        public bool Contains(AppliedPaymentOperation item) => IndexOf(item) >= 0;

        public void CopyTo(AppliedPaymentOperation[] array, int arrayIndex)
        {
            ArgumentNullException.ThrowIfNull(array);
            ArgumentOutOfRangeException.ThrowIfNegative(arrayIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, array.Length - arrayIndex, nameof(array));
            lock (gateway.gate)
            {
                for (var index = 0; index < count; index++)
                {
                    array[arrayIndex + index] = gateway.Materialize(index);
                }
            }
        }

        public void Add(AppliedPaymentOperation item) => throw ReadOnly();

        public void Clear() => throw ReadOnly();

        public void Insert(int index, AppliedPaymentOperation item) => throw ReadOnly();

        public bool Remove(AppliedPaymentOperation item) => throw ReadOnly();

        public void RemoveAt(int index) => throw ReadOnly();

        private static NotSupportedException ReadOnly() => new("The simulated payment gateway's ledger is read-only.");
    }
}
