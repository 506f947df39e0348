using Billing.Resilience.Journal;
using Billing.Resilience.Tests.Journal;

namespace Billing.Resilience.PostgreSql.Tests;

/// <summary>The PostgreSQL journal holds the same contract as the in-memory reference, in a fresh schema per test.</summary>
public sealed class PostgreSqlJournalConformanceTests : JournalConformanceTests
{
    private readonly string schema = TestServer.NewSchema();

    protected override async Task<IJournal> CreateJournalAsync()
        => await PostgreSqlJournal.OpenAsync(TestServer.DataSource, new PostgreSqlJournalOptions { Schema = schema });

    protected override async Task DisposeJournalAsync(IJournal value)
    {
        await base.DisposeJournalAsync(value);
        await TestServer.DropSchemaAsync(schema);
    }
}
