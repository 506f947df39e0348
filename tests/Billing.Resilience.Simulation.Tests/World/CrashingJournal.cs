using Billing.Resilience.Journal;

namespace Billing.Resilience.Simulation.Tests.World;

/// <summary>Where, relative to the journal append, the process dies.</summary>
internal enum CrashMode
{
    /// <summary>The process dies before the append is durable: nothing is written.</summary>
    BeforeDurable,

    /// <summary>The append is durable, then the process dies before the caller hears of it.</summary>
    AfterDurable,
}

/// <summary>The process died (simulated). Everything in memory is gone; only the journal and the gateway survive.</summary>
internal sealed class SimulatedCrashException(string writePoint, CrashMode mode)
    : Exception($"simulated crash {(mode == CrashMode.BeforeDurable ? "before" : "after")} {writePoint} was durable")
{
    public string WritePoint { get; } = writePoint;

    public CrashMode Mode { get; } = mode;

    public static bool IsCrash(Exception exception) => exception switch
    {
        SimulatedCrashException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsCrash),
        _ => exception.InnerException is { } inner && IsCrash(inner),
    };
}

/// <summary>Decides, append by append, whether the process dies there.</summary>
internal interface ICrashPlan
{
    CrashMode? Decide(string writePoint);

    void Disarm();
}

/// <summary>Never crashes.</summary>
internal sealed class NoCrashes : ICrashPlan
{
    public static readonly NoCrashes Instance = new();

    public CrashMode? Decide(string writePoint) => null;

    public void Disarm()
    {
    }
}

/// <summary>Crashes at a seeded random share of appends, at most a number of times.</summary>
internal sealed class RandomCrashes(int seed, CrashSpec spec) : ICrashPlan
{
    private readonly Random random = new(seed);
    private int left = spec.MaxCrashes;

    public CrashMode? Decide(string writePoint)
    {
        // Two draws per append whatever happens, so that one crash does not shift the draws of later appends.
        var crash = random.NextDouble() < spec.RatePerAppend;
        var after = random.NextDouble() < spec.AfterDurableShare;
        if (!crash || left <= 0)
        {
            return null;
        }

        left--;
        return after ? CrashMode.AfterDurable : CrashMode.BeforeDurable;
    }

    public void Disarm() => left = 0;
}

/// <summary>
/// Crashes once, at the n-th append (counted from 1 over the whole run, across restarts). It stays armed when faults
/// stop: one crash is a bounded fault, and the appends of the final settlement are write points like any other.
/// </summary>
internal sealed class CrashAtAppend(int appendNumber, CrashMode mode) : ICrashPlan
{
    private int seen;

    public CrashMode? Decide(string writePoint) => ++seen == appendNumber ? mode : null;

    public void Disarm()
    {
    }
}

/// <summary>One append that reached the journal, as the decorator saw it.</summary>
internal sealed record AppendRecord(int Number, string StreamId, string WritePoint, bool Durable, CrashMode? Crash);

/// <summary>
/// The journal as one process incarnation sees it: a decorator on the public <see cref="IJournal"/> port over the
/// journal that survives (the "disk"). At the write points its <see cref="ICrashPlan"/> picks, it kills the process
/// before the append is durable or after it is durable but before the caller hears of it. A dead incarnation refuses
/// every further call, so nothing of the old process can write after its death.
/// </summary>
internal sealed class CrashingJournal(IJournal disk, ICrashPlan plan, Action<AppendRecord> observe, Func<int> nextAppendNumber) : IJournal
{
    public bool IsDead { get; private set; }

    public async ValueTask<AppendResult> AppendAsync(string streamId, ExpectedVersion expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        ThrowIfDead();
        var writePoint = string.Join("+", events.Select(e => e.EventType));
        var number = nextAppendNumber();
        var crash = plan.Decide(writePoint);
        if (crash == CrashMode.BeforeDurable)
        {
            observe(new AppendRecord(number, streamId, writePoint, Durable: false, crash));
            IsDead = true;
            throw new SimulatedCrashException(writePoint, CrashMode.BeforeDurable);
        }

        var result = await disk.AppendAsync(streamId, expectedVersion, events, cancellationToken).ConfigureAwait(false);
        observe(new AppendRecord(number, streamId, writePoint, Durable: true, crash));
        if (crash == CrashMode.AfterDurable)
        {
            IsDead = true;
            throw new SimulatedCrashException(writePoint, CrashMode.AfterDurable);
        }

        return result;
    }

    public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ThrowIfDead();
        return disk.ReadStreamAsync(streamId, cancellationToken);
    }

    public ValueTask<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        ThrowIfDead();
        return disk.ReadAllAsync(afterPosition, maxCount, cancellationToken);
    }

    private void ThrowIfDead()
    {
        if (IsDead)
        {
            throw new SimulatedCrashException("(a dead process touched the journal)", CrashMode.BeforeDurable);
        }
    }
}
