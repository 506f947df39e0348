using Billing.Resilience.Journal;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>The repository's cache: what it keeps, when it reads the journal again, and its bound.</summary>
public class RentalRepositoryTests
{
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 6, 0);

    [Fact]
    public async Task An_unknown_rental_is_null_and_a_known_one_is_read_once_and_kept()
    {
        var journal = new InMemoryJournal();
        var repository = new RentalRepository(journal);
        Assert.Same(journal, repository.Journal);
        Assert.Null(await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None));

        await StartAsync(journal, "r-1");
        var first = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        var second = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(1, first.Version);
        Assert.Equal("rental-r-1", first.StreamId);
    }

    [Fact]
    public async Task Without_a_cache_every_load_reads_the_journal()
    {
        var journal = new InMemoryJournal();
        var repository = new RentalRepository(journal, 0);
        await StartAsync(journal, "r-1");
        var first = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        var appended = await repository.AppendAsync(first!, [End()], CancellationToken.None);

        var second = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);

        Assert.NotSame(first, second);
        Assert.NotSame(appended, second);
        Assert.Equal(2, second!.Version);
    }

    [Fact]
    public async Task An_append_returns_a_new_state_and_keeps_it_in_place_of_the_old_one()
    {
        var journal = new InMemoryJournal();
        var repository = new RentalRepository(journal);
        await StartAsync(journal, "r-1");
        var before = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);

        var after = await repository.AppendAsync(before!, [End()], CancellationToken.None);

        Assert.Equal(1, before!.Version);
        Assert.Equal(2, after.Version);
        Assert.Same(after, await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None));
        Assert.Single(after.Signals);
    }

    [Fact]
    public async Task A_conflicting_append_drops_the_kept_state_so_the_next_load_reads_the_other_writer_s_events()
    {
        var journal = new InMemoryJournal();
        var repository = new RentalRepository(journal);
        await StartAsync(journal, "r-1");
        var stale = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        await journal.AppendAsync("rental-r-1", ExpectedVersion.Exactly(1), EventSerializer.SerializeAll("rental-r-1", 1, [End()]));

        Assert.Same(stale, await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None));
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => repository.AppendAsync(stale!, [End(2)], CancellationToken.None));

        var fresh = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        Assert.Equal(2, fresh!.Version);
    }

    [Fact]
    public async Task Reloading_or_forgetting_reads_the_journal_again()
    {
        var journal = new InMemoryJournal();
        var repository = new RentalRepository(journal);
        await StartAsync(journal, "r-1");
        var kept = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        await journal.AppendAsync("rental-r-1", ExpectedVersion.Exactly(1), EventSerializer.SerializeAll("rental-r-1", 1, [End()]));

        var reloaded = await repository.ReloadAsync(RentalId.From("r-1"), CancellationToken.None);
        Assert.Equal(2, reloaded!.Version);
        Assert.Same(reloaded, await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None));

        repository.Forget(RentalId.From("r-1"));
        var read = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        Assert.NotSame(reloaded, read);
        Assert.NotSame(kept, read);
        Assert.Null(await repository.ReloadAsync(RentalId.From("r-2"), CancellationToken.None));
    }

    [Fact]
    public async Task The_cache_has_the_capacity_given_and_a_state_it_dropped_is_read_from_the_journal_again()
    {
        var journal = new InMemoryJournal();
        var repository = new RentalRepository(journal, 2); // two generations of one state
        Assert.Equal(2, repository.Cache.Capacity);
        foreach (var id in new[] { "r-1", "r-2", "r-3" })
        {
            await StartAsync(journal, id);
        }

        var r1 = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        var r2 = await repository.LoadAsync(RentalId.From("r-2"), CancellationToken.None);
        var r3 = await repository.LoadAsync(RentalId.From("r-3"), CancellationToken.None); // r-1 not used since r-2 came: dropped

        Assert.Same(r3, await repository.LoadAsync(RentalId.From("r-3"), CancellationToken.None));
        Assert.Same(r2, await repository.LoadAsync(RentalId.From("r-2"), CancellationToken.None));
        var r1Again = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        Assert.NotSame(r1, r1Again);
        Assert.Equal(r1!.Version, r1Again!.Version);
        Assert.InRange(repository.Cache.Count, 1, 3);
    }

    [Fact]
    public async Task An_append_keeps_the_new_state_and_a_conflict_or_forget_drops_it_from_the_cache()
    {
        var journal = new InMemoryJournal();
        var repository = new RentalRepository(journal, 4);
        await StartAsync(journal, "r-1");
        var r1 = await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        var next = await repository.AppendAsync(r1!, [End()], CancellationToken.None);
        Assert.True(repository.Cache.TryGet("rental-r-1", out var kept));
        Assert.Same(next, kept);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => repository.AppendAsync(r1!, [End(2)], CancellationToken.None));
        Assert.False(repository.Cache.TryGet("rental-r-1", out _));

        await repository.LoadAsync(RentalId.From("r-1"), CancellationToken.None);
        repository.Forget(RentalId.From("r-1"));
        Assert.False(repository.Cache.TryGet("rental-r-1", out _));
    }

    private static EndSignalReceived End(int minutes = 1)
        => new(T0 + Duration.FromMinutes(minutes), T0 + Duration.FromMinutes(minutes), EndSignalSource.Vehicle);

    private static async Task StartAsync(IJournal journal, string rentalId)
    {
        var stream = "rental-" + rentalId;
        await journal.AppendAsync(stream, ExpectedVersion.NoStream, EventSerializer.SerializeAll(stream, 0, [new RentalStarted(rentalId, "u-1", "kickboard", "KRW", T0, null)]));
    }
}
