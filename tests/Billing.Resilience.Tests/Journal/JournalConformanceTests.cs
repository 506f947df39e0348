using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Billing.Resilience.Journal;

namespace Billing.Resilience.Tests.Journal;

/// <summary>
/// The <see cref="IJournal"/> contract, held by every store: the in-memory reference, SQLite and PostgreSQL each run
/// this class through a subclass that makes a fresh, empty journal. One source file, linked into each store's test
/// project. A store passes when it behaves exactly like <see cref="InMemoryJournal"/>.
/// </summary>
public abstract class JournalConformanceTests : IAsyncLifetime
{
    private IJournal? journal;

    /// <summary>Gets the fresh, empty journal of this test.</summary>
    protected IJournal Journal => journal ?? throw new InvalidOperationException("The journal is created in InitializeAsync.");

    /// <summary>Makes a fresh, empty journal (called once per test).</summary>
    protected abstract Task<IJournal> CreateJournalAsync();

    /// <summary>Releases the journal and whatever holds it (a file, a schema).</summary>
    protected virtual async Task DisposeJournalAsync(IJournal value)
    {
        if (value is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    public async Task InitializeAsync() => journal = await CreateJournalAsync();

    public async Task DisposeAsync()
    {
        if (journal is not null)
        {
            await DisposeJournalAsync(journal);
        }
    }

    // ---- Appending and reading back ----

    [Fact]
    public async Task Appending_to_a_new_stream_starts_at_version_1()
    {
        var events = Events("rental-1", 0, 3);

        var result = await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, events);

        Assert.Equal(3, result.NextExpectedVersion);
        var stored = await Journal.ReadStreamAsync("rental-1");
        Assert.Equal([1L, 2L, 3L], stored.Select(e => e.StreamVersion));
        AssertStrictlyIncreasing(stored.Select(e => e.GlobalPosition));
        Assert.Equal(result.LastGlobalPosition, stored[^1].GlobalPosition);
    }

    [Fact]
    public async Task A_missing_stream_reads_empty()
    {
        await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 1));

        Assert.Empty(await Journal.ReadStreamAsync("rental-2"));
        Assert.Empty(await Journal.ReadStreamAsync("RENTAL-1"));
    }

    [Fact]
    public async Task An_empty_journal_reads_empty()
    {
        Assert.Empty(await Journal.ReadAllAsync(0, 100));
        Assert.Empty(await Journal.ReadStreamAsync("rental-1"));
    }

    [Fact]
    public async Task Events_read_back_equal_to_what_was_appended()
    {
        var first = new[] { Event("rental-1", 1, "RentalStarted", """{"rentalId":"r-1","at":"2022-10-15T06:20:00Z"}"""), Event("rental-1", 2, "DistanceRecorded", """{"km":1.25}""") };
        var second = new[] { Event("outages", 1, "OutageBegan", """{"dependency":"Payment"}""") };
        var r1 = await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, first);
        var r2 = await Journal.AppendAsync("outages", ExpectedVersion.Any, second);

        var stream = await Journal.ReadStreamAsync("rental-1");
        var all = await Journal.ReadAllAsync(0, 100);

        AssertRecorded("rental-1", 1, first[0], stream[0]);
        AssertRecorded("rental-1", 2, first[1], stream[1]);
        Assert.Equal(3, all.Count);
        AssertRecorded("rental-1", 1, first[0], all[0]);
        AssertRecorded("rental-1", 2, first[1], all[1]);
        AssertRecorded("outages", 1, second[0], all[2]);
        Assert.Equal(stream[0].GlobalPosition, all[0].GlobalPosition);
        Assert.Equal(r1.LastGlobalPosition, all[1].GlobalPosition);
        Assert.Equal(r2.LastGlobalPosition, all[2].GlobalPosition);
        Assert.Equal(new AppendResult(1, all[2].GlobalPosition), r2);
    }

    [Fact]
    public async Task Appending_at_the_current_version_continues_the_stream()
    {
        var r1 = await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 2));
        var r2 = await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(r1.NextExpectedVersion), Events("rental-1", 2, 3));
        var r3 = await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(5), Events("rental-1", 5, 1));

        Assert.Equal(5, r2.NextExpectedVersion);
        Assert.Equal(6, r3.NextExpectedVersion);
        Assert.True(r3.LastGlobalPosition > r2.LastGlobalPosition && r2.LastGlobalPosition > r1.LastGlobalPosition);
        var stored = await Journal.ReadStreamAsync("rental-1");
        Assert.Equal(Enumerable.Range(1, 6).Select(v => (long)v), stored.Select(e => e.StreamVersion));
    }

    [Fact]
    public async Task Exactly_zero_is_the_same_as_no_stream()
    {
        var result = await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(0), Events("rental-1", 0, 1));

        Assert.Equal(1, result.NextExpectedVersion);
        var conflict = await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(0), [Event("rental-1", 1, "Other")]));
        Assert.Equal(1, conflict.Actual);
    }

    // ---- Optimistic concurrency ----

    [Fact]
    public async Task No_stream_on_an_existing_stream_conflicts()
    {
        await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 1));

        var conflict = await Assert.ThrowsAsync<ConcurrencyConflictException>(
            async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [Event("rental-1", 1, "SomethingElse")]));

        Assert.Equal("rental-1", conflict.StreamId);
        Assert.Equal(ExpectedVersion.NoStream, conflict.Expected);
        Assert.Equal(1, conflict.Actual);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public async Task Exactly_a_wrong_version_conflicts(long expected)
    {
        await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 2));

        var conflict = await Assert.ThrowsAsync<ConcurrencyConflictException>(
            async () => await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(expected), [Event("rental-1", expected + 1, "SomethingElse")]));

        Assert.Equal(ExpectedVersion.Exactly(expected), conflict.Expected);
        Assert.Equal(2, conflict.Actual);
    }

    [Fact]
    public async Task Exactly_on_a_missing_stream_conflicts_with_version_0()
    {
        var conflict = await Assert.ThrowsAsync<ConcurrencyConflictException>(
            async () => await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(2), Events("rental-1", 2, 1)));

        Assert.Equal(0, conflict.Actual);
        Assert.Empty(await Journal.ReadStreamAsync("rental-1"));
    }

    [Fact]
    public async Task Any_appends_at_whatever_version_the_stream_has()
    {
        var r1 = await Journal.AppendAsync("outages", ExpectedVersion.Any, Events("outages", 0, 1));
        var r2 = await Journal.AppendAsync("outages", ExpectedVersion.Any, Events("outages", 1, 2));

        Assert.Equal(1, r1.NextExpectedVersion);
        Assert.Equal(3, r2.NextExpectedVersion);
        Assert.Equal([1L, 2L, 3L], (await Journal.ReadStreamAsync("outages")).Select(e => e.StreamVersion));
    }

    [Fact]
    public async Task A_conflicting_append_writes_nothing()
    {
        await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 2));
        var before = await Journal.ReadAllAsync(0, 100);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), Events("rental-1", 1, 5, "Late")));
        var next = await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(2), Events("rental-1", 2, 1));

        var after = await Journal.ReadAllAsync(0, 100);
        Assert.Equal(before.Count + 1, after.Count);
        Assert.Equal(3, next.NextExpectedVersion);
        Assert.DoesNotContain(after, e => e.EventType == "Late");
    }

    // ---- Idempotent replay ----

    [Fact]
    public async Task Re_appending_the_same_events_returns_the_first_result_and_writes_nothing()
    {
        var events = Events("rental-1", 0, 3);
        var first = await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, events);

        var again = await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, events);
        var copies = await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, events.Select(e => e with { Payload = e.Payload.ToArray() }).ToArray());

        Assert.Equal(first, again);
        Assert.Equal(first, copies);
        Assert.Equal(3, (await Journal.ReadAllAsync(0, 100)).Count);
    }

    [Fact]
    public async Task A_replay_is_recognised_after_the_stream_moved_on()
    {
        var start = Events("rental-1", 0, 3);
        var r1 = await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, start);
        var middle = Events("rental-1", 3, 2);
        var r2 = await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(3), middle);
        await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(5), Events("rental-1", 5, 1));
        var stored = await Journal.ReadStreamAsync("rental-1");

        Assert.Equal(r1, await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, start));
        Assert.Equal(r2, await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(3), middle));
        Assert.Equal(new AppendResult(2, stored[1].GlobalPosition), await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, start[..2]));
        Assert.Equal(new AppendResult(3, stored[2].GlobalPosition), await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), start[1..]));
        Assert.Equal(6, (await Journal.ReadAllAsync(0, 100)).Count);
    }

    [Fact]
    public async Task Different_events_at_a_taken_version_conflict()
    {
        var events = Events("rental-1", 0, 2);
        await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, events);

        var other = await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 2, "Other")));
        var halfSame = await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [events[0], Event("rental-1", 2, "Other")]));
        var longer = await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [.. events, Event("rental-1", 3)]));
        var shifted = await Assert.ThrowsAsync<ConcurrencyConflictException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), [events[0]]));

        Assert.All(new[] { other, halfSame, longer, shifted }, c => Assert.Equal(2, c.Actual));
        Assert.Equal(2, (await Journal.ReadAllAsync(0, 100)).Count);
    }

    // ---- Reading everything after a checkpoint ----

    [Fact]
    public async Task Read_all_pages_after_checkpoints_in_position_order()
    {
        var appended = new List<(string Stream, long Version)>();
        var versions = new Dictionary<string, long>();
        for (var i = 0; i < 30; i++)
        {
            var stream = $"rental-{i % 4}";
            var version = versions.GetValueOrDefault(stream);
            var count = 1 + (i % 3);
            var result = await Journal.AppendAsync(stream, ExpectedVersion.Exactly(version), Events(stream, version, count));
            versions[stream] = result.NextExpectedVersion;
            appended.AddRange(Enumerable.Range(1, count).Select(k => (stream, version + k)));
        }

        var seen = new List<RecordedEvent>();
        long checkpoint = 0;
        while (true)
        {
            var page = await Journal.ReadAllAsync(checkpoint, 7);
            Assert.True(page.Count <= 7);
            if (page.Count == 0)
            {
                break;
            }

            Assert.All(page, e => Assert.True(e.GlobalPosition > checkpoint));
            seen.AddRange(page);
            checkpoint = page[^1].GlobalPosition;
        }

        AssertStrictlyIncreasing(seen.Select(e => e.GlobalPosition));
        Assert.Equal(appended, seen.Select(e => (e.StreamId, e.StreamVersion)));
        Assert.Empty(await Journal.ReadAllAsync(checkpoint, 10));
        Assert.Empty(await Journal.ReadAllAsync(long.MaxValue, 10));
        Assert.Equal(seen.Skip(5).Select(e => e.EventId), (await Journal.ReadAllAsync(seen[4].GlobalPosition, 10_000)).Select(e => e.EventId));
    }

    [Fact]
    public async Task Append_results_carry_the_position_of_their_last_event()
    {
        var results = new List<(AppendResult Result, Guid LastId)>();
        for (var i = 0; i < 10; i++)
        {
            var stream = $"rental-{i % 3}";
            var stored = await Journal.ReadStreamAsync(stream);
            var events = Events(stream, stored.Count, 1 + (i % 2));
            results.Add((await Journal.AppendAsync(stream, ExpectedVersion.Exactly(stored.Count), events), events[^1].EventId));
        }

        var all = await Journal.ReadAllAsync(0, 1_000);
        foreach (var (result, lastId) in results)
        {
            var last = Assert.Single(all, e => e.EventId == lastId);
            Assert.Equal(last.GlobalPosition, result.LastGlobalPosition);
            Assert.Equal(last.StreamVersion, result.NextExpectedVersion);
        }
    }

    // ---- Size ----

    [Fact]
    public async Task A_large_stream_round_trips()
    {
        const int total = 5_000;
        long version = 0;
        while (version < total)
        {
            var result = await Journal.AppendAsync("rental-big", ExpectedVersion.Exactly(version), Events("rental-big", version, 1_000));
            Assert.Equal(version + 1_000, result.NextExpectedVersion);
            version = result.NextExpectedVersion;
        }

        var stored = await Journal.ReadStreamAsync("rental-big");
        Assert.Equal(Enumerable.Range(1, total).Select(v => (long)v), stored.Select(e => e.StreamVersion));
        Assert.Equal(Events("rental-big", 4_321, 1)[0].EventId, stored[4_321].EventId);
        AssertStrictlyIncreasing(stored.Select(e => e.GlobalPosition));
        var all = await Journal.ReadAllAsync(0, 10_000);
        Assert.Equal(total, all.Count);
        Assert.Equal(stored.Select(e => e.EventId), all.Select(e => e.EventId));
    }

    // ---- Concurrency ----

    [Fact]
    public async Task Concurrent_writers_on_many_streams_lose_nothing()
    {
        const int writers = 16;
        const int appendsEach = 20;
        var expected = new ConcurrentDictionary<Guid, (string Stream, long Version)>();

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var a = 0; a < appendsEach; a++)
            {
                var stream = $"rental-{w}-{a % 2}";
                var version = (await Journal.ReadStreamAsync(stream)).Count;
                var events = Events(stream, version, 1 + (a % 3));
                var result = await Journal.AppendAsync(stream, ExpectedVersion.Exactly(version), events);
                Assert.Equal(version + events.Length, result.NextExpectedVersion);
                for (var i = 0; i < events.Length; i++)
                {
                    Assert.True(expected.TryAdd(events[i].EventId, (stream, version + i + 1)));
                }
            }
        })));

        var all = await ReadEverythingAsync(Journal);
        Assert.Equal(expected.Count, all.Count);
        AssertStrictlyIncreasing(all.Select(e => e.GlobalPosition));
        foreach (var e in all)
        {
            Assert.Equal(expected[e.EventId], (e.StreamId, e.StreamVersion));
        }

        foreach (var stream in all.GroupBy(e => e.StreamId))
        {
            Assert.Equal(Enumerable.Range(1, stream.Count()).Select(v => (long)v), stream.Select(e => e.StreamVersion));
        }
    }

    [Fact]
    public async Task Writers_racing_on_one_stream_each_win_one_version_at_a_time()
    {
        const int writers = 8;
        const int eventsEach = 10;
        var wins = new ConcurrentBag<(int Writer, long Version)>();
        var conflicts = 0;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var written = 0;
            while (written < eventsEach)
            {
                var version = (await Journal.ReadStreamAsync("rental-hot")).Count;
                var e = Event("rental-hot", version + 1, $"Writer{w}", $$"""{"writer":{{w}},"n":{{written}}}""");
                try
                {
                    var result = await Journal.AppendAsync("rental-hot", ExpectedVersion.Exactly(version), [e]);
                    Assert.Equal(version + 1, result.NextExpectedVersion);
                    wins.Add((w, result.NextExpectedVersion));
                    written++;
                }
                catch (ConcurrencyConflictException conflict)
                {
                    Assert.True(conflict.Actual > version);
                    Interlocked.Increment(ref conflicts);
                }
            }
        })));

        var stored = await Journal.ReadStreamAsync("rental-hot");
        Assert.Equal(writers * eventsEach, stored.Count);
        Assert.Equal(Enumerable.Range(1, writers * eventsEach).Select(v => (long)v), stored.Select(e => e.StreamVersion));
        Assert.Equal(stored.Count, stored.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(wins.Select(w => w.Version).Order(), stored.Select(e => e.StreamVersion));
        foreach (var (writer, version) in wins)
        {
            Assert.Equal($"Writer{writer}", stored[(int)version - 1].EventType);
        }

        Assert.All(Enumerable.Range(0, writers), w => Assert.Equal(eventsEach, stored.Count(e => e.EventType == $"Writer{w}")));
    }

    [Fact]
    public async Task Simultaneous_appends_at_the_same_version_have_exactly_one_winner()
    {
        const int racers = 16;
        await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 1));
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = Enumerable.Range(0, racers).Select(r => Task.Run(async () =>
        {
            await go.Task;
            try
            {
                return (Result: await Journal.AppendAsync("rental-1", ExpectedVersion.Exactly(1), [Event("rental-1", 2, $"Racer{r}")]), Conflict: (ConcurrencyConflictException?)null);
            }
            catch (ConcurrencyConflictException conflict)
            {
                return (Result: (AppendResult?)null, Conflict: conflict);
            }
        })).ToArray();
        go.SetResult();
        var outcomes = await Task.WhenAll(attempts);

        var winner = Assert.Single(outcomes, o => o.Result is not null);
        Assert.Equal(2, winner.Result!.NextExpectedVersion);
        Assert.All(outcomes.Where(o => o.Conflict is not null), o => Assert.Equal(2, o.Conflict!.Actual));
        Assert.Equal(racers - 1, outcomes.Count(o => o.Conflict is not null));
        var stored = await Journal.ReadStreamAsync("rental-1");
        Assert.Equal(2, stored.Count);
        Assert.Equal(winner.Result.LastGlobalPosition, stored[1].GlobalPosition);
    }

    [Fact]
    public async Task Concurrent_retries_of_the_same_append_are_idempotent()
    {
        var events = Events("rental-1", 0, 3);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, events))));

        Assert.All(results, r => Assert.Equal(results[0], r));
        Assert.Equal(3, (await Journal.ReadAllAsync(0, 100)).Count);
    }

    [Fact]
    public async Task A_reader_following_checkpoints_sees_every_event_exactly_once()
    {
        const int writers = 8;
        const int appendsEach = 25;
        using var done = new CancellationTokenSource();
        var seen = new List<RecordedEvent>();
        var written = 0;

        var reader = Task.Run(async () =>
        {
            long checkpoint = 0;
            var finished = false;
            while (true)
            {
                var page = await Journal.ReadAllAsync(checkpoint, 50);
                foreach (var e in page)
                {
                    Assert.True(e.GlobalPosition > checkpoint, $"position {e.GlobalPosition} after checkpoint {checkpoint}");
                    checkpoint = e.GlobalPosition;
                    seen.Add(e);
                }

                if (page.Count == 0)
                {
                    if (finished)
                    {
                        return;
                    }

                    // One more full pass after the writers are done: whatever committed last is read too.
                    finished = done.IsCancellationRequested;
                    await Task.Delay(1);
                }
            }
        });
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            long version = 0;
            for (var a = 0; a < appendsEach; a++)
            {
                var stream = $"rental-{w}";
                var events = Events(stream, version, 1 + (a % 2));
                var result = await Journal.AppendAsync(stream, ExpectedVersion.Exactly(version), events);
                version = result.NextExpectedVersion;
                Interlocked.Add(ref written, events.Length);
            }
        })));
        await done.CancelAsync();
        await reader;

        var all = await ReadEverythingAsync(Journal);
        Assert.Equal(all.Select(e => e.EventId), seen.Select(e => e.EventId));
        Assert.Equal(written, all.Count);
    }

    // ---- Payloads ----

    [Fact]
    public async Task Payloads_round_trip_byte_for_byte()
    {
        var random = new Random(20221015);
        var noise = new byte[4_096];
        random.NextBytes(noise);
        var payloads = new byte[][]
        {
            [],
            Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(),
            noise,
            [0xC3, 0x28, 0xFF, 0xFE, 0x00, 0xED, 0xA0, 0x80],
            Encoding.UTF8.GetBytes("""{"rider":"김민준","note":"킥보드 반납 🛴","nul":"\u0000","quote":"\"'`","backslash":"\\"}"""),
            Encoding.UTF8.GetBytes("""{"emoji":"👩🏽‍🔧","rtl":"مرحبا","combining":"é"}"""),
            Enumerable.Repeat((byte)'x', 1 << 20).ToArray(),
        };
        var events = payloads.Select((p, i) => new EventData(Id("rental-bytes", i + 1, "Bytes", p), i == 4 ? "결제요청" : "Bytes", p)).ToArray();

        await Journal.AppendAsync("렌탈-바이트-🛴", ExpectedVersion.NoStream, events);

        var stored = await Journal.ReadStreamAsync("렌탈-바이트-🛴");
        Assert.Equal(payloads.Length, stored.Count);
        for (var i = 0; i < payloads.Length; i++)
        {
            AssertRecorded("렌탈-바이트-🛴", i + 1, events[i], stored[i]);
        }

        var all = await Journal.ReadAllAsync(0, 100);
        Assert.Equal(payloads, all.Select(e => e.Payload.ToArray()));
    }

    [Fact]
    public async Task The_caller_may_reuse_its_buffer_as_soon_as_append_returns()
    {
        var buffer = Encoding.UTF8.GetBytes("""{"n":1}""");
        var pending = Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "Tested", buffer)]);
        buffer[5] = (byte)'2';
        await pending;

        var stored = await Journal.ReadStreamAsync("rental-1");
        Assert.Equal("""{"n":1}""", Encoding.UTF8.GetString(stored[0].Payload.Span));
    }

    // ---- Limits and arguments ----

    [Fact]
    public async Task Appends_outside_the_limits_are_refused_and_write_nothing()
    {
        var ok = Events("rental-1", 0, 1);

        await Assert.ThrowsAsync<ArgumentException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 1_001)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, []));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Journal.AppendAsync(string.Empty, ExpectedVersion.NoStream, ok));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Journal.AppendAsync(new string('r', 201), ExpectedVersion.NoStream, ok));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Journal.AppendAsync(null!, ExpectedVersion.NoStream, ok));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [null!]));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), string.Empty, new byte[1])]));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [new EventData(Guid.NewGuid(), "Big", new byte[(1 << 20) + 1])]));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, [ok[0], new EventData(Guid.NewGuid(), string.Empty, new byte[1])]));

        Assert.Empty(await Journal.ReadAllAsync(0, 100));
    }

    [Fact]
    public async Task Appends_at_the_limits_are_accepted()
    {
        var longId = new string('r', 200);

        var many = await Journal.AppendAsync(longId, ExpectedVersion.NoStream, Events(longId, 0, 1_000));

        Assert.Equal(1_000, many.NextExpectedVersion);
        Assert.Equal(1_000, (await Journal.ReadStreamAsync(longId)).Count);
    }

    [Fact]
    public async Task Reads_outside_the_limits_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Journal.ReadAllAsync(-1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Journal.ReadAllAsync(0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Journal.ReadAllAsync(0, 10_001));
        Assert.Equal("streamId", (await Assert.ThrowsAsync<ArgumentNullException>(async () => await Journal.ReadStreamAsync(null!))).ParamName);
        Assert.Empty(await Journal.ReadAllAsync(0, 10_000));
    }

    [Fact]
    public async Task An_append_cancelled_before_it_starts_writes_nothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 1), cancelled.Token));

        Assert.Empty(await Journal.ReadAllAsync(0, 100));
        Assert.Equal(1, (await Journal.AppendAsync("rental-1", ExpectedVersion.NoStream, Events("rental-1", 0, 1))).NextExpectedVersion);
    }

    // ---- Helpers ----

    /// <summary>An event whose id is derived from its stream, version, type and payload, as the library derives its own.</summary>
    protected static EventData Event(string streamId, long version, string type = "Tested", string? json = null)
    {
        var payload = Encoding.UTF8.GetBytes(json ?? $$"""{"stream":"{{streamId}}","version":{{version}}}""");
        return new EventData(Id(streamId, version, type, payload), type, payload);
    }

    /// <summary><paramref name="count"/> events to append after version <paramref name="after"/>.</summary>
    protected static EventData[] Events(string streamId, long after, int count, string type = "Tested")
        => Enumerable.Range(1, count).Select(i => Event(streamId, after + i, type)).ToArray();

    /// <summary>Reads the whole journal, page by page.</summary>
    protected static async Task<IReadOnlyList<RecordedEvent>> ReadEverythingAsync(IJournal journal)
    {
        var all = new List<RecordedEvent>();
        long checkpoint = 0;
        while (true)
        {
            var page = await journal.ReadAllAsync(checkpoint, 10_000);
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            checkpoint = page[^1].GlobalPosition;
        }
    }

    protected static void AssertStrictlyIncreasing(IEnumerable<long> values)
    {
        long? previous = null;
        foreach (var value in values)
        {
            Assert.True(previous is null || value > previous, $"{value} does not follow {previous}");
            previous = value;
        }
    }

    private static void AssertRecorded(string streamId, long version, EventData expected, RecordedEvent actual)
    {
        Assert.Equal(streamId, actual.StreamId);
        Assert.Equal(version, actual.StreamVersion);
        Assert.Equal(expected.EventId, actual.EventId);
        Assert.Equal(expected.EventType, actual.EventType);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.True(actual.GlobalPosition > 0);
    }

    private static Guid Id(string streamId, long version, string type, byte[] payload)
    {
        var digest = SHA256.HashData([.. Encoding.UTF8.GetBytes($"{streamId}\n{version}\n{type}\n"), .. payload]);
        return new Guid(digest.AsSpan(0, 16));
    }
}
