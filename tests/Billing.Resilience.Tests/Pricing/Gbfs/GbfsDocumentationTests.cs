using System.Reflection;
using Billing.Resilience.Pricing;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

public class GbfsDocumentationTests
{
    [Fact]
    public void Every_code_is_documented_in_docs_gbfs_import_md()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Billing.Resilience.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var doc = File.ReadAllText(Path.Combine(directory.FullName, "docs", "gbfs-import.md"));
        var codes = typeof(GbfsImportCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToArray();

        Assert.Equal(32, codes.Length);
        Assert.All(codes, code => Assert.Contains($"| `{code}` |", doc, StringComparison.Ordinal));
    }
}
