using System.Text;
using Billing.Resilience.Journal;
using Billing.Resilience.Storage;

namespace Billing.Resilience.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL writer's decisions for one batch, without a database: the rules of <c>append_events</c> applied to a
/// whole batch in order (the journal tests run the same cases against the server).
/// </summary>
public class BatchPlanTests
{
    [Fact]
    public void Accepted_appends_get_the_next_versions_in_batch_order_and_later_appends_see_earlier_ones()
    {
        var a = Append("s", ExpectedVersion.Exactly(2), 2);
        var b = Append("t", ExpectedVersion.NoStream, 1);
        var c = Append("s", ExpectedVersion.Exactly(4), 1);
        var d = Append("s", ExpectedVersion.Any, 1);

        var plan = BatchPlan.Make([a, b, c, d], new Dictionary<string, long> { ["s"] = 2 });

        Assert.Equal([("s", 3L), ("s", 4L), ("t", 1L), ("s", 5L), ("s", 6L)], plan.Rows.Select(r => (r.StreamId, r.Version)));
        Assert.Equal(a.Events.Concat(b.Events).Concat(c.Events).Concat(d.Events), plan.Rows.Select(r => r.Event));
        Assert.Empty(plan.ReplayStreams);
        InsertAll(plan);
        var outcomes = plan.Outcomes();
        Assert.Equal([4L, 1L, 5L, 6L], outcomes.Select(o => o.Result!.NextExpectedVersion));
        Assert.Equal([102L, 103L, 104L, 105L], outcomes.Select(o => o.Result!.LastGlobalPosition));
    }

    [Fact]
    public void A_retry_of_an_append_accepted_earlier_in_the_batch_is_a_replay_with_its_position()
    {
        var original = Append("s", ExpectedVersion.NoStream, 2);
        var retry = new PendingAppend("s", ExpectedVersion.NoStream, original.Events);

        var plan = BatchPlan.Make([original, retry], new Dictionary<string, long>());

        Assert.Equal(2, plan.Rows.Count);
        Assert.Empty(plan.ReplayStreams);
        InsertAll(plan);
        var outcomes = plan.Outcomes();
        Assert.Equal(outcomes[0], outcomes[1]);
        Assert.Equal(new AppendResult(2, 102), outcomes[1].Result);
    }

    [Fact]
    public void A_replay_over_stored_and_batch_events_reads_only_the_stored_part_and_compares_both()
    {
        // Stored before the batch: versions 1 and 2 (ids x1, x2). The batch appends version 3, then replays 2..3.
        var x2 = Event();
        var third = Append("s", ExpectedVersion.Exactly(2), 1);
        var replay = new PendingAppend("s", ExpectedVersion.Exactly(1), [x2, third.Events[0]]);
        var wrong = new PendingAppend("s", ExpectedVersion.Exactly(1), [Event(), third.Events[0]]);

        var plan = BatchPlan.Make([third, replay, wrong], new Dictionary<string, long> { ["s"] = 2 });

        Assert.Equal([("s", 3L)], plan.Rows.Select(r => (r.StreamId, r.Version)));
        Assert.Equal(["s", "s"], plan.ReplayStreams);
        Assert.Equal([1L, 1L], plan.ReplayFrom);
        Assert.Equal([2L, 2L], plan.ReplayTo);
        plan.Stored("s", 2, x2.EventId, 40);
        InsertAll(plan);
        var outcomes = plan.Outcomes();
        Assert.Equal(new AppendResult(3, 101), outcomes[0].Result);
        Assert.Equal(new AppendResult(3, 101), outcomes[1].Result);
        var conflict = Assert.IsType<ConcurrencyConflictException>(outcomes[2].Error);
        Assert.Equal(3, conflict.Actual);
        Assert.Equal(ExpectedVersion.Exactly(1), conflict.Expected);
    }

    [Fact]
    public void A_replay_of_stored_events_only_takes_their_last_position()
    {
        var e1 = Event();
        var e2 = Event();
        var replay = new PendingAppend("s", ExpectedVersion.NoStream, [e1, e2]);

        var plan = BatchPlan.Make([replay], new Dictionary<string, long> { ["s"] = 5 });

        Assert.Empty(plan.Rows);
        Assert.Equal([0L], plan.ReplayFrom);
        Assert.Equal([2L], plan.ReplayTo);
        plan.Stored("s", 1, e1.EventId, 7);
        plan.Stored("s", 2, e2.EventId, 9);
        Assert.Equal(new AppendResult(2, 9), plan.Outcomes()[0].Result);
    }

    [Fact]
    public void Stored_events_that_differ_or_are_missing_make_the_append_a_conflict_with_the_current_version()
    {
        var e1 = Event();
        var different = new PendingAppend("s", ExpectedVersion.NoStream, [e1]);
        var missing = new PendingAppend("s", ExpectedVersion.Exactly(1), [Event()]);

        var plan = BatchPlan.Make([different, missing], new Dictionary<string, long> { ["s"] = 3 });
        plan.Stored("s", 1, Guid.NewGuid(), 5);

        var outcomes = plan.Outcomes();
        Assert.All(outcomes, o => Assert.Equal(3, Assert.IsType<ConcurrencyConflictException>(o.Error).Actual));
    }

    [Fact]
    public void An_append_expecting_a_version_the_stream_does_not_have_yet_is_a_conflict_and_writes_nothing()
    {
        var ahead = Append("s", ExpectedVersion.Exactly(3), 1);
        var newStream = Append("t", ExpectedVersion.Exactly(1), 1);

        var plan = BatchPlan.Make([ahead, newStream], new Dictionary<string, long> { ["s"] = 2 });

        Assert.Empty(plan.Rows);
        Assert.Empty(plan.ReplayStreams);
        var outcomes = plan.Outcomes();
        Assert.Equal(2, Assert.IsType<ConcurrencyConflictException>(outcomes[0].Error).Actual);
        Assert.Equal(0, Assert.IsType<ConcurrencyConflictException>(outcomes[1].Error).Actual);
    }

    [Fact]
    public void An_accepted_append_without_a_returned_position_is_an_invariant_violation()
    {
        var plan = BatchPlan.Make([Append("s", ExpectedVersion.NoStream, 1)], new Dictionary<string, long>());

        var error = Assert.Throws<InvariantViolationException>(() => plan.Outcomes());
        Assert.Contains("version 1 of 's'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>What the insert's RETURNING gives: positions from 101 in row order.</summary>
    private static void InsertAll(BatchPlan plan)
    {
        var position = 100L;
        foreach (var (streamId, version, _) in plan.Rows)
        {
            plan.Inserted(streamId, version, ++position);
        }
    }

    private static PendingAppend Append(string streamId, ExpectedVersion expected, int events)
        => new(streamId, expected, Enumerable.Range(0, events).Select(_ => Event()).ToArray());

    private static PendingEvent Event() => new(Guid.NewGuid(), "Tested", Encoding.UTF8.GetBytes("{}"));
}
