namespace Billing.Resilience.Sqlite.Tests;

/// <summary>
/// The SQLite code of docs/storage.md, kept compiling and green here. The page embeds the lines between
/// "docs: begin NAME" and "docs: end NAME" verbatim (the Packaging tests check it); edit both together.
/// </summary>
public sealed class StorageDocsExamples : IDisposable
{
    private readonly TempJournalFile file = new();

    public void Dispose() => file.Dispose();

    [Fact]
    public async Task Opening_creates_the_file_and_its_schema()
    {
        var path = file.Path;

        // docs: begin open
        // SQLite: the file and its schema are created when missing, migrated when older, refused when newer.
        await using var journal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = path });   // e.g. /var/lib/billing/journal.db
        // docs: end open

        Assert.True(File.Exists(path));
        Assert.Empty(await journal.ReadAllAsync(0, 10));
    }
}
