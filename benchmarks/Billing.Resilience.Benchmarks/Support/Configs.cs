using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Billing.Resilience.Benchmarks.Support;

/// <summary>Nanosecond benchmarks: one process, 3 warm-up and 15 measured iterations of about 200 ms each.</summary>
public sealed class QuoteConfig : ManualConfig
{
    /// <summary>
    /// How long BenchmarkDotNet may take to build its generated project (its default is 2 minutes): on a 2-core machine
    /// shared with other builds that build took longer, and every benchmark of the class then reported NA.
    /// </summary>
    internal static readonly TimeSpan SharedMachineBuildTimeout = TimeSpan.FromMinutes(15);

    public QuoteConfig()
    {
        AddJob(Job.Default
            .WithId("quote")
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(200)));
        AddColumn(new PerSecondColumn("Quotes/s"));
        BuildTimeout = SharedMachineBuildTimeout;
    }
}

/// <summary>
/// Throughput benchmarks whose one invocation is a whole workload (thousands of appends or settlements, reported per
/// item through <c>OperationsPerInvoke</c>): one process, one invocation per iteration, 1 warm-up and 5 measured iterations.
/// </summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddJob(Job.Default
            .WithId("throughput")
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithInvocationCount(1)
            .WithUnrollFactor(1));
        AddColumn(new PerSecondColumn("Items/s"));
        AddColumn(StatisticColumn.Median);
        BuildTimeout = QuoteConfig.SharedMachineBuildTimeout;
    }
}

/// <summary>Throughput from the mean time of one item (the benchmark's operation): 1 s / mean.</summary>
public sealed class PerSecondColumn(string name) : IColumn
{
    public string Id => nameof(PerSecondColumn) + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Items per second: 1 s divided by the mean time of one item";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        => summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } statistics
            ? (1e9 / statistics.Mean).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
            : "-";
}
