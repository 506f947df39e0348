using System.Collections.Concurrent;
using Billing.Resilience.Journal;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using Billing.Resilience.Tests.Support;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>Several instances on one journal settle one backlog: each rental by one instance at a time, money once.</summary>
public class MultiInstanceTests
{
    [Fact]
    public Task Three_instances_on_one_in_memory_journal_settle_one_backlog_each_rental_once()
    {
        var journal = new InMemoryJournal();
        var claims = new InMemorySettlementClaims();
        return MultiInstanceBacklog.RunAsync(_ => journal, _ => claims, instances: 3, rentals: 300);
    }

    [Fact]
    public async Task A_lease_held_by_an_instance_that_died_expires_and_another_takes_over()
    {
        var claims = new InMemorySettlementClaims();
        var rental = RentalId.From("r-1");
        var t0 = TestEngine.T0;
        Assert.True(await claims.TryClaimAsync(rental, "dead", t0, t0 + Duration.FromMinutes(1), CancellationToken.None));
        Assert.False(await claims.TryClaimAsync(rental, "alive", t0 + Duration.FromSeconds(59), t0 + Duration.FromMinutes(2), CancellationToken.None));
        Assert.True(await claims.TryClaimAsync(rental, "alive", t0 + Duration.FromSeconds(60), t0 + Duration.FromMinutes(2), CancellationToken.None));
        await claims.ReleaseAsync(rental, "dead", CancellationToken.None);
        Assert.False(await claims.TryClaimAsync(rental, "dead", t0 + Duration.FromSeconds(61), t0 + Duration.FromMinutes(2), CancellationToken.None));
    }
}
