using Billing.Resilience.Journal;
using Billing.Resilience.Tests.Journal;

namespace Billing.Resilience.Sqlite.Tests;

/// <summary>The SQLite journal holds the same contract as the in-memory reference, on a fresh temporary file per test.</summary>
public sealed class SqliteJournalConformanceTests : JournalConformanceTests, IDisposable
{
    private readonly TempJournalFile file = new();

    protected override async Task<IJournal> CreateJournalAsync() => await SqliteJournal.OpenAsync(file.Options());

    public void Dispose() => file.Dispose();
}
