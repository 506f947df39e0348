using Billing.Resilience;
using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using NodaTime;
using OutageDrill.Scenarios;
using OutageDrill.Simulation;

namespace OutageDrill.Reporting;

/// <summary>One moment of an outage's chart: what the rentals it froze had cost by then, naively and as billed.</summary>
/// <param name="At">The moment.</param>
/// <param name="Naive">
/// The sum, over the chart's rentals, of what a meter without freezes showed at <paramref name="At"/>: the fare from
/// the start to <paramref name="At"/>, or to the naive end (SCENARIOS.md 3.3: the rental could end only once the
/// dependency was back) when that came first.
/// </param>
/// <param name="Charged">
/// The sum, over the chart's rentals, of what the library bills for the ride up to <paramref name="At"/>: its
/// statement's time line (the frozen intervals are not billed, the meter stops at the billed end) priced up to that
/// moment. At the end of the chart it is the statement's charge.
/// </param>
internal sealed record ChartPoint(Instant At, Money Naive, Money Charged);

/// <summary>
/// The chart of one outage and one currency: the rentals the outage froze, the window shown, and the two fares over
/// time. <see cref="Points"/> is empty when the outage froze no rental.
/// </summary>
internal sealed record OutageChart(
    Outage Outage,
    CurrencyCode Currency,
    Offset Offset,
    IReadOnlyList<DrillRental> Rentals,
    Instant From,
    Instant To,
    IReadOnlyList<ChartPoint> Points);

/// <summary>
/// Samples the charts of the HTML report from the library's final statements: their frozen intervals, billed end and
/// naive end, priced with the library's <see cref="FareCalculator"/> up to each moment. (A statement is not a history:
/// <see cref="RentalService.GetStatementAsync(string, Instant, CancellationToken)"/> bills an ended rental to its end
/// whatever the moment asked, so the curve is drawn from the one statement.)
/// </summary>
internal static class OutageCharts
{
    /// <summary>Evenly spaced samples per chart; the starts, ends and outage bounds are added to them.</summary>
    public const int DefaultPoints = 240;

    /// <summary>At most this many fares are priced for one chart: a chart over many rentals gets fewer samples.</summary>
    public const int MaxFaresPerChart = 2_000_000;

    /// <summary>One chart per outage and currency of the rentals it froze.</summary>
    public static IReadOnlyList<OutageChart> Build(DrillResult result, int points = DefaultPoints)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        var scenario = result.Scenario;
        var runUntil = scenario.RunUntil.ToInstant();
        var plans = scenario.Plans.ToDictionary(p => p.PlanId, StringComparer.Ordinal);
        var rounding = scenario.Policy.IntervalRounding;
        var charts = new List<OutageChart>();
        foreach (var outage in result.Outages)
        {
            var offset = scenario.Outages.FirstOrDefault(o => o.Dependency == outage.Dependency && o.From.ToInstant() == outage.From)?.From.Offset
                ?? scenario.RunUntil.Offset;
            var frozen = result.Rentals
                .Where(r => DrillReport.IsCharged(r) && r.Statement!.FrozenIntervals.Any(f => f.Outage.OutageId == outage.OutageId))
                .ToList();
            if (frozen.Count == 0)
            {
                var currency = scenario.Plans.Count > 0 ? scenario.Plans[0].Currency : CurrencyCode.EUR;
                charts.Add(new OutageChart(outage, currency, offset, [], outage.From, outage.To ?? runUntil, []));
                continue;
            }

            foreach (var group in frozen.GroupBy(r => r.Currency))
            {
                var members = group.ToList();
                var (from, to) = Window(outage, members, runUntil);
                var samples = Samples(outage, members, from, to, Math.Max(2, Math.Min(points, MaxFaresPerChart / members.Count)));
                var zero = Money.Zero(group.Key);
                var chartPoints = new List<ChartPoint>(samples.Count);
                foreach (var at in samples)
                {
                    var naive = zero;
                    var charged = zero;
                    foreach (var rental in members)
                    {
                        var plan = plans[rental.Rental.PlanId];
                        naive += NaiveAt(rental, plan, rounding, at);
                        charged += ChargedAt(rental, plan, rounding, at);
                    }

                    chartPoints.Add(new ChartPoint(at, naive, charged));
                }

                charts.Add(new OutageChart(outage, group.Key, offset, members, from, to, chartPoints));
            }
        }

        return charts;
    }

    /// <summary>
    /// From the earlier of the outage's start and the first start, to the last moment anything changes (the outage's
    /// end, the last billed end, the last naive end), never past the end of the drill.
    /// </summary>
    private static (Instant From, Instant To) Window(Outage outage, IReadOnlyList<DrillRental> rentals, Instant runUntil)
    {
        var from = Instant.Min(outage.From, rentals.Min(r => r.Statement!.StartedAt));
        var to = new[] { outage.To ?? runUntil }
            .Concat(rentals.Select(r => r.Statement!.NaiveEnd))
            .Concat(rentals.Select(r => r.Statement!.BilledUntil))
            .Max();
        to = Instant.Min(to, runUntil);
        return to > from ? (from, to) : (from, from + Duration.FromMinutes(1));
    }

    /// <summary>Evenly spaced moments, plus every moment where a line bends: starts, ends, the outage's bounds.</summary>
    private static List<Instant> Samples(Outage outage, IReadOnlyList<DrillRental> rentals, Instant from, Instant to, int points)
    {
        var span = to - from;
        var moments = new SortedSet<Instant>();
        for (var i = 0; i < points; i++)
        {
            moments.Add(from + (span * i / (points - 1)));
        }

        IEnumerable<Instant> bends = [outage.From, outage.To ?? to, .. rentals.SelectMany(r => new[] { r.Statement!.StartedAt, r.Statement.BilledUntil, r.Statement.NaiveEnd })];
        foreach (var bend in bends)
        {
            if (bend >= from && bend <= to)
            {
                moments.Add(bend);
            }
        }

        moments.Add(to);
        return [.. moments];
    }

    /// <summary>
    /// The naive meter at <paramref name="at"/>: the fare from the start to the earlier of <paramref name="at"/> and
    /// the naive end, with the distance ridden in that time (SCENARIOS.md 3.3).
    /// </summary>
    public static Money NaiveAt(DrillRental rental, PricingPlan plan, IntervalRounding rounding, Instant at)
    {
        var statement = rental.Statement!;
        var until = Instant.Min(at, statement.NaiveEnd);
        if (until < statement.StartedAt)
        {
            return Money.Zero(plan.Currency);
        }

        var marks = Distance(rental, statement.StartedAt, until)
            .Select(d => new DistanceMark(d.At - statement.StartedAt, d.Kilometres))
            .ToArray();
        return FareCalculator.Total(plan, until - statement.StartedAt, marks, rounding);
    }

    /// <summary>
    /// The billed meter at <paramref name="at"/>: the statement's billable time from the start to the earlier of
    /// <paramref name="at"/> and the billed end, less the frozen time in it, with the distance travelled in billable
    /// time placed at its billable offset (SCENARIOS.md 3.2 and 3.3), priced like the statement.
    /// </summary>
    public static Money ChargedAt(DrillRental rental, PricingPlan plan, IntervalRounding rounding, Instant at)
    {
        var statement = rental.Statement!;
        var until = Instant.Min(at, statement.BilledUntil);
        if (until < statement.StartedAt)
        {
            return Money.Zero(plan.Currency);
        }

        var frozen = Union(statement.FrozenIntervals.Select(f => f.Interval));
        Duration FrozenBefore(Instant t) => frozen.Aggregate(Duration.Zero, (sum, i) => sum + (i.Start < t ? Instant.Min(i.End, t) - i.Start : Duration.Zero));
        var marks = Distance(rental, statement.StartedAt, until)
            .Where(d => !frozen.Any(i => i.Contains(d.At)))
            .Select(d => new DistanceMark(d.At - statement.StartedAt - FrozenBefore(d.At), d.Kilometres))
            .ToArray();
        return FareCalculator.Total(plan, until - statement.StartedAt - FrozenBefore(until), marks, rounding);
    }

    /// <summary>The distance records of a rental travelled in [from, until), each once (as the library keeps them), in time order.</summary>
    private static IEnumerable<(Instant At, decimal Kilometres)> Distance(DrillRental rental, Instant from, Instant until)
        => rental.Rental.Distance
            .Select(d => (At: d.At.ToInstant(), d.Kilometres))
            .Where(d => d.At >= from && d.At < until)
            .Distinct()
            .OrderBy(d => d.At);

    private static List<Interval> Union(IEnumerable<Interval> intervals)
    {
        var union = new List<Interval>();
        foreach (var interval in intervals.OrderBy(i => i.Start))
        {
            if (union.Count > 0 && interval.Start <= union[^1].End)
            {
                union[^1] = new Interval(union[^1].Start, Instant.Max(union[^1].End, interval.End));
            }
            else
            {
                union.Add(interval);
            }
        }

        return union;
    }
}
