using System.Globalization;
using System.Text;
using System.Text.Json;
using Billing.Resilience;
using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using NodaTime;
using NodaTime.Text;
using OutageDrill.Simulation;

namespace OutageDrill.Reporting;

/// <summary>The report of SCENARIOS.md section 4, as JSON.</summary>
internal static class DrillReport
{
    public static string Status(DrillRental rental) => rental.Refusal != StartRefusal.None || rental.Statement is null ? "rejected"
        : rental.Statement.Status switch
        {
            RentalStatus.Open => "open",
            RentalStatus.Settled => "settled",
            RentalStatus.PendingSettlement => "pendingSettlement",
            _ => "rejected",
        };

    public static string? Reason(DrillRental rental) => rental.Refusal switch
    {
        StartRefusal.None => null,
        StartRefusal.PaymentUnavailable => "paymentUnavailable",
        StartRefusal.IdentityUnavailable => "identityUnavailable",
        StartRefusal.HoldDeclined => "holdDeclined",
        var other => JsonNamingPolicy.CamelCase.ConvertName(other.ToString()),
    };

    public static bool IsCharged(DrillRental rental) => rental.Refusal == StartRefusal.None && rental.Statement is not null;

    public static Money Charge(DrillRental rental) => IsCharged(rental) ? rental.Statement!.Charge : Money.Zero(rental.Currency);

    public static Money NaiveCharge(DrillRental rental) => IsCharged(rental) ? rental.Statement!.NaiveFare.Total : Money.Zero(CurrencyOf(rental));

    public static CurrencyCode CurrencyOf(DrillRental rental) => rental.Currency;

    /// <summary>How many rentals an outage froze (a non-empty frozen interval caused by it).</summary>
    public static int AffectedRentals(DrillResult result, Outage outage)
        => result.Rentals.Count(r => IsCharged(r) && r.Statement!.FrozenIntervals.Any(f => f.Outage.OutageId == outage.OutageId));

    public static byte[] ToJson(DrillResult result)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("scenario", result.Scenario.Name);
            w.WriteStartArray("rentals");
            foreach (var rental in result.Rentals)
            {
                WriteRental(w, rental);
            }

            w.WriteEndArray();
            w.WriteStartArray("outages");
            foreach (var outage in result.Outages)
            {
                var offset = OffsetOf(result, outage);
                w.WriteStartObject();
                w.WriteString("dependency", outage.Dependency == Dependency.Payment ? "payment" : "identity");
                w.WriteString("from", Time(outage.From, offset));
                if (outage.To is { } to)
                {
                    w.WriteString("to", Time(to, offset));
                }
                else
                {
                    w.WriteNull("to");
                }

                w.WriteNumber("affectedRentals", AffectedRentals(result, outage));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            var currencies = result.Scenario.Plans.Select(p => p.Currency).Distinct().ToList();
            if (currencies.Count == 1)
            {
                var currency = currencies[0];
                var zero = Money.Zero(currency);
                var charge = result.Rentals.Aggregate(zero, (sum, r) => sum + Charge(r));
                var naive = result.Rentals.Aggregate(zero, (sum, r) => sum + NaiveCharge(r));
                w.WriteStartObject("totals");
                w.WriteString("currency", currency.Code);
                w.WriteString("charge", charge.ToMajorString());
                w.WriteString("naiveCharge", naive.ToMajorString());
                w.WriteString("notCharged", (naive - charge).ToMajorString());
                w.WriteString("captured", result.Rentals.Aggregate(zero, (sum, r) => sum + r.Ledger.Captured).ToMajorString());
                w.WriteString("charged", result.Rentals.Aggregate(zero, (sum, r) => sum + r.Ledger.Charged).ToMajorString());
                w.WriteString("refunded", result.Rentals.Aggregate(zero, (sum, r) => sum + r.Ledger.Refunded).ToMajorString());
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteRental(Utf8JsonWriter w, DrillRental rental)
    {
        var offset = rental.Rental.StartedAt.Offset;
        var currency = CurrencyOf(rental);
        var statement = IsCharged(rental) ? rental.Statement : null;
        w.WriteStartObject();
        w.WriteString("id", rental.Rental.Id);
        w.WriteString("status", Status(rental));
        if (Reason(rental) is { } reason)
        {
            w.WriteString("reason", reason);
        }
        else
        {
            w.WriteNull("reason");
        }

        if (statement is not null)
        {
            w.WriteString("billedUntil", Time(statement.BilledUntil, offset));
        }
        else
        {
            w.WriteNull("billedUntil");
        }

        w.WriteNumber("billableSeconds", statement is null ? 0 : (long)statement.BillableTime.TotalSeconds);
        w.WriteNumber("frozenSeconds", statement is null ? 0 : (long)statement.FrozenTime.TotalSeconds);
        w.WriteString("billableKm", Km(statement?.BillableKilometres ?? 0m));
        w.WriteString("charge", Charge(rental).ToMajorString());
        w.WriteString("naiveCharge", NaiveCharge(rental).ToMajorString());
        w.WriteString("currency", currency.Code);
        var ledger = rental.Ledger;
        w.WriteString("authorized", Amount(ledger.Authorized, currency));
        w.WriteString("captured", Amount(ledger.Captured, currency));
        w.WriteString("charged", Amount(ledger.Charged, currency));
        w.WriteString("refunded", Amount(ledger.Refunded, currency));
        w.WriteString("voided", Amount(ledger.Voided + ledger.Released + ledger.Expired, currency));
        w.WriteNumber("gatewayOperations", ledger.Operations);
        if (statement?.Money.DeclineReason is { } decline)
        {
            w.WriteStartObject("debt");
            w.WriteString("amount", (statement.Charge - statement.Money.Taken).ToMajorString());
            w.WriteString("reason", decline);
            w.WriteEndObject();
        }

        w.WriteStartArray("rejectedSignals");
        foreach (var rejected in statement?.RejectedSignals ?? [])
        {
            w.WriteStartObject();
            w.WriteString("at", Time(rejected.Signal.At, offset));
            w.WriteString("source", JsonNamingPolicy.CamelCase.ConvertName(rejected.Signal.Source.ToString()));
            w.WriteString("reason", JsonNamingPolicy.CamelCase.ConvertName(rejected.Reason.ToString()));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (statement?.DecidingSignal is { } deciding)
        {
            w.WriteStartObject("endDecidedBy");
            w.WriteString("at", Time(deciding.At, offset));
            w.WriteString("source", JsonNamingPolicy.CamelCase.ConvertName(deciding.Source.ToString()));
            w.WriteString("receivedAt", Time(deciding.ReceivedAt, offset));
            w.WriteEndObject();
        }

        w.WriteStartArray("frozenIntervals");
        foreach (var frozen in statement?.FrozenIntervals ?? [])
        {
            w.WriteStartObject();
            w.WriteString("from", Time(frozen.Interval.Start, offset));
            w.WriteString("to", Time(frozen.Interval.End, offset));
            w.WriteString("outage", frozen.Outage.OutageId);
            w.WriteString("dependency", frozen.Outage.Dependency == Dependency.Payment ? "payment" : "identity");
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("lineItems");
        foreach (var line in statement?.Fare.LineItems ?? [])
        {
            w.WriteStartObject();
            w.WriteString("kind", JsonNamingPolicy.CamelCase.ConvertName(line.Kind.ToString()));
            if (line.Segment is { } segment)
            {
                w.WriteNumber("segment", segment);
            }

            if (line.Units is { } units)
            {
                w.WriteNumber("units", units);
            }

            w.WriteString("amount", line.Amount.ToMajorString());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Amount(Money money, CurrencyCode currency) => money.Currency == currency ? money.ToMajorString() : throw new InvalidOperationException($"Ledger amount {money} is not in {currency}.");

    public static string Km(decimal km) => km.ToString("0.##########", CultureInfo.InvariantCulture);

    public static string Time(Instant instant, Offset offset) => OffsetDateTimePattern.Rfc3339.Format(instant.WithOffset(offset));

    private static Offset OffsetOf(DrillResult result, Outage outage)
        => result.Scenario.Outages.FirstOrDefault(o => o.Dependency == outage.Dependency && o.From.ToInstant() == outage.From)?.From.Offset
           ?? result.Scenario.RunUntil.Offset;

    /// <summary>Writes a file whole or not at all: a temporary file beside it, then a rename.</summary>
    public static void WriteAtomically(string path, byte[] content)
    {
        var full = Path.GetFullPath(path);
        var temporary = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    public static string ToText(byte[] json) => Encoding.UTF8.GetString(json);
}
