namespace Billing.Resilience.Sqlite.Tests;

/// <summary>
/// The test assembly doubles as the child process of <see cref="SqliteCrashTests"/>:
/// <c>dotnet Billing.Resilience.Sqlite.Tests.dll crash-child &lt;file&gt; &lt;writers&gt;</c> appends until it is killed;
/// <c>drill-child &lt;file&gt; &lt;gateway url&gt;</c> runs <see cref="DrillKillTests"/>' drill.
/// Without those arguments it does nothing (test runners do not call it).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is ["crash-child", var path, var writers])
        {
            await SqliteCrashTests.RunChildAsync(path, int.Parse(writers, System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (args is ["drill-child", var file, var url, var generation])
        {
            return await DrillKillTests.RunChildAsync(file, url, int.Parse(generation, System.Globalization.CultureInfo.InvariantCulture));
        }

        return 0;
    }
}
