using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Simulation.Tests.World;

/// <summary>What the clients sent and what they were told: the facts the library acknowledged, which must all be in the journal.</summary>
internal sealed class SimRecord
{
    private readonly Dictionary<string, RentalRecord> rentals = new(StringComparer.Ordinal);

    /// <summary>Gets the rentals in the order their first command was delivered.</summary>
    public List<RentalRecord> Rentals { get; } = [];

    /// <summary>Gets the outage transitions the probe reported and the library acknowledged, by outage id.</summary>
    public Dictionary<string, AckedOutage> Outages { get; } = new(StringComparer.Ordinal);

    public List<CrashRecord> Crashes { get; } = [];

    /// <summary>Gets observations that are not invariant violations but worth a look (printed with a failing seed).</summary>
    public List<Finding> Findings { get; } = [];

    public int Restarts { get; set; }

    public RentalRecord Rental(string rentalId, string riderId, string planId)
    {
        if (!rentals.TryGetValue(rentalId, out var record))
        {
            record = new RentalRecord(rentalId, riderId, planId);
            rentals.Add(rentalId, record);
            Rentals.Add(record);
        }

        return record;
    }

    public RentalRecord? Find(string rentalId) => rentals.GetValueOrDefault(rentalId);
}

internal sealed class RentalRecord(string rentalId, string riderId, string planId)
{
    public string RentalId { get; } = rentalId;

    public string RiderId { get; } = riderId;

    public string PlanId { get; } = planId;

    /// <summary>Gets when the library said the rental started (every "started" answer must give the same instant).</summary>
    public Instant? StartedAt { get; set; }

    public string? Token { get; set; }

    public List<StartRefusal> Refusals { get; } = [];

    public List<Instant> StartAttempts { get; } = [];

    /// <summary>Gets the end signals the library accepted, with every instant they were delivered at (retries and duplicates included).</summary>
    public Dictionary<(EndSignalSource Source, Instant At), List<Instant>> Signals { get; } = [];

    /// <summary>Gets the distance increments the library accepted.</summary>
    public Dictionary<(Instant At, decimal Kilometres), int> Distance { get; } = [];

    public bool Started => StartedAt is not null;
}

/// <summary>An outage as the library acknowledged it to the probe.</summary>
internal sealed record AckedOutage(string OutageId, Dependency Dependency, Instant From)
{
    public Instant? To { get; set; }
}

/// <summary>Something worth a look that is not an invariant violation: a kind (counted over a campaign) and the detail of one occurrence.</summary>
internal sealed record Finding(string Kind, string Detail)
{
    public override string ToString() => $"{Kind} ({Detail})";
}

internal sealed record CrashRecord(Instant At, string WritePoint, CrashMode Mode, string During);
