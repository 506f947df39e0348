using System.Reflection;
using System.Text.RegularExpressions;
using Billing.Resilience.Pricing;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// One malformed input and what its rejection must say: the stable <see cref="Code"/>, the JSON
/// <see cref="Path"/> (or option or property name) and <see cref="Shown"/>, the offending value as the message
/// must print it. <see cref="Input"/> is built on demand: a few inputs are megabytes long.
/// </summary>
internal sealed record CorpusCase(string Id, Func<string> Input, string Path, string Code, string? Shown)
{
    public override string ToString() => Id;
}

/// <summary>Checks shared by the corpus tests.</summary>
internal static partial class CorpusAssert
{
    /// <summary>Every code the GBFS importer can report, read from <see cref="GbfsImportCodes"/>.</summary>
    public static readonly IReadOnlySet<string> GbfsCodes = typeof(GbfsImportCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetValue(null)!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The rejection carries the expected error: same path and code, the offending value in its message.</summary>
    public static ValidationError HasError(IReadOnlyList<ValidationError> errors, CorpusCase expected)
    {
        Assert.NotEmpty(errors);
        var error = errors.FirstOrDefault(e => e.Path == expected.Path && e.Code == expected.Code);
        Assert.True(error is not null, $"{expected.Id}: expected {expected.Path} [{expected.Code}], got: {string.Join(" | ", errors)}");
        Assert.False(string.IsNullOrWhiteSpace(error.Message), $"{expected.Id}: empty message");
        if (expected.Shown is { } shown)
        {
            Assert.True(error.Message.Contains(shown, StringComparison.Ordinal), $"{expected.Id}: the message does not show '{shown}': {error.Message}");
        }

        foreach (var e in errors)
        {
            Assert.Matches(StableCode(), e.Code);
            Assert.False(string.IsNullOrWhiteSpace(e.Path), $"{expected.Id}: an error without a path: {e}");
        }

        return error;
    }

    /// <summary>Exactly one line on stderr, nothing on stdout.</summary>
    public static string OneLine(string stderr, string stdout)
    {
        Assert.True(stdout.Length == 0, $"stdout is not empty: {stdout}");
        Assert.EndsWith("\n", stderr, StringComparison.Ordinal);
        var line = stderr[..^1];
        Assert.True(line.Length > 0, "stderr is empty");
        Assert.True(line.IndexOfAny(['\n', '\r', '\u2028', '\u2029', '\u0085']) < 0, $"stderr has more than one line: {stderr}");
        return line;
    }

    /// <summary>Codes are upper-case words joined by underscores, prefixed by the product: BILLING_ or DRILL_.</summary>
    [GeneratedRegex("^(BILLING|DRILL)_[A-Z0-9]+(_[A-Z0-9]+)*$")]
    public static partial Regex StableCode();
}

/// <summary>Runs the drill's command line in-process.</summary>
internal static class DrillCli
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var exit = await OutageDrill.Program.MainAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A fresh directory for one test, deleted afterwards; <see cref="Files"/> says what is in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("billing-corpus-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes the text as UTF-8 without a byte order mark; what UTF-8 cannot hold (a lone surrogate) becomes U+FFFD.</summary>
    public string Write(string name, string text) => Write(name, System.Text.Encoding.UTF8.GetBytes(text));

    public string Write(string name, byte[] bytes)
    {
        var file = File(name);
        System.IO.File.WriteAllBytes(file, bytes);
        return file;
    }

    /// <summary>The names of the files in the directory, sorted.</summary>
    public IReadOnlyList<string> Files()
        => Directory.EnumerateFileSystemEntries(Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test for.
        }
    }
}

/// <summary>The repository, found from the test's output directory.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Billing.Resilience.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Billing.Resilience.sln not found above " + AppContext.BaseDirectory);
    }
}
