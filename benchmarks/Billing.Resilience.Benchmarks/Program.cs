using BenchmarkDotNet.Running;

namespace Billing.Resilience.Benchmarks;

/// <summary>
/// Runs the benchmarks (BenchmarkDotNet's switcher: <c>--filter '*'</c> for all, <c>--list flat</c> to list them) or,
/// with <c>rate-limit</c> as the first argument, the reconciler's rate-limit measurement. See docs/performance.md.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["rate-limit", .. var rest])
        {
            return await Settlements.RateLimitMeasurement.RunAsync(rest);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
