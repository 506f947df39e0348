using Billing.Resilience.Journal;
using Billing.Resilience.Rentals;
using Billing.Resilience.Sqlite;
using Billing.Resilience.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Hosting.Tests;

public sealed class StoreRegistrationTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"billing-di-{Guid.NewGuid():N}.db");

    public void Dispose()
    {
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    [Fact]
    public async Task UseSqliteJournal_opens_the_file_when_the_engine_is_built_and_a_second_container_reads_what_the_first_wrote()
    {
        var clock = new FakeClock(Instant.FromUtc(2022, 10, 15, 5, 50));
        await using (var first = Build(clock))
        {
            Assert.False(File.Exists(path)); // nothing opened at registration
            var start = await first.GetRequiredService<RentalService>().StartAsync(new StartRental("r-1", "u-1", "kickboard"));
            Assert.True(start.Started);
            Assert.IsType<SqliteJournal>(first.GetRequiredService<IJournal>());
        }

        await using var second = Build(clock);
        var statement = await second.GetRequiredService<RentalService>().GetStatementAsync("r-1", CancellationToken.None);
        Assert.NotNull(statement);
        Assert.Equal(RentalStatus.Open, statement.Status);
    }

    private ServiceProvider Build(FakeClock clock)
    {
        var services = new ServiceCollection();
        services.AddSingleton(sp => new SimulatedPaymentGateway("simulated", sp.GetRequiredService<IClock>()));
        services.AddBillingResilience(Support.TestSetup.ValidOptions)
            .UseClock(clock)
            .UseSqliteJournal(path)
            .UseIdentityProvider(_ => new Support.SwitchableIdentityProvider())
            .AddPaymentGateway(sp => sp.GetRequiredService<SimulatedPaymentGateway>());
        return services.BuildServiceProvider();
    }
}
