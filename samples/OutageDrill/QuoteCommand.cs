using System.Globalization;
using System.Text.Json;
using Billing.Resilience;
using Billing.Resilience.Pricing;
using NodaTime;

namespace OutageDrill;

/// <summary><c>quote --plans GBFS_FILE --plan PLAN_ID --minutes M [--km K] [--rounding started|completed]</c>.</summary>
internal static class QuoteCommand
{
    private const string Usage = "quote --plans GBFS_FILE --plan PLAN_ID --minutes M [--km K] [--rounding started|completed]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!Program.TryParseOptions("quote", args, ["--plans", "--plan", "--minutes", "--km", "--rounding"], out var options, out var problem))
        {
            return Program.Fail(stderr, problem);
        }

        foreach (var required in (string[])["--plans", "--plan", "--minutes"])
        {
            if (!options.ContainsKey(required))
            {
                return Program.Fail(stderr, "quote", required, "DRILL_OPTION_REQUIRED", $"required; usage: {Usage}");
            }
        }

        var file = options["--plans"];
        var planId = options["--plan"];
        var minutesText = options["--minutes"];
        if (!TryDecimal(minutesText, out var minutes) || minutes < 0 || minutes > 5_256_000m)
        {
            return Program.Fail(stderr, "quote", "--minutes", "DRILL_MINUTES_INVALID", $"'{minutesText}' is not a number of minutes between 0 and 5256000 (ten years)");
        }

        var kmText = options.GetValueOrDefault("--km", "0");
        if (!TryDecimal(kmText, out var km) || km < 0 || km > 1_000_000m)
        {
            return Program.Fail(stderr, "quote", "--km", "DRILL_KM_INVALID", $"'{kmText}' is not a distance between 0 and 1000000 km");
        }

        var roundingText = options.GetValueOrDefault("--rounding", "started");
        IntervalRounding rounding;
        switch (roundingText)
        {
            case "started":
                rounding = IntervalRounding.Started;
                break;
            case "completed":
                rounding = IntervalRounding.Completed;
                break;
            default:
                return Program.Fail(stderr, "quote", "--rounding", "DRILL_ROUNDING_UNKNOWN", $"'{roundingText}' is neither started nor completed");
        }

        // The importer's limit, and room for a byte order mark; anything longer is refused before it is read whole.
        if (!Program.TryReadInput("quote", "--plans", file, GbfsPricingPlans.MaxDocumentBytes + 3, GbfsImportCodes.DocumentTooLarge, out var json, out var readProblem))
        {
            return Program.Fail(stderr, readProblem);
        }

        var import = GbfsPricingPlans.Parse(json);
        if (!import.IsValid)
        {
            return Program.Fail(stderr, file, import.Errors);
        }

        if (!import.TryGetPlan(planId, out var plan))
        {
            var known = string.Join(", ", import.Plans.Take(20).Select(p => p.PlanId)) + (import.Plans.Count > 20 ? $", ... ({import.Plans.Count} plans)" : string.Empty);
            return Program.Fail(stderr, file, "--plan", "DRILL_PLAN_UNKNOWN", $"no plan '{planId}' (plans: {known})");
        }

        // Exact: minutes * 60 seconds in nanoseconds, truncated below a nanosecond only.
        var nanos = decimal.Truncate(minutes * 60_000_000_000m);
        FareQuote quote;
        try
        {
            quote = FareCalculator.Quote(plan, Duration.FromNanoseconds((long)nanos), km, rounding);
        }
        catch (OverflowException)
        {
            // Money arithmetic is checked: a fare (or a line of it) past 64-bit minor units throws rather than wraps.
            return Program.Fail(stderr, file, "--plan", "DRILL_FARE_TOO_LARGE", $"the fare of plan '{planId}' for {minutesText} minutes and {kmText} km does not fit in 64-bit minor units of {plan.Currency.Code}");
        }

        stdout.WriteLine(ToJson(quote));
        return 0;
    }

    public static string ToJson(FareQuote quote)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("currency", quote.Currency.Code);
            w.WriteString("amount", quote.Total.ToMajorString());
            w.WriteStartArray("lineItems");
            foreach (var line in quote.LineItems)
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

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static bool TryDecimal(string text, out decimal value)
        => decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
}
