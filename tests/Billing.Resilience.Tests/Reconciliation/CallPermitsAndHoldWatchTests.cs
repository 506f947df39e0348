using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>The reconciler's per-second call budget and its watch on holds that are about to expire.</summary>
public class CallPermitsAndHoldWatchTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 5, 1, 8, 0, 0);

    [Fact]
    public void A_budget_of_n_calls_gives_n_permits_in_a_second_and_n_again_in_the_next()
    {
        var clock = new FakeClock(T0);
        var permits = new CallPermits(3, clock);

        Assert.Equal([true, true, true, false, false], Enumerable.Range(0, 5).Select(_ => permits.TryTake()));

        clock.Advance(Duration.FromMilliseconds(999));
        Assert.False(permits.TryTake());

        clock.Advance(Duration.FromMilliseconds(1));
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => permits.TryTake()));
    }

    [Fact]
    public void A_budget_of_one_call_per_second_gives_exactly_one()
    {
        var clock = new FakeClock(T0);
        var permits = new CallPermits(1, clock);

        Assert.True(permits.TryTake());
        Assert.False(permits.TryTake());
        clock.Advance(Duration.FromSeconds(5));
        Assert.True(permits.TryTake());
        Assert.False(permits.TryTake());
    }

    [Fact]
    public void A_hold_is_reported_once_when_it_expires_at_or_before_the_horizon()
    {
        var watch = new HoldWatch();
        var r1 = RentalId.From("r-1");
        var r2 = RentalId.From("r-2");
        watch.Track(r1, T0 + Duration.FromHours(2));
        watch.Track(r2, T0 + Duration.FromHours(3));
        Assert.Equal(2, watch.Count);

        Assert.Empty(watch.TakeExpiringBefore(T0 + Duration.FromHours(2) - Duration.Epsilon));
        Assert.Equal([(r1, T0 + Duration.FromHours(2))], watch.TakeExpiringBefore(T0 + Duration.FromHours(2)));
        Assert.Empty(watch.TakeExpiringBefore(T0 + Duration.FromHours(2)));
        Assert.Equal([(r2, T0 + Duration.FromHours(3))], watch.TakeExpiringBefore(T0 + Duration.FromHours(10)));
        Assert.Equal(2, watch.Count);
    }

    [Fact]
    public void A_new_hold_of_a_rental_is_reported_again_and_a_forgotten_one_never()
    {
        var watch = new HoldWatch();
        var r1 = RentalId.From("r-1");
        watch.Track(r1, T0);
        Assert.Single(watch.TakeExpiringBefore(T0));

        watch.Track(r1, T0 + Duration.FromHours(1));
        Assert.Equal([(r1, T0 + Duration.FromHours(1))], watch.TakeExpiringBefore(T0 + Duration.FromHours(1)));

        watch.Forget(r1);
        Assert.Equal(0, watch.Count);
        watch.Forget(r1);
        Assert.Empty(watch.TakeExpiringBefore(Instant.MaxValue));
    }
}
