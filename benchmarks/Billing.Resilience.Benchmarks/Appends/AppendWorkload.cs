using System.Text;
using Billing.Resilience.Journal;

namespace Billing.Resilience.Benchmarks.Appends;

/// <summary>
/// The rows every append benchmark writes: <see cref="Rentals"/> rentals, each <see cref="AppendsPerRental"/> events
/// (one per append, a ~100-byte <c>DistanceRecorded</c> JSON payload), new stream and event ids for every
/// iteration. The library appends them from 64 concurrent rentals; the baselines insert the very same rows.
/// </summary>
public sealed class AppendWorkload
{
    public const int Rentals = 64;
    public const int AppendsPerRental = 125;
    public const int Rows = Rentals * AppendsPerRental;
    public const int BaselineBatch = 1_000;

    /// <summary>The most rows one commit can serve when 64 rentals each wait for their append: the ceiling of group commit here.</summary>
    public const int GroupBatch = Rentals;
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

    public static AppendWorkload Create(string prefix, int round)
    {
        var streams = new string[Rentals];
        var events = new EventData[Rentals][];
        for (var r = 0; r < Rentals; r++)
        {
            streams[r] = $"rental-{prefix}-{round}-{r}";
            events[r] = new EventData[AppendsPerRental];
            for (var v = 0; v < AppendsPerRental; v++)
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
        for (var v = 0; v < AppendsPerRental; v++)
        {
            for (var r = 0; r < Rentals; r++)
            {
                yield return (Streams[r], v + 1, Events[r][v]);
            }
        }
    }

    /// <summary>The library's side: 64 rentals at once, each appending its events one by one, each append awaited
    /// (durable) before the next, with the expected version.</summary>
    public Task AppendConcurrentlyAsync(IJournal journal)
    {
        var rentals = new Task[Rentals];
        for (var r = 0; r < Rentals; r++)
        {
            rentals[r] = AppendRentalAsync(journal, Streams[r], Events[r]);
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
