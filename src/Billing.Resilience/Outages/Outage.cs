using NodaTime;

namespace Billing.Resilience.Outages;

/// <summary>
/// A period in which a dependency was unreachable, as recorded in the journal: from <see cref="From"/> (inclusive)
/// to <see cref="To"/> (exclusive), or still going on when <see cref="To"/> is null.
/// </summary>
/// <param name="OutageId">A stable id, such as <c>payment-1</c>.</param>
/// <param name="Dependency">The dependency that was down.</param>
/// <param name="From">When it went down.</param>
/// <param name="To">When it came back, or null while it is still down.</param>
public sealed record Outage(string OutageId, Dependency Dependency, Instant From, Instant? To)
{
    /// <summary>Gets a value indicating whether the outage is still going on.</summary>
    public bool IsOngoing => To is null;

    /// <summary>Whether the dependency was down at <paramref name="instant"/> (half-open: from &lt;= t &lt; to).</summary>
    public bool Covers(Instant instant) => From <= instant && (To is not { } to || instant < to);

    /// <summary>The end of the outage as seen at <paramref name="asOf"/>: <see cref="To"/>, or <paramref name="asOf"/> while ongoing.</summary>
    public Instant EndAsOf(Instant asOf) => To ?? Instant.Max(asOf, From);
}
