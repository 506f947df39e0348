using Billing.Resilience;
using OutageDrill.Simulation;
using Spectre.Console;

namespace OutageDrill.Reporting;

/// <summary>The drill as an operator reads it: a table per rider and a table per outage.</summary>
internal static class ConsoleReport
{
    public static void Write(IAnsiConsole console, DrillResult result)
    {
        console.Write(new Rule($"[bold]Outage drill:[/] {Markup.Escape(result.Scenario.Name)}").LeftJustified());
        var rentals = new Table().Border(TableBorder.Rounded).Title("What each rider pays, and what a naive system would have charged");
        rentals.AddColumns("Rental", "Status", "Billed", "Frozen", "Charge", "Naive charge", "Ended by");
        foreach (var column in rentals.Columns.Skip(2).Take(4))
        {
            column.RightAligned();
        }

        var money = new Table().Border(TableBorder.Rounded).Title($"Money at the payment gateway ({result.Rentals.FirstOrDefault()?.Currency.Code}), from its own ledger");
        money.AddColumns("Rental", "Held", "Captured", "Charged", "Refunded", "Released", "Operations");
        foreach (var column in money.Columns.Skip(1))
        {
            column.RightAligned();
        }

        foreach (var rental in result.Rentals)
        {
            var s = DrillReport.IsCharged(rental) ? rental.Statement : null;
            var status = DrillReport.Status(rental);
            var statusMarkup = status switch
            {
                "settled" => "[green]settled[/]",
                "pendingSettlement" => "[yellow]pending[/]",
                "open" => "[blue]open[/]",
                _ => $"[grey]rejected ({DrillReport.Reason(rental)})[/]",
            };
            var charge = DrillReport.Charge(rental);
            var naive = DrillReport.NaiveCharge(rental);
            var endedBy = s?.DecidingSignal is { } d ? $"{d.Source.ToString().ToLowerInvariant()} {DrillReport.Time(d.At, rental.Rental.StartedAt.Offset)[11..16]}" : "-";
            if (s is not null && s.RejectedSignals.Count > 0)
            {
                endedBy += $" [grey](rejected: {string.Join(", ", s.RejectedSignals.Select(r => r.Signal.Source.ToString().ToLowerInvariant() + " " + DrillReport.Time(r.Signal.At, rental.Rental.StartedAt.Offset)[11..16]))})[/]";
            }

            rentals.AddRow(
                $"{Markup.Escape(rental.Rental.Id)} [grey]{Markup.Escape(rental.Rental.PlanId)}[/]",
                statusMarkup,
                s is null ? "-" : Minutes(s.BillableTime.TotalSeconds),
                s is null ? "-" : Minutes(s.FrozenTime.TotalSeconds),
                $"[bold]{Markup.Escape(charge.ToMajorString())}[/]",
                naive > charge ? $"[red]{Markup.Escape(naive.ToMajorString())}[/]" : Markup.Escape(naive.ToMajorString()),
                endedBy);
            var ledger = rental.Ledger;
            money.AddRow(
                Markup.Escape(rental.Rental.Id),
                Amount(ledger.Authorized),
                Amount(ledger.Captured),
                Amount(ledger.Charged),
                Amount(ledger.Refunded),
                Amount(ledger.Voided + ledger.Released + ledger.Expired),
                ledger.Operations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(rentals);
        console.Write(money);

        var outages = new Table().Border(TableBorder.Rounded).Title("Outages");
        outages.AddColumns("Outage", "From", "To", "Rentals frozen");
        foreach (var outage in result.Outages)
        {
            outages.AddRow(
                outage.OutageId,
                DrillReport.Time(outage.From, result.Scenario.RunUntil.Offset),
                outage.To is { } to ? DrillReport.Time(to, result.Scenario.RunUntil.Offset) : "[red]still down[/]",
                DrillReport.AffectedRentals(result, outage).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(outages);
        var currencies = result.Scenario.Plans.Select(p => p.Currency).Distinct().ToList();
        if (currencies.Count == 1)
        {
            var zero = Money.Zero(currencies[0]);
            var charged = result.Rentals.Aggregate(zero, (sum, r) => sum + DrillReport.Charge(r));
            var naive = result.Rentals.Aggregate(zero, (sum, r) => sum + DrillReport.NaiveCharge(r));
            console.MarkupLine($"Riders pay [bold green]{Markup.Escape(charged.ToString())}[/]; a system that kept the meter running would have charged [bold red]{Markup.Escape(naive.ToString())}[/] ([bold]{Markup.Escape((naive - charged).ToString())}[/] not charged for time the riders could not end their rentals).");
        }

        var violations = result.Gateway.CheckInvariants();
        console.MarkupLine(violations.Count == 0
            ? $"[green]Gateway ledger: every money invariant holds[/] ({result.Gateway.GetOperations().Count} operations applied, each idempotency key at most once)."
            : $"[red]Gateway ledger: {violations.Count} invariant violations:[/] {Markup.Escape(string.Join("; ", violations))}");
    }

    private static string Minutes(double seconds)
        => seconds % 60 == 0 ? $"{seconds / 60:0} min" : $"{seconds / 60:0.##} min";

    private static string Amount(Money money) => money.Currency.IsDefault ? "0" : money.ToMajorString();
}
