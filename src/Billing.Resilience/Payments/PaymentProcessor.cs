using Billing.Resilience.Journal;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.Logging;
using NodaTime;
using Polly.CircuitBreaker;

namespace Billing.Resilience.Payments;

/// <summary>
/// Moves money for one rental, one operation at a time, outbox style: the intent (with its idempotency key) is
/// journaled before the first call, the outcome after it. An unknown outcome is resolved (look-up, then a retry with
/// the same key) before anything else happens to the rental.
/// </summary>
internal sealed partial class PaymentProcessor(PaymentGateways gateways, RentalRepository rentals, IClock clock, ILogger logger, Telemetry.BillingMetrics metrics)
{
    /// <summary>Journals and sends a new operation; returns the rental's state after its outcome was journaled.</summary>
    public async Task<RentalState> ExecuteAsync(RentalState state, PaymentOperationKind kind, Money amount, PaymentGateways.Entry gateway, string? reference, CancellationToken cancellationToken, Func<bool>? permit = null)
    {
        TakePermit(permit);
        var requested = Intent(state, kind, amount, gateway, reference);
        state = await rentals.AppendAsync(state, [requested], cancellationToken).ConfigureAwait(false);
        var completed = await SendAsync(state, requested, gateway, cancellationToken).ConfigureAwait(false);
        return await rentals.AppendAsync(state, [completed], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The intent of a new operation (its idempotency key is the next of its kind in <paramref name="state"/>), not
    /// journaled: the caller journals it, possibly with other events in the same append, before <see cref="SendAsync"/>.
    /// </summary>
    public PaymentRequested Intent(RentalState state, PaymentOperationKind kind, Money amount, PaymentGateways.Entry gateway, string? reference)
    {
        Preconditions.CheckInvariant(!state.Payments.Any(p => p.IsUnresolved), $"{state.StreamId}: a new {kind} while an operation is unresolved.");
        var sequence = state.Payments.Count(p => p.Kind == kind) + 1;
        var key = IdempotencyKey.ForRental(state.RentalId.Value, kind, sequence);
        return new PaymentRequested(key.Value, kind, amount.MinorUnits, amount.Currency.Code, gateway.Gateway.Name, reference, clock.GetCurrentInstant());
    }

    /// <summary>
    /// Sends an operation whose intent is durable in <paramref name="state"/>; returns its outcome as an event, not
    /// journaled: the caller journals it, possibly with other events in the same append.
    /// </summary>
    public async Task<PaymentCompleted> SendAsync(RentalState state, PaymentRequested requested, PaymentGateways.Entry gateway, CancellationToken cancellationToken)
    {
        Preconditions.CheckInvariant(state.Payments.Count > 0 && state.Payments[^1].Key.Value == requested.Key, $"{state.StreamId}: payment {requested.Key} is sent before its intent is journaled.");
        var key = IdempotencyKey.From(requested.Key);
        var amount = Money.FromMinorUnits(requested.AmountMinorUnits, CurrencyCode.Parse(requested.Currency));
        var request = new PaymentRequest(key, requested.Kind, state.RentalId.Value, state.RiderId.Value, amount, requested.Reference);
        var result = await CallAsync(gateway, request, cancellationToken).ConfigureAwait(false);
        return Completed(key, result);
    }

    /// <summary>Resolves an operation whose outcome is unknown: look it up, else send it again with the same key.</summary>
    public async Task<RentalState> ResolveAsync(RentalState state, PaymentStep step, CancellationToken cancellationToken, Func<bool>? permit = null)
    {
        var gateway = gateways.Get(step.Gateway);
        PaymentResult? result = null;
        TakePermit(permit);
        try
        {
            result = await gateway.Gateway.LookupAsync(step.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogLookupFailed(logger, step.Key.Value, ex.GetType().Name);
        }

        if (result is null || result.Outcome == PaymentOutcome.Unknown)
        {
            // The look-up and the same request again count as one call of the budget: a budget of one call per second
            // must still let an unknown operation resolve.
            var request = new PaymentRequest(step.Key, step.Kind, state.RentalId.Value, state.RiderId.Value, step.Amount, step.Reference);
            result = await CallAsync(gateway, request, cancellationToken).ConfigureAwait(false);
        }

        if (result.Outcome == PaymentOutcome.Failed)
        {
            // "Not applied" answers only for this attempt: the earlier one may have been applied. Only a definitive
            // answer (succeeded or declined) for this key resolves it; until then the key is retried, never replaced.
            result = PaymentResult.Unknown("failed while resolving: " + result.Reason);
        }

        if (result.Outcome == PaymentOutcome.Unknown && step.Outcome == PaymentOutcome.Unknown)
        {
            // Still unknown: nothing new to journal; the reconciler tries again later with the same key.
            return state;
        }

        return await rentals.AppendAsync(state, [Completed(step.Key, result)], cancellationToken).ConfigureAwait(false);
    }

    private static void TakePermit(Func<bool>? permit)
    {
        if (permit is not null && !permit())
        {
            throw new CallBudgetSpentException();
        }
    }

    private PaymentCompleted Completed(IdempotencyKey key, PaymentResult result)
        => new(key.Value, result.Outcome, result.Reference, result.Amount?.MinorUnits, result.Reason, clock.GetCurrentInstant());

    private async Task<PaymentResult> CallAsync(PaymentGateways.Entry gateway, PaymentRequest request, CancellationToken cancellationToken)
    {
        var attempts = new AttemptLog();
        using var activity = Telemetry.BillingTelemetry.ActivitySource.StartActivity("billing.gateway." + request.Kind.ToString().ToLowerInvariant());
        activity?.SetTag("billing.gateway", gateway.Gateway.Name);
        try
        {
            var result = await gateway.Pipeline.ExecuteAsync(
                static async (state, ct) =>
                {
                    try
                    {
                        var r = await state.Gateway.ExecuteAsync(state.Request, ct).ConfigureAwait(false);
                        if (r.Outcome == PaymentOutcome.Unknown)
                        {
                            state.Attempts.SawUnknown = true;
                        }

                        return r;
                    }
                    catch (Exception) when (!ct.IsCancellationRequested)
                    {
                        state.Attempts.SawUnknown = true;
                        throw;
                    }
                },
                (gateway.Gateway, Request: request, Attempts: attempts),
                cancellationToken).ConfigureAwait(false);
            gateway.CircuitOpen = false;
            if (result.Outcome == PaymentOutcome.Failed && attempts.SawUnknown)
            {
                // A later attempt failing says nothing about an earlier one that may have been applied.
                result = PaymentResult.Unknown("failed after an attempt with unknown outcome: " + result.Reason);
            }

            LogOutcome(logger, request.Kind, request.Key.Value, result.Outcome, result.Reason);
            metrics.GatewayOperation(request.Kind, result.Outcome);
            return result;
        }
        catch (BrokenCircuitException)
        {
            // The circuit refused the call: this attempt was certainly not sent (earlier ones may have been).
            gateway.CircuitOpen = true;
            return attempts.SawUnknown ? PaymentResult.Unknown("circuit_open") : PaymentResult.Failure("circuit_open");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A timeout or transport error after the request may have left: nobody knows whether it was applied.
            LogOutcome(logger, request.Kind, request.Key.Value, PaymentOutcome.Unknown, ex.GetType().Name);
            metrics.GatewayOperation(request.Kind, PaymentOutcome.Unknown);
            return PaymentResult.Unknown(ex.GetType().Name);
        }
    }

    private sealed class AttemptLog
    {
        public bool SawUnknown { get; set; }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Payment {Kind} {Key}: {Outcome} {Reason}")]
    private static partial void LogOutcome(ILogger logger, PaymentOperationKind kind, string key, PaymentOutcome outcome, string? reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Look-up of payment {Key} failed ({Error}); sending it again with the same key")]
    private static partial void LogLookupFailed(ILogger logger, string key, string error);
}

/// <summary>The reconciler's call budget for this second is spent; nothing was sent or journaled for the call.</summary>
internal sealed class CallBudgetSpentException : Exception
{
    public CallBudgetSpentException()
        : base("The reconciler's gateway call budget for this second is spent.")
    {
    }
}
