namespace Billing.Resilience.Sqlite.Tests;

/// <summary>A temporary folder for one test's journal file; deleted with everything in it.</summary>
internal sealed class TempJournalFile : IDisposable
{
    public TempJournalFile()
    {
        Folder = Directory.CreateTempSubdirectory("billing-sqlite-").FullName;
        Path = System.IO.Path.Combine(Folder, "journal.db");
    }

    public string Folder { get; }

    public string Path { get; }

    public SqliteJournalOptions Options(Action<SqliteJournalOptions>? configure = null)
    {
        var options = new SqliteJournalOptions { Path = Path };
        configure?.Invoke(options);
        return options;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on some platform: the OS cleans its temp folder.
        }
    }
}
