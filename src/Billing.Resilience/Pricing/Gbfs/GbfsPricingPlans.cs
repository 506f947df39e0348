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
            return NotText(document.RootElement, string.Empty) is { } notText ? Failed(notText) : Import(document.RootElement, string.Empty);
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

        return NotText(document, pathPrefix) is { } notText ? Failed(notText) : Import(document, pathPrefix);
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

    /// <summary>
    /// Finds the first string or member name, in document order, that is not text: one that escapes half of a UTF-16
    /// surrogate pair (<c>"\ud800"</c>). The JSON parser accepts such escapes; reading the string would throw.
    /// </summary>
    private static ValidationError? NotText(JsonElement root, string prefix)
    {
        if (!MayEscapeSurrogates(root))
        {
            return null; // The common case: one scan of the raw text, no paths built.
        }

        var pending = new Stack<(JsonElement Element, string Path)>();
        var children = new List<(JsonElement Element, string Path)>();
        pending.Push((root, prefix));
        while (pending.TryPop(out var item))
        {
            children.Clear();
            switch (item.Element.ValueKind)
            {
                case JsonValueKind.String:
                    var raw = item.Element.GetRawText();
                    if (LoneSurrogateEscape(raw) is { } escape)
                    {
                        var shown = raw.Length <= 80 ? raw : string.Concat(raw.AsSpan(0, 80), "…");
                        return new ValidationError(GbfsPath.Root(item.Path), GbfsImportCodes.MalformedJson, $"the string {shown} is not text: {escape} is half of a UTF-16 surrogate pair without the other half");
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (var property in item.Element.EnumerateObject())
                    {
                        if (RawName(property) is var name && LoneSurrogateEscape(name) is { } nameEscape)
                        {
                            return new ValidationError(GbfsPath.Root(item.Path), GbfsImportCodes.MalformedJson, $"the member name \"{name}\" is not text: {nameEscape} is half of a UTF-16 surrogate pair without the other half");
                        }

                        children.Add((property.Value, GbfsPath.Member(item.Path, property.Name)));
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var value in item.Element.EnumerateArray())
                    {
                        children.Add((value, GbfsPath.Item(item.Path, children.Count)));
                    }

                    break;
                default:
                    break;
            }

            for (var i = children.Count - 1; i >= 0; i--)
            {
                pending.Push(children[i]);
            }
        }

        return null;
    }

    private static bool MayEscapeSurrogates(JsonElement element)
    {
#if NET10_0_OR_GREATER
        var text = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
#else
        ReadOnlySpan<byte> text = Encoding.UTF8.GetBytes(element.GetRawText());
#endif
        var at = 0;
        while (text[at..].IndexOf("\\u"u8) is var found and >= 0)
        {
            at += found + 2;
            if (at + 1 < text.Length && (text[at] | 0x20) == 'd' && IsHexDigitFrom8(text[at + 1]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHexDigitFrom8(byte c) => c is (byte)'8' or (byte)'9' || (c | 0x20) is >= 'a' and <= 'f';

    private static string RawName(JsonProperty property)
    {
#if NET10_0_OR_GREATER
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8PropertyName(property));
#else
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return "\\ud800"; // Not readable: all that can be said is that it holds a lone surrogate.
        }
#endif
    }

    /// <summary>The first <c>\uXXXX</c> escape in raw JSON text that is half of a surrogate pair on its own; null when there is none.</summary>
    private static string? LoneSurrogateEscape(string raw)
    {
        for (var i = 0; i < raw.Length - 1; i++)
        {
            if (raw[i] != '\\')
            {
                continue;
            }

            if (raw[i + 1] != 'u' || !TryHex4(raw, i + 2, out var unit))
            {
                i++; // \", \\, \n ...: the escaped character is not the start of another escape.
                continue;
            }

            if (char.IsHighSurrogate(unit) && i + 11 < raw.Length && raw[i + 6] == '\\' && raw[i + 7] == 'u' && TryHex4(raw, i + 8, out var low) && char.IsLowSurrogate(low))
            {
                i += 11;
                continue;
            }

            if (char.IsSurrogate(unit))
            {
                return raw.Substring(i, 6);
            }

            i += 5;
        }

        return null;
    }

    private static bool TryHex4(string text, int start, out char unit)
    {
        ushort value = 0;
        var ok = start + 4 <= text.Length
            && ushort.TryParse(text.AsSpan(start, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out value);
        unit = (char)value;
        return ok;
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
