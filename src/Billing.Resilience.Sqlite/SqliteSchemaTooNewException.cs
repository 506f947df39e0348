namespace Billing.Resilience.Sqlite;

/// <summary>
/// Thrown when a journal file was written by a newer version of Billing.Resilience.Sqlite than the one running: its
/// schema may hold rules this code does not know, so the code refuses to write to it. Upgrade the package (schema
/// versions only go up; nothing is changed in the file).
/// </summary>
public sealed class SqliteSchemaTooNewException : NotSupportedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="databaseVersion">The schema version recorded in the file.</param>
    /// <param name="supportedVersion">The newest schema version this code knows.</param>
    public SqliteSchemaTooNewException(string path, int databaseVersion, int supportedVersion)
        : base($"The SQLite journal '{path}' has schema version {databaseVersion}, but this version of Billing.Resilience.Sqlite knows versions up to {supportedVersion}. It was written by newer code; upgrade the package instead of opening it with older code. Nothing was changed in the file.")
    {
        Path = path;
        DatabaseVersion = databaseVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>Gets the database file.</summary>
    public string Path { get; }

    /// <summary>Gets the schema version recorded in the file.</summary>
    public int DatabaseVersion { get; }

    /// <summary>Gets the newest schema version this code knows.</summary>
    public int SupportedVersion { get; }
}
