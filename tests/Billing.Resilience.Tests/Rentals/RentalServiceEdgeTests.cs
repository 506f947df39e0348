using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using Microsoft.Extensions.Logging;
using NodaTime;
using Polly;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>
/// The rental service where the ordinary tests do not go: starts resumed after a crash or a refusal, writers racing on
/// a rental, an identity provider that throws, the limits of telemetry, and what the service reports in logs, metrics
/// and traces.
/// </summary>
public sealed class RentalServiceEdgeTests : IDisposable
{
    private static readonly Instant T0 = TestEngine.T0;
    private readonly MetricsRecorder metrics = new();

    public void Dispose() => metrics.Dispose();

    [Fact]
    public async Task A_start_whose_request_was_journaled_without_an_intent_asks_for_the_hold_and_starts_at_the_original_time()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(journal, new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000));
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m, journal, new NodaTime.Testing.FakeClock(T0 + Duration.FromMinutes(2)));

        var result = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.True(result.Started);
        Assert.Equal(T0, result.StartedAt);
        Assert.NotNull(result.RentalToken);
        var authorize = Assert.Single(t.Gateway.GetOperations("r-1"));
        Assert.Equal(PaymentOperationKind.Authorize, authorize.Kind);
        Assert.Equal("r-1/authorize/1", authorize.Key.Value);
        var statement = await t.StatementAsync("r-1");
        Assert.Equal(RentalStatus.Open, statement.Status);
        Assert.Equal(T0, statement.StartedAt);
        Assert.True(statement.Money.HoldOpen);
    }

    [Fact]
    public async Task An_interrupted_start_whose_hold_was_placed_is_finished_after_a_look_up_without_a_second_hold()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(
            journal,
            new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
            new PaymentRequested("r-1/authorize/1", PaymentOperationKind.Authorize, 10_000, "KRW", "scripted", null, T0));
        var scripted = new ScriptedGateway();
        scripted.Lookups.Enqueue(PaymentResult.Success("auth-9", Money.FromMinorUnits(10_000, CurrencyCode.KRW)));
        using var t = await TestEngine.CreateAsync(b => Hold(b).AddPaymentGateway(scripted, ResiliencePipeline<PaymentResult>.Empty), journal, new NodaTime.Testing.FakeClock(T0 + Duration.FromMinutes(1)));
        Assert.Equal(1, t.Engine.Reconciler.Pending);

        var result = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.True(result.Started);
        Assert.Equal(T0, result.StartedAt);
        Assert.Equal(["r-1/authorize/1"], scripted.LookedUpKeys.Select(k => k.Value));
        Assert.Empty(scripted.ExecutedKeys);
        Assert.Empty(t.Gateway.GetCalls());
        var statement = await t.StatementAsync("r-1");
        Assert.Equal(RentalStatus.Open, statement.Status);
        Assert.True(statement.Money.HoldOpen);
    }

    [Fact]
    public async Task An_interrupted_start_whose_hold_was_not_placed_is_refused_and_stays_refused()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(
            journal,
            new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
            new PaymentRequested("r-1/authorize/1", PaymentOperationKind.Authorize, 10_000, "KRW", "scripted", null, T0));
        var scripted = new ScriptedGateway();
        scripted.Lookups.Enqueue(null);
        var clock = new NodaTime.Testing.FakeClock(T0 + Duration.FromMinutes(1));
        using var t = await TestEngine.CreateAsync(b => Hold(b).AddPaymentGateway(scripted, ResiliencePipeline<PaymentResult>.Empty), journal, clock);

        var first = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        var again = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.Equal(StartRefusal.PaymentUnavailable, first.Refusal);
        Assert.Equal(StartRefusal.PaymentUnavailable, again.Refusal);
        Assert.Null(again.StartedAt);
        Assert.Null(again.RentalToken);
        Assert.Empty(again.Errors);
        Assert.Single(scripted.LookedUpKeys);
        var refused = Assert.Single(await Events(journal), e => e is RentalRefused);
        Assert.Equal(new RentalRefused("paymentUnavailable", clock.GetCurrentInstant()), refused);
    }

    [Fact]
    public async Task A_resumed_start_watches_its_hold_from_when_the_hold_was_placed()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(journal, new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000));
        using var t = await TestEngine.CreateAsync(
            b =>
            {
                b.Payments.HoldAmount = 10_000m;
                b.Payments.HoldValidity = Duration.FromHours(1);
                b.Payments.HoldExpiryWarning = Duration.FromMinutes(50);
            },
            journal,
            new NodaTime.Testing.FakeClock(T0 + Duration.FromMinutes(20)));
        Assert.True((await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"))).Started);

        t.Advance(Duration.FromMinutes(5)); // the hold placed at 20 min expires at 80 min: not within 50 min yet
        Assert.Equal(0, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon);
        t.Advance(Duration.FromMinutes(6));
        Assert.Equal(1, (await t.Engine.Reconciler.RunOnceAsync()).HoldsExpiringSoon);
    }

    [Fact]
    public async Task A_hold_that_fails_at_the_first_gateway_is_placed_at_the_next_and_the_rental_starts()
    {
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m, gateways: 2);
        t.Gateways[0].AddFault("r-1", PaymentOperationKind.Authorize, PaymentFaultKind.Error);

        var result = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.True(result.Started);
        Assert.Empty(t.Gateways[0].GetOperations("r-1"));
        Assert.Equal(PaymentOperationKind.Authorize, Assert.Single(t.Gateways[1].GetOperations("r-1")).Kind);
        Assert.True((await t.StatementAsync("r-1")).Money.HoldOpen);
    }

    [Fact]
    public async Task An_identity_outage_recorded_by_an_operator_refuses_starts_without_asking_the_provider()
    {
        using var t = await TestEngine.CreateAsync();
        await t.Engine.Health.ReportDownAsync(Billing.Resilience.Outages.Dependency.Identity, "maintenance");

        var result = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.Equal(StartRefusal.IdentityUnavailable, result.Refusal);
    }

    [Fact]
    public async Task A_refused_end_signal_is_neither_accepted_nor_a_duplicate()
    {
        using var t = await TestEngine.CreateAsync(b => b.Metering.MaxEndSignalsPerRental = 1);
        var token = await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(5));
        var now = t.Clock.GetCurrentInstant();
        await t.EndAsync("r-1", now);

        EndSignalReceipt[] refused =
        [
            await t.Rentals.ReportEndAsync(new ReportEndSignal("r 1", now, EndSignalSource.Vehicle)),
            await t.Rentals.ReportEndAsync(new ReportEndSignal("r-2", now, EndSignalSource.Vehicle)),
            await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Rider, token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"))),
            await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now - Duration.FromMinutes(1), EndSignalSource.Vehicle)),
        ];

        Assert.All(refused, r => Assert.Equal((false, false, (Instant?)null, (SignalRejectionReason?)null), (r.Accepted, r.Duplicate, r.End, r.Rejection)));
        Assert.Equal(
            ["BILLING_RENTAL_ID_INVALID", "BILLING_RENTAL_UNKNOWN", "BILLING_RENTAL_TOKEN_BADSIGNATURE", "BILLING_END_SIGNALS_LIMIT"],
            refused.Select(r => Assert.Single(r.Errors).Code));
    }

    [Fact]
    public async Task A_declined_hold_refuses_the_start_and_a_retry_is_declined_again_without_a_call()
    {
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m);
        t.Gateway.AddFault("r-1", PaymentOperationKind.Authorize, PaymentFaultKind.Decline);

        var first = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        var calls = t.Gateway.GetCalls().Count;
        t.Advance(Duration.FromMinutes(1));
        var again = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.Equal(StartRefusal.HoldDeclined, first.Refusal);
        Assert.Equal(StartRefusal.HoldDeclined, again.Refusal);
        Assert.Equal(calls, t.Gateway.GetCalls().Count);
        Assert.Equal(0, t.Engine.Reconciler.Pending); // nothing was held: nothing to release
        Assert.Equal(new RentalRefused("holdDeclined", T0), Assert.Single(await Events(t.Journal), e => e is RentalRefused));
        var statement = await t.StatementAsync("r-1");
        Assert.Equal(RentalStatus.Refused, statement.Status);
        Assert.Equal("holdDeclined", statement.RefusalReason);
    }

    [Fact]
    public async Task A_retried_start_answers_with_the_original_start_time_and_a_token_for_the_rental()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(3));

        var again = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.Equal(T0, again.StartedAt);
        Assert.Equal(RentalTokenProblem.None, t.Engine.Core.Tokens.Verify(again.RentalToken, RentalId.From("r-1"), RiderId.From("u-1")));
        Assert.Empty(again.Errors);
    }

    [Fact]
    public async Task A_start_that_loses_a_race_for_its_rental_is_a_duplicate_and_is_not_counted_as_refused()
    {
        var journal = new FaultyJournal { Conflicts = 1 };
        using var t = await TestEngine.CreateAsync(journal: journal);

        var result = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.Equal(StartRefusal.DuplicateRental, result.Refusal);
        Assert.Equal([new ValidationError("rentalId", "BILLING_RENTAL_DUPLICATE", "Rental 'r-1' was started concurrently.")], result.Errors);
        Assert.Equal(0, Count(t, "billing.rentals.refused"));
        Assert.Equal(0, Count(t, "billing.rentals.started"));
    }

    [Fact]
    public async Task An_end_signal_or_a_distance_that_meets_another_writer_is_retried_up_to_eight_times()
    {
        var journal = new FaultyJournal();
        using var t = await TestEngine.CreateAsync(journal: journal);
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(5));
        var now = t.Clock.GetCurrentInstant();
        journal.Attempts = 0;

        journal.Conflicts = 8;
        Assert.True((await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Vehicle))).Accepted);
        Assert.Equal(9, journal.Attempts);
        journal.Conflicts = 8;
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", now - Duration.FromMinutes(1), 1m)));
        Assert.Equal(18, journal.Attempts);

        journal.Conflicts = 9;
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Operator)));
        Assert.Equal(27, journal.Attempts);
        journal.Conflicts = 9;
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", now, 2m)));
        Assert.Equal(36, journal.Attempts);

        var statement = await t.StatementAsync("r-1");
        Assert.Single(statement.ValidSignals);
        Assert.Equal(1m, statement.BillableKilometres);
    }

    [Fact]
    public async Task An_identity_provider_that_gives_up_by_itself_refuses_the_start_and_is_logged()
    {
        var logs = new ListLoggerFactory();
        using var t = await TestEngine.CreateAsync(b => b.UseLoggerFactory(logs).UseIdentityProvider(new ThrowingIdentityProvider(new OperationCanceledException("gave up"))));

        var result = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));

        Assert.Equal(StartRefusal.IdentityUnavailable, result.Refusal);
        var log = Assert.Single(logs.Entries, e => e.Category == typeof(RentalService).FullName);
        Assert.Equal((LogLevel.Warning, 3001, "Identity provider unreachable (OperationCanceledException); start refused"), (log.Level, log.EventId, log.Message));
        Assert.Equal(1, Count(t, "billing.rentals.refused", tags => (string?)tags["reason"] == "identityUnavailable"));
    }

    [Fact]
    public async Task A_start_the_caller_cancels_while_identity_answers_is_canceled_not_refused()
    {
        using var cancel = new CancellationTokenSource();
        using var t = await TestEngine.CreateAsync(b => b.UseIdentityProvider(new ThrowingIdentityProvider(null, cancel)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"), cancel.Token));

        Assert.Equal(0, ((InMemoryJournal)t.Journal).Count);
        Assert.Equal(0, Count(t, "billing.rentals.refused"));
    }

    [Fact]
    public async Task A_retried_start_repeats_its_answer_without_counting_the_rental_again()
    {
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m);
        t.Gateway.AddFault("r-2", PaymentOperationKind.Authorize, PaymentFaultKind.Decline);

        var started = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        var again = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard"));
        var declined = await t.Rentals.StartAsync(new StartRental("r-2", "u-2", "kickboard"));
        var declinedAgain = await t.Rentals.StartAsync(new StartRental("r-2", "u-2", "kickboard"));

        Assert.True(started.Started);
        Assert.True(again.Started);
        Assert.Equal(started.StartedAt, again.StartedAt);
        Assert.Equal(StartRefusal.HoldDeclined, declined.Refusal);
        Assert.Equal(StartRefusal.HoldDeclined, declinedAgain.Refusal);
        Assert.Equal(1, Count(t, "billing.rentals.started"));
        Assert.Equal(1, Count(t, "billing.rentals.refused", tags => (string?)tags["reason"] == "holdDeclined"));
        Assert.Equal(1, t.Engine.Core.Metrics.Open);
    }

    [Fact]
    public async Task Starts_are_counted_by_outcome_and_traced_with_the_refusal()
    {
        using var activities = new ActivityRecorder();
        using var t = await TestEngine.CreateAsync();
        t.Identity.DeniedRiders.Add("u-bad");

        await t.StartAsync("r-1");
        await t.Rentals.StartAsync(new StartRental("r-1", "u-9", "kickboard"));
        await t.Rentals.StartAsync(new StartRental("r-2", "u-bad", "kickboard"));
        await t.Rentals.StartAsync(new StartRental("r-3", "u-1", "scooter"));
        await t.Rentals.StartAsync(new StartRental("r 4", "u-1", "kickboard"));

        Assert.Equal(1, Count(t, "billing.rentals.started"));
        Assert.Equal(3, Count(t, "billing.rentals.refused"));
        Assert.Equal(1, Count(t, "billing.rentals.refused", tags => (string?)tags["reason"] == "riderNotAuthenticated"));
        Assert.Equal(1, Count(t, "billing.rentals.refused", tags => (string?)tags["reason"] == "unknownPlan"));
        Assert.Equal(1, Count(t, "billing.rentals.refused", tags => (string?)tags["reason"] == "invalidCommand"));
        Assert.Equal(1, t.Engine.Core.Metrics.Open);
        var refusals = activities.Stopped.Where(a => a.OperationName == "billing.rental.start").Select(a => (string?)a.GetTagItem("billing.refusal")).ToList();
        Assert.Contains("None", refusals);
        Assert.Contains("DuplicateRental", refusals);
        Assert.Contains("RiderNotAuthenticated", refusals);
        Assert.Contains("UnknownPlan", refusals);
        Assert.Contains("InvalidCommand", refusals);

        t.Advance(Duration.FromMinutes(5));
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant() - Duration.FromMinutes(1));
        Assert.Contains(activities.Stopped, a => a.OperationName == "billing.rental.end_signal" && (string?)a.GetTagItem("billing.source") == "Vehicle");
    }

    [Fact]
    public async Task End_signals_are_counted_by_source_and_validity_and_only_the_first_end_closes_the_rental()
    {
        using var t = await TestEngine.CreateAsync();
        var token = await t.StartAsync("r-1");
        Assert.Equal(1, t.Engine.Core.Metrics.Open);
        t.Advance(Duration.FromMinutes(10));
        var now = t.Clock.GetCurrentInstant();

        var future = await t.EndAsync("r-1", now + Duration.FromMinutes(30));
        Assert.Equal(1, t.Engine.Core.Metrics.Open);
        await t.EndAsync("r-1", now - Duration.FromMinutes(2), EndSignalSource.Rider, token);
        Assert.Equal(0, t.Engine.Core.Metrics.Open);
        var earlier = await t.EndAsync("r-1", now - Duration.FromMinutes(4), EndSignalSource.Operator);
        Assert.Equal(0, t.Engine.Core.Metrics.Open);

        Assert.Equal(SignalRejectionReason.InFuture, future.Rejection);
        Assert.Null(earlier.Rejection);
        Assert.Equal(now - Duration.FromMinutes(4), earlier.End);
        Assert.Equal(1, Count(t, "billing.end_signals", tags => (string?)tags["source"] == "vehicle" && (bool?)tags["valid"] == false));
        Assert.Equal(1, Count(t, "billing.end_signals", tags => (string?)tags["source"] == "rider" && (bool?)tags["valid"] == true));
        Assert.Equal(1, Count(t, "billing.end_signals", tags => (string?)tags["source"] == "operator" && (bool?)tags["valid"] == true));
    }

    [Fact]
    public async Task A_receipt_reports_the_rejection_of_its_own_signal_not_of_another_one_of_the_same_source()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var now = t.Clock.GetCurrentInstant();

        Assert.Equal(SignalRejectionReason.InFuture, (await t.EndAsync("r-1", now + Duration.FromHours(1))).Rejection);
        var valid = await t.EndAsync("r-1", now);
        var duplicate = await t.EndAsync("r-1", now + Duration.FromHours(1));

        Assert.Null(valid.Rejection);
        Assert.Equal(now, valid.End);
        Assert.True(duplicate.Duplicate);
        Assert.Equal(SignalRejectionReason.InFuture, duplicate.Rejection);
        Assert.Empty(valid.Errors);
    }

    [Fact]
    public async Task A_signal_or_a_distance_for_a_rental_that_never_started_is_refused()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(journal, new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000), new RentalRefused("holdDeclined", T0));
        using var t = await TestEngine.CreateAsync(journal: journal);
        var now = t.Clock.GetCurrentInstant();

        var receipt = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", now, EndSignalSource.Vehicle));
        var distance = await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", now, 1m));

        Assert.False(receipt.Accepted);
        Assert.Null(receipt.End);
        Assert.Equal([new ValidationError("rentalId", "BILLING_RENTAL_UNKNOWN", "Rental 'r-1' was not started.")], receipt.Errors);
        Assert.Equal([new ValidationError("rentalId", "BILLING_RENTAL_UNKNOWN", "Rental 'r-1' was not started.")], distance);
        Assert.Equal(2, journal.Count);
    }

    [Fact]
    public async Task Telemetry_stamped_up_to_the_skew_tolerance_ahead_is_accepted_and_later_is_refused()
    {
        using var t = await TestEngine.CreateAsync(b => b.Metering.EndSignalSkew = Duration.FromSeconds(30));
        await t.StartAsync("r-1");
        var now = t.Clock.GetCurrentInstant();

        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", now + Duration.FromSeconds(30), 1m)));
        var late = now + Duration.FromSeconds(30) + Duration.Epsilon;
        var refused = Assert.Single(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", late, 1m)));

        Assert.Equal(("at", "BILLING_DISTANCE_IN_FUTURE"), (refused.Path, refused.Code));
        Assert.Equal($"The increment is stamped {late}, later than its receipt {now} plus the skew tolerance.", refused.Message);
    }

    [Fact]
    public async Task Telemetry_makes_an_ended_rental_due_for_settlement_again_but_not_an_open_one()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        var now = t.Clock.GetCurrentInstant();

        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", now - Duration.FromMinutes(5), 1m)));
        Assert.Equal(0, t.Engine.Reconciler.Pending);

        await t.EndAsync("r-1", now);
        await t.SettleAsync();
        Assert.Equal(0, t.Engine.Reconciler.Pending);
        Assert.Empty(await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", now - Duration.FromMinutes(4), 1m)));
        Assert.Equal(1, t.Engine.Reconciler.Pending);
        Assert.Equal(now, t.Engine.Reconciler.NextDueAt);
    }

    [Fact]
    public async Task A_statement_of_an_invalid_id_is_null_and_without_a_moment_it_is_as_of_now()
    {
        using var t = await TestEngine.CreateAsync();
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(7));

        Assert.Null(await t.Rentals.GetStatementAsync("r 1", CancellationToken.None));
        Assert.Null(await t.Rentals.GetStatementAsync(string.Empty, T0, CancellationToken.None));
        Assert.Null(await t.Rentals.GetStatementAsync("r-2", CancellationToken.None));
        Assert.Equal(T0 + Duration.FromMinutes(7), (await t.Rentals.GetStatementAsync("r-1", CancellationToken.None))!.AsOf);
        Assert.Equal(T0 + Duration.FromMinutes(2), (await t.Rentals.GetStatementAsync("r-1", T0 + Duration.FromMinutes(2), CancellationToken.None))!.BilledUntil);
    }

    [Fact]
    public async Task Null_commands_are_refused()
    {
        using var t = await TestEngine.CreateAsync();
        await Assert.ThrowsAsync<ArgumentNullException>(() => t.Rentals.StartAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => t.Rentals.ReportEndAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => t.Rentals.RecordDistanceAsync(null!));
    }

    [Fact]
    public async Task Error_paths_of_commands_start_with_a_lower_case_letter()
    {
        using var t = await TestEngine.CreateAsync();
        var start = await t.Rentals.StartAsync(new StartRental("r-1", "u-1", "kickboard", new string('c', 9_000)));
        var end = await t.Rentals.ReportEndAsync(new ReportEndSignal("r-1", T0, (EndSignalSource)5));
        var distance = await t.Rentals.RecordDistanceAsync(new RecordDistance("r-1", T0, 0m));
        Assert.Equal(["credential"], start.Errors.Select(e => e.Path));
        Assert.Equal(["source"], end.Errors.Select(e => e.Path));
        Assert.Equal(["kilometres"], distance.Select(e => e.Path));
    }

    private static BillingEngineBuilder Hold(BillingEngineBuilder builder)
    {
        builder.Payments.HoldAmount = 10_000m;
        return builder;
    }

    private static async Task WriteAsync(IJournal journal, params object[] events)
        => await journal.AppendAsync("rental-r-1", ExpectedVersion.NoStream, EventSerializer.SerializeAll("rental-r-1", 0, events));

    private static async Task<IReadOnlyList<object>> Events(IJournal journal)
        => (await journal.ReadStreamAsync("rental-r-1")).Select(EventSerializer.Deserialize).ToList();

    private long Count(TestEngine t, string name, Func<Dictionary<string, object?>, bool>? where = null)
        => (long)metrics.Sum(t.Engine.Core.Metrics.Meter, name, where);

    /// <summary>An identity provider that throws <paramref name="error"/>, or cancels <paramref name="cancel"/> and throws for it.</summary>
    private sealed class ThrowingIdentityProvider(Exception? error, CancellationTokenSource? cancel = null) : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
        {
            if (cancel is not null)
            {
                cancel.Cancel();
                throw new OperationCanceledException(cancel.Token);
            }

            throw error!;
        }
    }
}
