using Billing.Resilience.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace Billing.Resilience.Outages;

/// <summary>
/// Knows whether the payment and identity backends are up, and records every outage with its start and end in the
/// journal (stream <c>outages</c>). Fed by the circuit breakers of real calls and by optional probes; the meter
/// freezes every open rental for the time a dependency in the freeze policy is down.
/// </summary>
/// <remarks>Thread-safe. Several instances sharing a journal converge: a transition another instance already
/// recorded is not recorded twice (the stream is appended with an expected version and reloaded on conflict).</remarks>
public sealed partial class DependencyHealth
{
    /// <summary>The journal stream that holds the outage log.</summary>
    public const string StreamId = "outages";

    private readonly IJournal journal;
    private readonly IClock clock;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private List<Outage> outages = [];
    private Dictionary<string, string?> reasons = new(StringComparer.Ordinal);
    private long version;

    /// <summary>Creates the monitor. Call <see cref="LoadAsync"/> before use to read the outage log.</summary>
    public DependencyHealth(IJournal journal, IClock clock, ILogger<DependencyHealth>? logger = null)
    {
        this.journal = Preconditions.CheckNotNull(journal);
        this.clock = Preconditions.CheckNotNull(clock);
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Gets or sets a value indicating whether other instances write to the same outage log: then every transition reads the log first.</summary>
    internal bool Shared { get; set; }

    /// <summary>Raised after a dependency went down or came back (the outage as recorded).</summary>
    public event Action<Outage>? Changed;

    /// <summary>Gets every outage recorded, in order of start.</summary>
    public IReadOnlyList<Outage> Outages => Volatile.Read(ref outages);

    /// <summary>Whether a dependency is down now.</summary>
    public bool IsDown(Dependency dependency) => CurrentOutage(dependency) is not null;

    /// <summary>The ongoing outage of a dependency, or null when it is up.</summary>
    public Outage? CurrentOutage(Dependency dependency)
    {
        var list = Volatile.Read(ref outages);
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (list[i].Dependency == dependency)
            {
                return list[i].IsOngoing ? list[i] : null;
            }
        }

        return null;
    }

    /// <summary>The reason recorded when an outage began (a probe, a circuit breaker, an operator), if any.</summary>
    public string? ReasonOf(Outage outage)
    {
        ArgumentNullException.ThrowIfNull(outage);
        return Volatile.Read(ref reasons).GetValueOrDefault(outage.OutageId);
    }

    /// <summary>
    /// Whether calls to a down dependency should be refused without trying: true for outages reported by a probe or
    /// an operator; false for outages a circuit breaker reported, whose breaker itself refuses calls while open and
    /// lets a trial call through when half-open (that trial is how such an outage ends without a probe).
    /// </summary>
    internal bool RefusesCalls(Dependency dependency)
        => CurrentOutage(dependency) is { } outage && !(ReasonOf(outage)?.StartsWith(CircuitReasonPrefix, StringComparison.Ordinal) ?? false);

    /// <summary>The reason prefix of outages reported by circuit breakers.</summary>
    internal const string CircuitReasonPrefix = "circuit open";

    /// <summary>Reads the outage log from the journal.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Records that a dependency is down from the clock's current instant; nothing happens when it is already down.</summary>
    /// <returns>The ongoing outage.</returns>
    public Task<Outage> ReportDownAsync(Dependency dependency, string? reason = null, CancellationToken cancellationToken = default)
        => TransitionAsync(dependency, down: true, reason, cancellationToken)!;

    /// <summary>Records that a dependency is back at the clock's current instant; nothing happens when it is already up.</summary>
    /// <returns>The outage that ended, or null when it was up.</returns>
    public Task<Outage?> ReportUpAsync(Dependency dependency, CancellationToken cancellationToken = default)
        => TransitionAsync(dependency, down: false, null, cancellationToken);

    /// <summary>Runs a probe and records what it found: up, or down (false or an exception).</summary>
    /// <returns>Whether the dependency is up.</returns>
    public async Task<bool> ProbeAsync(IDependencyProbe probe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        bool up;
        string? reason = null;
        try
        {
            up = await probe.IsUpAsync(cancellationToken).ConfigureAwait(false);
            reason = up ? null : "probe failed";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            up = false;
            reason = "probe threw " + ex.GetType().Name;
        }

        if (up)
        {
            await ReportUpAsync(probe.Dependency, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ReportDownAsync(probe.Dependency, reason, cancellationToken).ConfigureAwait(false);
        }

        return up;
    }

    private async Task<Outage?> TransitionAsync(Dependency dependency, bool down, string? reason, CancellationToken cancellationToken)
    {
        Preconditions.CheckArgument(Enum.IsDefined(dependency), nameof(dependency), $"Unknown dependency {dependency}.");
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Shared)
            {
                // Another instance may have recorded a transition this one has not read yet.
                await ReloadAsync(cancellationToken).ConfigureAwait(false);
            }

            for (var attempt = 0; ; attempt++)
            {
                var current = CurrentOutage(dependency);
                if (down == (current is not null))
                {
                    return current;
                }

                var now = clock.GetCurrentInstant();
                var count = Outages.Count(o => o.Dependency == dependency);
                object @event = down
                    ? new OutageBegan(FormattableString.Invariant($"{dependency.ToString().ToLowerInvariant()}-{count + 1}"), dependency, now, reason)
                    : new OutageEnded(current!.OutageId, dependency, Instant.Max(now, current.From));
                try
                {
                    var result = await journal.AppendAsync(StreamId, ExpectedVersion.Exactly(version), [EventSerializer.Serialize(StreamId, version + 1, @event)], cancellationToken).ConfigureAwait(false);
                    Apply(@event);
                    version = result.NextExpectedVersion;
                    var changed = down ? CurrentOutage(dependency)! : Outages.Last(o => o.OutageId == current!.OutageId);
                    if (down)
                    {
                        LogDown(logger, dependency, reason);
                    }
                    else
                    {
                        LogUp(logger, dependency, (changed.To!.Value - changed.From).TotalSeconds);
                    }

                    Changed?.Invoke(changed);
                    return changed;
                }
                catch (ConcurrencyConflictException) when (attempt < 5)
                {
                    // Another instance recorded a transition: read it and decide again.
                    await ReloadAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var events = await journal.ReadStreamAsync(StreamId, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref outages, []);
        Volatile.Write(ref reasons, new Dictionary<string, string?>(StringComparer.Ordinal));
        foreach (var recorded in events)
        {
            Apply(EventSerializer.Deserialize(recorded));
        }

        version = events.Count;
    }

    private void Apply(object @event)
    {
        var list = new List<Outage>(Outages);
        switch (@event)
        {
            case OutageBegan e:
                list.Add(new Outage(e.OutageId, e.Dependency, e.At, null));
                Volatile.Write(ref reasons, new Dictionary<string, string?>(reasons, StringComparer.Ordinal) { [e.OutageId] = e.Reason });
                break;
            case OutageEnded e:
                var index = list.FindLastIndex(o => o.OutageId == e.OutageId);
                Preconditions.CheckInvariant(index >= 0 && list[index].IsOngoing, $"Outage {e.OutageId} ended but was not ongoing.");
                list[index] = list[index] with { To = e.At };
                break;
            default:
                throw new InvariantViolationException($"Unexpected event {@event.GetType().Name} in the outage log.");
        }

        Volatile.Write(ref outages, list);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Dependency {Dependency} is down ({Reason}); open rentals freeze")]
    private static partial void LogDown(ILogger logger, Dependency dependency, string? reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Dependency {Dependency} is back after {OutageSeconds} s; meters thaw and pending settlements resume")]
    private static partial void LogUp(ILogger logger, Dependency dependency, double outageSeconds);
}
