using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>A rental's state from its events: holds, ties, duplicates, and the broken streams it refuses with a message.</summary>
public class RentalStateEdgeTests
{
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 6, 0);

    [Fact]
    public void A_request_sets_the_hold_and_a_start_without_a_hold_clears_it()
    {
        var requested = RentalState.Empty("rental-r-1").With([new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000)]);
        Assert.Equal(Money.FromMinorUnits(10_000, CurrencyCode.KRW), requested.HoldAmount);
        Assert.False(requested.IsStarted);
        Assert.Equal((RentalId.From("r-1"), RiderId.From("u-1"), "kickboard", CurrencyCode.KRW, T0), (requested.RentalId, requested.RiderId, requested.PlanId, requested.Currency, requested.StartedAt));

        var started = RentalState.Empty("rental-r-2").With([new RentalStarted("r-2", "u-2", "bike", "USD", T0 + Duration.FromMinutes(1), null)]);
        Assert.Null(started.HoldAmount);
        Assert.True(started.IsStarted);
        Assert.Equal((CurrencyCode.USD, T0 + Duration.FromMinutes(1), 1L), (started.Currency, started.StartedAt, started.Version));
        Assert.Equal("rental-r-7", RentalState.StreamIdFor(RentalId.From("r-7")));
    }

    [Fact]
    public void Increments_at_the_same_time_keep_their_order_of_receipt_and_a_repeated_signal_is_kept_once()
    {
        var state = RentalState.Empty("rental-r-1").With(
        [
            new RentalStarted("r-1", "u-1", "kickboard", "KRW", T0, null),
            new DistanceRecorded(T0 + Duration.FromMinutes(2), 1m, T0 + Duration.FromMinutes(2)),
            new DistanceRecorded(T0 + Duration.FromMinutes(2), 2m, T0 + Duration.FromMinutes(3)),
            new DistanceRecorded(T0 + Duration.FromMinutes(1), 3m, T0 + Duration.FromMinutes(4)),
            new DistanceRecorded(T0 + Duration.FromMinutes(2), 4m, T0 + Duration.FromMinutes(5)),
            new EndSignalReceived(T0 + Duration.FromMinutes(9), T0 + Duration.FromMinutes(9), EndSignalSource.Vehicle),
            new EndSignalReceived(T0 + Duration.FromMinutes(9), T0 + Duration.FromMinutes(10), EndSignalSource.Operator),
            new EndSignalReceived(T0 + Duration.FromMinutes(9), T0 + Duration.FromMinutes(11), EndSignalSource.Vehicle),
        ]);

        Assert.Equal([3m, 1m, 2m, 4m], state.Distance.Select(d => d.Kilometres));
        Assert.Equal([EndSignalSource.Vehicle, EndSignalSource.Operator], state.Signals.Select(s => s.Source));
        Assert.Equal(T0 + Duration.FromMinutes(9), state.Signals[0].ReceivedAt);
        Assert.True(state.HasSignal(EndSignalSource.Operator, T0 + Duration.FromMinutes(9)));
        Assert.False(state.HasSignal(EndSignalSource.Rider, T0 + Duration.FromMinutes(9)));
        Assert.True(state.HasDistance(T0 + Duration.FromMinutes(2), 2m));
        Assert.False(state.HasDistance(T0 + Duration.FromMinutes(2), 3m));
        Assert.False(state.HasDistance(T0 + Duration.FromMinutes(3), 2m));
        Assert.Equal(8, state.Version); // every event counts, the repeated signal too
    }

    [Fact]
    public void Payment_steps_read_their_outcome()
    {
        var state = RentalState.Empty("rental-r-1").With(
        [
            new RentalStarted("r-1", "u-1", "kickboard", "KRW", T0, null),
            new PaymentRequested("r-1/charge/1", PaymentOperationKind.Charge, 2_800, "KRW", "psp", null, T0),
            new PaymentRequested("r-1/charge/2", PaymentOperationKind.Charge, 2_800, "KRW", "psp", "ref", T0),
            new PaymentCompleted("r-1/charge/2", PaymentOutcome.Unknown, null, null, "timeout", T0),
            new PaymentRequested("r-1/charge/3", PaymentOperationKind.Charge, 2_800, "KRW", "psp", null, T0),
            new PaymentCompleted("r-1/charge/3", PaymentOutcome.Declined, null, null, "no", T0),
            new PaymentRequested("r-1/charge/4", PaymentOperationKind.Charge, 2_800, "KRW", "psp", null, T0),
            new PaymentCompleted("r-1/charge/4", PaymentOutcome.Succeeded, "ch", 2_700, null, T0 + Duration.FromSeconds(1)),
        ]);

        Assert.Equal([true, true, false, false], state.Payments.Select(p => p.IsUnresolved));
        Assert.Equal([false, false, false, true], state.Payments.Select(p => p.Succeeded));
        Assert.Equal("ref", state.Payments[1].Reference);
        Assert.Null(state.Payments[2].AppliedAmount);
        Assert.Equal(Money.FromMinorUnits(2_700, CurrencyCode.KRW), state.Payments[3].AppliedAmount);
        Assert.Equal(("ch", T0 + Duration.FromSeconds(1)), (state.Payments[3].ResultReference, state.Payments[3].CompletedAt));
    }

    [Fact]
    public void A_broken_stream_is_refused_with_a_message_that_names_the_problem()
    {
        var started = RentalState.Empty("rental-r-1").With(
        [
            new RentalStarted("r-1", "u-1", "kickboard", "KRW", T0, null),
            new PaymentRequested("r-1/charge/1", PaymentOperationKind.Charge, 2_800, "KRW", "psp", null, T0),
            new PaymentCompleted("r-1/charge/1", PaymentOutcome.Declined, null, null, "no", T0),
        ]);

        Assert.Equal(
            "rental-r-1: idempotency key r-1/charge/1 requested twice.",
            Assert.Throws<InvariantViolationException>(() => started.With([new PaymentRequested("r-1/charge/1", PaymentOperationKind.Charge, 1, "KRW", "psp", null, T0)])).Message);
        Assert.Equal(
            "rental-r-1: completion of unknown payment r-1/void/1.",
            Assert.Throws<InvariantViolationException>(() => started.With([new PaymentCompleted("r-1/void/1", PaymentOutcome.Succeeded, null, null, null, T0)])).Message);
        Assert.Equal(
            "rental-r-1: payment r-1/charge/1 completed twice.",
            Assert.Throws<InvariantViolationException>(() => started.With([new PaymentCompleted("r-1/charge/1", PaymentOutcome.Succeeded, null, null, null, T0)])).Message);
        Assert.Equal(
            "rental-r-1: unexpected event OutageBegan.",
            Assert.Throws<InvariantViolationException>(() => started.With([new OutageBegan("payment-1", Billing.Resilience.Outages.Dependency.Payment, T0, null)])).Message);
        Assert.Equal(3, started.Version);

        var data = EventSerializer.SerializeAll("rental-r-1", 0, [new RentalStarted("r-1", "u-1", "kickboard", "KRW", T0, null)]);
        var gap = new RecordedEvent("rental-r-1", 2, 2, data[0].EventId, data[0].EventType, data[0].Payload);
        Assert.Equal(
            "rental-r-1: version 2 follows 0.",
            Assert.Throws<InvariantViolationException>(() => RentalState.Replay("rental-r-1", [gap])).Message);
    }
}
