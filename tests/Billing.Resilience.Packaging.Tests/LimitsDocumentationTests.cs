using System.Text.RegularExpressions;

namespace Billing.Resilience.Packaging.Tests;

/// <summary>
/// BRIEF.md promise 6 (bounded: every queue, batch, retry and hold has a limit and a documented default) as far as
/// the documentation goes: docs/limits.md names every option of every options class and every public limit constant
/// of the packages, so a new option or limit cannot ship without its row.
/// </summary>
public sealed partial class LimitsDocumentationTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Every_option_and_public_limit_constant_is_in_the_limits_table()
    {
        var page = File.ReadAllText(Path.Combine(Root, "docs", "limits.md"));
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            if (Path.GetFileName(file).EndsWith("Options.cs", StringComparison.Ordinal) || Path.GetFileName(file) == "RentalTokens.cs")
            {
                foreach (Match option in SettableProperty().Matches(text))
                {
                    names.Add(option.Groups[1].Value);
                }
            }

            if (!InternalType().IsMatch(text))
            {
                foreach (Match limit in LimitConstant().Matches(text))
                {
                    names.Add(limit.Groups[1].Value);
                }
            }
        }

        Assert.True(names.Count > 40, $"found only {names.Count} options and limits: the scan is broken");
        var missing = names.Where(n => !page.Contains($"`{n}`", StringComparison.Ordinal) && !page.Contains($".{n}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/limits.md does not name: " + string.Join(", ", missing));
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Billing.Resilience.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Billing.Resilience.sln) was not found above the test output.");
    }

    [GeneratedRegex(@"public [A-Za-z<>?\[\].]+ ([A-Za-z]+) \{ get; set; \}")]
    private static partial Regex SettableProperty();

    [GeneratedRegex(@"public (?:const|static readonly) [A-Za-z]+ ((?:Max|Min|Default)[A-Za-z]*)")]
    private static partial Regex LimitConstant();

    [GeneratedRegex(@"^internal (?:static |sealed )*class", RegexOptions.Multiline)]
    private static partial Regex InternalType();
}
