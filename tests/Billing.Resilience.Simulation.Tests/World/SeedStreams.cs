using NodaTime;

namespace Billing.Resilience.Simulation.Tests.World;

/// <summary>
/// One seed, several independent random streams. Each part of the world (the workload, the gateway's faults, the
/// crashes, the restarts, the reconciler's jitter) draws from its own <see cref="Random"/>, derived from the seed and
/// the stream's name, so that a change in how one part draws does not shift what the others draw.
/// </summary>
internal static class SeedStreams
{
    /// <summary>Derives the seed of a named stream (FNV-1a of the name mixed with the seed by SplitMix64; no string hash codes, which .NET randomizes per process).</summary>
    public static int Derive(int seed, string stream)
    {
        unchecked
        {
            var h = 14695981039346656037UL;
            foreach (var c in stream)
            {
                h ^= c;
                h *= 1099511628211UL;
            }

            var z = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ h;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)z;
        }
    }

    public static Random For(int seed, string stream) => new(Derive(seed, stream));
}

/// <summary>Draws used by the generators; all inclusive, all from a seeded <see cref="Random"/>.</summary>
internal static class RandomDraws
{
    public static bool Chance(this Random random, double probability) => random.NextDouble() < probability;

    public static int Between(this Random random, int min, int max) => random.Next(min, max + 1);

    public static long Between(this Random random, long min, long max) => random.NextInt64(min, max + 1);

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>A whole number of seconds between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static Duration Seconds(this Random random, Duration min, Duration max)
        => Duration.FromSeconds(random.Between((long)min.TotalSeconds, (long)max.TotalSeconds));

    /// <summary>A duration spread evenly over orders of magnitude (minutes as likely as hours), in whole seconds.</summary>
    public static Duration LogUniform(this Random random, Duration min, Duration max)
    {
        var lo = Math.Log(min.TotalSeconds);
        var hi = Math.Log(max.TotalSeconds);
        return Duration.FromSeconds((long)Math.Round(Math.Exp(lo + (random.NextDouble() * (hi - lo)))));
    }
}
