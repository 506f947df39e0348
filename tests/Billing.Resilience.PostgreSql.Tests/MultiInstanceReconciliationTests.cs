using Billing.Resilience.Journal;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Tests.Reconciliation;
using Npgsql;

namespace Billing.Resilience.PostgreSql.Tests;

/// <summary>Issue acceptance: several reconcilers at once against one backlog on one PostgreSQL database.</summary>
public sealed class MultiInstanceReconciliationTests : IAsyncLifetime
{
    private readonly string schema = TestServer.NewSchema();
    private readonly List<NpgsqlDataSource> sources = [];
    private readonly List<PostgreSqlJournal> journals = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var journal in journals)
        {
            await journal.DisposeAsync();
        }

        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }

        await TestServer.DropSchemaAsync(schema);
    }

    [Fact]
    public async Task Three_instances_each_with_its_own_connections_settle_one_backlog_each_rental_by_one_instance_and_once()
    {
        for (var i = 0; i < 3; i++)
        {
            var source = TestServer.CreateDataSource(maxPoolSize: 8);
            sources.Add(source);
            journals.Add(await PostgreSqlJournal.OpenAsync(source, new PostgreSqlJournalOptions { Schema = schema }));
        }

        await MultiInstanceBacklog.RunAsync(i => journals[i], i => journals[i].CreateSettlementClaims(), instances: 3, rentals: 150);
    }

    [Fact]
    public async Task A_lease_is_held_by_one_owner_until_it_expires_or_is_released()
    {
        var source = TestServer.CreateDataSource(maxPoolSize: 2);
        sources.Add(source);
        var journal = await PostgreSqlJournal.OpenAsync(source, new PostgreSqlJournalOptions { Schema = schema });
        journals.Add(journal);
        ISettlementClaims claims = journal.CreateSettlementClaims();
        var rental = Billing.Resilience.Rentals.RentalId.From("r-1");
        var t0 = NodaTime.Instant.FromUtc(2022, 10, 15, 6, 0);
        var minute = NodaTime.Duration.FromMinutes(1);
        Assert.True(await claims.TryClaimAsync(rental, "a", t0, t0 + minute, CancellationToken.None));
        Assert.False(await claims.TryClaimAsync(rental, "b", t0 + NodaTime.Duration.FromSeconds(30), t0 + minute + minute, CancellationToken.None));
        Assert.True(await claims.TryClaimAsync(rental, "a", t0 + NodaTime.Duration.FromSeconds(30), t0 + minute + minute, CancellationToken.None));
        Assert.True(await claims.TryClaimAsync(rental, "b", t0 + minute + minute, t0 + (3 * minute), CancellationToken.None));
        await claims.ReleaseAsync(rental, "a", CancellationToken.None);
        Assert.False(await claims.TryClaimAsync(rental, "a", t0 + minute + minute, t0 + (3 * minute), CancellationToken.None));
        await claims.ReleaseAsync(rental, "b", CancellationToken.None);
        Assert.True(await claims.TryClaimAsync(rental, "a", t0 + minute + minute, t0 + (3 * minute), CancellationToken.None));
    }
}
