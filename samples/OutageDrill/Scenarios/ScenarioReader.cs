using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Billing.Resilience;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Text;

namespace OutageDrill.Scenarios;

/// <summary>
/// Reads and validates a scenario file. Every problem is reported with its JSON path and a stable code before
/// anything runs; a scenario with an error is rejected whole.
/// </summary>
internal sealed class ScenarioReader
{
    /// <summary>The largest scenario file accepted.</summary>
    public const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>The longest a drill may run after its first rental starts (the longest rental token lifetime).</summary>
    public static readonly Duration MaxDrillLength = Duration.FromDays(90);

    /// <summary>The most rentals in one scenario.</summary>
    public const int MaxRentals = 2_000_000;

    private const int MaxSignalsPerRental = 64;
    private const int MaxDistancePerRental = 10_000;
    private const int MaxOutages = 10_000;
    private const int MaxFaults = 100_000;
    private static readonly OffsetDateTimePattern Rfc3339 = OffsetDateTimePattern.Rfc3339;
    private static readonly Instant Earliest = Instant.FromUtc(2000, 1, 1, 0, 0);
    private static readonly Instant Latest = Instant.FromUtc(2100, 1, 1, 0, 0);
    private readonly List<ValidationError> errors = [];
    private readonly Dictionary<string, string> rentalPaths = new(StringComparer.Ordinal);

    private ScenarioReader()
    {
    }

    public static (Scenario? Scenario, IReadOnlyList<ValidationError> Errors) Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new ScenarioReader();
        JsonDocument document;
        try
        {
            // A byte order mark is not JSON, but editors write one: ignore it, as File.ReadAllText and the GBFS importer do.
            var text = json.AsMemory();
            if (text.Span.StartsWith("\uFEFF", StringComparison.Ordinal))
            {
                text = text[1..];
            }

            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false });
        }
        catch (JsonException ex)
        {
            return (null, [new ValidationError("$", "DRILL_MALFORMED_JSON", $"not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}): {ex.Message.Split(". ")[0]}")]);
        }
        catch (ArgumentException ex)
        {
            // Text that is not valid UTF-16 (a lone surrogate) cannot be read as JSON at all.
            return (null, [new ValidationError("$", "DRILL_MALFORMED_JSON", $"not text: {ex.Message}")]);
        }

        using (document)
        {
            if (NotText(document.RootElement) is { } notText)
            {
                return (null, [notText]);
            }

            reader.FindRepeatedMembers(document.RootElement);
            var scenario = reader.ReadRoot(document.RootElement);
            return reader.errors.Count == 0 ? (scenario, []) : (null, reader.errors);
        }
    }

    /// <summary>
    /// Reports every member that appears twice in one object: parsers disagree on which occurrence wins, so the
    /// value is ambiguous. <c>pricingPlans</c> is the GBFS importer's to check.
    /// </summary>
    private void FindRepeatedMembers(JsonElement root)
    {
        var found = new List<ValidationError>();
        RepeatedMembersWithin(root, found, notInto: "pricingPlans");
        errors.AddRange(found.Select(e => e with { Path = RootPath(e.Path) }));
    }

    /// <summary>
    /// Adds the repeated members within <paramref name="element"/> to <paramref name="found"/>, with paths relative to
    /// it (built only for what is found); the member <paramref name="notInto"/> is checked, not what it holds.
    /// </summary>
    private static void RepeatedMembersWithin(JsonElement element, List<ValidationError> found, string? notInto = null)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                HashSet<string>? names = null;
                foreach (var property in element.EnumerateObject())
                {
                    var name = property.Name;
                    names ??= new HashSet<string>(StringComparer.Ordinal);
                    if (!names.Add(name))
                    {
                        found.Add(new ValidationError(name, "DRILL_DUPLICATE_PROPERTY", $"\"{name}\" appears more than once in the object (again as {Show(property.Value)}), so its value is ambiguous"));
                    }

                    if (name == notInto)
                    {
                        continue;
                    }

                    var before = found.Count;
                    RepeatedMembersWithin(property.Value, found);
                    for (var i = before; i < found.Count; i++)
                    {
                        found[i] = found[i] with { Path = JoinPath(name, found[i].Path) };
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var before = found.Count;
                    RepeatedMembersWithin(item, found);
                    for (var i = before; i < found.Count; i++)
                    {
                        found[i] = found[i] with { Path = JoinPath($"[{index}]", found[i].Path) };
                    }

                    index++;
                }

                break;
            default:
                break;
        }
    }

    /// <summary>A member name or an item index, then the path within it (empty for the value itself).</summary>
    private static string JoinPath(string step, string within)
        => within.Length == 0 || within[0] == '[' ? step + within : step + "." + within;

    /// <summary>A path relative to the document as errors show it: <c>$</c> for the document, <c>$[0]</c> for an item of it.</summary>
    private static string RootPath(string path) => path.Length == 0 || path[0] == '[' ? "$" + path : path;

    /// <summary>
    /// Finds the first string or member name that escapes half of a UTF-16 surrogate pair on its own
    /// (<c>"\ud800"</c>): the JSON parser accepts it, but it is not text, and reading it would throw.
    /// </summary>
    private static ValidationError? NotText(JsonElement root)
        => NotTextWithin(root) is { } found ? found with { Path = RootPath(found.Path) } : null;

    /// <summary>As <see cref="NotText"/>, with the path relative to <paramref name="element"/>: built only when something is found.</summary>
    private static ValidationError? NotTextWithin(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return LoneSurrogateEscape(JsonMarshal.GetRawUtf8Value(element)) is { } escape
                    ? new ValidationError(string.Empty, "DRILL_MALFORMED_JSON", $"{Show(element)} is not text: {escape} is half of a UTF-16 surrogate pair without the other half")
                    : null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var name = JsonMarshal.GetRawUtf8PropertyName(property);
                    if (LoneSurrogateEscape(name) is { } nameEscape)
                    {
                        return new ValidationError(string.Empty, "DRILL_MALFORMED_JSON", $"the member name \"{Encoding.UTF8.GetString(name)}\" is not text: {nameEscape} is half of a UTF-16 surrogate pair without the other half");
                    }

                    if (NotTextWithin(property.Value) is { } inner)
                    {
                        return inner with { Path = JoinPath(property.Name, inner.Path) };
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (NotTextWithin(item) is { } inner)
                    {
                        return inner with { Path = JoinPath($"[{i}]", inner.Path) };
                    }

                    i++;
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The first <c>\uXXXX</c> escape in raw JSON text that is half of a surrogate pair on its own; null when there is none.</summary>
    private static string? LoneSurrogateEscape(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return null;
        }

        for (var i = 0; i < raw.Length - 1; i++)
        {
            if (raw[i] != '\\')
            {
                continue;
            }

            if (raw[i + 1] != 'u' || !TryHex4(raw, i + 2, out var unit))
            {
                i++; // \", \\, \n ...: the escaped character does not start another escape.
                continue;
            }

            if (char.IsHighSurrogate(unit) && i + 12 <= raw.Length && raw[i + 6] == '\\' && raw[i + 7] == 'u' && TryHex4(raw, i + 8, out var low) && char.IsLowSurrogate(low))
            {
                i += 11;
                continue;
            }

            if (char.IsSurrogate(unit))
            {
                return Encoding.ASCII.GetString(raw.Slice(i, 6));
            }

            i += 5;
        }

        return null;
    }

    private static bool TryHex4(ReadOnlySpan<byte> raw, int start, out char unit)
    {
        ushort value = 0;
        var ok = start + 4 <= raw.Length && System.Buffers.Text.Utf8Parser.TryParse(raw.Slice(start, 4), out value, out var consumed, 'X') && consumed == 4;
        unit = (char)value;
        return ok;
    }

    private Scenario? ReadRoot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            Error("$", "DRILL_NOT_AN_OBJECT", $"a scenario is a JSON object, not {Kind(root)}");
            return null;
        }

        var name = RequiredString(root, "scenario", "scenario");
        var runUntil = RequiredTime(root, "runUntil", "runUntil");

        IReadOnlyList<PricingPlan> plans = [];
        var plansImported = false;
        if (!root.TryGetProperty("pricingPlans", out var plansElement))
        {
            Error("pricingPlans", "DRILL_REQUIRED", "required");
        }
        else
        {
            var import = GbfsPricingPlans.Parse(plansElement, "pricingPlans");
            errors.AddRange(import.Errors);
            plans = import.Plans;
            plansImported = import.IsValid;
        }

        var policy = ReadPolicy(root, plans);
        var outages = ReadOutages(root, runUntil);
        var rentals = ReadRentals(root, plans, runUntil, checkPlanIds: plansImported);
        var faults = ReadFaults(root, rentals);
        if (errors.Count > 0 || name is null || runUntil is null)
        {
            return null;
        }

        if (rentals.Count > 0 && runUntil.Value.ToInstant() - rentals.Min(r => r.StartedAt.ToInstant()) > MaxDrillLength)
        {
            // Rental tokens live at most 90 days: a rider's end signal must still verify when it arrives.
            Error("runUntil", "DRILL_RUN_TOO_LONG", $"{Rfc3339.Format(runUntil.Value)} is more than {MaxDrillLength.TotalDays} days after the first rental starts");
        }

        CheckFaresFit(plans, outages, rentals, runUntil.Value);
        if (errors.Count > 0)
        {
            return null;
        }

        return new Scenario(name, plans, policy, outages, rentals, faults, runUntil.Value);
    }

    private ScenarioPolicy ReadPolicy(JsonElement root, IReadOnlyList<PricingPlan> plans)
    {
        var policy = ScenarioPolicy.Default;
        if (!root.TryGetProperty("policy", out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return policy;
        }

        if (p.ValueKind != JsonValueKind.Object)
        {
            Error("policy", "DRILL_WRONG_TYPE", $"an object, not {Kind(p)}");
            return policy;
        }

        if (p.TryGetProperty("intervalRounding", out var rounding))
        {
            policy = rounding.ValueKind == JsonValueKind.String && rounding.GetString() is "started" or "completed"
                ? policy with { IntervalRounding = rounding.GetString() == "started" ? IntervalRounding.Started : IntervalRounding.Completed }
                : Fail(policy, "policy.intervalRounding", "DRILL_POLICY_ROUNDING", $"\"started\" or \"completed\", not {Show(rounding)}");
        }

        if (p.TryGetProperty("freezeOn", out var freezeOn))
        {
            if (freezeOn.ValueKind != JsonValueKind.Array)
            {
                Error("policy.freezeOn", "DRILL_WRONG_TYPE", $"an array, not {Kind(freezeOn)}");
            }
            else
            {
                var set = new HashSet<Dependency>();
                var i = 0;
                foreach (var item in freezeOn.EnumerateArray())
                {
                    if (ParseDependency(item) is { } dependency)
                    {
                        set.Add(dependency);
                    }
                    else
                    {
                        Error($"policy.freezeOn[{i}]", "DRILL_DEPENDENCY_UNKNOWN", $"\"payment\" or \"identity\", not {Show(item)}");
                    }

                    i++;
                }

                policy = policy with { FreezeOn = set };
            }
        }

        if (Integer(p, "freezeGraceSeconds", "policy.freezeGraceSeconds", 0, 86_400) is { } grace)
        {
            policy = policy with { FreezeGrace = Duration.FromSeconds(grace) };
        }

        if (Integer(p, "endSignalSkewSeconds", "policy.endSignalSkewSeconds", 0, 3_600) is { } skew)
        {
            policy = policy with { EndSignalSkew = Duration.FromSeconds(skew) };
        }

        if (Integer(p, "holdValidityHours", "policy.holdValidityHours", 1, 744) is { } hours)
        {
            policy = policy with { HoldValidity = Duration.FromHours(hours) };
        }

        if (p.TryGetProperty("holdAmount", out var hold) && hold.ValueKind != JsonValueKind.Null)
        {
            if (Decimal(hold) is not { } amount)
            {
                Error("policy.holdAmount", "DRILL_AMOUNT_INVALID", $"a decimal amount in major units such as \"10000\", with at most 28 significant digits, not {Show(hold)}");
            }
            else if (amount <= 0)
            {
                Error("policy.holdAmount", "DRILL_AMOUNT_NOT_POSITIVE", $"a positive amount, not {Show(hold)}");
            }
            else if (amount > 1_000_000_000_000m)
            {
                Error("policy.holdAmount", "DRILL_AMOUNT_TOO_LARGE", $"at most 1000000000000, not {Show(hold)}");
            }
            else if (plans.FirstOrDefault(plan => decimal.Round(amount, plan.Currency.MinorDigits) != amount) is { } tooPrecise)
            {
                Error("policy.holdAmount", "DRILL_AMOUNT_TOO_PRECISE", $"{Show(hold)} has more decimals than {tooPrecise.Currency.Code} (plan {tooPrecise.PlanId}) allows");
            }
            else
            {
                policy = policy with { HoldAmount = amount };
            }
        }

        return policy;
    }

    /// <summary>
    /// Money is counted in 64-bit minor units, with checked arithmetic: a plan's rates (up to 1e9 a minute, 100
    /// segments) over a long enough rental would overflow the drill's statements and totals, and throw. Every
    /// rental's fare is bounded here (its billable and naive time end by the last instant the scenario names), and
    /// a scenario whose fares could pass a quarter of the range, alone or summed per currency, is refused.
    /// </summary>
    private void CheckFaresFit(IReadOnlyList<PricingPlan> plans, IReadOnlyList<ScenarioOutage> outages, IReadOnlyList<ScenarioRental> rentals, OffsetDateTime runUntil)
    {
        const decimal Limit = long.MaxValue / 4;
        var lastInstant = outages.Select(o => o.To?.ToInstant() ?? Instant.MinValue)
            .Concat(rentals.SelectMany(r => r.EndSignals.Select(s => s.At.ToInstant())))
            .Append(runUntil.ToInstant())
            .Max();
        var plansById = plans.ToDictionary(p => p.PlanId, StringComparer.Ordinal);
        var sums = new Dictionary<CurrencyCode, decimal>();
        foreach (var rental in rentals)
        {
            var plan = plansById[rental.PlanId];
            var minutes = (decimal)(lastInstant - rental.StartedAt.ToInstant()).TotalMinutes;
            var km = rental.Distance.Sum(d => d.Kilometres);
            var minor = FareBound(plan, Math.Ceiling(Math.Max(minutes, 0)), km) * plan.Currency.MinorUnitsPerMajor;
            if (minor > Limit)
            {
                Error(rentalPaths[rental.Id], "DRILL_FARE_TOO_LARGE", string.Create(CultureInfo.InvariantCulture, $"on plan '{plan.PlanId}', over up to {Math.Ceiling(minutes)} minutes and {km} km, the fare could reach {decimal.Round(minor / plan.Currency.MinorUnitsPerMajor, 0)} {plan.Currency.Code}: more than 64-bit minor units hold with room to sum"));
                continue;
            }

            sums[plan.Currency] = sums.GetValueOrDefault(plan.Currency) + minor;
        }

        foreach (var (currency, sum) in sums.Where(s => s.Value > Limit))
        {
            Error("rentals", "DRILL_FARE_TOO_LARGE", string.Create(CultureInfo.InvariantCulture, $"together, the rentals in {currency.Code} could be charged {decimal.Round(sum / currency.MinorUnitsPerMajor, 0)} {currency.Code}: more than 64-bit minor units hold with room to sum"));
        }
    }

    /// <summary>The most a fare can be in absolute value after <paramref name="minutes"/> and <paramref name="km"/>, cap or no cap (a cap only lowers it).</summary>
    private static decimal FareBound(PricingPlan plan, decimal minutes, decimal km)
    {
        var bound = plan.Price;
        foreach (var segment in plan.PerMinutePricing)
        {
            bound += Math.Abs(segment.Rate) * Units(segment, minutes);
        }

        foreach (var segment in plan.PerKmPricing)
        {
            bound += Math.Abs(segment.Rate) * Units(segment, km);
        }

        return bound;

        static decimal Units(PricingSegment segment, decimal x)
        {
            var upTo = segment.End is { } end ? Math.Min(x, end) : x;
            return upTo <= segment.Start ? 0 : segment.Interval == 0 ? 1 : Math.Ceiling((upTo - segment.Start) / segment.Interval);
        }
    }

    private List<ScenarioOutage> ReadOutages(JsonElement root, OffsetDateTime? runUntil)
    {
        var result = new List<ScenarioOutage>();
        if (!root.TryGetProperty("outages", out var outages) || outages.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (!IsArray(outages, "outages", MaxOutages))
        {
            return result;
        }

        var i = 0;
        foreach (var o in outages.EnumerateArray())
        {
            var path = $"outages[{i++}]";
            if (!IsObject(o, path))
            {
                continue;
            }

            Dependency? dependency = null;
            if (!o.TryGetProperty("dependency", out var d))
            {
                Error(path + ".dependency", "DRILL_REQUIRED", "required");
            }
            else if ((dependency = ParseDependency(d)) is null)
            {
                Error(path + ".dependency", "DRILL_DEPENDENCY_UNKNOWN", $"\"payment\" or \"identity\", not {Show(d)}");
            }

            var from = RequiredTime(o, "from", path + ".from");
            OffsetDateTime? to = null;
            if (!o.TryGetProperty("to", out var toElement))
            {
                Error(path + ".to", "DRILL_REQUIRED", "required (null for an outage still going on at runUntil)");
            }
            else if (toElement.ValueKind != JsonValueKind.Null)
            {
                to = Time(toElement, path + ".to");
                if (to is { } t && from is { } f && t.ToInstant() <= f.ToInstant())
                {
                    Error(path + ".to", "DRILL_OUTAGE_ENDS_BEFORE_START", $"{Rfc3339.Format(t)} is not after from {Rfc3339.Format(f)}");
                }
            }

            if (dependency is { } dep && from is { } start)
            {
                foreach (var other in result.Where(x => x.Dependency == dep))
                {
                    var otherEnd = other.To?.ToInstant() ?? Instant.MaxValue;
                    var end = to?.ToInstant() ?? Instant.MaxValue;
                    if (start.ToInstant() < otherEnd && other.From.ToInstant() < end)
                    {
                        Error(path, "DRILL_OUTAGES_OVERLAP", $"overlaps another {dep.ToString().ToLowerInvariant()} outage from {Rfc3339.Format(other.From)}");
                        break;
                    }
                }

                result.Add(new ScenarioOutage(dep, start, to));
            }
        }

        return result;
    }

    private List<ScenarioRental> ReadRentals(JsonElement root, IReadOnlyList<PricingPlan> plans, OffsetDateTime? runUntil, bool checkPlanIds)
    {
        var result = new List<ScenarioRental>();
        if (!root.TryGetProperty("rentals", out var rentals))
        {
            Error("rentals", "DRILL_REQUIRED", "required");
            return result;
        }

        if (!IsArray(rentals, "rentals", MaxRentals))
        {
            return result;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var planIds = plans.Select(p => p.PlanId).ToHashSet(StringComparer.Ordinal);
        var i = 0;
        foreach (var r in rentals.EnumerateArray())
        {
            var path = $"rentals[{i++}]";
            if (!IsObject(r, path))
            {
                continue;
            }

            var id = RequiredString(r, "id", path + ".id");
            if (id is not null && !RentalId.IsValid(id))
            {
                Error(path + ".id", "DRILL_RENTAL_ID_INVALID", $"'{id}' is not a valid rental id (1 to 128 printable ASCII characters, no spaces or '|')");
                id = null;
            }
            else if (id is not null && !ids.Add(id))
            {
                Error(path + ".id", "DRILL_RENTAL_ID_DUPLICATE", $"'{id}' is used by another rental");
                id = null;
            }

            var rider = RequiredString(r, "riderId", path + ".riderId");
            if (rider is not null && !RiderId.IsValid(rider))
            {
                Error(path + ".riderId", "DRILL_RIDER_ID_INVALID", $"'{rider}' is not a valid rider id");
                rider = null;
            }

            var planId = RequiredString(r, "planId", path + ".planId");
            // Only against plans that imported: an import with errors says so itself. A valid import may have no plan at all.
            if (planId is not null && checkPlanIds && !planIds.Contains(planId))
            {
                Error(path + ".planId", "DRILL_PLAN_UNKNOWN", plans.Count == 0 ? $"'{planId}' is not a plan of pricingPlans, which has none" : $"'{planId}' is not a plan of pricingPlans");
            }

            var startedAt = RequiredTime(r, "startedAt", path + ".startedAt");
            if (startedAt is { } s && runUntil is { } until && s.ToInstant() >= until.ToInstant())
            {
                Error(path + ".startedAt", "DRILL_STARTS_AFTER_RUN_UNTIL", $"{Rfc3339.Format(s)} is not before runUntil {Rfc3339.Format(until)}");
            }

            var signals = new List<ScenarioSignal>();
            if (r.TryGetProperty("endSignals", out var endSignals) && endSignals.ValueKind != JsonValueKind.Null && IsArray(endSignals, path + ".endSignals", MaxSignalsPerRental))
            {
                var j = 0;
                foreach (var signal in endSignals.EnumerateArray())
                {
                    var sp = $"{path}.endSignals[{j++}]";
                    if (!IsObject(signal, sp))
                    {
                        continue;
                    }

                    var at = RequiredTime(signal, "at", sp + ".at");
                    var received = RequiredTime(signal, "receivedAt", sp + ".receivedAt");
                    EndSignalSource? source = null;
                    if (!signal.TryGetProperty("source", out var src))
                    {
                        Error(sp + ".source", "DRILL_REQUIRED", "required");
                    }
                    else
                    {
                        source = src.ValueKind == JsonValueKind.String ? src.GetString() switch
                        {
                            "rider" => EndSignalSource.Rider,
                            "vehicle" => EndSignalSource.Vehicle,
                            "operator" => EndSignalSource.Operator,
                            _ => null,
                        } : null;
                        if (source is null)
                        {
                            Error(sp + ".source", "DRILL_SIGNAL_SOURCE_UNKNOWN", $"\"rider\", \"vehicle\" or \"operator\", not {Show(src)}");
                        }
                    }

                    if (received is { } rec && startedAt is { } st && rec.ToInstant() < st.ToInstant())
                    {
                        Error(sp + ".receivedAt", "DRILL_RECEIVED_BEFORE_START", $"{Rfc3339.Format(rec)} is before the rental's start {Rfc3339.Format(st)}");
                    }

                    if (at is { } a && received is { } rc && source is { } so)
                    {
                        signals.Add(new ScenarioSignal(a, rc, so));
                    }
                }
            }

            var distance = new List<ScenarioDistance>();
            if (r.TryGetProperty("distance", out var distanceElement) && distanceElement.ValueKind != JsonValueKind.Null && IsArray(distanceElement, path + ".distance", MaxDistancePerRental))
            {
                var j = 0;
                foreach (var d in distanceElement.EnumerateArray())
                {
                    var dp = $"{path}.distance[{j++}]";
                    if (!IsObject(d, dp))
                    {
                        continue;
                    }

                    var at = RequiredTime(d, "at", dp + ".at");
                    decimal? km = null;
                    if (!d.TryGetProperty("km", out var kmElement))
                    {
                        Error(dp + ".km", "DRILL_REQUIRED", "required");
                    }
                    else if ((km = Decimal(kmElement)) is not { } value)
                    {
                        Error(dp + ".km", "DRILL_DISTANCE_INVALID", $"a decimal number of kilometres such as \"1.2\", with at most 28 significant digits, not {Show(kmElement)}");
                    }
                    else if (value <= 0 || value > RecordDistanceValidator.MaxKilometresPerIncrement)
                    {
                        Error(dp + ".km", "DRILL_DISTANCE_RANGE", $"between 0 (exclusive) and {RecordDistanceValidator.MaxKilometresPerIncrement}, not {Show(kmElement)}");
                        km = null;
                    }
                    else if (decimal.Round(value, 6) != value)
                    {
                        Error(dp + ".km", "DRILL_DISTANCE_TOO_PRECISE", $"at most 6 decimals, not {Show(kmElement)}");
                        km = null;
                    }

                    if (at is { } a && startedAt is { } st && a.ToInstant() < st.ToInstant())
                    {
                        Error(dp + ".at", "DRILL_DISTANCE_BEFORE_START", $"{Rfc3339.Format(a)} is before the rental's start {Rfc3339.Format(st)}");
                    }

                    if (at is { } at2 && km is { } k)
                    {
                        distance.Add(new ScenarioDistance(at2, k));
                    }
                }
            }

            if (id is not null && rider is not null && planId is not null && startedAt is { } started)
            {
                result.Add(new ScenarioRental(id, rider, planId, started, signals, distance));
                rentalPaths[id] = path;
            }
        }

        return result;
    }

    private List<PaymentFault> ReadFaults(JsonElement root, List<ScenarioRental> rentals)
    {
        var result = new List<PaymentFault>();
        if (!root.TryGetProperty("faults", out var faults) || faults.ValueKind == JsonValueKind.Null || !IsArray(faults, "faults", MaxFaults))
        {
            return result;
        }

        var ids = rentals.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var i = 0;
        foreach (var f in faults.EnumerateArray())
        {
            var path = $"faults[{i++}]";
            if (!IsObject(f, path))
            {
                continue;
            }

            var rentalId = RequiredString(f, "rentalId", path + ".rentalId");
            if (rentalId is not null && !ids.Contains(rentalId))
            {
                Error(path + ".rentalId", "DRILL_FAULT_RENTAL_UNKNOWN", $"'{rentalId}' is not a rental of this scenario");
            }

            var operation = RequiredString(f, "operation", path + ".operation");
            if (operation is not null && operation is not ("authorize" or "capture" or "charge" or "void" or "refund"))
            {
                Error(path + ".operation", "DRILL_FAULT_OPERATION_UNKNOWN", $"authorize, capture, charge, void or refund, not \"{operation}\"");
                operation = null;
            }

            var kind = RequiredString(f, "kind", path + ".kind");
            if (kind is not null && kind is not ("lostResponse" or "timeout" or "error"))
            {
                Error(path + ".kind", "DRILL_FAULT_KIND_UNKNOWN", $"lostResponse, timeout or error, not \"{kind}\"");
                kind = null;
            }

            var times = Integer(f, "times", path + ".times", 1, 100);
            if (!f.TryGetProperty("times", out var timesElement) || timesElement.ValueKind == JsonValueKind.Null)
            {
                // Integer reads null as "not given": for a required field that is an error, not a fault to drop.
                Error(path + ".times", "DRILL_REQUIRED", timesElement.ValueKind == JsonValueKind.Null ? "required, not null" : "required");
            }

            if (rentalId is not null && operation is not null && kind is not null && times is { } n)
            {
                result.Add(PaymentFault.FromScenario(rentalId, operation, kind, (int)n));
            }
        }

        return result;
    }

    private string? RequiredString(JsonElement parent, string property, string path)
    {
        if (!parent.TryGetProperty(property, out var value))
        {
            Error(path, "DRILL_REQUIRED", "required");
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            Error(path, "DRILL_WRONG_TYPE", $"a non-empty string, not {Show(value)}");
            return null;
        }

        var text = value.GetString()!;
        if (text.Length > 256)
        {
            Error(path, "DRILL_STRING_TOO_LONG", $"at most 256 characters, not {text.Length}");
            return null;
        }

        return text;
    }

    private OffsetDateTime? RequiredTime(JsonElement parent, string property, string path)
    {
        if (!parent.TryGetProperty(property, out var value))
        {
            Error(path, "DRILL_REQUIRED", "required");
            return null;
        }

        return Time(value, path);
    }

    private OffsetDateTime? Time(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.String || ParseRfc3339(value.GetString()!) is not { Success: true } parsed)
        {
            Error(path, "DRILL_TIME_INVALID", $"not a valid RFC 3339 time: {Show(value)}");
            return null;
        }

        var instant = parsed.Value.ToInstant();
        if (instant < Earliest || instant >= Latest)
        {
            Error(path, "DRILL_TIME_OUT_OF_RANGE", $"{value.GetString()} is outside the years 2000 to 2099");
            return null;
        }

        return parsed.Value;
    }

    /// <summary>
    /// Parses an RFC 3339 time. NodaTime throws, rather than failing the parse, for an offset of 18 to 23 hours
    /// ("+19:00"): the pattern takes two-digit hours, the offset type only up to 18.
    /// </summary>
    private static ParseResult<OffsetDateTime>? ParseRfc3339(string text)
    {
        try
        {
            return Rfc3339.Parse(text);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private long? Integer(JsonElement parent, string property, string path, long min, long max)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n))
        {
            Error(path, "DRILL_NOT_AN_INTEGER", $"a whole number, not {Show(value)}");
            return null;
        }

        if (n < min || n > max)
        {
            Error(path, "DRILL_OUT_OF_RANGE", $"between {min} and {max}, not {n}");
            return null;
        }

        return n;
    }

    /// <summary>
    /// Reads a JSON number, or a string holding a plain decimal ("10000", "1.2"), exactly: decimal parsing rounds past
    /// 28 significant digits and flushes tiny numbers to zero without a word, and a rounded amount is not what was written.
    /// </summary>
    private static decimal? Decimal(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
        {
            return IsExactly(value.GetRawText(), number) ? number : null;
        }

        return value.ValueKind == JsonValueKind.String
            && value.GetString() is { } text
            && decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            && IsExactly(text, parsed)
            ? parsed
            : null;
    }

    /// <summary>Whether the number written as <paramref name="text"/> (already known to be a number) is exactly <paramref name="value"/>.</summary>
    private static bool IsExactly(string text, decimal value)
        => Canonical(text) is { } written && written == Canonical(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A number as "[-]digits e exponent" with no leading or trailing zero in the digits ("0" for zero); null when the exponent is absurd.</summary>
    private static string? Canonical(string text)
    {
        var negative = text.StartsWith('-');
        var body = text.TrimStart('-', '+');
        long exponent = 0;
        var e = body.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            if (!int.TryParse(body.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var written))
            {
                return null;
            }

            exponent = written;
            body = body[..e];
        }

        var point = body.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? body : body.Remove(point, 1);
        if (point >= 0)
        {
            exponent -= body.Length - point - 1;
        }

        var significant = digits.TrimStart('0');
        if (significant.Length == 0)
        {
            return "0";
        }

        var trimmed = significant.TrimEnd('0');
        exponent += significant.Length - trimmed.Length;
        return string.Create(CultureInfo.InvariantCulture, $"{(negative ? "-" : string.Empty)}{trimmed}e{exponent}");
    }

    private static Dependency? ParseDependency(JsonElement value) => value.ValueKind == JsonValueKind.String
        ? value.GetString() switch { "payment" => Dependency.Payment, "identity" => Dependency.Identity, _ => null }
        : null;

    private bool IsArray(JsonElement value, string path, int max)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(path, "DRILL_WRONG_TYPE", $"an array, not {Kind(value)}");
            return false;
        }

        if (value.GetArrayLength() > max)
        {
            Error(path, "DRILL_TOO_MANY", $"at most {max} entries, not {value.GetArrayLength()}");
            return false;
        }

        return true;
    }

    private bool IsObject(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        Error(path, "DRILL_WRONG_TYPE", $"an object, not {Kind(value)}");
        return false;
    }

    private T Fail<T>(T value, string path, string code, string message)
    {
        Error(path, code, message);
        return value;
    }

    private void Error(string path, string code, string message) => errors.Add(new ValidationError(path, code, message));

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Show(JsonElement e)
    {
        var raw = e.GetRawText();
        return raw.Length > 60 ? raw[..57] + "..." : raw;
    }
}
