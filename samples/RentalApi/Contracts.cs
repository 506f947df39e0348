using Billing.Resilience;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using NodaTime;
using NodaTime.Text;

namespace RentalApi;

/// <summary>POST /rentals.</summary>
/// <param name="RentalId">The operator's id of the rental (the app makes it, so that a retried start is the same rental).</param>
/// <param name="RiderId">The rider.</param>
/// <param name="PlanId">A plan of system_pricing_plans.json: kickboard, bike, moped.</param>
/// <param name="Credential">The rider's session token, passed to the identity provider.</param>
public sealed record StartRentalRequest(string? RentalId, string? RiderId, string? PlanId, string? Credential);

/// <summary>201 answer to POST /rentals.</summary>
public sealed record StartRentalResponse(string RentalId, string RiderId, string PlanId, string StartedAt, string RentalToken);

/// <summary>POST /rentals/{id}/end.</summary>
/// <param name="At">When the rental ended, as attested by the source: ISO 8601 with an offset, such as 2022-10-15T21:15:00+09:00.</param>
/// <param name="Source"><c>rider</c> (the app, with the rental token), <c>vehicle</c> (lock telemetry) or <c>operator</c> (support).</param>
/// <param name="RentalToken">The token from the start; required from the rider.</param>
public sealed record EndRentalRequest(string? At, string? Source, string? RentalToken);

/// <summary>202 answer to POST /rentals/{id}/end: the signal is durably recorded; the end as it stands now, and why this signal does not count, if it does not.</summary>
public sealed record EndRentalResponse(string RentalId, bool Duplicate, string? End, SignalRejectionReason? Rejection);

/// <summary>POST /rentals/{id}/distance: vehicle telemetry.</summary>
/// <param name="At">When the distance was travelled (ISO 8601 with an offset).</param>
/// <param name="Kilometres">The increment, positive, at most 6 decimals.</param>
public sealed record DistanceRequest(string? At, decimal? Kilometres);

/// <summary>An amount: exact major units as a string, the currency, and the integer minor units.</summary>
public sealed record MoneyDto(string Amount, string Currency, long MinorUnits)
{
    /// <summary>Converts.</summary>
    public static MoneyDto From(Money money) => new(money.ToMajorString(), money.Currency.Code, money.MinorUnits);
}

/// <summary>One line of a fare.</summary>
public sealed record LineItemDto(FareLineItemKind Kind, int? Segment, long? Units, MoneyDto Amount);

/// <summary>A part of the rental during which the meter was frozen, and the outage that froze it.</summary>
public sealed record FrozenIntervalDto(string From, string To, double Seconds, string OutageId, Dependency Dependency);

/// <summary>An end signal.</summary>
public sealed record SignalDto(string At, string ReceivedAt, EndSignalSource Source, SignalRejectionReason? Rejection);

/// <summary>Where the rental's money stands.</summary>
public sealed record RentalMoneyDto(MoneyDto Authorized, MoneyDto Captured, MoneyDto Charged, MoneyDto Refunded, MoneyDto Taken, bool HoldOpen, string? DeclineReason, bool UnresolvedOperation);

/// <summary>GET /rentals/{id}: the statement (a quote while the rental is open).</summary>
public sealed record StatementDto(
    string RentalId,
    string RiderId,
    string PlanId,
    RentalStatus Status,
    string? RefusalReason,
    string StartedAt,
    string AsOf,
    string? End,
    string BilledUntil,
    SignalDto? DecidingSignal,
    IReadOnlyList<SignalDto> RejectedSignals,
    double BillableSeconds,
    double FrozenSeconds,
    decimal BillableKilometres,
    MoneyDto Charge,
    IReadOnlyList<LineItemDto> LineItems,
    IReadOnlyList<FrozenIntervalDto> FrozenIntervals,
    string NaiveEnd,
    MoneyDto NaiveCharge,
    RentalMoneyDto Money)
{
    /// <summary>Converts.</summary>
    public static StatementDto From(RentalStatement s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new StatementDto(
            s.RentalId.Value,
            s.RiderId.Value,
            s.PlanId,
            s.Status,
            s.RefusalReason,
            Iso.Format(s.StartedAt),
            Iso.Format(s.AsOf),
            s.End is { } end ? Iso.Format(end) : null,
            Iso.Format(s.BilledUntil),
            s.DecidingSignal is { } d ? new SignalDto(Iso.Format(d.At), Iso.Format(d.ReceivedAt), d.Source, null) : null,
            s.RejectedSignals.Select(r => new SignalDto(Iso.Format(r.Signal.At), Iso.Format(r.Signal.ReceivedAt), r.Signal.Source, r.Reason)).ToArray(),
            s.BillableTime.TotalSeconds,
            s.FrozenTime.TotalSeconds,
            s.BillableKilometres,
            MoneyDto.From(s.Charge),
            s.Fare.LineItems.Select(l => new LineItemDto(l.Kind, l.Segment, l.Units, MoneyDto.From(l.Amount))).ToArray(),
            s.FrozenIntervals.Select(f => new FrozenIntervalDto(Iso.Format(f.Interval.Start), Iso.Format(f.Interval.End), f.Interval.Duration.TotalSeconds, f.Outage.OutageId, f.Outage.Dependency)).ToArray(),
            Iso.Format(s.NaiveEnd),
            MoneyDto.From(s.NaiveFare.Total),
            new RentalMoneyDto(
                MoneyDto.From(s.Money.Authorized),
                MoneyDto.From(s.Money.Captured),
                MoneyDto.From(s.Money.Charged),
                MoneyDto.From(s.Money.Refunded),
                MoneyDto.From(s.Money.Taken),
                s.Money.HoldOpen,
                s.Money.DeclineReason,
                s.Money.HasUnresolvedOperation));
    }
}

/// <summary>A dependency in GET /health.</summary>
public sealed record DependencyDto(bool Up, string? OutageId, string? DownSince, string? Reason);

/// <summary>An outage in GET /health.</summary>
public sealed record OutageDto(string OutageId, Dependency Dependency, string From, string? To, string? Reason);

/// <summary>The reconciler in GET /health.</summary>
public sealed record ReconcilerDto(int Pending, string? NextDueAt);

/// <summary>GET /health: <c>ok</c>, or <c>degraded</c> while a dependency is down (rentals still end; starts are refused).</summary>
public sealed record HealthDto(string Status, DependencyDto Payment, DependencyDto Identity, IReadOnlyList<OutageDto> Outages, ReconcilerDto Reconciler)
{
    /// <summary>Converts.</summary>
    public static HealthDto From(DependencyHealth health, Reconciler reconciler)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(reconciler);
        DependencyDto Of(Dependency dependency)
            => health.CurrentOutage(dependency) is { } o ? new DependencyDto(false, o.OutageId, Iso.Format(o.From), health.ReasonOf(o)) : new DependencyDto(true, null, null, null);
        var payment = Of(Dependency.Payment);
        var identity = Of(Dependency.Identity);
        return new HealthDto(
            payment.Up && identity.Up ? "ok" : "degraded",
            payment,
            identity,
            health.Outages.Select(o => new OutageDto(o.OutageId, o.Dependency, Iso.Format(o.From), o.To is { } to ? Iso.Format(to) : null, health.ReasonOf(o))).ToArray(),
            new ReconcilerDto(reconciler.Pending, reconciler.NextDueAt is { } due ? Iso.Format(due) : null));
    }
}

/// <summary>Instants on the wire: ISO 8601, UTC out; any offset in.</summary>
public static class Iso
{
    /// <summary>Formats as 2022-10-15T12:15:00Z.</summary>
    public static string Format(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    /// <summary>Parses ISO 8601 with an offset (Z or +09:00); false when it is not one.</summary>
    public static bool TryParse(string? text, out Instant instant)
    {
        instant = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var result = OffsetDateTimePattern.ExtendedIso.Parse(text.Trim());
        if (!result.Success)
        {
            return false;
        }

        instant = result.Value.ToInstant();
        return true;
    }
}
