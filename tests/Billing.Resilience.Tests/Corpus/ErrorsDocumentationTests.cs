using System.Text.RegularExpressions;
using Billing.Resilience.Rentals;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>docs/errors.md lists every code the library and the drill report, and no code that does not exist.</summary>
public partial class ErrorsDocumentationTests
{
    private static readonly string Documentation = File.ReadAllText(Repository.PathOf("docs/errors.md"));

    /// <summary>Every code written in the source of the library and the drill, the token codes spelled out.</summary>
    private static IReadOnlySet<string> CodesInSource()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "src", "samples" }.SelectMany(d => Directory.EnumerateFiles(Repository.PathOf(d), "*.cs", SearchOption.AllDirectories)))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match match in CodeLiteral().Matches(File.ReadAllText(file)))
            {
                codes.Add(match.Groups[1].Value);
            }
        }

        // RentalService reports "BILLING_RENTAL_TOKEN_" + the RentalTokenProblem in upper case.
        Assert.True(codes.Remove("BILLING_RENTAL_TOKEN_"), "the token codes are no longer built from RentalTokenProblem: update this test");
        foreach (var problem in Enum.GetValues<RentalTokenProblem>().Where(p => p != RentalTokenProblem.None))
        {
            codes.Add("BILLING_RENTAL_TOKEN_" + problem.ToString().ToUpperInvariant());
        }

        return codes;
    }

    [Fact]
    public void Every_code_in_the_source_is_documented()
    {
        var missing = CodesInSource().Concat(CorpusAssert.GbfsCodes).Where(code => !Documentation.Contains($"`{code}`", StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "docs/errors.md does not document: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_code_the_corpus_expects_is_documented()
    {
        var missing = CorpusInventoryTests.All.Select(c => c.Code).Distinct().Where(code => !Documentation.Contains($"`{code}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "docs/errors.md does not document: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_documented_code_exists()
    {
        var known = CodesInSource();
        var stale = DocumentedCode().Matches(Documentation).Select(m => m.Groups[1].Value).Distinct()
            .Where(code => !known.Contains(code) && !code.StartsWith("BILLING_FUZZ_", StringComparison.Ordinal)) // the fuzz run's environment variables
            .ToList();
        Assert.True(stale.Count == 0, "docs/errors.md documents codes the source does not have: " + string.Join(", ", stale));
    }

    [GeneratedRegex("\"((?:BILLING|DRILL)_[A-Z0-9_]*)\"")]
    private static partial Regex CodeLiteral();

    [GeneratedRegex("`((?:BILLING|DRILL)_[A-Z0-9_]+)`")]
    private static partial Regex DocumentedCode();
}
