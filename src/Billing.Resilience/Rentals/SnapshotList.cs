using System.Collections;

namespace Billing.Resilience.Rentals;

/// <summary>
/// A list that never changes, whose successors share its buffer: <see cref="Add"/> and <see cref="Insert"/> return a
/// new list and leave this one as it was. Adding at the end of the newest list of a buffer writes into the shared
/// buffer, past every existing list's end (O(1) amortized); adding to an older list, or inserting before the end,
/// copies (O(n)). A rental's state and the state after its next event thus share the distance increments they have in
/// common instead of each holding a copy: without it, each telemetry append copied the rental's whole history, and a
/// rental of n increments cost O(n²) time and memory.
/// </summary>
/// <remarks>Safe to read from any thread once published like any other object shared between threads (through a lock,
/// <see cref="Volatile"/> or a concurrent collection; the rental-state cache is a concurrent dictionary). Two threads
/// may add to the same list at once: one of them claims the buffer's next slot (an interlocked compare-and-swap), the
/// other copies. A claimed slot whose list is dropped (an event after it failed) stays taken: the next add to the older
/// list copies.</remarks>
internal sealed class SnapshotList<T> : IReadOnlyList<T>
{
    private const int MinimumCapacity = 4;

    private readonly Buffer buffer;

    private SnapshotList(Buffer buffer, int count)
    {
        this.buffer = buffer;
        Count = count;
    }

    /// <summary>Gets the empty list.</summary>
    public static SnapshotList<T> Empty { get; } = new(new Buffer(0), 0);

    /// <summary>A list of <paramref name="items"/> (copied once), with room to add as many again without copying.</summary>
    public static SnapshotList<T> Of(ReadOnlySpan<T> items)
    {
        if (items.IsEmpty)
        {
            return Empty;
        }

        var buffer = new Buffer(Grow(items.Length));
        items.CopyTo(buffer.Items);
        buffer.Claimed = items.Length;
        return new SnapshotList<T>(buffer, items.Length);
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public T this[int index]
        => index >= 0 && index < Count ? buffer.Items[index] : throw new ArgumentOutOfRangeException(nameof(index), index, $"The list has {Count} items.");

    /// <summary>This list with <paramref name="item"/> after its last item.</summary>
    public SnapshotList<T> Add(T item)
    {
        var count = Count;
        var items = buffer.Items;
        if (count < items.Length && Interlocked.CompareExchange(ref buffer.Claimed, count + 1, count) == count)
        {
            // The slot after this list's end was free: no list sees it yet, and the new one is the first that will.
            items[count] = item;
            return new SnapshotList<T>(buffer, count + 1);
        }

        var grown = new Buffer(Grow(count));
        Array.Copy(items, grown.Items, count);
        grown.Items[count] = item;
        grown.Claimed = count + 1;
        return new SnapshotList<T>(grown, count + 1);
    }

    /// <summary>This list with <paramref name="item"/> at <paramref name="index"/> (from 0 to <see cref="Count"/>), the items from there on one place later.</summary>
    public SnapshotList<T> Insert(int index, T item)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Count);
        if (index == Count)
        {
            return Add(item);
        }

        var copy = new Buffer(Grow(Count));
        Array.Copy(buffer.Items, copy.Items, index);
        copy.Items[index] = item;
        Array.Copy(buffer.Items, index, copy.Items, index + 1, Count - index);
        copy.Claimed = Count + 1;
        return new SnapshotList<T>(copy, Count + 1);
    }

    /// <summary>Gets the items as a span (the shared buffer's first <see cref="Count"/> items, which never change).</summary>
    public ReadOnlySpan<T> AsSpan() => buffer.Items.AsSpan(0, Count);

    /// <summary>Enumerates the items without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The capacity of a buffer that must hold one more item than <paramref name="count"/>: double, so a run of
    /// adds copies each item a constant number of times on average.</summary>
    private static int Grow(int count) => Math.Max(MinimumCapacity, checked(count * 2));

    /// <summary>Enumerates a <see cref="SnapshotList{T}"/>.</summary>
    public struct Enumerator(SnapshotList<T> list) : IEnumerator<T>
    {
        private int index = -1;
        private T current = default!;

        /// <inheritdoc />
        /// <remarks>The item <see cref="MoveNext"/> moved to; <c>default</c> before the first and after the last, never a
        /// slot past the list's end (a successor may be writing it).</remarks>
        public readonly T Current => current;

        readonly object? IEnumerator.Current => Current;

        /// <inheritdoc />
        public bool MoveNext()
        {
            if (index + 1 < list.Count)
            {
                index++;
                current = list.buffer.Items[index];
                return true;
            }

            index = list.Count;
            current = default!;
            return false;
        }

        /// <inheritdoc />
        public void Reset()
        {
            index = -1;
            current = default!;
        }

        /// <inheritdoc />
        public readonly void Dispose()
        {
        }
    }

    /// <summary>The items, shared by every list built from one another, and how many of its slots a list has claimed.</summary>
    private sealed class Buffer(int capacity)
    {
        public readonly T[] Items = new T[capacity];

        /// <summary>The slots written so far: a list may write the next one only when it ends exactly here.</summary>
        public int Claimed;
    }
}
