using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary><c>RentalState.With</c> builds on the previous state instead of replaying the history: it must give what a replay gives, and leave the previous state alone.</summary>
public class RentalStateTests
{
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 6, 0);

    private static readonly object[] Life =
    [
        new RentalRequested("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
        new PaymentRequested("r-1/authorize/1", PaymentOperationKind.Authorize, 10_000, "KRW", "psp", null, T0),
        new PaymentCompleted("r-1/authorize/1", PaymentOutcome.Succeeded, "auth-1", 10_000, null, T0 + Duration.FromSeconds(1)),
        new RentalStarted("r-1", "u-1", "kickboard", "KRW", T0, 10_000),
        new DistanceRecorded(T0 + Duration.FromMinutes(5), 1.5m, T0 + Duration.FromMinutes(5)),
        new DistanceRecorded(T0 + Duration.FromMinutes(3), 0.5m, T0 + Duration.FromMinutes(6)), // late: sorted in by time
        new EndSignalReceived(T0 + Duration.FromMinutes(20), T0 + Duration.FromHours(2), EndSignalSource.Vehicle),
        new EndSignalReceived(T0 + Duration.FromMinutes(20), T0 + Duration.FromHours(3), EndSignalSource.Vehicle), // duplicate
        new PaymentRequested("r-1/capture/1", PaymentOperationKind.Capture, 4_600, "KRW", "psp", "auth-1", T0 + Duration.FromHours(3)),
        new PaymentCompleted("r-1/capture/1", PaymentOutcome.Unknown, null, null, "timeout", T0 + Duration.FromHours(3)),
        new PaymentCompleted("r-1/capture/1", PaymentOutcome.Succeeded, "cap-1", 4_600, null, T0 + Duration.FromHours(4)),
    ];

    [Fact]
    public void Appending_in_steps_gives_the_state_a_replay_of_the_journal_gives()
    {
        for (var split = 0; split <= Life.Length; split++)
        {
            var state = RentalState.Empty("rental-r-1");
            foreach (var chunk in new[] { Life[..split], Life[split..] })
            {
                state = state.With(chunk);
            }

            Assert.Equal(Describe(Replay(Life)), Describe(state));
        }
    }

    [Fact]
    public void The_previous_state_is_left_as_it_was()
    {
        var before = Replay(Life[..9]); // the capture is requested, its outcome not known
        var described = Describe(before);

        var after = before.With(Life[9..]);

        Assert.Equal(described, Describe(before));
        Assert.Null(before.Payments[^1].Outcome);
        Assert.Equal(PaymentOutcome.Succeeded, after.Payments[^1].Outcome);
        Assert.Equal(9, before.Version);
        Assert.Equal(Life.Length, after.Version);
    }

    [Fact]
    public void A_broken_stream_is_refused_as_a_replay_refuses_it()
    {
        var state = Replay(Life[..3]);

        Assert.Throws<InvariantViolationException>(() => state.With([Life[2]])); // completed twice
        Assert.Throws<InvariantViolationException>(() => state.With([new PaymentCompleted("r-1/void/1", PaymentOutcome.Succeeded, null, null, null, T0)]));
    }

    private static RentalState Replay(object[] events)
    {
        var data = EventSerializer.SerializeAll("rental-r-1", 0, events);
        return RentalState.Replay("rental-r-1", data.Select((d, i) => new RecordedEvent("rental-r-1", i + 1, i + 1, d.EventId, d.EventType, d.Payload)).ToArray());
    }

    private static string Describe(RentalState s)
        => string.Join(
            "\n",
            $"v{s.Version} {s.RentalId} {s.RiderId} {s.PlanId} {s.Currency} {s.StartedAt} hold={s.HoldAmount} started={s.IsStarted} refused={s.RefusalReason}",
            "signals: " + string.Join(", ", s.Signals.Select(x => $"{x.At}/{x.ReceivedAt}/{x.Source}")),
            "distance: " + string.Join(", ", s.Distance.Select(d => $"{d.At}/{d.Kilometres}")),
            "payments: " + string.Join(", ", s.Payments.Select(p => $"{p.Key} {p.Kind} {p.Amount} {p.Gateway} {p.Reference} {p.RequestedAt} -> {p.Outcome} {p.ResultReference} {p.AppliedAmount} {p.Reason} {p.CompletedAt}")));
}
