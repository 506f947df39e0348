using Npgsql;

namespace Billing.Resilience.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server the tests run against, from <c>BILLING_TEST_POSTGRES</c> (a connection string). There is no
/// skipping: without a server every test fails and says how to start one. Each test works in a schema of its own.
/// </summary>
internal static class TestServer
{
    public const string Variable = "BILLING_TEST_POSTGRES";

    private const string HowToStart = $"Start a throwaway server with `eval \"$(./eng/postgres.sh start)\"` (it exports {Variable}; `./eng/postgres.sh stop` removes it), run everything with ./test.sh (which does that), or set {Variable} to a connection string of your own, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=billing_test.";

    private static readonly Lazy<NpgsqlDataSource> Shared = new(() => CreateDataSource());

    /// <summary>Gets the data source most tests share.</summary>
    public static NpgsqlDataSource DataSource => Shared.Value;

    /// <summary>Gets the connection string of the test server, or fails with how to start one.</summary>
    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidOperationException($"The PostgreSQL journal tests need a PostgreSQL server and {Variable} is not set. {HowToStart}");
            }

            return value;
        }
    }

    /// <summary>A data source of its own: another instance of the billing backend.</summary>
    public static NpgsqlDataSource CreateDataSource(int maxPoolSize = 30, string? options = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            MaxPoolSize = maxPoolSize,
            Timeout = 15,
            CommandTimeout = 120,
        };
        if (options is not null)
        {
            builder.Options = options;
        }

        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            using var connection = dataSource.OpenConnection();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            dataSource.Dispose();
            throw new InvalidOperationException($"The PostgreSQL journal tests cannot reach the server in {Variable} ({builder.Host}:{builder.Port}, database {builder.Database}): {ex.Message}. Is it running? {HowToStart}", ex);
        }

        return dataSource;
    }

    /// <summary>A fresh schema name (the journal creates the schema).</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N");

    public static async Task DropSchemaAsync(string schema)
    {
        await using var command = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }
}
