using System.Text.RegularExpressions;

namespace Billing.Resilience.Packaging.Tests;

/// <summary>
/// Issue acceptance: code in docs compiles, because it is taken from samples or tests. Every C# block of docs/*.md and of
/// README.md is
/// preceded by a marker naming the compiled file it is copied from, and equals that file (or one region of it):
/// <code>
/// &lt;!-- snippet: tests/Billing.Resilience.Tests/Pricing/Fare/PricingDocsExamples.cs#quote --&gt;
/// ```csharp
/// ...the lines between "// docs: begin quote" and "// docs: end quote", indentation removed...
/// ```
/// </code>
/// Without <c>#region</c> the block is the whole file. The file must be under samples/ or tests/, in a project of the
/// solution (so that <c>./test.sh</c> builds it).
/// </summary>
public sealed partial class DocsSnippetTests
{
    private static readonly string Root = FindRoot();

    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (var page in Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            data.Add("docs/" + Path.GetFileName(page));
        }

        data.Add("README.md");
        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_csharp_block_is_a_region_of_a_compiled_file(string page)
    {
        var problems = new List<string>();
        foreach (var block in CodeBlocks(File.ReadAllText(Path.Combine(Root, page)).ReplaceLineEndings("\n")))
        {
            var where = $"{page}:{block.Line}";
            if (!block.IsCSharp)
            {
                if (block.Marker is not null)
                {
                    problems.Add($"{where}: a snippet marker before a block that is not C# ({block.Language})");
                }

                continue;
            }

            if (block.Marker is null)
            {
                problems.Add($"{where}: a C# block without a <!-- snippet: FILE#REGION --> marker on the line before it");
                continue;
            }

            var expected = Source(block.Marker, out var problem);
            if (problem is not null)
            {
                problems.Add($"{where}: {problem}");
            }
            else if (block.Code != expected)
            {
                problems.Add($"{where}: the block differs from {block.Marker}; it should read:\n{expected}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    [Fact]
    public void The_markers_are_found()
    {
        // Guards the test against a parser that finds nothing: the getting-started page embeds its sample whole.
        var blocks = CodeBlocks(File.ReadAllText(Path.Combine(Root, "docs", "getting-started.md")).ReplaceLineEndings("\n"));
        Assert.Contains(blocks, b => b.IsCSharp && b.Marker == "samples/GettingStarted/Program.cs");
    }

    /// <summary>The code a marker names: a whole file, or the lines of one region without their common indentation.</summary>
    private static string Source(string marker, out string? problem)
    {
        problem = null;
        var hash = marker.IndexOf('#', StringComparison.Ordinal);
        var relative = hash < 0 ? marker : marker[..hash];
        var region = hash < 0 ? null : marker[(hash + 1)..];
        var file = Path.GetFullPath(Path.Combine(Root, relative));
        if (!relative.EndsWith(".cs", StringComparison.Ordinal) || !(relative.StartsWith("samples/", StringComparison.Ordinal) || relative.StartsWith("tests/", StringComparison.Ordinal)))
        {
            problem = $"{marker}: the source must be a .cs file under samples/ or tests/";
            return string.Empty;
        }

        if (!File.Exists(file))
        {
            problem = $"{marker}: no such file";
            return string.Empty;
        }

        if (ProjectOf(file) is null)
        {
            problem = $"{marker}: the file is in no project of Billing.Resilience.sln, so nothing compiles it";
            return string.Empty;
        }

        var lines = File.ReadAllText(file).ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        if (region is null)
        {
            return string.Join('\n', lines);
        }

        var begins = lines.Select((l, i) => (l, i)).Where(x => RegionBegin().Match(x.l) is { Success: true } m && m.Groups[1].Value == region).Select(x => x.i).ToList();
        var ends = lines.Select((l, i) => (l, i)).Where(x => RegionEnd().Match(x.l) is { Success: true } m && m.Groups[1].Value == region).Select(x => x.i).ToList();
        if (begins.Count != 1 || ends.Count != 1 || ends[0] < begins[0])
        {
            problem = $"{marker}: expected one \"// docs: begin {region}\" followed by one \"// docs: end {region}\"; found {begins.Count} and {ends.Count}";
            return string.Empty;
        }

        var body = lines[(begins[0] + 1)..ends[0]];
        var indent = body.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart(' ').Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', body.Select(l => l.Trim().Length == 0 ? string.Empty : l[indent..])).Trim('\n');
    }

    /// <summary>The project of the solution whose folder holds the file, if any.</summary>
    private static string? ProjectOf(string file)
    {
        var solution = File.ReadAllText(Path.Combine(Root, "Billing.Resilience.sln")).Replace('\\', '/');
        for (var directory = Path.GetDirectoryName(file); directory is not null && directory.Length > Root.Length; directory = Path.GetDirectoryName(directory))
        {
            foreach (var project in Directory.EnumerateFiles(directory, "*.csproj"))
            {
                var relative = Path.GetRelativePath(Root, project).Replace('\\', '/');
                if (solution.Contains($"\"{relative}\"", StringComparison.Ordinal))
                {
                    return relative;
                }
            }
        }

        return null;
    }

    private static List<Block> CodeBlocks(string markdown)
    {
        var blocks = new List<Block>();
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = Fence().Match(lines[i]);
            if (!fence.Success)
            {
                continue;
            }

            var language = fence.Groups[1].Value;
            var start = i;
            var end = i + 1;
            while (end < lines.Length && lines[end].TrimEnd() != "```")
            {
                end++;
            }

            var marker = start > 0 && SnippetMarker().Match(lines[start - 1]) is { Success: true } m ? m.Groups[1].Value : null;
            blocks.Add(new Block(start + 1, language, marker, string.Join('\n', lines[(start + 1)..Math.Min(end, lines.Length)]).Trim('\n')));
            i = end;
        }

        return blocks;
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

    [GeneratedRegex(@"^```\s*([A-Za-z0-9#+-]*)\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^<!--\s*snippet:\s*(\S+)\s*-->\s*$")]
    private static partial Regex SnippetMarker();

    [GeneratedRegex(@"^\s*// docs: begin (\S+)\s*$")]
    private static partial Regex RegionBegin();

    [GeneratedRegex(@"^\s*// docs: end (\S+)\s*$")]
    private static partial Regex RegionEnd();

    private sealed record Block(int Line, string Language, string? Marker, string Code)
    {
        public bool IsCSharp => Language is "csharp" or "cs" or "c#" or "C#";
    }
}
