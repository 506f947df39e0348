using System.Globalization;
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
    private static readonly int OperationKindCount = Enum.GetValues<PaymentOperationKind>().Length;

    private readonly object gate = new();
    private readonly IClock clock;
    private readonly SimulatedPaymentGatewayOptions options;
    private readonly Random? random;
    private readonly Dictionary<IdempotencyKey, StoredResult> keys = [];
    private readonly List<AppliedPaymentOperation> operations = [];
    private readonly Dictionary<string, AppliedPaymentOperation> operationsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Authorization> authorizations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Taking> takings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RentalLedger> rentals = new(StringComparer.Ordinal);
    private readonly List<RentalLedger> rentalOrder = [];
    private readonly Dictionary<string, RiderAccount> riderAccounts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string RentalId, PaymentOperationKind Operation), Queue<ScriptedFault>> scriptedFaults = [];
    private readonly long[] callCounts = new long[OperationKindCount];
    private readonly Queue<PaymentCall> calls = new();
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

            return ValueTask.FromResult(keys.TryGetValue(key, out var stored) ? stored.Result : null);
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

    /// <summary>Returns every operation the gateway applied, in the order applied.</summary>
    public IReadOnlyList<AppliedPaymentOperation> GetOperations()
    {
        lock (gate)
        {
            return operations.ToArray();
        }
    }

    /// <summary>Returns the operations applied for one rental, in the order applied; empty for a rental never seen.</summary>
    public IReadOnlyList<AppliedPaymentOperation> GetOperations(string rentalId)
    {
        ArgumentNullException.ThrowIfNull(rentalId);
        lock (gate)
        {
            return rentals.TryGetValue(rentalId, out var ledger) ? ledger.Operations.ToArray() : [];
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
            return ledger.Authorizations.Select(a => a.Snapshot(now)).ToArray();
        }
    }

    /// <summary>Returns the authorization with the given id as it stands at the clock's now, or null when there is none.</summary>
    public SimulatedAuthorization? GetAuthorization(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        lock (gate)
        {
            return authorizations.TryGetValue(reference, out var authorization) ? authorization.Snapshot(clock.GetCurrentInstant()) : null;
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

            return ledger.Totals(clock.GetCurrentInstant());
        }
    }

    /// <summary>Returns the totals of every rental the gateway applied an operation for, in the order first seen.</summary>
    public IReadOnlyList<RentalLedgerTotals> GetTotals()
    {
        lock (gate)
        {
            var now = clock.GetCurrentInstant();
            return rentalOrder.Select(r => r.Totals(now)).ToArray();
        }
    }

    /// <summary>
    /// Checks the ledger invariants of every rental and returns the violations (empty when the ledger is sound): captured
    /// at most authorized and at most one capture per authorization, refunded at most what was captured or charged (per
    /// capture or charge and per rental), every key applied at most once (also across rentals), no negative amount, one
    /// currency per rental. They are recomputed from <see cref="GetOperations()"/> alone.
    /// </summary>
    public IReadOnlyList<LedgerViolation> CheckInvariants()
    {
        lock (gate)
        {
            return LedgerChecker.Check(operations);
        }
    }

    /// <summary>
    /// Checks the ledger invariants of one rental (see <see cref="CheckInvariants()"/>); a key applied for this and another
    /// rental is found only by <see cref="CheckInvariants()"/>.
    /// </summary>
    public IReadOnlyList<LedgerViolation> CheckInvariants(string rentalId)
    {
        ArgumentNullException.ThrowIfNull(rentalId);
        lock (gate)
        {
            return rentals.TryGetValue(rentalId, out var ledger) ? LedgerChecker.Check(ledger.Operations) : [];
        }
    }

    /// <summary>
    /// Checks that the rental's captured + charged - refunded equals <paramref name="expectedCharge"/>, as for a settled
    /// rental; returns the violation, or nothing. A rental with no applied operation matches a zero charge in any currency.
    /// </summary>
    public IReadOnlyList<LedgerViolation> CheckCharge(string rentalId, Money expectedCharge)
    {
        ArgumentNullException.ThrowIfNull(rentalId);
        lock (gate)
        {
            var ledgerOperations = rentals.TryGetValue(rentalId, out var ledger) ? ledger.Operations : [];
            return LedgerChecker.CheckCharge(rentalId, ledgerOperations, expectedCharge) is { } violation ? [violation] : [];
        }
    }

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
            return stored.IsFor(request)
                ? (stored.Result, false)
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
            keys.Add(request.Key, StoredResult.Declined(request, declined));
            return (declined, false);
        }

        var op = Apply(request, now, authorization, taking, latency);
        var applied = StoredResult.Applied(op, request.Amount);
        keys.Add(request.Key, applied);
        return (applied.Result, true);
    }

    private string? Validate(PaymentRequest request, out Authorization? authorization, out Taking? taking)
    {
        authorization = null;
        taking = null;
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

                if (!authorizations.TryGetValue(request.Reference, out authorization))
                {
                    return operationsById.ContainsKey(request.Reference) ? SimulatedPaymentReasons.InvalidReference : SimulatedPaymentReasons.UnknownReference;
                }

                if (!IsSameOwner(authorization.Operation, request))
                {
                    return SimulatedPaymentReasons.ReferenceMismatch;
                }

                if (authorization.Amount.Currency != amount.Currency)
                {
                    return SimulatedPaymentReasons.CurrencyMismatch;
                }

                if (request.Kind == PaymentOperationKind.Capture)
                {
                    return amount.IsZero ? SimulatedPaymentReasons.InvalidAmount : null;
                }

                return amount.IsZero || amount == authorization.Amount ? null : SimulatedPaymentReasons.InvalidAmount;

            default: // Refund
                if (request.Reference is null)
                {
                    return SimulatedPaymentReasons.InvalidReference;
                }

                if (!takings.TryGetValue(request.Reference, out taking))
                {
                    return operationsById.ContainsKey(request.Reference) ? SimulatedPaymentReasons.InvalidReference : SimulatedPaymentReasons.UnknownReference;
                }

                if (!IsSameOwner(taking.Operation, request))
                {
                    return SimulatedPaymentReasons.ReferenceMismatch;
                }

                if (taking.Operation.Amount.Currency != amount.Currency)
                {
                    return SimulatedPaymentReasons.CurrencyMismatch;
                }

                return amount.IsZero ? SimulatedPaymentReasons.InvalidAmount : null;
        }
    }

    private static bool IsSameOwner(AppliedPaymentOperation referenced, PaymentRequest request)
        => string.Equals(referenced.RentalId, request.RentalId, StringComparison.Ordinal)
           && string.Equals(referenced.RiderId, request.RiderId, StringComparison.Ordinal);

    private string? Decide(PaymentRequest request, Instant now, Authorization? authorization, Taking? taking)
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
                if (authorization!.IsCaptured || authorization.IsVoided)
                {
                    return SimulatedPaymentReasons.AuthorizationNotCapturable;
                }

                if (authorization.IsExpiredAt(now))
                {
                    return SimulatedPaymentReasons.AuthorizationExpired;
                }

                return request.Amount > authorization.Amount ? SimulatedPaymentReasons.CaptureExceedsAuthorized : null;

            case PaymentOperationKind.Void:
                if (authorization!.IsCaptured || authorization.IsVoided)
                {
                    return SimulatedPaymentReasons.AuthorizationNotVoidable;
                }

                return authorization.IsExpiredAt(now) ? SimulatedPaymentReasons.AuthorizationExpired : null;

            default: // Refund
                var refundable = taking!.Operation.Amount.Minus(taking.Refunded);
                return request.Amount > refundable ? SimulatedPaymentReasons.RefundExceedsCaptured : null;
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
            if (authorization.IsHeldAt(now))
            {
                held = checked(held + authorization.Amount.MinorUnits);
            }
        }

        return checked(funds.MinorUnits - held - account.NetTaken);
    }

    private AppliedPaymentOperation Apply(PaymentRequest request, Instant now, Authorization? authorization, Taking? taking, Duration latency)
    {
        var sequence = operations.Count + 1L;
        var prefix = request.Kind switch
        {
            PaymentOperationKind.Authorize => "auth",
            PaymentOperationKind.Capture => "cap",
            PaymentOperationKind.Charge => "ch",
            PaymentOperationKind.Void => "void",
            _ => "re",
        };
        var id = string.Create(CultureInfo.InvariantCulture, $"{prefix}_{sequence}");
        var amount = request.Kind == PaymentOperationKind.Void ? authorization!.Amount : request.Amount;
        var op = new AppliedPaymentOperation(sequence, id, request.Key, request.Kind, request.RentalId, request.RiderId, amount, request.Reference, now, latency);

        if (!rentals.TryGetValue(request.RentalId, out var ledger))
        {
            ledger = new RentalLedger(request.RentalId, amount.Currency);
            rentals.Add(request.RentalId, ledger);
            rentalOrder.Add(ledger);
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
                var placed = new Authorization(op, now.Plus(options.AuthorizationValidity));
                authorizations.Add(id, placed);
                ledger.Authorizations.Add(placed);
                account?.Authorizations.Add(placed);
                break;
            case PaymentOperationKind.Capture:
                CheckInvariant(authorization!.IsHeldAt(now) && amount <= authorization.Amount, "a capture takes at most a live hold");
                authorization.Capture(amount);
                takings.Add(id, new Taking(op));
                if (account is not null)
                {
                    account.NetTaken = checked(account.NetTaken + amount.MinorUnits);
                }

                break;
            case PaymentOperationKind.Charge:
                takings.Add(id, new Taking(op));
                if (account is not null)
                {
                    account.NetTaken = checked(account.NetTaken + amount.MinorUnits);
                }

                break;
            case PaymentOperationKind.Void:
                CheckInvariant(authorization!.IsHeldAt(now), "a void releases a live hold");
                authorization.Void();
                break;
            default: // Refund
                var refunded = taking!.Refunded.Plus(amount);
                CheckInvariant(refunded <= taking.Operation.Amount, "a refund returns at most what was taken");
                taking.Refunded = refunded;
                if (account is not null)
                {
                    account.NetTaken = checked(account.NetTaken - amount.MinorUnits);
                }

                break;
        }

        operations.Add(op);
        operationsById.Add(id, op);
        ledger.Operations.Add(op);
        return op;
    }

    private static void CheckInvariant(bool condition, string invariant)
    {
        if (!condition)
        {
            throw new InvariantViolationException($"Simulated payment gateway bug: {invariant}.");
        }
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

    private static PaymentCallOutcome ToCallOutcome(PaymentOutcome outcome) => outcome switch
    {
        PaymentOutcome.Succeeded => PaymentCallOutcome.Succeeded,
        PaymentOutcome.Declined => PaymentCallOutcome.Declined,
        _ => PaymentCallOutcome.Failed,
    };

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
    /// What a key stored, kept small (a drill's gateway holds millions of keys): an applied operation is its own record
    /// of the request (key, kind, rental, rider, reference) and of the result, plus the amount the request asked for (a
    /// void's operation carries the hold's amount instead); a decline keeps its request and result.
    /// </summary>
    private readonly struct StoredResult
    {
        private readonly AppliedPaymentOperation? applied;
        private readonly Money requestedAmount;
        private readonly PaymentRequest? declinedRequest;
        private readonly PaymentResult? declined;

        private StoredResult(AppliedPaymentOperation? applied, Money requestedAmount, PaymentRequest? declinedRequest, PaymentResult? declined)
        {
            this.applied = applied;
            this.requestedAmount = requestedAmount;
            this.declinedRequest = declinedRequest;
            this.declined = declined;
        }

        /// <summary>The result the key answers with: the operation's success, or the decline.</summary>
        public PaymentResult Result => applied is { } op ? PaymentResult.Success(op.Id, op.Amount) : declined!;

        public static StoredResult Applied(AppliedPaymentOperation op, Money requestedAmount) => new(op, requestedAmount, null, null);

        public static StoredResult Declined(PaymentRequest request, PaymentResult result) => new(null, default, request, result);

        /// <summary>Whether <paramref name="request"/> is the request this key stored (every field equal), so that it is a replay.</summary>
        public bool IsFor(PaymentRequest request)
            => applied is { } op
                ? op.Key == request.Key
                  && op.Kind == request.Kind
                  && string.Equals(op.RentalId, request.RentalId, StringComparison.Ordinal)
                  && string.Equals(op.RiderId, request.RiderId, StringComparison.Ordinal)
                  && string.Equals(op.Reference, request.Reference, StringComparison.Ordinal)
                  && requestedAmount == request.Amount
                : declinedRequest == request;
    }

    private sealed class ScriptedFault(PaymentFault fault)
    {
        public PaymentFault Fault { get; } = fault;

        public int Remaining { get; set; } = fault.Times;
    }

    private sealed class Authorization(AppliedPaymentOperation operation, Instant expiresAt)
    {
        public AppliedPaymentOperation Operation { get; } = operation;

        public Money Amount => Operation.Amount;

        public Instant ExpiresAt { get; } = expiresAt;

        public Money Captured { get; private set; } = Money.Zero(operation.Amount.Currency);

        public Money Released { get; private set; } = Money.Zero(operation.Amount.Currency);

        public bool IsCaptured { get; private set; }

        public bool IsVoided { get; private set; }

        public bool IsExpiredAt(Instant now) => now >= ExpiresAt;

        public bool IsHeldAt(Instant now) => !IsCaptured && !IsVoided && !IsExpiredAt(now);

        public void Capture(Money amount)
        {
            Captured = amount;
            Released = Amount.Minus(amount);
            IsCaptured = true;
        }

        public void Void()
        {
            Released = Amount;
            IsVoided = true;
        }

        public AuthorizationState StateAt(Instant now)
            => IsCaptured ? AuthorizationState.Captured
                : IsVoided ? AuthorizationState.Voided
                : IsExpiredAt(now) ? AuthorizationState.Expired
                : AuthorizationState.Held;

        public SimulatedAuthorization Snapshot(Instant now)
            => new(Operation.Id, Operation.RentalId, Operation.RiderId, Amount, Operation.At, ExpiresAt, Captured, Released, StateAt(now));
    }

    private sealed class Taking(AppliedPaymentOperation operation)
    {
        public AppliedPaymentOperation Operation { get; } = operation;

        public Money Refunded { get; set; } = Money.Zero(operation.Amount.Currency);
    }

    private sealed class RiderAccount
    {
        public List<Authorization> Authorizations { get; } = [];

        /// <summary>Captured + charged - refunded, in minor units of the rider's funds currency.</summary>
        public long NetTaken { get; set; }
    }

    private sealed class RentalLedger(string rentalId, CurrencyCode currency)
    {
        public string RentalId { get; } = rentalId;

        public CurrencyCode Currency { get; } = currency;

        public List<AppliedPaymentOperation> Operations { get; } = [];

        public List<Authorization> Authorizations { get; } = [];

        public RentalLedgerTotals Totals(Instant now)
        {
            var zero = Money.Zero(Currency);
            Money authorized = zero, captured = zero, charged = zero, refunded = zero, voided = zero, released = zero, expired = zero, held = zero;
            foreach (var op in Operations)
            {
                switch (op.Kind)
                {
                    case PaymentOperationKind.Authorize:
                        authorized = authorized.Plus(op.Amount);
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

            foreach (var authorization in Authorizations)
            {
                released = released.Plus(authorization.Released);
                switch (authorization.StateAt(now))
                {
                    case AuthorizationState.Expired:
                        expired = expired.Plus(authorization.Amount);
                        break;
                    case AuthorizationState.Held:
                        held = held.Plus(authorization.Amount);
                        break;
                    default:
                        break;
                }
            }

            return new RentalLedgerTotals(RentalId, Currency, authorized, captured, charged, refunded, voided, released, expired, held, Operations.Count);
        }
    }
}
