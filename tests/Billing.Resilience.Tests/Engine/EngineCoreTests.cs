using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Engine;

/// <summary>
/// The statement the engine derives from a rental's events (refused, interrupted, settled, pending), a rental whose plan
/// was removed, and the small root types: <see cref="InvalidInputException"/>, <see cref="ValidationError"/>, the preconditions.
/// </summary>
public class EngineCoreTests
{
    private static readonly Instant T0 = TestEngine.T0;

    [Fact]
    public async Task A_refused_start_has_a_zero_fare_its_reason_and_nothing_billed()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(
            journal,
            "r-1",
            new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
            new PaymentRequested("r-1/authorize/1", PaymentOperationKind.Authorize, 10_000, "KRW", "primary", null, T0),
            new PaymentCompleted("r-1/authorize/1", PaymentOutcome.Declined, null, null, "insufficient funds", T0),
            new RentalRefused("holdDeclined", T0),
            new EndSignalReceived(T0 + Duration.FromMinutes(5), T0 + Duration.FromMinutes(5), EndSignalSource.Vehicle));
        using var t = await TestEngine.CreateAsync(journal: journal);
        t.Advance(Duration.FromHours(1));

        var s = await t.StatementAsync("r-1");

        Assert.Equal(RentalStatus.Refused, s.Status);
        Assert.Equal("holdDeclined", s.RefusalReason);
        Assert.Equal("r-1", s.RentalId.Value);
        Assert.Equal("u-1", s.RiderId.Value);
        Assert.Equal("kickboard", s.PlanId);
        Assert.Equal(T0, s.StartedAt);
        Assert.Equal(T0 + Duration.FromHours(1), s.AsOf);
        Assert.Null(s.DecidingSignal);
        Assert.Null(s.End);
        Assert.Empty(s.ValidSignals);
        Assert.Empty(s.RejectedSignals);
        Assert.Empty(s.FrozenIntervals);
        Assert.Equal(T0, s.BilledUntil);
        Assert.Equal(T0, s.NaiveEnd);
        Assert.Equal(Duration.Zero, s.BillableTime);
        Assert.Equal(Duration.Zero, s.FrozenTime);
        Assert.Equal(0m, s.BillableKilometres);
        Assert.Equal(Money.Zero(CurrencyCode.KRW), s.Charge);
        Assert.Equal(Money.Zero(CurrencyCode.KRW), s.NaiveFare.Total);
        Assert.Equal("kickboard", s.Fare.PlanId);
        Assert.Empty(s.Fare.LineItems);
        Assert.Empty(s.NaiveFare.LineItems);
        Assert.Equal(Money.Zero(CurrencyCode.KRW), s.Money.Taken);
    }

    [Fact]
    public async Task A_start_interrupted_before_its_outcome_reads_as_refused_until_it_is_resumed()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(
            journal,
            "r-1",
            new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
            new PaymentRequested("r-1/authorize/1", PaymentOperationKind.Authorize, 10_000, "KRW", "primary", null, T0));
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m, journal);

        var s = await t.StatementAsync("r-1");

        Assert.Equal(RentalStatus.Refused, s.Status);
        Assert.Equal("refused", s.RefusalReason);
        Assert.True(s.Money.HasUnresolvedOperation);
        Assert.Equal(1, t.Engine.Reconciler.Pending); // the hold may have been placed: the reconciler looks it up
    }

    [Fact]
    public async Task Settled_needs_the_charge_taken_no_open_hold_and_nothing_unresolved()
    {
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m);
        await t.StartAsync("r-1");
        t.Advance(Duration.FromMinutes(10));
        Assert.Equal(RentalStatus.Open, (await t.StatementAsync("r-1")).Status);
        await t.EndAsync("r-1", t.Clock.GetCurrentInstant());
        var pending = await t.StatementAsync("r-1");
        Assert.Equal(RentalStatus.PendingSettlement, pending.Status);
        Assert.True(pending.Money.HoldOpen);
        Assert.Null(pending.RefusalReason);

        await t.SettleAsync();

        var settled = await t.StatementAsync("r-1");
        Assert.Equal(RentalStatus.Settled, settled.Status);
        Assert.Equal(settled.Charge, settled.Money.Taken);
        Assert.Equal(Money.FromMinorUnits(1000 + 1800, CurrencyCode.KRW), settled.Charge);
        Assert.False(settled.Money.HoldOpen);
    }

    [Fact]
    public async Task A_charge_taken_with_the_hold_still_open_is_pending()
    {
        var journal = new InMemoryJournal();
        var end = T0 + Duration.FromMinutes(10);
        await WriteAsync(
            journal,
            "r-1",
            new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
            new PaymentRequested("r-1/authorize/1", PaymentOperationKind.Authorize, 10_000, "KRW", "primary", null, T0),
            new PaymentCompleted("r-1/authorize/1", PaymentOutcome.Succeeded, "auth-1", 10_000, null, T0),
            new RentalStarted("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
            new EndSignalReceived(end, end, EndSignalSource.Vehicle),
            new PaymentRequested("r-1/charge/1", PaymentOperationKind.Charge, 2_800, "KRW", "primary", null, end),
            new PaymentCompleted("r-1/charge/1", PaymentOutcome.Succeeded, "ch-1", 2_800, null, end));
        using var t = await TestEngine.CreateAsync(b => b.Payments.HoldAmount = 10_000m, journal, new NodaTime.Testing.FakeClock(end));

        var s = await t.StatementAsync("r-1");

        Assert.Equal(s.Charge, s.Money.Taken);
        Assert.True(s.Money.HoldOpen);
        Assert.Equal(RentalStatus.PendingSettlement, s.Status);
    }

    [Fact]
    public async Task A_rental_whose_plan_was_removed_cannot_be_billed_and_says_which_plan()
    {
        var journal = new InMemoryJournal();
        await WriteAsync(journal, "r-1", new RentalStarted("r-1", "u-1", "scooter", "KRW", T0, null));
        using var t = await TestEngine.CreateAsync(journal: journal);

        var thrown = await Assert.ThrowsAsync<InvariantViolationException>(() => t.Rentals.GetStatementAsync("r-1", CancellationToken.None));

        Assert.Equal("rental-r-1: plan 'scooter' is no longer configured; keep retired plans until their rentals are settled.", thrown.Message);
        Assert.Equal(1, t.Engine.Reconciler.Pending); // queued at start anyway, so that every run reports it
    }

    [Fact]
    public void An_invalid_input_exception_lists_its_errors()
    {
        var a = new ValidationError("a.b", "CODE_A", "first");
        var b = new ValidationError("c", "CODE_B", "second");
        Assert.Equal("a.b: first [CODE_A]", a.ToString());
        Assert.Equal("The input is invalid.", new InvalidInputException([]).Message);
        Assert.Equal("a.b: first [CODE_A]", new InvalidInputException([a]).Message);
        var two = new InvalidInputException([a, b]);
        Assert.Equal("2 errors: a.b: first [CODE_A]; c: second [CODE_B]", two.Message);
        Assert.Equal([a, b], two.Errors);
        Assert.Throws<ArgumentNullException>(() => new InvalidInputException(null!));
    }

    [Fact]
    public void Preconditions_throw_the_documented_exceptions()
    {
        string? missing = null;
        Assert.Equal("missing", Assert.Throws<ArgumentNullException>(() => Preconditions.CheckNotNull(missing)).ParamName);
        Assert.Equal("x", Preconditions.CheckNotNull("x"));

        Preconditions.CheckArgument(true, "p", "never");
        var argument = Assert.Throws<ArgumentException>(() => Preconditions.CheckArgument(false, "p", "must hold"));
        Assert.Equal("p", argument.ParamName);
        Assert.StartsWith("must hold", argument.Message, StringComparison.Ordinal);

        Preconditions.CheckArgumentRange("n", 1, 1, 3);
        Preconditions.CheckArgumentRange("n", 3, 1, 3);
        var below = Assert.Throws<ArgumentOutOfRangeException>(() => Preconditions.CheckArgumentRange("n", 0, 1, 3));
        Assert.Equal("n", below.ParamName);
        Assert.Equal(0L, below.ActualValue);
        Assert.StartsWith("Value should be in range [1-3]", below.Message, StringComparison.Ordinal);
        Assert.Equal(4L, Assert.Throws<ArgumentOutOfRangeException>(() => Preconditions.CheckArgumentRange("n", 4, 1, 3)).ActualValue);

        Preconditions.CheckInvariant(true, "never");
        Assert.Equal("broken", Assert.Throws<InvariantViolationException>(() => Preconditions.CheckInvariant(false, "broken")).Message);
    }

    [Fact]
    public void Options_validation_prefixes_paths_and_throws_only_when_something_is_wrong()
    {
        var valid = new Billing.Resilience.Reconciliation.ReconcilerOptions();
        var validator = new Billing.Resilience.Reconciliation.ReconcilerOptionsValidator();
        Assert.Empty(OptionsValidation.Validate(validator, valid, "Reconciler"));
        OptionsValidation.ThrowIfInvalid(validator, valid, "Reconciler");

        var invalid = new Billing.Resilience.Reconciliation.ReconcilerOptions { MaxConcurrency = 0 };
        var error = Assert.Single(OptionsValidation.Validate(validator, invalid, "Reconciler"));
        Assert.Equal(new ValidationError("Reconciler.MaxConcurrency", "BILLING_OPTIONS_RECONCILER_CONCURRENCY_RANGE", "MaxConcurrency must be between 1 and 256; got 0."), error);
        var thrown = Assert.Throws<InvalidInputException>(() => OptionsValidation.ThrowIfInvalid(validator, invalid, "Reconciler"));
        Assert.Equal([error], thrown.Errors);

        // A rule on the whole object has no property name: the path is the prefix alone.
        Assert.Equal([new ValidationError("Thing", "WHOLE", "bad")], OptionsValidation.Validate(new WholeObjectValidator(), "x", "Thing"));
    }

    /// <summary>Fails on the whole object, as a rule over several properties does.</summary>
    private sealed class WholeObjectValidator : FluentValidation.AbstractValidator<string>
    {
        public override FluentValidation.Results.ValidationResult Validate(FluentValidation.ValidationContext<string> context)
            => new([new FluentValidation.Results.ValidationFailure(string.Empty, "bad") { ErrorCode = "WHOLE" }]);
    }

    private static async Task WriteAsync(IJournal journal, string rentalId, params object[] events)
    {
        var streamId = "rental-" + rentalId;
        await journal.AppendAsync(streamId, ExpectedVersion.Exactly(0), EventSerializer.SerializeAll(streamId, 0, events));
    }
}
