using System.Text;
using System.Text.Json;
using static System.FormattableString;

namespace Billing.Resilience.Pricing;

/// <summary>
/// Imports GBFS <c>system_pricing_plans.json</c> documents of every version in use (1.1, 2.x, 3.0, 3.1-RC).
/// </summary>
/// <remarks>
/// <para>Three shapes are read: the GBFS envelope <c>{"version": ..., "data": {"plans": [...]}}</c>, a bare array of
/// plans, and the x2gbfs configuration <c>{"feed_data": {"pricing_plans": [...]}}</c>. Numbers are read as exact
/// decimals from the JSON text, never through <see cref="double"/>.</para>
/// <para>Input is never trusted and never throws: every problem is reported with a stable code
/// (<see cref="GbfsImportCodes"/>), its JSON path and the offending value, all of them in one pass. Quirks of real
/// feeds are accepted with a warning (a price written as a string, <c>is_taxable</c> as 0 or 1, more decimals than
/// the currency has). With any error no plan is imported. docs/gbfs-import.md lists every code and limit.</para>
/// </remarks>
public static class GbfsPricingPlans
{
    /// <summary>The largest document read, in bytes of UTF-8: 16 MiB.</summary>
    public const int MaxDocumentBytes = 16 * 1024 * 1024;

    /// <summary>The deepest nesting of JSON objects and arrays read.</summary>
    public const int MaxDepth = 64;

    /// <summary>The most plans one document may have.</summary>
    public const int MaxPlans = 10_000;

    /// <summary>The most segments one <c>per_min_pricing</c> or <c>per_km_pricing</c> list may have.</summary>
    public const int MaxSegmentsPerList = 100;

    /// <summary>The longest <c>plan_id</c>, in UTF-16 characters.</summary>
    public const int MaxPlanIdLength = 255;

    /// <summary>
    /// The largest price or rate, in absolute value and major units of the plan's currency. It keeps every fare the
    /// calculator can be asked for far from the limits of <see cref="decimal"/> arithmetic.
    /// </summary>
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>The most errors, and separately the most warnings, listed; one more entry says when there were more.</summary>
    public const int MaxReportedProblems = 1_000;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>Parses a document. Never throws for bad input: problems are returned as errors with their JSON path.</summary>
    /// <param name="json">The document's text. A leading byte order mark is ignored.</param>
    /// <returns>The plans, or every error found; warnings in both cases.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    public static PricingPlanImport Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var text = json.AsMemory();
        if (text.Span.StartsWith("\uFEFF", StringComparison.Ordinal))
        {
            text = text[1..];
        }

        // Every character takes at least one byte of UTF-8: a longer string is too large before counting.
        var bytes = text.Length > MaxDocumentBytes ? (long)text.Length : Encoding.UTF8.GetByteCount(text.Span);
        if (bytes > MaxDocumentBytes)
        {
            return Failed(TooLarge("$", bytes, text.Length > MaxDocumentBytes));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, DocumentOptions);
        }
        catch (JsonException e)
        {
            return Failed(new ValidationError("$", GbfsImportCodes.MalformedJson, MalformedMessage(e)));
        }
        catch (ArgumentException e)
        {
            // Raised for text that is not valid UTF-16 (a lone surrogate), which cannot be transcoded to UTF-8.
            return Failed(new ValidationError("$", GbfsImportCodes.MalformedJson, $"malformed text: {e.Message}"));
        }

        using (document)
        {
            return Import(document.RootElement, string.Empty);
        }
    }

    /// <summary>Parses a document that is embedded in a larger one; error paths start with <paramref name="pathPrefix"/>.</summary>
    /// <param name="document">The pricing plans document, for example the <c>pricingPlans</c> member of a scenario file.</param>
    /// <param name="pathPrefix">The path of <paramref name="document"/> in the larger one, such as <c>pricingPlans</c>;
    /// empty for none. Errors then read <c>pricingPlans.data.plans[0].currency</c>.</param>
    /// <returns>The plans, or every error found; warnings in both cases.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pathPrefix"/> is null.</exception>
    public static PricingPlanImport Parse(JsonElement document, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(pathPrefix);
        var rootPath = GbfsPath.Root(pathPrefix);
        if (document.ValueKind == JsonValueKind.Undefined)
        {
            return Failed(new ValidationError(rootPath, GbfsImportCodes.PlansNotFound, "no plans array found: the document is missing"));
        }

        var bytes = RawUtf8Length(document);
        if (bytes > MaxDocumentBytes)
        {
            return Failed(TooLarge(rootPath, bytes, atLeast: false));
        }

        return Import(document, pathPrefix);
    }

    private static PricingPlanImport Import(JsonElement root, string prefix)
    {
        var problems = new GbfsProblems(GbfsPath.Root(prefix));
        var rawPlans = GbfsDocumentReader.Read(root, prefix, problems, out var version);
        if (rawPlans is not null)
        {
            foreach (var rawPlan in rawPlans)
            {
                problems.Add(GbfsPlanValidator.Instance.Validate(rawPlan));
                if (problems.ErrorsFull)
                {
                    break;
                }
            }
        }

        if (rawPlans is null || problems.HasErrors)
        {
            return new PricingPlanImport([], problems.Errors, problems.Warnings, version);
        }

        var plans = new PricingPlan[rawPlans.Count];
        for (var i = 0; i < plans.Length; i++)
        {
            plans[i] = ToPlan(rawPlans[i]);
        }

        return new PricingPlanImport(Array.AsReadOnly(plans), [], problems.Warnings, version);
    }

    /// <summary>Builds the plan from a raw plan that passed validation: no user input reaches a constructor's checks.</summary>
    private static PricingPlan ToPlan(GbfsRawPlan raw)
    {
        var planId = raw.PlanIdText;
        Preconditions.CheckInvariant(!string.IsNullOrWhiteSpace(planId) && raw.KnownCurrency is not null, "Only validated GBFS plans are built.");
        var name = raw.Name.LocalizedTextOrNull;
        var description = raw.Description.LocalizedTextOrNull;
        return new PricingPlan(
            planId,
            raw.KnownCurrency.Value,
            ValidatedDecimal(raw.Price),
            raw.PerMinuteSegments.Select(ToSegment),
            raw.PerKmSegments.Select(ToSegment),
            raw.FareCap is { } cap ? new FareCap(ValidatedInt32(cap.Duration), ValidatedDecimal(cap.Price)) : null)
        {
            Name = string.IsNullOrWhiteSpace(name) ? planId : name,
            Description = string.IsNullOrWhiteSpace(description) ? string.Empty : description,
            Url = raw.Url.StringOrNull,
            IsTaxable = raw.IsTaxable.Kind == JsonValueKind.True || (raw.IsTaxable.Kind == JsonValueKind.Number && ValidatedDecimal(raw.IsTaxable) == 1),
            SurgePricing = raw.SurgePricing.IsMissing ? null : raw.SurgePricing.Kind == JsonValueKind.True,
            ReservationPricePerMinute = raw.ReservationPricePerMin.IsMissing ? null : ValidatedDecimal(raw.ReservationPricePerMin),
            ReservationPriceFlatRate = raw.ReservationPriceFlatRate.IsMissing ? null : ValidatedDecimal(raw.ReservationPriceFlatRate),
        };
    }

    private static PricingSegment ToSegment(GbfsRawSegment raw)
        => new(
            ValidatedInt32(raw.Start),
            ValidatedDecimal(raw.Rate),
            ValidatedInt32(raw.Interval),
            raw.End.IsMissing ? null : ValidatedInt32(raw.End));

    private static decimal ValidatedDecimal(GbfsField field)
    {
        Preconditions.CheckInvariant(field.TryGetDecimalOrDecimalString(out var value), "Only validated GBFS numbers are read.");
        return value;
    }

    private static int ValidatedInt32(GbfsField field)
    {
        Preconditions.CheckInvariant(field.TryGetInt32(out var value), "Only validated GBFS integers are read.");
        return value;
    }

    private static long RawUtf8Length(JsonElement element)
    {
#if NET9_0_OR_GREATER
        return System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element).Length;
#else
        return Encoding.UTF8.GetByteCount(element.GetRawText());
#endif
    }

    private static ValidationError TooLarge(string path, long bytes, bool atLeast)
        => new(path, GbfsImportCodes.DocumentTooLarge, Invariant(
            $"the document has {(atLeast ? "at least " : string.Empty)}{bytes} bytes of UTF-8, more than the limit of {MaxDocumentBytes}"));

    private static string MalformedMessage(JsonException e)
    {
        // JsonException counts from 0 and repeats the position at the end of its message; say it once, from 1.
        var reason = e.Message;
        var at = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (at >= 0)
        {
            reason = reason[..at];
        }

        return e.LineNumber is { } line && e.BytePositionInLine is { } position
            ? Invariant($"malformed JSON at line {line + 1}, byte {position + 1} of the line: {reason}")
            : $"malformed JSON: {reason}";
    }

    private static PricingPlanImport Failed(ValidationError error) => new([], [error], [], null);
}
