using System.Globalization;
using System.Reflection;

namespace Billing.Resilience.Storage;

/// <summary>A numbered schema script embedded in a store's assembly (<c>Schema/0001_journal.sql</c>).</summary>
/// <param name="Version">The schema version the script brings the database to.</param>
/// <param name="Name">The file name, recorded in <c>schema_version</c>.</param>
/// <param name="Sql">The script.</param>
internal sealed record SchemaScript(int Version, string Name, string Sql);

/// <summary>Loads a store's schema scripts: numbered from 1 without gaps, applied in order. Shared by the SQLite and
/// PostgreSQL packages (one source file, linked into both).</summary>
internal static class SchemaScripts
{
    /// <summary>Loads every embedded resource named <c>{prefix}NNNN_name.sql</c>, in version order.</summary>
    /// <exception cref="InvalidOperationException">The scripts are not numbered 1, 2, 3... (a packaging bug).</exception>
    public static IReadOnlyList<SchemaScript> Load(Assembly assembly, string prefix)
    {
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[prefix.Length..];
            if (name.Length < 6 || name[4] != '_' || !int.TryParse(name.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Schema script '{resource}' is not named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Schema script '{resource}' cannot be read.");
            using var reader = new StreamReader(stream);
            scripts.Add(new SchemaScript(version, name, reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Schema scripts must be numbered 1, 2, 3... without gaps; found {string.Join(", ", scripts.Select(s => s.Name))}.");
            }
        }

        if (scripts.Count == 0)
        {
            throw new InvalidOperationException($"No schema scripts named {prefix}NNNN_name.sql are embedded in {assembly.GetName().Name}.");
        }

        return scripts;
    }
}
