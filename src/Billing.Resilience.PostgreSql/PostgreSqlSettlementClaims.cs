using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Npgsql;
using NodaTime;

namespace Billing.Resilience.PostgreSql;

/// <summary>
/// Settlement leases in the journal's PostgreSQL schema (table <c>settlement_leases</c>), so that several application
/// instances settle each rental one at a time. Create it with <see cref="PostgreSqlJournal.CreateSettlementClaims"/>
/// and pass it to <c>BillingEngineBuilder.UseSettlementClaims</c>.
/// </summary>
public sealed class PostgreSqlSettlementClaims : ISettlementClaims
{
    private const int MaxOwnerLength = 200;
    private readonly NpgsqlDataSource dataSource;
    private readonly string claimSql;
    private readonly string releaseSql;

    internal PostgreSqlSettlementClaims(NpgsqlDataSource dataSource, string schema)
    {
        this.dataSource = dataSource;

        // One statement: take a free or expired lease, or renew one's own; anything else changes no row.
        claimSql = $"""
            INSERT INTO {schema}.settlement_leases AS l (rental_id, owner, until_ticks) VALUES ($1, $2, $4)
            ON CONFLICT (rental_id) DO UPDATE SET owner = EXCLUDED.owner, until_ticks = EXCLUDED.until_ticks
            WHERE l.owner = EXCLUDED.owner OR l.until_ticks <= $3
            """;
        releaseSql = $"DELETE FROM {schema}.settlement_leases WHERE rental_id = $1 AND owner = $2";
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimAsync(RentalId rentalId, string owner, Instant now, Instant until, CancellationToken cancellationToken)
    {
        CheckOwner(owner);
#pragma warning disable CA2100 // The SQL is ours; the schema name is validated as a plain identifier by the journal's options.
        await using var command = dataSource.CreateCommand(claimSql);
#pragma warning restore CA2100
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = rentalId.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = now.ToUnixTimeTicks() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = until.ToUnixTimeTicks() });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(RentalId rentalId, string owner, CancellationToken cancellationToken)
    {
        CheckOwner(owner);
#pragma warning disable CA2100 // The SQL is ours; the schema name is validated as a plain identifier by the journal's options.
        await using var command = dataSource.CreateCommand(releaseSql);
#pragma warning restore CA2100
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = rentalId.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void CheckOwner(string owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        if (owner.Length > MaxOwnerLength)
        {
            throw new ArgumentException($"An owner name has at most {MaxOwnerLength} characters.", nameof(owner));
        }
    }
}
