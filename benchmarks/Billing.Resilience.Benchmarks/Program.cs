using BenchmarkDotNet.Running;

namespace Billing.Resilience.Benchmarks;

/// <summary>
/// Runs the benchmarks (BenchmarkDotNet's switcher: <c>--filter '*'</c> for all, <c>--list flat</c> to list them) or,
/// with <c>rate-limit</c> as the first argument, the reconciler's rate-limit measurement, with <c>gateway-memory</c> what
/// the simulated payment gateway keeps per rental. See docs/performance.md.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["rate-limit", .. var rest])
        {
            return await Settlements.RateLimitMeasurement.RunAsync(rest);
        }

        if (args is ["gateway-memory", .. var options])
        {
            return await Ledger.GatewayMemoryMeasurement.RunAsync(options);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
