namespace Billing.Resilience.PostgreSql;

/// <summary>
/// Thrown when the journal's schema was written by a newer version of Billing.Resilience.PostgreSql than the one
/// running (another instance was upgraded first): its schema may hold rules this code does not know, so the code
/// refuses to write to it. Upgrade this instance too (schema versions only go up; nothing was changed in the database).
/// </summary>
public sealed class PostgreSqlSchemaTooNewException : NotSupportedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="schema">The journal's schema.</param>
    /// <param name="databaseVersion">The schema version recorded in the database.</param>
    /// <param name="supportedVersion">The newest schema version this code knows.</param>
    public PostgreSqlSchemaTooNewException(string schema, int databaseVersion, int supportedVersion)
        : base($"The PostgreSQL journal in schema '{schema}' has schema version {databaseVersion}, but this version of Billing.Resilience.PostgreSql knows versions up to {supportedVersion}. It was written by newer code (another instance was upgraded first); upgrade this instance instead of running it against the newer schema. Nothing was changed in the database.")
    {
        Schema = schema;
        DatabaseVersion = databaseVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>Gets the journal's schema.</summary>
    public string Schema { get; }

    /// <summary>Gets the schema version recorded in the database.</summary>
    public int DatabaseVersion { get; }

    /// <summary>Gets the newest schema version this code knows.</summary>
    public int SupportedVersion { get; }
}
