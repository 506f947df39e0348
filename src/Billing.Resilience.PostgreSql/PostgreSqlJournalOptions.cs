using System.Text.RegularExpressions;
using FluentValidation;

namespace Billing.Resilience.PostgreSql;

/// <summary>Where the PostgreSQL journal lives in the database and how each instance batches its appends.</summary>
public sealed partial class PostgreSqlJournalOptions
{
    /// <summary>Gets or sets the schema that holds the journal's tables; created when missing. Instances that share a
    /// journal use the same schema; different schemas are independent journals in one database.</summary>
    /// <value>The default value is <c>billing</c>. Lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters.</value>
    public string Schema { get; set; } = "billing";

    /// <summary>Gets or sets the most appends waiting for this instance's writer. When the queue is full, further
    /// appends wait for room (their cancellation token still works): back pressure instead of unbounded memory.</summary>
    /// <value>The default value is 1,024.</value>
    public int MaxPendingAppends { get; set; } = 1_024;

    /// <summary>Gets or sets the most appends this instance's writer sends in one round trip and commits in one transaction.</summary>
    /// <value>The default value is 256.</value>
    public int MaxAppendsPerBatch { get; set; } = 256;

    /// <summary>Gets or sets the most events this instance's writer commits in one transaction; an append with more
    /// events than this is committed alone.</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxEventsPerBatch { get; set; } = 10_000;

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    internal static partial Regex SchemaName();
}

/// <summary>Validates <see cref="PostgreSqlJournalOptions"/>.</summary>
public sealed class PostgreSqlJournalOptionsValidator : AbstractValidator<PostgreSqlJournalOptions>
{
    /// <summary>Creates the validator.</summary>
    public PostgreSqlJournalOptionsValidator()
    {
        RuleFor(o => o.Schema).Must(s => s is not null && PostgreSqlJournalOptions.SchemaName().IsMatch(s) && !s.StartsWith("pg_", StringComparison.Ordinal))
            .WithErrorCode("BILLING_OPTIONS_POSTGRESQL_SCHEMA_NAME")
            .WithMessage(o => $"Schema must be 1 to 63 lower-case letters, digits or underscores, start with a letter or underscore and not with 'pg_'; got '{o.Schema}'.");
        RuleFor(o => o.MaxPendingAppends).InclusiveBetween(1, 1_000_000).WithErrorCode("BILLING_OPTIONS_POSTGRESQL_QUEUE_RANGE")
            .WithMessage(o => $"MaxPendingAppends must be between 1 and 1000000; got {o.MaxPendingAppends}.");
        RuleFor(o => o.MaxAppendsPerBatch).InclusiveBetween(1, 10_000).WithErrorCode("BILLING_OPTIONS_POSTGRESQL_BATCH_APPENDS_RANGE")
            .WithMessage(o => $"MaxAppendsPerBatch must be between 1 and 10000; got {o.MaxAppendsPerBatch}.");
        RuleFor(o => o.MaxEventsPerBatch).InclusiveBetween(1, 1_000_000).WithErrorCode("BILLING_OPTIONS_POSTGRESQL_BATCH_EVENTS_RANGE")
            .WithMessage(o => $"MaxEventsPerBatch must be between 1 and 1000000; got {o.MaxEventsPerBatch}.");
    }
}
