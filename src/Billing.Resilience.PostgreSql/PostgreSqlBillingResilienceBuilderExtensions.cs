using Billing.Resilience.Journal;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Resilience.PostgreSql;

/// <summary>Registers the PostgreSQL journal (and its settlement leases) with <c>services.AddBillingResilience(...)</c>.</summary>
public static class PostgreSqlBillingResilienceBuilderExtensions
{
    /// <summary>
    /// Uses a PostgreSQL journal on the data source the factory returns (registered by you, for example with
    /// <c>services.AddNpgsqlDataSource(...)</c>, and disposed by you), migrated when older. Because PostgreSQL is the
    /// store for several instances, the engine also uses the journal's settlement leases
    /// (<see cref="PostgreSqlJournal.CreateSettlementClaims"/>): instances settle each rental one at a time.
    /// </summary>
    /// <param name="builder">The library's builder.</param>
    /// <param name="dataSource">Returns the data source, from the container.</param>
    /// <param name="configure">Adjusts the options (schema, queue and batch limits).</param>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UsePostgreSqlJournal(this IBillingResilienceBuilder builder, Func<IServiceProvider, NpgsqlDataSource> dataSource, Action<PostgreSqlJournalOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        var options = new PostgreSqlJournalOptions();
        configure?.Invoke(options);

        // Opened once, when the engine is first built (at host start with the hosting package).
        builder.UseJournal(services => PostgreSqlJournal.OpenAsync(dataSource(services), options).GetAwaiter().GetResult());
        return builder.UseSettlementClaims(services => ((PostgreSqlJournal)services.GetRequiredService<IJournal>()).CreateSettlementClaims());
    }
}
