namespace Billing.Resilience.Tests.Support;

/// <summary>Measures what a piece of code allocates on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="round"/> up to <paramref name="rounds"/> times and returns the fewest bytes one run allocated on
    /// this thread (0 as soon as a run allocates nothing). A one-time allocation, such as the JIT promoting a method to
    /// its optimized tier in the middle of a run on a loaded machine, shows in one run only; an allocation per call shows
    /// in every run, so the result is above zero exactly when the code allocates per call.
    /// </summary>
    public static long Fewest(Action round, int rounds = 5)
    {
        ArgumentNullException.ThrowIfNull(round);
        var fewest = long.MaxValue;
        for (var i = 0; i < rounds && fewest > 0; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
