using Billing.Resilience.Rentals;
using CsCheck;

namespace Billing.Resilience.Tests.Rentals;

/// <summary><c>SnapshotList</c>: every list built stays as it was, however its successors share its buffer.</summary>
public class SnapshotListTests
{
    /// <summary>The newest list built so far, as a program's "from".</summary>
    private const int Newest = -1;

    /// <summary>A program: from which list (<see cref="Newest"/> most of the time, as a rental's states grow, otherwise an
    /// index into those built so far), insert where (-1, most of the time: add at the end), what value.</summary>
    private static readonly Gen<(int From, int Where, int Value)[]> GenProgram =
        Gen.Select(
            Gen.Frequency((3, Gen.Const(Newest)), (1, Gen.Int[0, 1_000])),
            Gen.Frequency((3, Gen.Const(-1)), (1, Gen.Int[0, 40])),
            Gen.Int).Array[1, 120];

    [Fact]
    public void Every_list_keeps_its_items_whatever_is_built_from_it_or_from_its_ancestors()
    {
        // The model: a separate List<int> per list built. Adds to the newest list share its buffer, adds to older ones
        // and inserts copy; after every step, every list built so far must still equal its model.
        GenProgram.Sample(program =>
        {
            var lists = new List<SnapshotList<int>> { SnapshotList<int>.Empty };
            var models = new List<List<int>> { new() };
            foreach (var (from, where, value) in program)
            {
                var i = from == Newest ? lists.Count - 1 : from % lists.Count;
                var model = new List<int>(models[i]);
                SnapshotList<int> next;
                if (where < 0)
                {
                    next = lists[i].Add(value);
                    model.Add(value);
                }
                else
                {
                    var index = where % (model.Count + 1);
                    next = lists[i].Insert(index, value);
                    model.Insert(index, value);
                }

                lists.Add(next);
                models.Add(model);
                for (var k = 0; k < lists.Count; k++)
                {
                    Assert.Equal<int>(models[k], lists[k]);
                    Assert.Equal<int>(models[k], lists[k].AsSpan().ToArray());
                    Assert.Equal(models[k].Count, lists[k].Count);
                }
            }
        });
    }

    [Fact]
    public void Threads_adding_to_one_list_at_once_each_get_their_own_item()
    {
        // One of them claims the shared buffer's next slot, the others copy: none sees another's item.
        var list = SnapshotList<int>.Empty;
        for (var i = 0; i < 100; i++)
        {
            list = list.Add(i);
        }

        var results = new SnapshotList<int>[20_000];
        Parallel.For(0, results.Length, i => results[i] = list.Add(1_000 + i));

        Assert.Equal<int>(Enumerable.Range(0, 100), list);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(101, results[i].Count);
            Assert.Equal(1_000 + i, results[i][100]);
            Assert.Equal(99, results[i][99]);
        }
    }

    [Fact]
    public void Two_threads_adding_to_one_list_at_the_same_moment_never_share_a_slot()
    {
        // Both threads wait on a spin until the other is ready, then add to the same fresh list: over many rounds the two
        // adds overlap, and without the compare-and-swap both would write the slot after the list's end.
        const int Rounds = 20_000;
        var lists = new SnapshotList<int>[Rounds];
        var left = new SnapshotList<int>[Rounds];
        var right = new SnapshotList<int>[Rounds];
        for (var r = 0; r < Rounds; r++)
        {
            lists[r] = SnapshotList<int>.Empty.Add(1).Add(2).Add(3);
        }

        var ready = 0;
        var go = 0;
        var threads = new[] { Run(left, 10), Run(right, 20) };
        foreach (var thread in threads)
        {
            thread.Join();
        }

        for (var r = 0; r < Rounds; r++)
        {
            Assert.Equal<int>([1, 2, 3, 10], left[r]);
            Assert.Equal<int>([1, 2, 3, 20], right[r]);
            Assert.Equal<int>([1, 2, 3], lists[r]);
        }

        Thread Run(SnapshotList<int>[] results, int value)
        {
            var thread = new Thread(() =>
            {
                for (var r = 0; r < Rounds; r++)
                {
                    // A barrier per round: both arrive (ready), the second to arrive lets both go (go = r + 1).
                    if (Interlocked.Increment(ref ready) % 2 == 0)
                    {
                        Volatile.Write(ref go, r + 1);
                    }

                    var spins = new SpinWait();
                    while (Volatile.Read(ref go) <= r)
                    {
                        spins.SpinOnce(sleep1Threshold: -1);
                    }

                    results[r] = lists[r].Add(value);
                }
            });
            thread.Start();
            return thread;
        }
    }

    [Fact]
    public void Adding_to_the_newest_list_does_not_copy_it()
    {
        var list = SnapshotList<int>.Empty;
        for (var i = 0; i < 10_000; i++)
        {
            list = list.Add(i);
        }

        // 10,000 items in a buffer of 16,384: the next add writes a slot and allocates the new list object only.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var next = list.Add(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated <= 64, $"An add to a list of 10,000 items allocated {allocated} bytes.");
        Assert.Equal(10_001, next.Count);
        Assert.Equal(10_000, list.Count);
    }

    [Fact]
    public void Adding_after_an_insert_writes_into_the_inserts_copy()
    {
        // An insert copies into a buffer with room to spare, which its list owns: the next add needs no copy.
        var inserted = SnapshotList<int>.Empty.Add(1).Add(2).Add(3).Insert(0, 0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var next = inserted.Add(4);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated <= 64, $"An add after an insert allocated {allocated} bytes.");
        Assert.Equal<int>([0, 1, 2, 3, 4], next);
        Assert.Equal<int>([0, 1, 2, 3], inserted);
    }

    [Fact]
    public void A_list_made_of_items_copies_them_once_and_has_room_to_grow()
    {
        // What a replay makes of a rental's increments: no buffer at all for a rental without any (most of them).
        int[] items = [1, 2, 3];
        var list = SnapshotList<int>.Of(items);
        items[0] = 9;

        Assert.Same(SnapshotList<int>.Empty, SnapshotList<int>.Of([]));
        Assert.Equal<int>([1, 2, 3], list);
        _ = SnapshotList<int>.Of([0]).Add(1); // the add's code compiled before it is measured
        var before = GC.GetAllocatedBytesForCurrentThread();
        var next = list.Add(4);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before <= 64, "The first add after Of copied.");
        Assert.Equal<int>([1, 2, 3, 4], next);
    }

    [Fact]
    public void The_enumerator_starts_again_after_a_reset()
    {
        IEnumerable<int> list = SnapshotList<int>.Empty.Add(7).Add(8);
        using var items = list.GetEnumerator();

        Assert.True(items.MoveNext());
        Assert.True(items.MoveNext());
        Assert.False(items.MoveNext());
        items.Reset();
        Assert.True(items.MoveNext());
        Assert.Equal(7, items.Current);
    }

    [Fact]
    public void An_index_outside_the_list_is_refused()
    {
        var list = SnapshotList<string>.Empty.Add("a").Add("b");

        var read = Assert.Throws<ArgumentOutOfRangeException>(() => list[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[-1]);
        var after = Assert.Throws<ArgumentOutOfRangeException>(() => list.Insert(3, "c"));
        var before = Assert.Throws<ArgumentOutOfRangeException>(() => list.Insert(-1, "c"));

        Assert.Contains("2 items", read.Message, StringComparison.Ordinal);
        Assert.Equal("index", after.ParamName);
        Assert.Equal("index", before.ParamName);
        Assert.Equal<string>(["a", "b"], list);
        Assert.Equal<string>(["c", "a", "b"], list.Insert(0, "c"));
        Assert.Equal<string>(["a", "c", "b"], list.Insert(1, "c"));
        Assert.Equal<string>(["a", "b", "c"], list.Insert(2, "c"));
    }
}
