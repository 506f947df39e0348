using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;

namespace Billing.Resilience.Simulation.Tests.World;

/// <summary>A pricing plan as the simulation generates it; the reference model prices it from this, the library from the <see cref="Pricing.PricingPlan"/> built from it.</summary>
internal sealed record PlanSpec(string PlanId, string Currency, int MinorDigits, decimal Price, IReadOnlyList<SegmentSpec> PerMinute, IReadOnlyList<SegmentSpec> PerKm)
{
    public override string ToString()
        => $"{PlanId} {Currency} base {Price} min[{string.Join(", ", PerMinute)}] km[{string.Join(", ", PerKm)}]";
}

/// <summary>A GBFS segment: from <see cref="Start"/> to <see cref="End"/> (exclusive, or open), <see cref="Rate"/> per <see cref="Interval"/> (once when 0).</summary>
internal sealed record SegmentSpec(int Start, decimal Rate, int Interval, int? End)
{
    public override string ToString() => $"{Start}..{End?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "inf"} {Rate}/{Interval}";
}

/// <summary>The operator's policy (SCENARIOS.md section 2, "policy") and the engine's pacing.</summary>
internal sealed record PolicySpec(
    IReadOnlySet<Dependency> FreezeOn,
    Duration FreezeGrace,
    Duration EndSignalSkew,
    bool CompletedRounding,
    decimal? HoldAmount,
    Duration HoldValidity,
    int MaxCallsPerSecond,
    int JitterSeed)
{
    public override string ToString()
        => $"freezeOn [{string.Join(",", FreezeOn.OrderBy(d => d))}] grace {FreezeGrace.TotalSeconds}s skew {EndSignalSkew.TotalSeconds}s "
           + $"{(CompletedRounding ? "completed" : "started")} hold {HoldAmount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} "
           + $"validity {HoldValidity.TotalHours:0.##}h calls/s {MaxCallsPerSecond}";
}

/// <summary>What a client (the rider's app, a vehicle, a support agent) sends, and when it is delivered.</summary>
internal abstract record ClientCommand(int Id, Instant DeliverAt, string RentalId);

internal sealed record StartCommand(int Id, Instant DeliverAt, string RentalId, string RiderId, string PlanId) : ClientCommand(Id, DeliverAt, RentalId);

internal sealed record EndCommand(int Id, Instant DeliverAt, string RentalId, Instant At, EndSignalSource Source) : ClientCommand(Id, DeliverAt, RentalId);

internal sealed record DistanceCommand(int Id, Instant DeliverAt, string RentalId, Instant At, decimal Kilometres) : ClientCommand(Id, DeliverAt, RentalId);

/// <summary>A dependency really is down in [From, To); the probe notices each transition after its lag.</summary>
internal sealed record OutageWindow(Dependency Dependency, Instant From, Instant To, Duration DownDetectedAfter, Duration UpDetectedAfter);

/// <summary>The gateway's faults: seeded random transient faults for every call, scripted ones per rental and operation, riders whose card is declined.</summary>
internal sealed record FaultSpec(
    int Seed,
    double LostResponseRate,
    double TimeoutRate,
    double ErrorRate,
    double SlowRate,
    bool TimeoutsAsUnknown,
    IReadOnlyList<PaymentFault> Scripted,
    IReadOnlyList<string> DeclinedRiders);

/// <summary>Process crashes at durable write points: the chance per append, the share that crash after the append is durable, at most how many, and how long a restart takes.</summary>
internal sealed record CrashSpec(double RatePerAppend, double AfterDurableShare, int MaxCrashes, Duration MaxRestartDelay);

/// <summary>Everything one seed decides: the world a simulation runs in.</summary>
internal sealed record Scenario(
    int Seed,
    Instant Start,
    PolicySpec Policy,
    IReadOnlyList<PlanSpec> Plans,
    IReadOnlyList<ClientCommand> Commands,
    IReadOnlyList<OutageWindow> Outages,
    FaultSpec Faults,
    CrashSpec Crashes)
{
    public string Describe()
        => $"seed {Seed}: {Commands.OfType<StartCommand>().Select(c => c.RentalId).Distinct().Count()} rentals, {Commands.Count} commands, "
           + $"{Outages.Count} outages [{string.Join(", ", Outages.Select(o => $"{o.Dependency} {o.From}+{(o.To - o.From).TotalMinutes:0}min"))}], "
           + $"policy {Policy}, faults lost {Faults.LostResponseRate:0.##} timeout {Faults.TimeoutRate:0.##} error {Faults.ErrorRate:0.##} slow {Faults.SlowRate:0.##} "
           + $"scripted {Faults.Scripted.Count}, crashes {Crashes.RatePerAppend:0.###}/append (max {Crashes.MaxCrashes})";
}
