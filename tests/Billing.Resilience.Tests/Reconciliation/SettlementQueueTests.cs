using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>The settlement queue on its own: due times, the order it hands rentals out, attempts, and stale entries.</summary>
public class SettlementQueueTests
{
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 6, 0);
    private static readonly RentalId A = RentalId.From("r-a");
    private static readonly RentalId B = RentalId.From("r-b");
    private static readonly RentalId C = RentalId.From("r-c");

    [Fact]
    public void An_empty_queue_has_nothing_due()
    {
        var queue = new SettlementQueue();
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.NextDue());
        Assert.Empty(queue.TakeDue(T0 + Duration.FromDays(1), 10));
    }

    [Fact]
    public void Rentals_are_handed_out_earliest_first_up_to_the_maximum_and_only_when_due()
    {
        var queue = new SettlementQueue();
        queue.MarkDue(B, T0 + Duration.FromSeconds(2));
        queue.MarkDue(A, T0 + Duration.FromSeconds(1));
        queue.MarkDue(C, T0 + Duration.FromSeconds(3));

        Assert.Equal(3, queue.Count);
        Assert.Equal(T0 + Duration.FromSeconds(1), queue.NextDue());
        Assert.Empty(queue.TakeDue(T0, 10));
        Assert.Equal([A], queue.TakeDue(T0 + Duration.FromSeconds(1), 10));
        Assert.Equal([A, B], queue.TakeDue(T0 + Duration.FromSeconds(2), 10));
        Assert.Equal([A, B], queue.TakeDue(T0 + Duration.FromSeconds(3), 2));
        Assert.Equal([A, B, C], queue.TakeDue(T0 + Duration.FromSeconds(3), 3));
        Assert.Empty(queue.TakeDue(T0 + Duration.FromSeconds(3), 0));
        Assert.Equal(3, queue.Count); // taking does not remove
    }

    [Fact]
    public void Equal_due_times_are_handed_out_in_the_order_they_were_set()
    {
        var queue = new SettlementQueue();
        queue.MarkDue(C, T0);
        queue.MarkDue(A, T0);
        queue.MarkDue(B, T0);
        Assert.Equal([C, A, B], queue.TakeDue(T0, 10));
        Assert.Equal([C, A, B], queue.TakeDue(T0, 10));
    }

    [Fact]
    public void Marking_a_rental_again_replaces_its_due_time_and_the_old_one_is_ignored()
    {
        var queue = new SettlementQueue();
        queue.MarkDue(A, T0);
        queue.MarkDue(B, T0 + Duration.FromSeconds(1));
        queue.MarkDue(A, T0 + Duration.FromSeconds(5));

        Assert.Equal(2, queue.Count);
        Assert.Equal(T0 + Duration.FromSeconds(1), queue.NextDue());
        Assert.Equal([B], queue.TakeDue(T0 + Duration.FromSeconds(4), 10));
        Assert.Equal([B, A], queue.TakeDue(T0 + Duration.FromSeconds(5), 10));
    }

    [Fact]
    public void A_removed_rental_is_not_handed_out_and_not_counted()
    {
        var queue = new SettlementQueue();
        queue.MarkDue(A, T0);
        queue.MarkDue(B, T0 + Duration.FromSeconds(1));
        Remove(queue, A);
        Remove(queue, C); // not queued: nothing happens

        Assert.Equal(1, queue.Count);
        Assert.Equal(T0 + Duration.FromSeconds(1), queue.NextDue());
        Assert.Equal([B], queue.TakeDue(T0 + Duration.FromSeconds(1), 10));
        Remove(queue, B);
        Assert.Null(queue.NextDue());
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Deferring_counts_attempts_and_marking_due_resets_them()
    {
        var queue = new SettlementQueue();
        var seen = new List<int>();
        Instant Next(int attempts)
        {
            seen.Add(attempts);
            return T0 + Duration.FromSeconds(attempts * 10);
        }

        Assert.Equal(1, queue.Defer(A, Next)); // not queued before: the first attempt
        Assert.Equal(2, queue.Defer(A, Next));
        Assert.Equal(T0 + Duration.FromSeconds(20), queue.NextDue());
        queue.Postpone(A, T0 + Duration.FromSeconds(1)); // no attempt counted
        Assert.Equal(T0 + Duration.FromSeconds(1), queue.NextDue());
        Assert.Equal(3, queue.Defer(A, Next));
        queue.MarkDue(A, T0);
        Assert.Equal(1, queue.Defer(A, Next));
        Assert.Equal([1, 2, 3, 1], seen);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Postponing_a_rental_that_is_not_queued_queues_it_with_no_attempts()
    {
        var queue = new SettlementQueue();
        queue.Postpone(A, T0 + Duration.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal([A], queue.TakeDue(T0 + Duration.FromSeconds(1), 1));
        Assert.Equal(1, queue.Defer(A, _ => T0));
    }

    [Fact]
    public void Making_every_rental_due_brings_later_ones_forward_keeps_earlier_ones_and_keeps_attempts()
    {
        var queue = new SettlementQueue();
        queue.Defer(A, _ => T0 + Duration.FromMinutes(5));
        queue.Defer(A, _ => T0 + Duration.FromMinutes(5)); // two attempts
        queue.MarkDue(B, T0 - Duration.FromMinutes(1));
        queue.MarkDue(C, T0);

        queue.MarkAllDue(T0);

        Assert.Equal(T0 - Duration.FromMinutes(1), queue.NextDue());
        Assert.Equal([B, C, A], queue.TakeDue(T0, 10));
        Assert.Equal(3, queue.Defer(A, _ => T0));
        Assert.Equal(3, queue.Count);
    }

    [Fact]
    public void Making_every_rental_due_rebuilds_the_heap_instead_of_doubling_it_and_keeps_the_order_they_were_set_in()
    {
        var queue = new SettlementQueue();
        var rentals = Enumerable.Range(0, 5_000).Select(i => RentalId.From("r-" + i)).ToArray();
        foreach (var rental in rentals)
        {
            queue.MarkDue(rental, T0 + Duration.FromHours(20)); // waiting for the payment backend
        }

        queue.MarkAllDue(T0);

        Assert.Equal(5_000, queue.HeapCount);
        Assert.Equal(rentals, queue.TakeDue(T0, 10_000));

        // After a removal the dictionary reuses the free slot: the order is still the order the rentals were set in.
        var other = new SettlementQueue();
        other.MarkDue(A, T0 + Duration.FromHours(1));
        other.MarkDue(B, T0 + Duration.FromHours(1));
        Remove(other, A);
        other.MarkDue(C, T0 + Duration.FromHours(2));
        other.MarkDue(A, T0 + Duration.FromHours(3));
        other.MarkAllDue(T0);
        Assert.Equal([B, C, A], other.TakeDue(T0, 10));
    }

    [Fact]
    public void Stale_items_never_outnumber_the_live_ones_by_much()
    {
        var queue = new SettlementQueue();
        for (var round = 0; round < 10_000; round++)
        {
            queue.MarkDue(A, T0 + Duration.FromSeconds(round % 7));
            queue.Defer(B, attempts => T0 + Duration.FromSeconds(attempts % 5));
            Assert.InRange(queue.HeapCount, 2, (2 * 2) + 1_024 + 1);
        }

        Assert.Equal(2, queue.Count);
        var due = queue.TakeDue(T0 + Duration.FromSeconds(10), 10);
        Assert.Equal(2, due.Count);
        Assert.Equal(new[] { A, B }.ToHashSet(), due.ToHashSet());
    }

    [Fact]
    public void A_settled_backlog_gives_its_memory_back()
    {
        var queue = new SettlementQueue();
        var rentals = Enumerable.Range(0, 100_000).Select(i => RentalId.From("r-" + i)).ToArray();
        foreach (var rental in rentals)
        {
            queue.MarkDue(rental, T0);
        }

        Assert.True(queue.EntryCapacity >= 100_000);
        foreach (var rental in rentals.Take(99_990))
        {
            Remove(queue, rental);
        }

        Assert.Equal(10, queue.Count);
        Assert.InRange(queue.HeapCount, 10, (2 * 10) + 1_024 + 1);
        Assert.InRange(queue.EntryCapacity, 10, 25_000);
        Assert.Equal(rentals.Skip(99_990), queue.TakeDue(T0, 100));
    }

    [Fact]
    public void A_ticket_removes_a_rental_only_if_nobody_marked_it_since()
    {
        var queue = new SettlementQueue();
        Assert.Equal(0, queue.Ticket(A));
        Assert.False(queue.Remove(A, 0)); // not queued: nothing to remove

        queue.MarkDue(A, T0);
        var ticket = queue.Ticket(A);
        queue.MarkDue(A, T0); // an end signal arrived while the rental was read
        Assert.False(queue.Remove(A, ticket));
        Assert.Equal(1, queue.Count);

        Assert.True(queue.Remove(A, queue.Ticket(A)));
        Assert.Equal(0, queue.Count);
    }

    /// <summary>Removes a rental as the reconciler does, with a ticket read just before.</summary>
    private static void Remove(SettlementQueue queue, RentalId rentalId) => queue.Remove(rentalId, queue.Ticket(rentalId));
}
