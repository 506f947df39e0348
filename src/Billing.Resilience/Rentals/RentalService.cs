using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>Why a start was refused.</summary>
public enum StartRefusal
{
    /// <summary>Not refused: the rental started.</summary>
    None = 0,

    /// <summary>The payment backend is down: no hold can be placed.</summary>
    PaymentUnavailable = 1,

    /// <summary>The identity backend is down: the rider cannot be authenticated.</summary>
    IdentityUnavailable = 2,

    /// <summary>The identity provider denied the rider.</summary>
    RiderNotAuthenticated = 3,

    /// <summary>The payment provider declined the hold.</summary>
    HoldDeclined = 4,

    /// <summary>The plan is not configured.</summary>
    UnknownPlan = 5,

    /// <summary>A rental with this id exists already with other details.</summary>
    DuplicateRental = 6,

    /// <summary>The command is invalid; see the errors.</summary>
    InvalidCommand = 7,
}

/// <summary>The answer to <see cref="RentalService.StartAsync"/>.</summary>
/// <param name="Refusal">Why it was refused, or <see cref="StartRefusal.None"/>.</param>
/// <param name="StartedAt">When the rental started, when it did.</param>
/// <param name="RentalToken">The token the rider's app keeps to end the rental without login, when it started.</param>
/// <param name="Errors">For an invalid command, every problem found.</param>
public sealed record StartRentalResult(StartRefusal Refusal, Instant? StartedAt, string? RentalToken, IReadOnlyList<ValidationError> Errors)
{
    /// <summary>Gets a value indicating whether the rental started.</summary>
    public bool Started => Refusal == StartRefusal.None;
}

/// <summary>The answer to <see cref="RentalService.ReportEndAsync"/>: the signal was journaled (or was a duplicate) and what the rental's end is now.</summary>
/// <param name="Accepted">Whether the signal is durably recorded (true for a duplicate too).</param>
/// <param name="Duplicate">Whether the same signal (source and time) had been received before.</param>
/// <param name="End">The rental's end after this signal, or null while no valid signal is known.</param>
/// <param name="Rejection">Why this signal does not count, as things stand (it is kept, and judged again when telemetry arrives).</param>
/// <param name="Errors">For an invalid command or an unknown rental, the problems found; nothing was written.</param>
public sealed record EndSignalReceipt(bool Accepted, bool Duplicate, Instant? End, SignalRejectionReason? Rejection, IReadOnlyList<ValidationError> Errors);

/// <summary>
/// Starts rentals, takes end signals and telemetry, and quotes what riders owe. Ending a rental never needs a remote
/// system: the signal is journaled and acknowledged locally, and settlement waits for the payment backend.
/// </summary>
public sealed partial class RentalService
{
    private static readonly StartRentalValidator StartValidator = new();
    private static readonly ReportEndSignalValidator EndValidator = new();
    private static readonly RecordDistanceValidator DistanceValidator = new();
    private readonly BillingCore core;
    private readonly ILogger logger;

    internal RentalService(BillingCore core)
    {
        this.core = core;
        logger = core.LoggerFactory.CreateLogger<RentalService>();
    }

    /// <summary>
    /// Starts a rental now: checks that the payment and identity backends are up, authenticates the rider, places the
    /// hold (when configured), journals the start and issues the rental token.
    /// </summary>
    public async Task<StartRentalResult> StartAsync(StartRental command, CancellationToken cancellationToken = default)
    {
        using var activity = Telemetry.BillingTelemetry.ActivitySource.StartActivity("billing.rental.start");
        try
        {
            var attempt = new StartAttempt();
            var result = await StartCoreAsync(command, attempt, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("billing.refusal", result.Refusal.ToString());
            // A retried start of a rental already started or refused gets the same answer again, counted the first time only.
            if (!attempt.AnsweredBefore && result.Started)
            {
                core.Metrics.RentalStarted();
            }
            else if (!attempt.AnsweredBefore && result.Refusal != StartRefusal.DuplicateRental)
            {
                core.Metrics.StartRefused(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(result.Refusal.ToString()));
            }

            return result;
        }
        catch (ConcurrencyConflictException)
        {
            // Two starts of the same rental raced; the first won.
            return Refused(StartRefusal.DuplicateRental, [new ValidationError("rentalId", "BILLING_RENTAL_DUPLICATE", $"Rental '{command.RentalId}' was started concurrently.")]);
        }
    }

    /// <summary>Starts or refuses; sets <see cref="StartAttempt.AnsweredBefore"/> when an earlier start decided the rental (started or refused).</summary>
    private async Task<StartRentalResult> StartCoreAsync(StartRental command, StartAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var errors = Validate(StartValidator, command);
        if (errors.Count > 0)
        {
            return Refused(StartRefusal.InvalidCommand, errors);
        }

        if (!core.Plans.TryGetValue(command.PlanId, out var plan))
        {
            return Refused(StartRefusal.UnknownPlan, [new ValidationError("planId", "BILLING_PLAN_UNKNOWN", $"Plan '{command.PlanId}' is not configured.")]);
        }

        var rentalId = RentalId.From(command.RentalId);
        var riderId = RiderId.From(command.RiderId);
        var existing = await core.Rentals.LoadAsync(rentalId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            // A retried start of the same rental is answered as before (and a start that a crash interrupted is
            // finished); another rental with the same id is refused.
            if (existing.RiderId == riderId && existing.PlanId == plan.PlanId)
            {
                attempt.AnsweredBefore = existing.IsStarted || existing.RefusalReason is not null;
                return await ResumeStartAsync(existing, cancellationToken).ConfigureAwait(false);
            }

            return Refused(StartRefusal.DuplicateRental, [new ValidationError("rentalId", "BILLING_RENTAL_DUPLICATE", $"Rental '{rentalId}' exists already.")]);
        }

        // SCENARIOS.md 3.1: no start while a dependency is down (payment first). An outage a circuit breaker reported
        // is left to the breaker: it refuses while open and lets one trial through when half-open, which ends the outage.
        if (core.Health.RefusesCalls(Dependency.Payment) || (core.Health.IsDown(Dependency.Payment) && core.PaymentOptions.HoldAmount is null))
        {
            return Refused(StartRefusal.PaymentUnavailable);
        }

        if (core.Health.RefusesCalls(Dependency.Identity))
        {
            return Refused(IdentityRefusal());
        }

        IdentityVerdict verdict;
        try
        {
            verdict = await core.Identity.AuthenticateAsync(riderId, command.Credential, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogIdentityUnreachable(logger, ex.GetType().Name);
            return Refused(IdentityRefusal());
        }

        if (verdict != IdentityVerdict.Authenticated)
        {
            return Refused(StartRefusal.RiderNotAuthenticated);
        }

        var now = core.Clock.GetCurrentInstant();
        var stream = RentalState.Empty(RentalState.StreamIdFor(rentalId));
        if (core.PaymentOptions.HoldAmount is not { } holdMajor)
        {
            await AppendNewAsync(stream, new RentalStarted(rentalId.Value, riderId.Value, plan.PlanId, plan.Currency.Code, now, null), cancellationToken).ConfigureAwait(false);
            return new StartRentalResult(StartRefusal.None, now, core.Tokens.Issue(rentalId, riderId), []);
        }

        // Outbox: the request and the intent to authorize (its idempotency key) are durable, in one append, before the
        // gateway hears of them.
        var hold = Money.FromMajor(holdMajor, plan.Currency, MidpointRounding.ToEven);
        var request = new RentalRequested(rentalId.Value, riderId.Value, plan.PlanId, plan.Currency.Code, now, hold.MinorUnits);
        // Gateways in priority order: a hold that was certainly not placed (Failed) is tried at the next one.
        using var gateways = core.Gateways.ForNewMoneyInOrder().GetEnumerator();
        Preconditions.CheckInvariant(gateways.MoveNext(), "No payment gateway is configured (the engine builder requires one).");
        var gateway = gateways.Current;
        var intent = core.Payments.Intent(stream.With([request]), PaymentOperationKind.Authorize, hold, gateway, null);
        var state = await core.Rentals.AppendAsync(stream, [request, intent], cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var completed = await core.Payments.SendAsync(state, intent, gateway, cancellationToken).ConfigureAwait(false);
            if (completed.Outcome != PaymentOutcome.Failed || !gateways.MoveNext())
            {
                // The outcome and the start (or refusal) it decides, in one append.
                return await FinishStartAsync(state, completed, cancellationToken).ConfigureAwait(false);
            }

            // The failure and the intent at the next gateway, in one append, before that gateway hears of it.
            gateway = gateways.Current;
            intent = core.Payments.Intent(state.With([completed]), PaymentOperationKind.Authorize, hold, gateway, null);
            state = await core.Rentals.AppendAsync(state, [completed, intent], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Answers a retried start: as before when it started or was refused; when the first attempt stopped between
    /// asking for the hold and recording the outcome (a crash, a lost acknowledgement), it resolves the hold with the
    /// same idempotency key and finishes the start at its original time.
    /// </summary>
    private async Task<StartRentalResult> ResumeStartAsync(RentalState state, CancellationToken cancellationToken)
    {
        if (state.IsStarted)
        {
            return new StartRentalResult(StartRefusal.None, state.StartedAt, core.Tokens.Issue(state.RentalId, state.RiderId), []);
        }

        if (state.RefusalReason is { } reason)
        {
            return Refused(reason == "holdDeclined" ? StartRefusal.HoldDeclined : StartRefusal.PaymentUnavailable);
        }

        var authorize = state.Payments.LastOrDefault(p => p.Kind == PaymentOperationKind.Authorize);
        if (authorize is null)
        {
            // The request was journaled but the hold never asked for: ask now, under the first key.
            state = await core.Payments.ExecuteAsync(state, PaymentOperationKind.Authorize, state.HoldAmount!.Value, core.Gateways.ForNewMoney(), null, cancellationToken).ConfigureAwait(false);
        }
        else if (authorize.IsUnresolved)
        {
            state = await core.Payments.ResolveAsync(state, authorize, cancellationToken).ConfigureAwait(false);
        }

        return await FinishStartAsync(state, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Journals the start or the refusal the hold's outcome decides, after <paramref name="completed"/> (the outcome, when not journaled yet) in the same append.</summary>
    private async Task<StartRentalResult> FinishStartAsync(RentalState state, PaymentCompleted? completed, CancellationToken cancellationToken)
    {
        var decided = completed is null ? state : state.With([completed]);
        var step = decided.Payments.Last(p => p.Kind == PaymentOperationKind.Authorize);
        object[] Append(object finish) => completed is null ? [finish] : [completed, finish];
        if (step.Succeeded)
        {
            await core.Rentals.AppendAsync(state, Append(new RentalStarted(state.RentalId.Value, state.RiderId.Value, state.PlanId, state.Currency.Code, state.StartedAt, state.HoldAmount?.MinorUnits)), cancellationToken).ConfigureAwait(false);
            core.Holds.Track(state.RentalId, (step.CompletedAt ?? state.StartedAt) + core.PaymentOptions.HoldValidity);
            return new StartRentalResult(StartRefusal.None, state.StartedAt, core.Tokens.Issue(state.RentalId, state.RiderId), []);
        }

        var refusal = step.Outcome == PaymentOutcome.Declined ? StartRefusal.HoldDeclined : StartRefusal.PaymentUnavailable;
        await core.Rentals.AppendAsync(state, Append(new RentalRefused(refusal == StartRefusal.HoldDeclined ? "holdDeclined" : "paymentUnavailable", core.Clock.GetCurrentInstant())), cancellationToken).ConfigureAwait(false);
        if (step.IsUnresolved)
        {
            // The hold may have been placed: the reconciler finds out and voids it.
            core.Queue.MarkDue(state.RentalId, core.Clock.GetCurrentInstant());
        }

        return Refused(refusal);
    }

    /// <summary>
    /// Records an end signal. Needs no remote system: it is journaled and acknowledged locally, whatever is down.
    /// Late, out-of-order and repeated signals are fine; the earliest valid one decides the end.
    /// </summary>
    public async Task<EndSignalReceipt> ReportEndAsync(ReportEndSignal command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var errors = Validate(EndValidator, command);
        if (errors.Count > 0)
        {
            return new EndSignalReceipt(false, false, null, null, errors);
        }

        using var activity = Telemetry.BillingTelemetry.ActivitySource.StartActivity("billing.rental.end_signal");
        activity?.SetTag("billing.source", command.Source.ToString());
        var rentalId = RentalId.From(command.RentalId);
        for (var attempt = 0; ; attempt++)
        {
            var state = await core.Rentals.LoadAsync(rentalId, cancellationToken).ConfigureAwait(false);
            if (state is null || !state.IsStarted)
            {
                return new EndSignalReceipt(false, false, null, null, [new ValidationError("rentalId", "BILLING_RENTAL_UNKNOWN", $"Rental '{rentalId}' was not started.")]);
            }

            if (command.Source == EndSignalSource.Rider)
            {
                var problem = core.Tokens.Verify(command.RentalToken, rentalId, state.RiderId);
                if (problem != RentalTokenProblem.None)
                {
                    return new EndSignalReceipt(false, false, null, null, [new ValidationError("rentalToken", "BILLING_RENTAL_TOKEN_" + problem.ToString().ToUpperInvariant(), $"The rental token was not accepted: {problem}.")]);
                }
            }

            if (state.HasSignal(command.Source, command.At))
            {
                return Receipt(state, command, duplicate: true);
            }

            if (state.Signals.Count >= core.Metering.MaxEndSignalsPerRental)
            {
                return new EndSignalReceipt(false, false, null, null, [new ValidationError("rentalId", "BILLING_END_SIGNALS_LIMIT", $"Rental '{rentalId}' has {state.Signals.Count} end signals already, the most kept.")]);
            }

            try
            {
                var now = core.Clock.GetCurrentInstant();
                var endBefore = core.Statement(state, now).End;
                state = await core.Rentals.AppendAsync(state, [new EndSignalReceived(command.At, now, command.Source)], cancellationToken).ConfigureAwait(false);
                core.Queue.MarkDue(rentalId, now);
                var receipt = Receipt(state, command, duplicate: false);
                core.Metrics.EndSignal(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(command.Source.ToString()), receipt.Rejection is null, endBefore is null && receipt.End is not null);
                return receipt;
            }
            catch (ConcurrencyConflictException) when (attempt < 8)
            {
                // Another writer appended to the rental: read it again and retry.
            }
        }
    }

    /// <summary>Records vehicle telemetry. Distance travelled while the meter is frozen is never billed.</summary>
    public async Task<IReadOnlyList<ValidationError>> RecordDistanceAsync(RecordDistance command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var errors = Validate(DistanceValidator, command);
        if (errors.Count > 0)
        {
            return errors;
        }

        var rentalId = RentalId.From(command.RentalId);
        for (var attempt = 0; ; attempt++)
        {
            var state = await core.Rentals.LoadAsync(rentalId, cancellationToken).ConfigureAwait(false);
            if (state is null || !state.IsStarted)
            {
                return [new ValidationError("rentalId", "BILLING_RENTAL_UNKNOWN", $"Rental '{rentalId}' was not started.")];
            }

            var receivedAt = core.Clock.GetCurrentInstant();
            if (command.At > receivedAt + core.Metering.EndSignalSkew)
            {
                // Telemetry from the future would contradict every rider's end signal; the same skew as signals applies.
                return [new ValidationError("at", "BILLING_DISTANCE_IN_FUTURE", $"The increment is stamped {command.At}, later than its receipt {receivedAt} plus the skew tolerance.")];
            }

            if (state.HasDistance(command.At, command.Kilometres))
            {
                // Telemetry is delivered at least once: the same increment again is the same fact.
                return [];
            }

            if (state.Distance.Count >= core.Metering.MaxDistanceIncrementsPerRental)
            {
                return [new ValidationError("rentalId", "BILLING_DISTANCE_LIMIT", $"Rental '{rentalId}' has {state.Distance.Count} distance increments already, the most kept.")];
            }

            try
            {
                var now = core.Clock.GetCurrentInstant();
                await core.Rentals.AppendAsync(state, [new DistanceRecorded(command.At, command.Kilometres, now)], cancellationToken).ConfigureAwait(false);
                if (state.Signals.Count > 0)
                {
                    // Telemetry can change which signals count, and so the charge.
                    core.Queue.MarkDue(rentalId, now);
                }

                return [];
            }
            catch (ConcurrencyConflictException) when (attempt < 8)
            {
            }
        }
    }

    /// <summary>What a rental owes now, with line items, frozen intervals and their outages; null for an unknown rental.</summary>
    public Task<RentalStatement?> GetStatementAsync(string rentalId, CancellationToken cancellationToken)
        => GetStatementAsync(rentalId, core.Clock.GetCurrentInstant(), cancellationToken);

    /// <summary>The statement of a rental as of <paramref name="asOf"/> (an open rental is billed up to it); null for an unknown rental.</summary>
    public async Task<RentalStatement?> GetStatementAsync(string rentalId, Instant asOf, CancellationToken cancellationToken)
    {
        if (!RentalId.IsValid(rentalId))
        {
            return null;
        }

        var state = await core.Rentals.LoadAsync(RentalId.From(rentalId), cancellationToken).ConfigureAwait(false);
        return state is null ? null : core.Statement(state, asOf);
    }

    private EndSignalReceipt Receipt(RentalState state, ReportEndSignal command, bool duplicate)
    {
        var reading = core.Statement(state, core.Clock.GetCurrentInstant());
        var rejection = reading.RejectedSignals.FirstOrDefault(r => r.Signal.Source == command.Source && r.Signal.At == command.At)?.Reason;
        return new EndSignalReceipt(true, duplicate, reading.End, rejection, []);
    }

    private async Task<RentalState> AppendNewAsync(RentalState empty, object @event, CancellationToken cancellationToken)
        => await core.Rentals.AppendAsync(empty, [@event], cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A start that identity refuses: payment first (SCENARIOS.md 3.1), so when the payment backend is down too (an
    /// outage its circuit breaker recorded, which let the start go on to the identity check) the reason is payment.
    /// </summary>
    private StartRefusal IdentityRefusal()
        => core.Health.IsDown(Dependency.Payment) ? StartRefusal.PaymentUnavailable : StartRefusal.IdentityUnavailable;

    private static StartRentalResult Refused(StartRefusal refusal, IReadOnlyList<ValidationError>? errors = null)
        => new(refusal, null, null, errors ?? []);

    private static IReadOnlyList<ValidationError> Validate<T>(FluentValidation.IValidator<T> validator, T command)
        => OptionsValidation.Validate(validator, command, string.Empty)
            .Select(e => e with { Path = LowerFirst(e.Path.TrimStart('.')) }).ToArray();

    private static string LowerFirst(string s) => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..];

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Identity provider unreachable ({Error}); start refused")]
    private static partial void LogIdentityUnreachable(ILogger logger, string error);

    /// <summary>What a start call learned besides its answer (an async method has no out parameters).</summary>
    private sealed class StartAttempt
    {
        /// <summary>Gets or sets a value indicating whether an earlier start had decided the rental: this answer repeats it.</summary>
        public bool AnsweredBefore { get; set; }
    }
}
