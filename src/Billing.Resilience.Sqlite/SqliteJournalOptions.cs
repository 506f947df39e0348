using FluentValidation;

namespace Billing.Resilience.Sqlite;

/// <summary>Where the SQLite journal lives and how its writer batches appends.</summary>
public sealed class SqliteJournalOptions
{
    /// <summary>Gets or sets the path of the database file; it is created, with its schema, when missing. Use a local
    /// disk: WAL needs shared memory between connections, which network file systems do not provide reliably.</summary>
    /// <value>Required; there is no default.</value>
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets how long a connection waits for a lock held by another connection (another process
    /// opening the same file, a backup, a checkpoint) before the operation fails.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the most appends waiting for the writer. When the queue is full, further appends wait
    /// for room (their cancellation token still works): back pressure instead of unbounded memory.</summary>
    /// <value>The default value is 1,024.</value>
    public int MaxPendingAppends { get; set; } = 1_024;

    /// <summary>Gets or sets the most appends the writer commits in one transaction (one fsync).</summary>
    /// <value>The default value is 256.</value>
    public int MaxAppendsPerBatch { get; set; } = 256;

    /// <summary>Gets or sets the most events the writer commits in one transaction; an append with more events
    /// than this is committed alone.</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxEventsPerBatch { get; set; } = 10_000;

    /// <summary>Gets or sets how many pages the write-ahead log may hold before the writer, at the end of a commit, copies
    /// it back into the database file (SQLite's <c>wal_autocheckpoint</c>; a page is 4 KiB). A larger value means
    /// fewer checkpoints, and a page changed by many batches is copied back once instead of once per checkpoint; it
    /// also means a larger <c>-wal</c> file and a longer recovery when the file is opened after a crash. Durability
    /// does not depend on it: a commit is acknowledged once its WAL frames are fsynced, checkpointed or not.</summary>
    /// <value>The default value is 16,384 pages (64 MiB of WAL with 4 KiB pages); SQLite's own default is 1,000.</value>
    public int CheckpointAfterPages { get; set; } = 16_384;
}

/// <summary>Validates <see cref="SqliteJournalOptions"/>.</summary>
public sealed class SqliteJournalOptionsValidator : AbstractValidator<SqliteJournalOptions>
{
    /// <summary>Creates the validator.</summary>
    public SqliteJournalOptionsValidator()
    {
        RuleFor(o => o.Path).NotEmpty().WithErrorCode("BILLING_OPTIONS_SQLITE_PATH_REQUIRED")
            .WithMessage("Path is required: the journal is a file.");
        RuleFor(o => o.Path).Must(p => !IsInMemory(p)).WithErrorCode("BILLING_OPTIONS_SQLITE_PATH_IN_MEMORY")
            .WithMessage(o => $"Path must be a file; '{o.Path}' is an in-memory database, which loses everything with the process (use InMemoryJournal for tests).");
        RuleFor(o => o.BusyTimeout).Must(t => t >= TimeSpan.FromMilliseconds(1) && t <= TimeSpan.FromMinutes(10)).WithErrorCode("BILLING_OPTIONS_SQLITE_BUSY_TIMEOUT_RANGE")
            .WithMessage(o => $"BusyTimeout must be between 1 millisecond and 10 minutes; got {o.BusyTimeout}.");
        RuleFor(o => o.MaxPendingAppends).InclusiveBetween(1, 1_000_000).WithErrorCode("BILLING_OPTIONS_SQLITE_QUEUE_RANGE")
            .WithMessage(o => $"MaxPendingAppends must be between 1 and 1000000; got {o.MaxPendingAppends}.");
        RuleFor(o => o.MaxAppendsPerBatch).InclusiveBetween(1, 10_000).WithErrorCode("BILLING_OPTIONS_SQLITE_BATCH_APPENDS_RANGE")
            .WithMessage(o => $"MaxAppendsPerBatch must be between 1 and 10000; got {o.MaxAppendsPerBatch}.");
        RuleFor(o => o.MaxEventsPerBatch).InclusiveBetween(1, 1_000_000).WithErrorCode("BILLING_OPTIONS_SQLITE_BATCH_EVENTS_RANGE")
            .WithMessage(o => $"MaxEventsPerBatch must be between 1 and 1000000; got {o.MaxEventsPerBatch}.");
        RuleFor(o => o.CheckpointAfterPages).InclusiveBetween(100, 1_000_000).WithErrorCode("BILLING_OPTIONS_SQLITE_CHECKPOINT_RANGE")
            .WithMessage(o => $"CheckpointAfterPages must be between 100 and 1000000; got {o.CheckpointAfterPages}.");
    }

    private static bool IsInMemory(string? path)
        => path is not null && (path.Trim().Equals(":memory:", StringComparison.OrdinalIgnoreCase)
            || path.Contains("mode=memory", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("file::memory:", StringComparison.OrdinalIgnoreCase));
}
