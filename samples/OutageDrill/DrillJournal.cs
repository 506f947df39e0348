using Billing.Resilience.Journal;
using Billing.Resilience.Sqlite;

namespace OutageDrill;

/// <summary>
/// The drill's journal: SQLite by default (a fresh <c>outage-drill.db</c> in the working directory, replaced on every
/// run), a file of the user's with <c>--journal PATH</c> (which must not exist: a drill starts from an empty journal and
/// never overwrites data), or <c>--journal memory</c>.
/// </summary>
internal sealed class DrillJournal : IAsyncDisposable
{
    public const string DefaultPath = "outage-drill.db";

    private readonly SqliteJournal? sqlite;

    private DrillJournal(IJournal journal, SqliteJournal? sqlite, string description)
    {
        Journal = journal;
        this.sqlite = sqlite;
        Description = description;
    }

    public IJournal Journal { get; }

    public string Description { get; }

    public static CommandLineError? PathProblem(string path)
    {
        if (path == "memory")
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(path) || Directory.Exists(path))
        {
            return new(path.Length == 0 ? "simulate" : path, "--journal", "DRILL_JOURNAL_PATH_INVALID", "is not a file name");
        }

        if (File.Exists(path))
        {
            return new(path, "--journal", "DRILL_JOURNAL_EXISTS", "exists already; a drill starts from an empty journal and never overwrites one: remove it or choose another path");
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return new(path, "--journal", "DRILL_JOURNAL_PATH_INVALID", $"'{path}' is not a file name: {ex.Message}");
        }

        var directory = Path.GetDirectoryName(full);
        return directory is not null && !Directory.Exists(directory)
            ? new(path, "--journal", "DRILL_JOURNAL_DIRECTORY_MISSING", $"the directory {directory} does not exist")
            : null;
    }

    public static async Task<DrillJournal> OpenAsync(string? path)
    {
        if (path == "memory")
        {
            return new DrillJournal(new InMemoryJournal(), null, "in memory");
        }

        if (path is null)
        {
            path = DefaultPath;
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }

        var journal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = path }).ConfigureAwait(false);
        return new DrillJournal(journal, journal, "SQLite " + Path.GetFullPath(path));
    }

    public async ValueTask DisposeAsync()
    {
        if (sqlite is not null)
        {
            await sqlite.DisposeAsync().ConfigureAwait(false);
        }
    }
}
