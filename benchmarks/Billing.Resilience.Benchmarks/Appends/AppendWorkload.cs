using System.Text;
using Billing.Resilience.Journal;

namespace Billing.Resilience.Benchmarks.Appends;

/// <summary>
/// The rows every append benchmark writes: <see cref="Rows"/> events, one per append, each a ~100-byte
/// <c>DistanceRecorded</c> JSON payload, spread over <see cref="ConcurrentRentals"/> rentals (or
/// <see cref="ManyRentals"/>), with new stream and event ids for every iteration. The library appends them from all
/// the rentals at once; the baselines insert the very same rows.
/// </summary>
public sealed class AppendWorkload
{
    /// <summary>The concurrency of the goals: 64 rentals, each appending and awaiting durability.</summary>
    public const int ConcurrentRentals = 64;

    /// <summary>A second concurrency, to show what group commit does when more appends wait for one commit.</summary>
    public const int ManyRentals = 1_000;

    public const int Rows = 8_000;
    public const int BaselineBatch = 1_000;

    /// <summary>The most rows one commit can serve when 64 rentals each wait for their append: the ceiling of group commit at that concurrency.</summary>
    public const int GroupBatch = ConcurrentRentals;
    public const string EventType = "DistanceRecorded";

    private AppendWorkload(string[] streams, EventData[][] events)
    {
        Streams = streams;
        Events = events;
    }

    /// <summary>Gets the stream id of each rental.</summary>
    public string[] Streams { get; }

    /// <summary>Gets each rental's events, in version order.</summary>
    public EventData[][] Events { get; }

    public static AppendWorkload Create(string prefix, int round, int rentals = ConcurrentRentals)
    {
        var appendsPerRental = Rows / rentals;
        var streams = new string[rentals];
        var events = new EventData[rentals][];
        for (var r = 0; r < rentals; r++)
        {
            streams[r] = $"rental-{prefix}-{round}-{r}";
            events[r] = new EventData[appendsPerRental];
            for (var v = 0; v < appendsPerRental; v++)
            {
                var payload = Encoding.UTF8.GetBytes(FormattableString.Invariant(
                    $$"""{"at":"2025-06-02T08:{{v % 60:00}}:{{r % 60:00}}Z","kilometres":{{0.05m + (v % 9 * 0.01m)}},"receivedAt":"2025-06-02T08:{{v % 60:00}}:{{r % 60:00}}.5Z"}"""));
                events[r][v] = new EventData(Guid.NewGuid(), EventType, payload);
            }
        }

        return new AppendWorkload(streams, events);
    }

    /// <summary>Every row, in the order the journal's group commit writes them: the first append of every rental,
    /// then the second, ... (stream versions 1, 2, ... per stream).</summary>
    public IEnumerable<(string Stream, long Version, EventData Event)> AllRows()
    {
        for (var v = 0; v < Events[0].Length; v++)
        {
            for (var r = 0; r < Streams.Length; r++)
            {
                yield return (Streams[r], v + 1, Events[r][v]);
            }
        }
    }

    /// <summary>The library's side: all the rentals at once, each appending its events one by one, each append awaited
    /// (durable) before the next, with the expected version.</summary>
    public Task AppendConcurrentlyAsync(IJournal journal) => AppendConcurrentlyAsync([journal]);

    /// <summary>The same, with the rentals dealt round-robin to several journals (instances of one backend).</summary>
    public Task AppendConcurrentlyAsync(IReadOnlyList<IJournal> journals)
    {
        var rentals = new Task[Streams.Length];
        for (var r = 0; r < Streams.Length; r++)
        {
            rentals[r] = AppendRentalAsync(journals[r % journals.Count], Streams[r], Events[r]);
        }

        return Task.WhenAll(rentals);
    }

    private static async Task AppendRentalAsync(IJournal journal, string stream, EventData[] events)
    {
        await Task.Yield();
        for (var v = 0; v < events.Length; v++)
        {
            await journal.AppendAsync(stream, ExpectedVersion.Exactly(v), [events[v]]).ConfigureAwait(false);
        }
    }
}
