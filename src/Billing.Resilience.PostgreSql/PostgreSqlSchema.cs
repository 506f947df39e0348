using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Billing.Resilience.Storage;
using Npgsql;

namespace Billing.Resilience.PostgreSql;

/// <summary>
/// Brings a journal's schema to the version this code writes: applies the embedded scripts the database has not seen
/// yet, in order, each in its own transaction that first takes a transaction-scoped advisory lock, so that several
/// instances starting at once apply each script exactly once; recorded in <c>schema_version</c>. A schema from a
/// newer version is refused.
/// </summary>
internal static class PostgreSqlSchema
{
    /// <summary>The embedded scripts, in version order.</summary>
    public static readonly IReadOnlyList<SchemaScript> Scripts = SchemaScripts.Load(typeof(PostgreSqlSchema).Assembly, "Billing.Resilience.PostgreSql.Schema.");

    /// <summary>Gets the newest schema version this code knows.</summary>
    public static int LatestVersion => Scripts.Count;

    /// <summary>The key of the transaction-scoped advisory lock every insert into the schema's events takes.</summary>
    public static long AppendLockKey(string schema) => LockKey($"Billing.Resilience.PostgreSql/{schema}/append");

    /// <summary>The key of the advisory lock migrations of the schema take.</summary>
    public static long MigrationLockKey(string schema) => LockKey($"Billing.Resilience.PostgreSql/{schema}/migrate");

    /// <summary>Fills a script's placeholders: the schema and the append lock key.</summary>
    public static string Render(string sql, string schema)
        => sql.Replace("__schema__", schema, StringComparison.Ordinal)
            .Replace("__append_lock__", AppendLockKey(schema).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>Applies the missing scripts up to <paramref name="targetVersion"/> (tests stop early to build old schemas).</summary>
    /// <exception cref="PostgreSqlSchemaTooNewException">The schema is newer than this code knows.</exception>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string schema, int? targetVersion, CancellationToken cancellationToken)
    {
        var target = targetVersion ?? LatestVersion;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock($1)", cancellationToken, MigrationLockKey(schema)).ConfigureAwait(false);
            if (await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", cancellationToken, schema).ConfigureAwait(false) == 0)
            {
                await ExecuteAsync(connection, $"CREATE SCHEMA {schema}", cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(
                connection,
                $"""
                CREATE TABLE IF NOT EXISTS {schema}.schema_version (
                    version    integer     NOT NULL PRIMARY KEY CHECK (version >= 1),
                    script     text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                cancellationToken).ConfigureAwait(false);
            var current = await ReadVersionAsync(connection, schema, cancellationToken).ConfigureAwait(false);
            if (current > LatestVersion)
            {
                throw new PostgreSqlSchemaTooNewException(schema, current, LatestVersion);
            }

            if (current >= target)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            var script = Scripts[current];
            await ExecuteAsync(connection, Render(script.Sql, schema), cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO {schema}.schema_version (version, script) VALUES ($1, $2)", cancellationToken, script.Version, script.Name).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the schema version (the table must exist).</summary>
    public static async Task<int> ReadVersionAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
        => await ScalarAsync<int>(connection, $"SELECT coalesce(max(version), 0) FROM {schema}.schema_version", cancellationToken).ConfigureAwait(false);

    private static long LockKey(string name)
        => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
#pragma warning disable CA2100 // The SQL is ours: embedded scripts and a schema name validated as a plain identifier.
        var command = new NpgsqlCommand(sql, connection);
#pragma warning restore CA2100
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
