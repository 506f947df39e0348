using System.Globalization;
using Billing.Resilience.Storage;
using Microsoft.Data.Sqlite;

namespace Billing.Resilience.Sqlite;

/// <summary>
/// Brings a journal file to the schema this code writes: applies the embedded scripts the file has not seen yet, in
/// order, each in its own write transaction (<c>BEGIN IMMEDIATE</c>, so two processes opening the same file at once
/// cannot both apply a script), recording each in <c>schema_version</c>. A file from a newer schema is refused.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The embedded scripts, in version order.</summary>
    public static readonly IReadOnlyList<SchemaScript> Scripts = SchemaScripts.Load(typeof(SqliteSchema).Assembly, "Billing.Resilience.Sqlite.Schema.");

    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER NOT NULL PRIMARY KEY CHECK (version >= 1),
            script     TEXT    NOT NULL,
            applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) STRICT;
        """;

    /// <summary>Gets the newest schema version this code knows.</summary>
    public static int LatestVersion => Scripts.Count;

    /// <summary>Applies the missing scripts up to <paramref name="targetVersion"/> (tests stop early to build old files).</summary>
    /// <exception cref="SqliteSchemaTooNewException">The file has a newer schema than this code knows.</exception>
    public static void Migrate(SqliteConnection connection, string path, int? targetVersion = null)
    {
        var target = targetVersion ?? LatestVersion;
        while (true)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            Execute(connection, transaction, CreateVersionTable);
            var current = ReadVersion(connection, transaction);
            if (current > LatestVersion)
            {
                throw new SqliteSchemaTooNewException(path, current, LatestVersion);
            }

            if (current >= target)
            {
                transaction.Commit();
                return;
            }

            var script = Scripts[current];
            Execute(connection, transaction, script.Sql);
            using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_version (version, script) VALUES ($version, $script)";
                record.Parameters.AddWithValue("$version", script.Version);
                record.Parameters.AddWithValue("$script", script.Name);
                record.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>Reads the schema version of a file (0 when it has none).</summary>
    public static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
