using Billing.Resilience.Journal;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>The rental-state cache: two generations of half the capacity, the older dropped when the newer fills.</summary>
public class RentalStateCacheTests
{
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 6, 0);

    [Fact]
    public void With_capacity_0_nothing_is_kept()
    {
        var cache = new RentalStateCache(0);
        cache.Set(State("r-1"));

        Assert.False(cache.TryGet("rental-r-1", out _));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Capacity);
    }

    [Fact]
    public void A_negative_capacity_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new RentalStateCache(-1));

    [Fact]
    public void When_the_newer_generation_is_full_the_older_is_dropped_but_what_was_used_in_it_is_kept()
    {
        var cache = new RentalStateCache(4); // two generations of 2
        var a = State("a");
        var b = State("b");
        var c = State("c");
        cache.Set(a);
        cache.Set(b); // the newer generation is full
        cache.Set(c); // so it becomes the older one, {a, b}; c starts the new one

        Assert.True(cache.TryGet(a.StreamId, out var foundA)); // found in the older generation: kept again in the newer
        Assert.Same(a, foundA);
        var d = State("d");
        cache.Set(d); // the newer {c, a} is full: it becomes the older one; b, not used since, is dropped

        Assert.False(cache.TryGet(b.StreamId, out _));
        foreach (var kept in new[] { a, c, d })
        {
            Assert.True(cache.TryGet(kept.StreamId, out var found));
            Assert.Same(kept, found);
        }
    }

    [Fact]
    public void A_state_used_once_a_generation_survives_any_number_of_new_states_and_the_cache_stays_within_its_capacity()
    {
        var cache = new RentalStateCache(100);
        var hot = State("hot");
        cache.Set(hot);
        for (var i = 0; i < 10_000; i++)
        {
            cache.Set(State("r-" + i));
            if (i % 25 == 0)
            {
                Assert.True(cache.TryGet(hot.StreamId, out var found), $"the state in use was dropped after {i} new states");
                Assert.Same(hot, found);
            }

            Assert.InRange(cache.Count, 1, 101); // a state moving to the newer generation counts twice for a moment
        }

        // Not used for a whole generation (50 new states, 100 with the older one): gone.
        for (var i = 0; i < 100; i++)
        {
            cache.Set(State("s-" + i));
        }

        Assert.False(cache.TryGet(hot.StreamId, out _));
    }

    [Fact]
    public void A_newer_version_is_not_replaced_by_an_older_one_in_either_generation()
    {
        var cache = new RentalStateCache(4);
        var v1 = State("r-1");
        var v2 = v1.With([End()]);

        cache.Set(v2);
        cache.Set(v1); // a load that read the journal before the append committed
        Assert.True(cache.TryGet(v1.StreamId, out var kept));
        Assert.Same(v2, kept);

        cache.Set(State("x")); // the newer generation {r-1, x} is full
        cache.Set(v1);         // it becomes the older one; v1 goes into the new generation, but the older one has v2
        Assert.True(cache.TryGet(v1.StreamId, out kept));
        Assert.Same(v2, kept);

        var v3 = v2.With([End(2)]);
        cache.Set(v3);
        Assert.True(cache.TryGet(v1.StreamId, out kept));
        Assert.Same(v3, kept);
    }

    [Fact]
    public void Remove_drops_a_state_from_either_generation_and_frees_its_place()
    {
        var (cache, a, b) = WithAAndBOlderAndCNewer();
        Assert.True(cache.TryGet(a.StreamId, out _)); // a moved to the newer generation
        cache.Remove(a.StreamId);
        Assert.False(cache.TryGet(a.StreamId, out _));

        var fresh = new RentalStateCache(4);
        fresh.Set(a);
        fresh.Set(b);
        fresh.Remove(a.StreamId);      // the newer generation holds b alone again
        fresh.Remove(a.StreamId);      // not kept any more: changes nothing
        fresh.Remove("rental-unknown");
        fresh.Set(State("c"));         // {b, c}: full, no turn over yet
        fresh.Set(State("d"));         // {b, c} older, {d} newer
        fresh.Set(State("e"));         // {d, e}: b still in the older generation
        Assert.True(fresh.TryGet(b.StreamId, out var foundB), "a removed state kept its place in the count");
        Assert.Same(b, foundB);
    }

    [Fact]
    public void A_state_moved_out_of_the_older_generation_or_replaced_by_an_append_leaves_no_copy_behind()
    {
        var (cache, a, _) = WithAAndBOlderAndCNewer();
        Assert.True(cache.TryGet(a.StreamId, out _));
        Assert.Equal(3, cache.Count);  // a moved: {b} older, {c, a} newer

        var d = State("d");
        cache.Set(d);                  // {c, a} older, {d} newer; b dropped
        var d2 = d.With([End()]);      // an append from d while it sits in the newer generation
        cache.Set(d2);
        Assert.Equal(3, cache.Count);  // {c, a} older, {d2} newer: replaced in place

        var e = State("e");
        cache.Set(e);                  // {d2, e} newer: full
        cache.Set(d);                  // the old version again (a load that read the journal before the append):
        Assert.True(cache.TryGet(d.StreamId, out var kept)); // the newer generation turns over, and d2 comes along
        Assert.Same(d2, kept);
        Assert.Equal(2, cache.Count);  // {e} older, {d2} newer: no copy of d left behind

        var e2 = e.With([End()]);      // an append from a state read before e went to the older generation
        cache.Set(e2);
        Assert.Equal(2, cache.Count);  // {} older, {d2, e2} newer: the older copy went
        Assert.True(cache.TryGet(e.StreamId, out kept));
        Assert.Same(e2, kept);
    }

    [Fact]
    public async Task Concurrent_loads_and_appends_keep_each_rental_s_newest_version_and_the_bound()
    {
        // No turn over (capacity well above the rentals): every rental ends with the newest version any worker set,
        // whatever order the workers' sets landed in.
        var large = new RentalStateCache(1_000);
        var newest = await HammerAsync(large, rentals: 200);
        for (var r = 0; r < 200; r++)
        {
            Assert.True(large.TryGet("rental-r-" + r, out var kept));
            Assert.Equal(newest[r], kept.Version);
        }

        // Turning over all the time: no exception, and within the bound give or take what the 8 racing workers add to
        // each generation while it turns over.
        var small = new RentalStateCache(16);
        await HammerAsync(small, rentals: 200);
        Assert.InRange(small.Count, 1, 16 + (2 * 8));
    }

    private const int Versions = 20;

    /// <summary>8 workers set random versions of random rentals, as loads racing appends would; returns the newest
    /// version set for each rental.</summary>
    private static async Task<long[]> HammerAsync(RentalStateCache cache, int rentals)
    {
        var states = Enumerable.Range(0, rentals).Select(r =>
        {
            var list = new List<RentalState> { State("r-" + r) };
            for (var v = 2; v <= Versions; v++)
            {
                list.Add(list[^1].With([End(v)]));
            }

            return list;
        }).ToArray();
        var newest = new long[rentals];

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 20_000; i++)
            {
                var r = random.Next(rentals);
                var state = states[r][random.Next(Versions)];
                cache.Set(state);
                for (var seen = Volatile.Read(ref newest[r]); seen < state.Version; seen = Volatile.Read(ref newest[r]))
                {
                    Interlocked.CompareExchange(ref newest[r], state.Version, seen);
                }

                if (cache.TryGet(state.StreamId, out var kept))
                {
                    Assert.Equal(state.StreamId, kept.StreamId);
                }
            }
        })));

        return newest;
    }

    /// <summary>A cache of capacity 4 (generations of 2) holding {a, b} in its older generation and {c} in its newer.</summary>
    private static (RentalStateCache Cache, RentalState A, RentalState B) WithAAndBOlderAndCNewer()
    {
        var cache = new RentalStateCache(4);
        var a = State("a");
        var b = State("b");
        cache.Set(a);
        cache.Set(b);
        cache.Set(State("c"));
        return (cache, a, b);
    }

    private static RentalState State(string rentalId)
    {
        var stream = "rental-" + rentalId;
        return RentalState.Empty(stream).With([new RentalStarted(rentalId, "u-1", "kickboard", "KRW", T0, null)]);
    }

    private static EndSignalReceived End(int minutes = 1)
        => new(T0 + Duration.FromMinutes(minutes), T0 + Duration.FromMinutes(minutes), EndSignalSource.Vehicle);
}
