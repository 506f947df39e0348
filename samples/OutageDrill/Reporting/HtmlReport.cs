using System.Globalization;
using System.Net;
using System.Text;
using Billing.Resilience;
using Billing.Resilience.Outages;
using NodaTime;
using NodaTime.Text;
using OutageDrill.Simulation;

namespace OutageDrill.Reporting;

/// <summary>
/// The drill as one self-contained HTML page (no script, no request for anything: styles inline, charts as inline
/// SVG): a summary, one chart per outage (the fare a naive meter showed over time against what the library billed,
/// the outage marked as the band in which the meter is frozen), and the tables of the terminal report.
/// The markup is also well-formed XML, so tests can read it back.
/// </summary>
internal static class HtmlReport
{
    /// <summary>The colours of the chart, exact so that a test can find them in a screenshot.</summary>
    public const string NaiveColour = "#d62728";

    public const string ChargedColour = "#2ca02c";

    public const string FreezeColour = "#cfe0f7";

    private const int Width = 920;
    private const int Height = 360;
    private const int Left = 96;
    private const int Right = 24;
    private const int Top = 44;
    private const int Bottom = 52;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(DrillResult result, IReadOnlyList<OutageChart> charts, string journalDescription)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(charts);
        var html = new StringBuilder(64 * 1024);
        var name = Encode(result.Scenario.Name);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n")
            .Append("<title>Outage drill: ").Append(name).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<header><h1>Outage drill: ").Append(name).Append("</h1><p class=\"muted\">Run until ")
            .Append(Encode(DrillReport.Time(result.Scenario.RunUntil.ToInstant(), result.Scenario.RunUntil.Offset)))
            .Append(" · journal: ").Append(Encode(journalDescription)).Append(" (").Append(result.JournalEvents.ToString(Invariant)).Append(" events)</p></header>\n");

        Summary(html, result);
        html.Append("<h2>Outages</h2>\n");
        foreach (var chart in charts)
        {
            Outage(html, chart);
        }

        Rentals(html, result);
        html.Append("<footer class=\"muted\"><p>How to read the charts: the red line is what a meter that keeps running would show, ")
            .Append("summed over the rentals the outage froze, up to the moment the rental could be ended once the dependency was back; ")
            .Append("the green line is what the library bills for the same rentals up to each moment (its own statements); ")
            .Append("the blue band is the outage, during which the meter is frozen. Written by the OutageDrill sample of Billing.Resilience.</p></footer>\n")
            .Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Summary(StringBuilder html, DrillResult result)
    {
        html.Append("<section class=\"summary\">\n");
        foreach (var currency in result.Rentals.Select(r => r.Currency).Distinct())
        {
            var zero = Money.Zero(currency);
            var inCurrency = result.Rentals.Where(r => r.Currency == currency).ToList();
            var charge = inCurrency.Aggregate(zero, (sum, r) => sum + DrillReport.Charge(r));
            var naive = inCurrency.Aggregate(zero, (sum, r) => sum + DrillReport.NaiveCharge(r));
            Card(html, "Riders pay", charge, "charged");
            Card(html, "A naive system would charge", naive, "naive");
            Card(html, "Not charged for frozen time", naive - charge, string.Empty);
        }

        var violations = result.Gateway.CheckInvariants();
        html.Append("<div class=\"card\"><div class=\"label\">Gateway ledger</div><div class=\"value ")
            .Append(violations.Count == 0 ? "ok\">every money invariant holds" : "bad\">" + violations.Count.ToString(Invariant) + " invariant violations")
            .Append("</div><div class=\"muted\">").Append(result.Gateway.GetOperations().Count.ToString(Invariant))
            .Append(" operations, each idempotency key at most once</div></div>\n</section>\n");
        foreach (var violation in violations)
        {
            html.Append("<p class=\"bad\">").Append(Encode(violation.ToString())).Append("</p>\n");
        }
    }

    private static void Card(StringBuilder html, string label, Money amount, string kind)
        => html.Append("<div class=\"card\"><div class=\"label\">").Append(Encode(label)).Append("</div><div class=\"value ").Append(kind).Append("\">")
            .Append(Encode(Amount(amount))).Append(' ').Append(amount.Currency.Code).Append("</div></div>\n");

    private static void Outage(StringBuilder html, OutageChart chart)
    {
        var outage = chart.Outage;
        var dependency = outage.Dependency == Dependency.Payment ? "Payment" : "Identity";
        var to = outage.To is { } end ? Time(end, chart.Offset) : "still down at the end of the drill";
        var length = (outage.To ?? chart.To) - outage.From;
        html.Append("<section class=\"outage\" id=\"").Append(Encode(outage.OutageId)).Append("\">\n<h3>")
            .Append(dependency).Append(" outage ").Append(Encode(outage.OutageId)).Append(": ").Append(Time(outage.From, chart.Offset))
            .Append(" to ").Append(to).Append(" (").Append(Length(length)).Append(")</h3>\n");
        if (chart.Points.Count == 0)
        {
            html.Append("<p>No rental was frozen by this outage.</p>\n</section>\n");
            return;
        }

        var last = chart.Points[^1];
        html.Append("<p>").Append(chart.Rentals.Count.ToString(Invariant)).Append(chart.Rentals.Count == 1 ? " rental" : " rentals")
            .Append(" frozen: billed <strong class=\"charged\">").Append(Amount(last.Charged)).Append(' ').Append(chart.Currency.Code)
            .Append("</strong> where a naive meter reached <strong class=\"naive\">").Append(Amount(last.Naive)).Append(' ').Append(chart.Currency.Code)
            .Append("</strong>.</p>\n");
        Chart(html, chart);
        html.Append("<table><thead><tr><th>Rental</th><th>Plan</th><th>Started</th><th>Ended</th><th class=\"num\">Frozen</th><th class=\"num\">Charge</th><th class=\"num\">Naive charge</th></tr></thead><tbody>\n");
        foreach (var rental in chart.Rentals)
        {
            var s = rental.Statement!;
            html.Append("<tr><td>").Append(Encode(rental.Rental.Id)).Append("</td><td>").Append(Encode(rental.Rental.PlanId))
                .Append("</td><td>").Append(Time(s.StartedAt, chart.Offset)).Append("</td><td>")
                .Append(s.End is { } e ? Time(e, chart.Offset) + (s.DecidingSignal is { } d ? " (" + Encode(d.Source.ToString().ToLowerInvariant()) + ")" : string.Empty) : "open")
                .Append("</td><td class=\"num\">").Append(Length(s.FrozenTime)).Append("</td><td class=\"num\">").Append(Amount(s.Charge))
                .Append("</td><td class=\"num\">").Append(Amount(s.NaiveFare.Total)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n</section>\n");
    }

    /// <summary>The chart as inline SVG: both fares as step lines (fares change in steps), the outage as a band.</summary>
    private static void Chart(StringBuilder html, OutageChart chart)
    {
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var span = (chart.To - chart.From).TotalSeconds;
        var top = NiceCeiling(chart.Points.Max(p => Math.Max(p.Naive.ToMajor(), p.Charged.ToMajor())));
        double X(Instant t) => Left + (plotWidth * ((t - chart.From).TotalSeconds / span));
        double Y(Money m) => Top + plotHeight - (plotHeight * (double)(m.ToMajor() / top));

        var title = $"{chart.Outage.OutageId}: naive fare against billed fare, {chart.Currency.Code}";
        html.Append("<svg class=\"outage-chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 ")
            .Append(Width.ToString(Invariant)).Append(' ').Append(Height.ToString(Invariant)).Append("\" width=\"").Append(Width.ToString(Invariant))
            .Append("\" height=\"").Append(Height.ToString(Invariant)).Append("\" data-outage=\"").Append(Encode(chart.Outage.OutageId))
            .Append("\" data-currency=\"").Append(chart.Currency.Code).Append("\">\n<title>").Append(Encode(title)).Append("</title>\n");

        // The outage: the band in which the meter is frozen.
        var bandFrom = Math.Max(Left, X(chart.Outage.From));
        var bandTo = Math.Min(Left + plotWidth, X(chart.Outage.To ?? chart.To));
        html.Append("<rect class=\"freeze\" x=\"").Append(F(bandFrom)).Append("\" y=\"").Append(F(Top)).Append("\" width=\"").Append(F(Math.Max(1, bandTo - bandFrom)))
            .Append("\" height=\"").Append(F(plotHeight)).Append("\" fill=\"").Append(FreezeColour).Append("\" />\n")
            .Append("<text class=\"band-label\" x=\"").Append(F(bandFrom + 6)).Append("\" y=\"").Append(F(Top + 16)).Append("\">")
            .Append(chart.Outage.Dependency == Dependency.Payment ? "payment" : "identity").Append(" down: meter frozen</text>\n");

        // Money axis.
        for (var i = 0; i <= 5; i++)
        {
            var value = top * i / 5;
            var y = Top + plotHeight - (plotHeight * i / 5.0);
            html.Append("<line class=\"grid\" x1=\"").Append(F(Left)).Append("\" x2=\"").Append(F(Left + plotWidth)).Append("\" y1=\"").Append(F(y)).Append("\" y2=\"").Append(F(y)).Append("\" />")
                .Append("<text class=\"tick\" text-anchor=\"end\" x=\"").Append(F(Left - 8)).Append("\" y=\"").Append(F(y + 4)).Append("\">")
                .Append(Encode(value.ToString("#,0.##", Invariant))).Append("</text>\n");
        }

        html.Append("<text class=\"tick\" x=\"").Append(F(Left - 8)).Append("\" y=\"").Append(F(Top - 12)).Append("\" text-anchor=\"end\">").Append(chart.Currency.Code).Append("</text>\n");

        // Time axis, in the scenario's offset.
        foreach (var tick in TimeTicks(chart.From, chart.To, chart.Offset))
        {
            var x = X(tick);
            var local = tick.WithOffset(chart.Offset).LocalDateTime;
            var label = span > 86_400 ? local.ToString("MM-dd HH:mm", Invariant) : local.ToString("HH:mm", Invariant);
            html.Append("<line class=\"axis\" x1=\"").Append(F(x)).Append("\" x2=\"").Append(F(x)).Append("\" y1=\"").Append(F(Top + plotHeight)).Append("\" y2=\"").Append(F(Top + plotHeight + 5)).Append("\" />")
                .Append("<text class=\"tick\" text-anchor=\"middle\" x=\"").Append(F(x)).Append("\" y=\"").Append(F(Top + plotHeight + 20)).Append("\">").Append(label).Append("</text>\n");
        }

        html.Append("<line class=\"axis\" x1=\"").Append(F(Left)).Append("\" x2=\"").Append(F(Left + plotWidth)).Append("\" y1=\"").Append(F(Top + plotHeight)).Append("\" y2=\"").Append(F(Top + plotHeight)).Append("\" />\n");

        Line(html, "naive", NaiveColour, chart.Points.Select(p => (X(p.At), Y(p.Naive))));
        Line(html, "charged", ChargedColour, chart.Points.Select(p => (X(p.At), Y(p.Charged))));

        // Legend.
        var legendY = Height - 14;
        html.Append("<rect x=\"").Append(F(Left)).Append("\" y=\"").Append(F(legendY - 9)).Append("\" width=\"22\" height=\"10\" fill=\"").Append(NaiveColour).Append("\" />")
            .Append("<text class=\"legend\" x=\"").Append(F(Left + 28)).Append("\" y=\"").Append(F(legendY)).Append("\">naive meter (no freeze)</text>\n")
            .Append("<rect x=\"").Append(F(Left + 220)).Append("\" y=\"").Append(F(legendY - 9)).Append("\" width=\"22\" height=\"10\" fill=\"").Append(ChargedColour).Append("\" />")
            .Append("<text class=\"legend\" x=\"").Append(F(Left + 248)).Append("\" y=\"").Append(F(legendY)).Append("\">billed by Billing.Resilience</text>\n")
            .Append("<rect x=\"").Append(F(Left + 460)).Append("\" y=\"").Append(F(legendY - 9)).Append("\" width=\"22\" height=\"10\" fill=\"").Append(FreezeColour).Append("\" />")
            .Append("<text class=\"legend\" x=\"").Append(F(Left + 488)).Append("\" y=\"").Append(F(legendY)).Append("\">outage: meter frozen</text>\n")
            .Append("</svg>\n");
    }

    /// <summary>A step line: a fare holds its value until the next sample, then moves.</summary>
    private static void Line(StringBuilder html, string kind, string colour, IEnumerable<(double X, double Y)> points)
    {
        html.Append("<polyline class=\"").Append(kind).Append("\" fill=\"none\" stroke=\"").Append(colour)
            .Append("\" stroke-width=\"3\" stroke-linejoin=\"round\" points=\"");
        (double X, double Y)? previous = null;
        foreach (var point in points)
        {
            if (previous is { } p)
            {
                html.Append(F(point.X)).Append(',').Append(F(p.Y)).Append(' ');
            }

            html.Append(F(point.X)).Append(',').Append(F(point.Y)).Append(' ');
            previous = point;
        }

        html.Append("\" />\n");
    }

    private static void Rentals(StringBuilder html, DrillResult result)
    {
        html.Append("<h2>Every rental</h2>\n<table><thead><tr><th>Rental</th><th>Status</th><th class=\"num\">Billed</th><th class=\"num\">Frozen</th>")
            .Append("<th class=\"num\">Charge</th><th class=\"num\">Naive charge</th><th class=\"num\">Held</th><th class=\"num\">Captured</th>")
            .Append("<th class=\"num\">Charged</th><th class=\"num\">Refunded</th><th class=\"num\">Gateway operations</th></tr></thead><tbody>\n");
        foreach (var rental in result.Rentals)
        {
            var s = DrillReport.IsCharged(rental) ? rental.Statement : null;
            var status = DrillReport.Status(rental);
            var reason = DrillReport.Reason(rental);
            var ledger = rental.Ledger;
            html.Append("<tr><td>").Append(Encode(rental.Rental.Id)).Append("</td><td class=\"status ").Append(status).Append("\">").Append(status)
                .Append(reason is null ? string.Empty : " (" + Encode(reason) + ")").Append("</td><td class=\"num\">")
                .Append(s is null ? "-" : Length(s.BillableTime)).Append("</td><td class=\"num\">").Append(s is null ? "-" : Length(s.FrozenTime))
                .Append("</td><td class=\"num\"><strong>").Append(Amount(DrillReport.Charge(rental))).Append("</strong></td><td class=\"num\">")
                .Append(Amount(DrillReport.NaiveCharge(rental))).Append("</td><td class=\"num\">").Append(Amount(ledger.Authorized))
                .Append("</td><td class=\"num\">").Append(Amount(ledger.Captured)).Append("</td><td class=\"num\">").Append(Amount(ledger.Charged))
                .Append("</td><td class=\"num\">").Append(Amount(ledger.Refunded)).Append("</td><td class=\"num\">")
                .Append(ledger.Operations.ToString(Invariant)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n");
    }

    /// <summary>Ticks at whole steps of the scenario's local time, at most nine.</summary>
    private static List<Instant> TimeTicks(Instant from, Instant to, Offset offset)
    {
        Duration[] steps = [.. new[] { 1, 5, 10, 15, 30 }.Select(m => Duration.FromMinutes(m)), .. new[] { 1, 2, 3, 6, 12, 24, 48, 168 }.Select(h => Duration.FromHours(h))];
        var span = to - from;
        var step = steps.FirstOrDefault(s => span / s <= 8, Duration.FromDays(30));
        var local = from + Duration.FromSeconds(offset.Seconds); // the local time, read as if it were UTC
        var stepTicks = step.BclCompatibleTicks;
        var first = Instant.FromUnixTimeTicks((long)Math.Ceiling(local.ToUnixTimeTicks() / (double)stepTicks) * stepTicks) - Duration.FromSeconds(offset.Seconds);
        var ticks = new List<Instant>();
        for (var t = first; t <= to; t += step)
        {
            ticks.Add(t);
        }

        return ticks;
    }

    private static decimal NiceCeiling(decimal value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = 1m;
        while (magnitude * 10 <= value)
        {
            magnitude *= 10;
        }

        while (magnitude > value)
        {
            magnitude /= 10;
        }

        foreach (var factor in new[] { 1m, 1.2m, 1.5m, 2m, 2.5m, 3m, 4m, 5m, 6m, 8m, 10m })
        {
            if (magnitude * factor >= value)
            {
                return magnitude * factor;
            }
        }

        return magnitude * 10;
    }

    private static string Amount(Money money) => money.Currency.IsDefault ? "0" : money.ToMajor().ToString("#,0." + new string('#', money.Currency.MinorDigits), Invariant).TrimEnd('.');

    private static string Time(Instant instant, Offset offset) => Encode(OffsetDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm").Format(instant.WithOffset(offset)));

    private static string Length(Duration duration)
    {
        var minutes = (long)Math.Round(duration.TotalMinutes);
        return minutes >= 120 ? $"{minutes / 60} h {minutes % 60:00} min" : $"{minutes} min";
    }

    private static string F(double value) => value.ToString("0.##", Invariant);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private const string Style = """

        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 980px; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d0d7de; } h3 { margin-bottom: .3rem; }
        .muted { color: #57606a; } .naive { color: #d62728; } .charged { color: #2ca02c; } .ok { color: #1a7f37; } .bad { color: #cf222e; }
        .summary { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
        .card { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .9rem; min-width: 12rem; }
        .card .label { color: #57606a; font-size: .85rem; } .card .value { font-size: 1.3rem; font-weight: 600; }
        table { border-collapse: collapse; width: 100%; margin: .8rem 0 1.2rem; font-size: .9rem; }
        th, td { border-bottom: 1px solid #eaeef2; padding: .3rem .5rem; text-align: left; } th { background: #f6f8fa; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .status.settled { color: #1a7f37; } .status.pendingSettlement { color: #9a6700; } .status.open { color: #0969da; } .status.rejected { color: #6e7781; }
        svg.outage-chart { display: block; max-width: 100%; height: auto; background: #fff; }
        svg .grid { stroke: #eaeef2; } svg .axis { stroke: #8c959f; } svg text { font-size: 12px; fill: #57606a; } svg .band-label { fill: #0a3069; }

        """;
}
