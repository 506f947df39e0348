using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using CsCheck;
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

    [Fact]
    public void A_telemetry_event_costs_no_more_in_a_rental_of_10_000_increments_than_in_one_of_10()
    {
        // The next state shares the increments with the one before it: before, each telemetry append copied the rental's
        // whole history (80 KB of references at 10,000 increments), O(n²) over a long rental.
        var started = Replay(Life[..4]);
        var small = WithDistance(started, 10);
        var large = WithDistance(started, 10_000);

        var intoSmall = Allocated(() => small.With([Increment(10)]));
        var intoLarge = Allocated(() => large.With([Increment(10_000)]));

        Assert.True(intoLarge <= intoSmall + 256, $"A telemetry event allocated {intoLarge} bytes in a rental of 10,000 increments, {intoSmall} in one of 10.");
        Assert.Equal(10_000, large.Distance.Count);
        Assert.Equal(10_001, large.With([Increment(10_000)]).Distance.Count);

        static RentalState WithDistance(RentalState state, int count)
        {
            for (var i = 0; i < count; i++)
            {
                state = state.With([Increment(i)]);
            }

            return state;
        }

        static long Allocated(Action action)
        {
            // Measured once: a second call on the same state would find the buffer's next slot taken by the first, and
            // copy (as it must). The code is compiled already: it ran above, 10,010 times.
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }

    [Fact]
    public void States_built_from_one_state_do_not_see_each_others_increments()
    {
        var started = Replay(Life[..5]); // one increment, at minute 5
        var a = started.With([Increment(6)]);
        var b = started.With([Increment(7)]);
        var late = started.With([new DistanceRecorded(T0 + Duration.FromMinutes(1), 0.25m, T0 + Duration.FromMinutes(9))]);

        Assert.Equal(["0:05 1.5"], Distances(started));
        Assert.Equal(["0:05 1.5", "0:06 0.1"], Distances(a));
        Assert.Equal(["0:05 1.5", "0:07 0.1"], Distances(b));
        Assert.Equal(["0:01 0.25", "0:05 1.5"], Distances(late));
        Assert.Equal(["0:05 1.5", "0:06 0.1", "0:08 0.1"], Distances(a.With([Increment(8)])));
        Assert.Equal(["0:05 1.5", "0:07 0.1"], Distances(b));

        static string[] Distances(RentalState state)
            => state.Distance.Select(d => $"{(d.At - T0).Hours}:{(d.At - T0).Minutes:00} {d.Kilometres}").ToArray();
    }

    [Fact]
    public void Replaying_a_long_rental_with_late_increments_costs_what_replaying_it_in_order_costs()
    {
        // A replay builds the increments in place and shares nothing until it ends: 10,000 increments, one in ten late,
        // allocate what the same increments in order allocate (the events' own deserialisation), not a copy of the
        // history per late increment.
        var inOrder = Recorded(late: false);
        var someLate = Recorded(late: true);
        RentalState.Replay("rental-r-1", inOrder); // compiled

        var forInOrder = Allocated(inOrder, out _);
        var forSomeLate = Allocated(someLate, out var state);

        Assert.True(forSomeLate <= forInOrder + (forInOrder / 10), $"Replaying 10,000 increments allocated {forSomeLate:N0} bytes with one in ten late, {forInOrder:N0} in order.");
        Assert.Equal(10_000, state.Distance.Count);
        Assert.True(state.Distance.Zip(state.Distance.Skip(1)).All(p => p.First.At <= p.Second.At));

        static RecordedEvent[] Recorded(bool late)
        {
            var events = new List<object>(Life[..4]);
            for (var i = 0; i < 10_000; i++)
            {
                var minute = late && i % 10 == 9 ? i - 5 : i;
                events.Add(new DistanceRecorded(T0 + Duration.FromMinutes(minute), 0.1m, T0 + Duration.FromMinutes(i)));
            }

            var data = EventSerializer.SerializeAll("rental-r-1", 0, [.. events]);
            return data.Select((d, i) => new RecordedEvent("rental-r-1", i + 1, i + 1, d.EventId, d.EventType, d.Payload)).ToArray();
        }

        static long Allocated(RecordedEvent[] recorded, out RentalState state)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            state = RentalState.Replay("rental-r-1", recorded);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }

    [Fact]
    public void Increments_of_one_instant_stay_in_the_order_they_were_received()
    {
        // Sorted by time, ties in order of receipt: a late increment goes after those of its instant, not before.
        var state = Replay(Life[..4]);
        foreach (var (minute, km) in new[] { (5, 0.1m), (7, 0.2m), (5, 0.3m), (5, 0.4m), (6, 0.5m) })
        {
            state = state.With([new DistanceRecorded(T0 + Duration.FromMinutes(minute), km, T0 + Duration.FromHours(1))]);
        }

        Assert.Equal([0.1m, 0.3m, 0.4m, 0.5m, 0.2m], state.Distance.Select(d => d.Kilometres).ToArray());
    }

    [Fact]
    public void A_duplicate_increment_is_recognised_among_many_and_among_ties()
    {
        // HasDistance searches by time: the same time with other kilometres is another increment; increments that
        // arrived out of order are found where they were sorted in.
        GenIncrements.Sample(increments =>
        {
            var state = Replay(Life[..4]);
            foreach (var (minute, tenths) in increments)
            {
                state = state.With([new DistanceRecorded(T0 + Duration.FromMinutes(minute), tenths / 10m, T0 + Duration.FromHours(1))]);
            }

            // Sorted by time, ties in order of receipt (a stable sort of the increments as received), as a replay gives them.
            var expected = increments.OrderBy(i => i.Minute).Select(i => $"{i.Minute} {i.Tenths / 10m}").ToArray();
            Assert.Equal(expected, state.Distance.Select(d => $"{(d.At - T0).Minutes} {d.Kilometres}").ToArray());
            Assert.Equal(expected, Replay([.. Life[..4], .. increments.Select(i => new DistanceRecorded(T0 + Duration.FromMinutes(i.Minute), i.Tenths / 10m, T0 + Duration.FromHours(1)))]).Distance.Select(d => $"{(d.At - T0).Minutes} {d.Kilometres}").ToArray());

            for (var minute = -1; minute <= 21; minute++)
            {
                for (var tenths = 0; tenths <= 4; tenths++)
                {
                    var at = T0 + Duration.FromMinutes(minute);
                    Assert.Equal(increments.Contains((minute, tenths)), state.HasDistance(at, tenths / 10m));
                }
            }
        });
    }

    private static readonly Gen<(int Minute, int Tenths)[]> GenIncrements =
        Gen.Select(Gen.Int[0, 20], Gen.Int[1, 4]).Array[0, 60];

    private static DistanceRecorded Increment(int minute)
        => new(T0 + Duration.FromMinutes(minute), 0.1m, T0 + Duration.FromMinutes(minute));

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
