using Billing.Resilience.Journal;

namespace Billing.Resilience.Sqlite;

/// <summary>Registers the SQLite journal with <c>services.AddBillingResilience(...)</c>.</summary>
public static class SqliteBillingResilienceBuilderExtensions
{
    /// <summary>
    /// Uses a SQLite journal in the file at <paramref name="path"/> (created when missing, migrated when older). The
    /// journal is opened once, when the engine is first built (the hosting package does that at start), and disposed
    /// by the container, which commits every append already queued.
    /// </summary>
    /// <param name="builder">The library's builder.</param>
    /// <param name="path">The database file, for example <c>billing.db</c> under the application's data folder.</param>
    /// <param name="configure">Adjusts the other options (busy timeout, queue and batch limits); they are validated when the journal opens, at start.</param>
    /// <returns>The builder.</returns>
    public static IBillingResilienceBuilder UseSqliteJournal(this IBillingResilienceBuilder builder, string path, Action<SqliteJournalOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var options = new SqliteJournalOptions { Path = path };
        configure?.Invoke(options);

        // The container's factories are synchronous; opening runs once, at start, with no synchronization context to
        // deadlock on (ASP.NET Core and the generic host have none).
        return builder.UseJournal(_ => SqliteJournal.OpenAsync(options).GetAwaiter().GetResult());
    }
}
