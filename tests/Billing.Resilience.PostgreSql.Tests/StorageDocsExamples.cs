using Npgsql;

namespace Billing.Resilience.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL code of docs/storage.md, kept compiling here (not run: it names a server "db"; the tests of this
/// project run the same calls against the test server). The page embeds the lines between "docs: begin NAME" and
/// "docs: end NAME" verbatim (the Packaging tests check it); edit both together.
/// </summary>
public static class StorageDocsExamples
{
    public static async Task OpenAsync()
    {
        // docs: begin open
        // PostgreSQL: bring your NpgsqlDataSource (the journal does not dispose it); the schema is created or migrated.
        await using var dataSource = NpgsqlDataSource.Create("Host=db;Username=billing;Password=...;Database=billing");
        await using var journal = await PostgreSqlJournal.OpenAsync(dataSource, new PostgreSqlJournalOptions { Schema = "billing" });
        // docs: end open
    }

    public static async Task SeveralInstancesAsync(NpgsqlDataSource dataSource, Func<BillingEngine, Task> runUntilStopped)
    {
        ArgumentNullException.ThrowIfNull(runUntilStopped);

        // docs: begin claims
        await using var journal = await PostgreSqlJournal.OpenAsync(dataSource);
        var engine = await new BillingEngineBuilder()
            .UseJournal(journal)
            .UseSettlementClaims(journal.CreateSettlementClaims(), instance: Environment.MachineName)
            // ... clock, plans, identity, gateways
            .BuildAsync();
        // docs: end claims
        await runUntilStopped(engine);
    }
}
