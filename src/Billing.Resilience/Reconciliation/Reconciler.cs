using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>What one reconciliation run did.</summary>
/// <param name="StartedAt">When the run started (the injected clock).</param>
/// <param name="Examined">Rentals looked at (read and planned). Once the second's call budget is spent the run looks at no more: the due rentals it took but did not look at are counted in <paramref name="Deferred"/>.</param>
/// <param name="Settled">Rentals that reached <see cref="RentalStatus.Settled"/> in this run.</param>
/// <param name="GatewayCalls">Gateway calls made (operations sent and look-ups).</param>
/// <param name="Deferred">Rentals left for a later run: budget spent (due again at the start of the next whole second, whether looked at or not), failure or unknown outcome (backoff), payment backend down, end still ahead, another instance's lease.</param>
/// <param name="Declined">Rentals whose charge was declined: debt to collect, shown in their statements.</param>
/// <param name="StillPending">Rentals still queued after the run.</param>
/// <param name="HoldsExpiringSoon">Holds of unsettled rentals found to expire within <see cref="PaymentOptions.HoldExpiryWarning"/> (each is warned about once).</param>
/// <param name="Failed">Rentals whose settlement threw (a journal error, a broken invariant); logged (event 4003) and retried with backoff.</param>
public sealed record ReconciliationRun(Instant StartedAt, int Examined, int Settled, int GatewayCalls, int Deferred, int Declined, int StillPending, int HoldsExpiringSoon, int Failed);

/// <summary>
/// Settles every rental whose end is known and whose money does not match its charge: resolves unknown outcomes,
/// captures, charges the rest, voids what is left of a hold, refunds after a correction. Resumable after a crash at
/// any step (it decides from the journal alone), idempotent, and paced: at most
/// <see cref="ReconcilerOptions.MaxCallsPerSecond"/> gateway calls per second and
/// <see cref="ReconcilerOptions.MaxConcurrency"/> rentals at a time.
/// </summary>
public sealed partial class Reconciler
{
    private readonly BillingCore core;
    private readonly CallPermits permits;
    private readonly Random jitter;
    private readonly ILogger logger;
    private readonly object jitterGate = new();
    private long checkpoint;

    internal Reconciler(BillingCore core)
    {
        this.core = core;
        permits = new CallPermits(core.ReconcilerOptions.MaxCallsPerSecond, core.Clock);
        jitter = new Random(core.ReconcilerOptions.JitterSeed);
        logger = core.LoggerFactory.CreateLogger<Reconciler>();
        core.Health.Changed += outage =>
        {
            if (outage.Dependency == Dependency.Payment && !outage.IsOngoing)
            {
                core.Queue.MarkAllDue(core.Clock.GetCurrentInstant());
            }
        };
    }

    /// <summary>Gets the number of rentals waiting for settlement.</summary>
    public int Pending => core.Queue.Count;

    /// <summary>Gets when the next queued rental is due, or null when nothing is queued.</summary>
    public Instant? NextDueAt => core.Queue.NextDue();

    /// <summary>Reads the whole journal and queues every rental that is not settled (call once at start; a crash loses nothing).</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        var now = core.Clock.GetCurrentInstant();
        var queued = 0;
        await foreach (var state in AllRentalsAsync(cancellationToken).ConfigureAwait(false))
        {
            RentalStatement statement;
            try
            {
                statement = core.Statement(state, now);
            }
            catch (InvariantViolationException ex)
            {
                // Queued anyway: every run reports it (event 4003) until it is fixed; the others go on.
                LogSettlementFailed(logger, ex, state.RentalId.Value);
                core.Queue.MarkDue(state.RentalId, now);
                queued++;
                continue;
            }

            if (statement.Status == RentalStatus.Open)
            {
                core.Metrics.RecoveredOpen();
            }

            if (statement.Money is { HoldOpen: true, AuthorizedAt: { } authorizedAt })
            {
                core.Holds.Track(state.RentalId, authorizedAt + core.PaymentOptions.HoldValidity);
            }

            if (SettlementPlanner.Next(statement, state.Payments).Kind != SettlementActionKind.None)
            {
                core.Queue.MarkDue(state.RentalId, now);
                queued++;
            }
        }

        return queued;
    }

    /// <summary>
    /// Reports every rental in the journal by currency, and per outage the rentals it froze: settled, pending,
    /// declined, the amounts, and what a naive system would have charged. Reads the whole journal: run it on demand
    /// or from a scheduled job, not per request.
    /// </summary>
    public async Task<ReconciliationReport> ReportAsync(CancellationToken cancellationToken = default)
    {
        var asOf = core.Clock.GetCurrentInstant();
        var all = new Dictionary<CurrencyCode, Accumulator>();
        var byOutage = core.Health.Outages.ToDictionary(o => o.OutageId, _ => new Dictionary<CurrencyCode, Accumulator>(), StringComparer.Ordinal);
        await foreach (var state in AllRentalsAsync(cancellationToken).ConfigureAwait(false))
        {
            var statement = core.Statement(state, asOf);
            Add(all, statement);
            foreach (var outageId in statement.FrozenIntervals.Select(f => f.Outage.OutageId).Distinct(StringComparer.Ordinal))
            {
                Add(byOutage[outageId], statement);
            }
        }

        return new ReconciliationReport(
            asOf,
            all.Values.Select(a => a.ToTotals()).ToArray(),
            core.Health.Outages.Select(o => new OutageSettlement(o, byOutage[o.OutageId].Values.Select(a => a.ToTotals()).ToArray())).ToArray());

        static void Add(Dictionary<CurrencyCode, Accumulator> groups, RentalStatement statement)
        {
            var currency = statement.Charge.Currency;
            if (!groups.TryGetValue(currency, out var accumulator))
            {
                groups[currency] = accumulator = new Accumulator(currency);
            }

            accumulator.Add(statement);
        }
    }

    /// <summary>Several instances: learns from the journal what other instances wrote since the last run.</summary>
    private async Task CatchUpAsync(Instant now, CancellationToken cancellationToken)
    {
        var batch = await core.Rentals.Journal.ReadAllAsync(checkpoint, core.ReconcilerOptions.MaxCatchUpEventsPerRun, cancellationToken).ConfigureAwait(false);
        var outagesChanged = false;
        foreach (var e in batch)
        {
            if (e.StreamId.StartsWith(RentalStreamPrefix, StringComparison.Ordinal))
            {
                core.Queue.MarkDue(RentalId.From(e.StreamId[RentalStreamPrefix.Length..]), now);
            }
            else if (e.StreamId == DependencyHealth.StreamId)
            {
                outagesChanged = true;
            }
        }

        if (outagesChanged)
        {
            await core.Health.LoadAsync(cancellationToken).ConfigureAwait(false);
        }

        if (batch.Count > 0)
        {
            checkpoint = batch[^1].GlobalPosition;
        }
    }

    private async IAsyncEnumerable<RentalState> AllRentalsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long position = 0;
        while (true)
        {
            var batch = await core.Rentals.Journal.ReadAllAsync(position, 10_000, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                checkpoint = Math.Max(checkpoint, position);
                yield break;
            }

            foreach (var e in batch)
            {
                if (e.StreamId.StartsWith(RentalStreamPrefix, StringComparison.Ordinal) && seen.Add(e.StreamId))
                {
                    var state = await core.Rentals.LoadAsync(RentalId.From(e.StreamId[RentalStreamPrefix.Length..]), cancellationToken).ConfigureAwait(false);
                    if (state is not null)
                    {
                        yield return state;
                    }
                }
            }

            position = batch[^1].GlobalPosition;
        }
    }

    private const string RentalStreamPrefix = "rental-";

    private sealed class Accumulator(CurrencyCode currency)
    {
        private int rentals;
        private int settled;
        private int pending;
        private int declined;
        private int open;
        private int refused;
        private Money charge = Money.Zero(currency);
        private Money naive = Money.Zero(currency);
        private Money taken = Money.Zero(currency);
        private Money debt = Money.Zero(currency);

        public void Add(RentalStatement s)
        {
            rentals++;
            switch (s.Status)
            {
                case RentalStatus.Settled:
                    settled++;
                    break;
                case RentalStatus.PendingSettlement:
                    pending++;
                    if (s.Money.DeclineReason is not null)
                    {
                        declined++;
                        debt += s.Charge - s.Money.Taken;
                    }

                    break;
                case RentalStatus.Open:
                    open++;
                    break;
                case RentalStatus.Refused:
                    refused++;
                    break;
            }

            charge += s.Charge;
            naive += s.NaiveFare.Total;
            taken += s.Money.Taken;
        }

        public SettlementTotals ToTotals() => new(currency, rentals, settled, pending, declined, open, refused, charge, naive, taken, debt);
    }

    /// <summary>Settles what is due now, within the call budget; returns what it did.</summary>
    public async Task<ReconciliationRun> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        using var activity = Telemetry.BillingTelemetry.ActivitySource.StartActivity("billing.reconcile");
        var startedAt = core.Clock.GetCurrentInstant();
        var expiring = core.Holds.TakeExpiringBefore(startedAt + core.PaymentOptions.HoldExpiryWarning);
        foreach (var (rentalId, expiresAt) in expiring)
        {
            LogHoldExpiring(logger, rentalId.Value, expiresAt, (expiresAt - startedAt).TotalHours);
        }

        if (core.Claims is not null)
        {
            await CatchUpAsync(startedAt, cancellationToken).ConfigureAwait(false);
        }

        var due = core.Queue.TakeDue(startedAt, core.ReconcilerOptions.MaxRentalsPerRun);
        var settled = 0;
        var calls = 0;
        var deferred = 0;
        var declined = 0;
        var failed = 0;
        if (core.Health.RefusesCalls(Dependency.Payment))
        {
            return new ReconciliationRun(startedAt, 0, 0, 0, due.Count, 0, core.Queue.Count, expiring.Count, 0);
        }

        // Once this second's budget is spent, the run takes no more rentals: the rest wait, unread, for the start of
        // the next whole second (the next window of the budget), so every second starts with its full budget.
        var budgetSpent = 0;
        var examined = 0;
        bool Permit()
        {
            if (!permits.TryTake())
            {
                Volatile.Write(ref budgetSpent, 1);
                return false;
            }

            Interlocked.Increment(ref calls);
            return true;
        }

        await Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = core.ReconcilerOptions.MaxConcurrency, CancellationToken = cancellationToken },
            async (rentalId, ct) =>
            {
                if (Volatile.Read(ref budgetSpent) != 0)
                {
                    core.Queue.Postpone(rentalId, permits.NextWindow());
                    Interlocked.Increment(ref deferred);
                    return;
                }

                Interlocked.Increment(ref examined);
                Outcome outcome;
                try
                {
                    outcome = await SettleClaimedAsync(rentalId, Permit, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && IsRentalFailure(ex))
                {
                    // One rental's failure (a journal error, a broken invariant) must not stop the others: it is
                    // logged and retried with backoff; an invariant violation stays visible on every attempt. Deferred
                    // before it is logged, so whoever sees the log entry sees the retry already scheduled.
                    Defer(rentalId);
                    LogSettlementFailed(logger, ex, rentalId.Value);
                    Interlocked.Increment(ref failed);
                    return;
                }

                switch (outcome)
                {
                    case Outcome.Settled:
                        Interlocked.Increment(ref settled);
                        break;
                    case Outcome.Declined:
                        Interlocked.Increment(ref declined);
                        break;
                    case Outcome.Deferred:
                        Interlocked.Increment(ref deferred);
                        break;
                }
            }).ConfigureAwait(false);

        return new ReconciliationRun(startedAt, examined, settled, calls, deferred, declined, core.Queue.Count, expiring.Count, failed);
    }

    /// <summary>Failures that concern one rental (its data, the store's answer for it); anything else ends the run.</summary>
    private static bool IsRentalFailure(Exception ex)
        => ex is InvariantViolationException or ArithmeticException or CurrencyMismatchException or IOException
            or System.Data.Common.DbException or TimeoutException or InvalidInputException;

    private enum Outcome
    {
        Settled,
        Idle,
        Declined,
        Deferred,
    }

    private async Task<Outcome> SettleClaimedAsync(RentalId rentalId, Func<bool> permit, CancellationToken cancellationToken)
    {
        if (core.Claims is not { } claims)
        {
            return await SettleAsync(rentalId, permit, cancellationToken).ConfigureAwait(false);
        }

        var now = core.Clock.GetCurrentInstant();
        var lease = core.ReconcilerOptions.LeaseDuration;
        if (!await claims.TryClaimAsync(rentalId, core.InstanceId, now, now + lease, cancellationToken).ConfigureAwait(false))
        {
            // Another instance is on it; look again when its lease would have run out.
            core.Queue.Defer(rentalId, _ => now + lease);
            return Outcome.Deferred;
        }

        try
        {
            return await SettleAsync(rentalId, permit, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await claims.ReleaseAsync(rentalId, core.InstanceId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<Outcome> SettleAsync(RentalId rentalId, Func<bool> permit, CancellationToken cancellationToken)
    {
        // Bounded: a rental needs at most a handful of operations (resolve, capture, charge, void, refund).
        for (var step = 0; step < 16; step++)
        {
            if (core.Health.RefusesCalls(Dependency.Payment))
            {
                return Outcome.Deferred;
            }

            // Read before the rental: a writer that marks it due after this (an end signal appended while the rental
            // is read) keeps it queued, even if what is read below says there is nothing to do.
            var ticket = core.Queue.Ticket(rentalId);
            var state = await core.Rentals.LoadAsync(rentalId, cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                core.Queue.Remove(rentalId, ticket);
                return Outcome.Idle;
            }

            var now = core.Clock.GetCurrentInstant();
            var statement = core.Statement(state, now);
            if (!statement.Money.HoldOpen)
            {
                core.Holds.Forget(rentalId);
            }

            if (statement.End is { } futureEnd && futureEnd > now && !state.Payments.Any(p => p.IsUnresolved))
            {
                // The end lies ahead (a signal stamped within the skew tolerance of its receipt): until then an outage
                // could still freeze part of the ride. Settle at the end, not before.
                core.Queue.Defer(rentalId, _ => futureEnd);
                return Outcome.Deferred;
            }

            var action = SettlementPlanner.Next(statement, state.Payments);
            if (action.Kind == SettlementActionKind.None)
            {
                core.Queue.Remove(rentalId, ticket);
                if (statement.Status == RentalStatus.Open && !state.Payments.Any(p => p.IsUnresolved))
                {
                    return Outcome.Idle;
                }

                if (statement.Money.DeclineReason is { } reason)
                {
                    LogDebt(logger, rentalId.Value, statement.Charge - statement.Money.Taken, reason);
                    return Outcome.Declined;
                }

                if (statement.Status == RentalStatus.Settled && step > 0)
                {
                    core.Metrics.Settled(statement.End is { } end ? (now - end).TotalSeconds : 0);
                    return Outcome.Settled;
                }

                return statement.Status == RentalStatus.Settled ? Outcome.Settled : Outcome.Idle;
            }

            try
            {
                var before = state.Version;
                state = action.Kind == SettlementActionKind.Resolve
                    ? await core.Payments.ResolveAsync(state, action.Step!, cancellationToken, permit).ConfigureAwait(false)
                    : await core.Payments.ExecuteAsync(
                        state,
                        action.Operation,
                        action.Amount,
                        action.Gateway is { } name ? core.Gateways.Get(name) : core.Gateways.ForNewMoney(),
                        action.Reference,
                        cancellationToken,
                        permit).ConfigureAwait(false);
                var last = state.Payments.Count == 0 ? null : state.Payments[^1];
                if (state.Version == before || last is null || last.IsUnresolved || last.Outcome == PaymentOutcome.Failed)
                {
                    Defer(rentalId);
                    return Outcome.Deferred;
                }
            }
            catch (CallBudgetSpentException)
            {
                // Nothing was sent: try again at the start of the next whole second, when the budget is full again
                // (not one second from now: that start would drift later each second and leave seconds under-filled).
                core.Queue.Postpone(rentalId, permits.NextWindow());
                return Outcome.Deferred;
            }
            catch (ConcurrencyConflictException)
            {
                // Another writer (or instance) moved the rental: read it again next time round.
                core.Rentals.Forget(rentalId);
            }
        }

        Defer(rentalId);
        return Outcome.Deferred;
    }

    private void Defer(RentalId rentalId)
    {
        var options = core.ReconcilerOptions;
        core.Queue.Defer(rentalId, attempts =>
        {
            // Capped exponential backoff with full jitter in [delay/2, delay].
            var exponent = Math.Min(attempts - 1, 30);
            var delay = Duration.FromTicks(Math.Min(options.RetryMaxDelay.BclCompatibleTicks, options.RetryBaseDelay.BclCompatibleTicks * (1L << Math.Min(exponent, 20))));
            double fraction;
            lock (jitterGate)
            {
                fraction = 0.5 + (jitter.NextDouble() / 2);
            }

            return core.Clock.GetCurrentInstant() + Duration.FromTicks((long)(delay.BclCompatibleTicks * fraction));
        });
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Rental {RentalId}: its hold expires at {ExpiresAt} (in {Hours:0.#} h) and the rental is not settled; after that the fare is charged afresh, without the hold")]
    private static partial void LogHoldExpiring(ILogger logger, string rentalId, Instant expiresAt, double hours);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Rental {RentalId}: settlement failed; retrying with backoff")]
    private static partial void LogSettlementFailed(ILogger logger, Exception exception, string rentalId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Rental {RentalId}: charge of {Missing} declined ({Reason}); debt to collect")]
    private static partial void LogDebt(ILogger logger, string rentalId, Money missing, string reason);
}
