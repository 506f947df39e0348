using System.Text;
using Billing.Resilience.Pricing;
using Billing.Resilience.Tests.Corpus.Json;
using static Billing.Resilience.Pricing.GbfsImportCodes;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// Malformed GBFS pricing plan documents. Each is rejected by <see cref="GbfsPricingPlans.Parse(string)"/> without
/// an exception, with its stable code, its JSON path and the offending value in the message, and no plan imported;
/// and by <c>quote --plans FILE</c> with exit code 2 and one line on stderr naming the file and the path.
/// </summary>
public class GbfsCorpus
{
    /// <summary>A valid GBFS 3.0 document: two USD plans, per-minute and per-km segments, a fare cap.</summary>
    internal const string Valid = """
        {"last_updated":"2024-01-01T00:00:00Z","ttl":0,"version":"3.0","data":{"plans":[
        {"plan_id":"p1","name":[{"text":"Scooter","language":"en"}],"currency":"USD","price":1.00,"is_taxable":false,
         "description":[{"text":"1 USD to unlock, then 25 cents a minute","language":"en"}],
         "per_min_pricing":[{"start":0,"rate":0.25,"interval":1,"end":30},{"start":30,"rate":0.50,"interval":5}],
         "per_km_pricing":[{"start":0,"rate":0.10,"interval":1}]},
        {"plan_id":"p2","name":[{"text":"Day pass","language":"en"}],"currency":"USD","price":0,"is_taxable":true,
         "description":[{"text":"30 cents a minute, at most 10 USD an hour","language":"en"}],
         "per_min_pricing":[{"start":0,"rate":0.30,"interval":1}],"fare_capping":{"duration":60,"price":10.00}}]}}
        """;

    private const string P = "data.plans[0]";
    private const string Min = P + ".per_min_pricing[0]";
    private const string Km = P + ".per_km_pricing[0]";
    private const string Cap = "data.plans[1].fare_capping";

    internal static readonly IReadOnlyList<CorpusCase> Cases =
    [
        // Not JSON at all, or JSON with something after it.
        Text("text/empty", string.Empty, "$", MalformedJson, "line 1"),
        Text("text/whitespace", "  \n\t ", "$", MalformedJson, "line 2"),
        Text("text/prose", "pricing plans", "$", MalformedJson, "line 1, byte 1"),
        Text("text/trailing-garbage", Valid + " x", "$", MalformedJson, "line 8"),
        Text("text/two-documents", Valid + Valid, "$", MalformedJson, "line 8"),
        Text("text/truncated", Valid[..200], "$", MalformedJson, "line 3"),
        Text("text/trailing-comma", JsonPaths.Set(Valid, P + ".price", "1,"), "$", MalformedJson, "line 1"),
        Text("text/comment", "// plans\n" + Valid, "$", MalformedJson, "line 1, byte 1"),
        Text("text/single-quotes", "{'data':{'plans':[]}}", "$", MalformedJson, "line 1, byte 2"),
        Text("text/nan", JsonPaths.Set(Valid, P + ".price", "NaN"), "$", MalformedJson, "line 1"),
        Text("text/infinity", JsonPaths.Set(Valid, P + ".price", "-Infinity"), "$", MalformedJson, "line 1"),
        Text("text/hex-number", JsonPaths.Set(Valid, P + ".price", "0x10"), "$", MalformedJson, "line 1"),
        Text("text/leading-zero", JsonPaths.Set(Valid, P + ".price", "01"), "$", MalformedJson, "line 1"),
        Text("text/unquoted-key", JsonPaths.Set(Valid, P + ".price", "1, price: 2"), "$", MalformedJson, "line 1"),
        Text("text/nul-after-document", Valid + "\0", "$", MalformedJson, "line 8"),
        Text("text/two-boms", "\uFEFF\uFEFF" + Valid, "$", MalformedJson, "line 1, byte 1"),
        Text("text/bom-inside", Valid.Insert(Valid.IndexOf("\"data\"", StringComparison.Ordinal), "\uFEFF"), "$", MalformedJson, "line 1"),
        Text("text/control-char-in-string", JsonPaths.Set(Valid, P + ".url", "\"a\u0001b\""), "$", MalformedJson, "line 1"),
        Text("text/bad-escape", JsonPaths.Set(Valid, P + ".url", "\"a\\qb\""), "$", MalformedJson, "line 1"),
        Text("text/lone-surrogate", JsonPaths.Set(Valid, P + ".url", "\"a\ud800b\""), "$", MalformedJson, "UTF-16"),
        Text("text/nesting-65-deep", new string('[', 65) + new string(']', 65), "$", MalformedJson, "64"),
        Text("text/nesting-deep-in-plan", JsonPaths.Set(Valid, P + ".rental_uris", new string('[', 80) + new string(']', 80)), "$", MalformedJson, "64"),
        Text("text/nesting-10000-deep", new string('[', 10_000), "$", MalformedJson, "64"),

        // Escaped surrogates that are not a pair: valid JSON syntax, but not text.
        Set("surrogate/plan-id", P + ".plan_id", "\"\\ud800\"", MalformedJson, "\\ud800"),
        Set("surrogate/currency", P + ".currency", "\"US\\udc00\"", MalformedJson, "\\udc00"),
        Set("surrogate/name", P + ".name", "[{\"text\":\"\\ud83d\",\"language\":\"en\"}]", MalformedJson, "\\ud83d", P + ".name[0].text"),
        Set("surrogate/price-string", P + ".price", "\"1\\ud800\"", MalformedJson, "\\ud800"),
        Set("surrogate/version", "version", "\"3.\\udfff\"", MalformedJson, "\\udfff"),
        Set("surrogate/unknown-member", P + ".vendor", "\"\\ud800\\ud800\"", MalformedJson, "\\ud800"),
        Text("surrogate/member-name", Valid.Replace("\"plan_id\":\"p1\",", "\"plan_id\":\"p1\",\"\\ud800\":1,", StringComparison.Ordinal), P, MalformedJson, "\\ud800"),

        // The document's shape.
        Text("shape/number", "42", "$", PlansNotFound, "a number"),
        Text("shape/string", "\"plans\"", "$", PlansNotFound, "a string"),
        Text("shape/null", "null", "$", PlansNotFound, "null"),
        Text("shape/true", "true", "$", PlansNotFound, "a boolean"),
        Text("shape/empty-object", "{}", "$", PlansNotFound, "no plans array"),
        Text("shape/plans-at-root", "{\"plans\":[]}", "$", PlansNotFound, "no plans array"),
        Set("shape/data-array", "data", "[]", WrongType, "an array"),
        Set("shape/data-string", "data", "\"plans\"", WrongType, "\"plans\""),
        Set("shape/data-null", "data", "null", PlansNotFound, "no plans array", "$"),
        Set("shape/plans-missing", "data", "{}", PlansNotFound, "missing", "data.plans"),
        Set("shape/plans-null", "data.plans", "null", PlansNotFound, "null"),
        Set("shape/plans-object", "data.plans", "{\"p1\":{}}", WrongType, "an object"),
        Set("shape/plans-string", "data.plans", "\"p1\"", WrongType, "\"p1\""),
        Text("shape/data-twice", JsonPaths.AddRepeated(Valid, "$", "data", "{\"plans\":[]}"), "data", DuplicateProperty, "\"data\""),
        Text("shape/plans-twice", JsonPaths.AddRepeated(Valid, "data", "plans", "[]"), "data.plans", DuplicateProperty, "\"plans\""),
        Text("shape/x2gbfs-wrong-type", "{\"feed_data\":{\"pricing_plans\":{}}}", "feed_data.pricing_plans", WrongType, "an object"),
        Text("shape/x2gbfs-missing", "{\"feed_data\":{\"plans\":[]}}", "feed_data.pricing_plans", PlansNotFound, "missing"),
        Text("shape/too-many-plans", () => "[" + string.Join(",", Enumerable.Range(0, 10_001).Select(i => $"{{\"plan_id\":\"p{i}\"}}")) + "]", "$", TooManyPlans, "10001"),
        Text("shape/oversized", () => JsonPaths.Set(Valid, P + ".url", "\"" + new string('a', GbfsPricingPlans.MaxDocumentBytes) + "\""), "$", DocumentTooLarge, "16777216"),
        Text("shape/oversized-multibyte", () => "[\"" + new string('€', (GbfsPricingPlans.MaxDocumentBytes / 3) + 1) + "\"]", "$", DocumentTooLarge, "16777216"),
        Text("shape/too-many-errors", () => "[" + string.Join(",", Enumerable.Repeat("1", 1_500)) + "]", "$", TooManyErrors, "1000"),

        // A plan.
        Set("plan/number", P, "42", PlanNotObject, "42"),
        Set("plan/string", P, "\"p1\"", PlanNotObject, "\"p1\""),
        Set("plan/null", P, "null", PlanNotObject, "null"),
        Set("plan/array", P, "[{\"plan_id\":\"p1\"}]", PlanNotObject, "[{\"plan_id\":\"p1\"}]"),
        Set("plan/empty-object", P, "{}", MissingField, "plan_id", P + ".plan_id"),
        Text("plan/bare-array-item", "[{\"plan_id\":\"p\",\"currency\":\"USD\",\"price\":-1}]", "$[0].price", NegativePrice, "-1"),
        Text("plan/x2gbfs-item", "{\"feed_data\":{\"pricing_plans\":[{\"plan_id\":\"p\",\"currency\":\"eur\",\"price\":1}]}}", "feed_data.pricing_plans[0].currency", UnknownCurrency, "\"eur\""),

        // plan_id.
        Remove("plan-id/missing", P + ".plan_id", MissingField, "plan_id"),
        Set("plan-id/null", P + ".plan_id", "null", MissingField, "null"),
        Set("plan-id/number", P + ".plan_id", "7", WrongType, "7"),
        Set("plan-id/object", P + ".plan_id", "{\"id\":\"p1\"}", WrongType, "{\"id\":\"p1\"}"),
        Set("plan-id/array", P + ".plan_id", "[\"p1\"]", WrongType, "[\"p1\"]"),
        Set("plan-id/empty", P + ".plan_id", "\"\"", EmptyPlanId, "\"\""),
        Set("plan-id/blank", P + ".plan_id", "\"  \\t \"", EmptyPlanId, "\"  \\t \""),
        Set("plan-id/256-chars", P + ".plan_id", JsonTree.Quote(new string('p', 256)), PlanIdTooLong, "256"),
        Set("plan-id/10000-chars", P + ".plan_id", JsonTree.Quote(new string('p', 10_000)), PlanIdTooLong, "10000"),
        Set("plan-id/duplicate-other-payload", "data.plans[1].plan_id", "\"p1\"", DuplicatePlanId, "data.plans[0]"),
        Text("plan-id/duplicate-same-payload", JsonPaths.Append(Valid, "data.plans", JsonPaths.Get(Valid, P)), "data.plans[2].plan_id", DuplicatePlanId, "\"p1\""),
        Text("plan-id/twice-in-plan", JsonPaths.AddRepeated(Valid, P, "plan_id", "\"p9\""), P + ".plan_id", DuplicateProperty, "\"p9\""),

        // currency.
        Set("currency/lower-case", P + ".currency", "\"usd\"", UnknownCurrency, "\"usd\""),
        Set("currency/mixed-case", P + ".currency", "\"Eur\"", UnknownCurrency, "\"Eur\""),
        Set("currency/unknown", P + ".currency", "\"ABC\"", UnknownCurrency, "\"ABC\""),
        Set("currency/withdrawn", P + ".currency", "\"DEM\"", UnknownCurrency, "\"DEM\""),
        Set("currency/no-minor-unit", P + ".currency", "\"XAU\"", UnknownCurrency, "\"XAU\""),
        Set("currency/symbol", P + ".currency", "\"$\"", UnknownCurrency, "\"$\""),
        Set("currency/spaced", P + ".currency", "\" USD\"", UnknownCurrency, "\" USD\""),
        Set("currency/four-letters", P + ".currency", "\"USDT\"", UnknownCurrency, "\"USDT\""),
        Set("currency/empty", P + ".currency", "\"\"", UnknownCurrency, "\"\""),
        Set("currency/numeric-code", P + ".currency", "840", WrongType, "840"),
        Set("currency/array", P + ".currency", "[\"USD\"]", WrongType, "[\"USD\"]"),
        Set("currency/null", P + ".currency", "null", MissingField, "currency"),
        Remove("currency/missing", P + ".currency", MissingField, "currency"),
        Text("currency/twice", JsonPaths.AddRepeated(Valid, P, "currency", "\"EUR\""), P + ".currency", DuplicateProperty, "\"EUR\""),

        // price: amounts a decimal cannot hold, negative, too large, the wrong type.
        Set("price/1e30", P + ".price", "1e30", InvalidNumber, "1e30"),
        Set("price/2^96", P + ".price", "79228162514264337593543950336", InvalidNumber, "79228162514264337593543950336"),
        Set("price/1e400", P + ".price", "1e400", InvalidNumber, "1e400"),
        Set("price/-1e30", P + ".price", "-1e30", InvalidNumber, "-1e30"),
        Set("price/30-digits", P + ".price", "1.00000000000000000000000000001", InvalidNumber, "1.00000000000000000000000000001"),
        Set("price/1e-30", P + ".price", "1e-30", InvalidNumber, "1e-30"),
        Set("price/1e10", P + ".price", "1e10", AmountTooLarge, "1e10"),
        Set("price/just-over-limit", P + ".price", "1000000000.01", AmountTooLarge, "1000000000.01"),
        Set("price/-0.01", P + ".price", "-0.01", NegativePrice, "-0.01"),
        Set("price/-1", P + ".price", "-1", NegativePrice, "-1"),
        Set("price/string-1e5", P + ".price", "\"1e5\"", InvalidNumber, "\"1e5\""),
        Set("price/string-negative", P + ".price", "\"-0.01\"", NegativePrice, "\"-0.01\""),
        Set("price/string-text", P + ".price", "\"free\"", InvalidNumber, "\"free\""),
        Set("price/string-empty", P + ".price", "\"\"", InvalidNumber, "\"\""),
        Set("price/string-spaced", P + ".price", "\" 1.00\"", InvalidNumber, "\" 1.00\""),
        Set("price/string-comma", P + ".price", "\"1,00\"", InvalidNumber, "\"1,00\""),
        Set("price/string-currency", P + ".price", "\"$1.00\"", InvalidNumber, "\"$1.00\""),
        Set("price/string-huge", P + ".price", "\"79228162514264337593543950336\"", InvalidNumber, "79228162514264337593543950336"),
        Set("price/string-over-precise", P + ".price", "\"1.000000000000000000000000000001\"", InvalidNumber, "1.000000000000000000000000000001"),
        Set("price/true", P + ".price", "true", WrongType, "true"),
        Set("price/object", P + ".price", "{\"amount\":1}", WrongType, "{\"amount\":1}"),
        Set("price/array", P + ".price", "[1]", WrongType, "[1]"),
        Set("price/null", P + ".price", "null", MissingField, "price"),
        Remove("price/missing", P + ".price", MissingField, "price"),
        Text("price/twice", JsonPaths.AddRepeated(Valid, P, "price", "2"), P + ".price", DuplicateProperty, "again as 2"),

        // Segments: start, rate, interval, end.
        Set("segment/list-object", P + ".per_min_pricing", "{\"start\":0,\"rate\":1,\"interval\":1}", WrongType, "an object"),
        Set("segment/list-string", P + ".per_min_pricing", "\"0.25/min\"", WrongType, "\"0.25/min\""),
        Set("segment/item-number", Min, "0.25", WrongType, "0.25"),
        Set("segment/item-null", Min, "null", WrongType, "null"),
        Set("segment/too-many", P + ".per_min_pricing", "[" + string.Join(",", Enumerable.Repeat("{\"start\":0,\"rate\":0.01,\"interval\":1}", 101)) + "]", TooManySegments, "101"),
        Remove("segment/start-missing", Min + ".start", MissingField, "start"),
        Set("segment/start-null", Min + ".start", "null", MissingField, "start"),
        Set("segment/start-negative", Min + ".start", "-1", SegmentStartInvalid, "-1"),
        Set("segment/start-fraction", Min + ".start", "1.5", SegmentStartInvalid, "1.5"),
        Set("segment/start-2^31", Min + ".start", "2147483648", SegmentStartInvalid, "2147483648"),
        Set("segment/start-1e400", Min + ".start", "1e400", SegmentStartInvalid, "1e400"),
        Set("segment/start-string", Min + ".start", "\"0\"", WrongType, "\"0\""),
        Remove("segment/rate-missing", Min + ".rate", MissingField, "rate"),
        Set("segment/rate-string", Min + ".rate", "\"0.25\"", WrongType, "\"0.25\""),
        Set("segment/rate-1e30", Min + ".rate", "1e30", InvalidNumber, "1e30"),
        Set("segment/rate-huge-discount", Min + ".rate", "-1e10", AmountTooLarge, "-1e10"),
        Set("segment/rate-boolean", Min + ".rate", "false", WrongType, "false"),
        Remove("segment/interval-missing", Min + ".interval", MissingField, "interval"),
        Set("segment/interval-null", Min + ".interval", "null", MissingField, "interval"),
        Set("segment/interval-negative", Min + ".interval", "-1", SegmentIntervalInvalid, "-1"),
        Set("segment/interval-fraction", Min + ".interval", "0.5", SegmentIntervalInvalid, "0.5"),
        Set("segment/interval-huge", Min + ".interval", "99999999999", SegmentIntervalInvalid, "99999999999"),
        Set("segment/interval-string", Min + ".interval", "\"1\"", WrongType, "\"1\""),
        Set("segment/end-negative", Min + ".end", "-5", SegmentEndInvalid, "-5"),
        Set("segment/end-fraction", Min + ".end", "30.5", SegmentEndInvalid, "30.5"),
        Set("segment/end-huge", Min + ".end", "1e12", SegmentEndInvalid, "1e12"),
        Set("segment/end-string", Min + ".end", "\"30\"", WrongType, "\"30\""),
        Set("segment/end-equals-start", Min + ".end", "0", SegmentEndNotAfterStart, "end 0 is not after start 0"),
        Set("segment/end-before-start", P + ".per_min_pricing[1].end", "10", SegmentEndNotAfterStart, "end 10 is not after start 30"),
        Text("segment/rate-twice", JsonPaths.AddRepeated(Valid, Min, "rate", "9"), Min + ".rate", DuplicateProperty, "again as 9"),
        Set("segment/km-item-string", Km, "\"0.10/km\"", WrongType, "\"0.10/km\""),
        Set("segment/km-start-negative", Km + ".start", "-2", SegmentStartInvalid, "-2"),
        Set("segment/km-rate-over-precise", Km + ".rate", "0.1000000000000000000000000000001", InvalidNumber, "0.1000000000000000000000000000001"),
        Set("segment/km-interval-string", Km + ".interval", "\"1\"", WrongType, "\"1\""),

        // fare_capping (GBFS 3.1).
        Set("cap/string", Cap, "\"10 USD a day\"", WrongType, "\"10 USD a day\"", "data.plans[1].fare_capping"),
        Set("cap/array", Cap, "[60,10]", WrongType, "[60,10]"),
        Set("cap/duration-zero", Cap + ".duration", "0", FareCapDurationInvalid, "0"),
        Set("cap/duration-negative", Cap + ".duration", "-60", FareCapDurationInvalid, "-60"),
        Set("cap/duration-fraction", Cap + ".duration", "1.5", FareCapDurationInvalid, "1.5"),
        Set("cap/duration-string", Cap + ".duration", "\"60\"", WrongType, "\"60\""),
        Remove("cap/duration-missing", Cap + ".duration", MissingField, "duration"),
        Set("cap/price-negative", Cap + ".price", "-10", NegativePrice, "-10"),
        Set("cap/price-1e30", Cap + ".price", "1e30", InvalidNumber, "1e30"),
        Remove("cap/price-missing", Cap + ".price", MissingField, "price"),
        Text("cap/duration-twice", JsonPaths.AddRepeated(Valid, Cap, "duration", "30"), Cap + ".duration", DuplicateProperty, "again as 30"),

        // The other fields the importer reads.
        Set("reservation/per-min-negative", P + ".reservation_price_per_min", "-0.1", NegativePrice, "-0.1"),
        Set("reservation/per-min-string", P + ".reservation_price_per_min", "\"0.1\"", WrongType, "\"0.1\""),
        Set("reservation/flat-1e30", P + ".reservation_price_flat_rate", "1e30", InvalidNumber, "1e30"),
        Text("reservation/both", JsonPaths.Set(JsonPaths.Set(Valid, P + ".reservation_price_per_min", "0.1"), P + ".reservation_price_flat_rate", "1"), P + ".reservation_price_flat_rate", ReservationPricesCombined, "0.1"),
        Set("field/url-number", P + ".url", "5", WrongType, "5"),
        Set("field/surge-string", P + ".surge_pricing", "\"yes\"", WrongType, "\"yes\""),
        Set("field/is-taxable-2", P + ".is_taxable", "2", WrongType, "2"),
        Set("field/is-taxable-string", P + ".is_taxable", "\"false\"", WrongType, "\"false\""),
        Set("field/name-number", P + ".name", "5", WrongType, "5"),
        Set("field/name-array-of-numbers", P + ".name", "[1,2]", WrongType, "[1,2]"),
        Set("field/description-object", P + ".description", "{\"text\":\"d\"}", WrongType, "{\"text\":\"d\"}"),
    ];

    public static TheoryData<string> Ids => [.. Cases.Select(c => c.Id)];

    /// <summary>The cases a file can hold: text that is not valid UTF-16 cannot be written as UTF-8.</summary>
    public static TheoryData<string> FileIds => [.. Cases.Where(c => !c.Id.EndsWith("/lone-surrogate", StringComparison.Ordinal)).Select(c => c.Id)];

    [Fact]
    public void The_base_document_is_valid()
    {
        var import = GbfsPricingPlans.Parse(Valid);
        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Equal(2, import.Plans.Count);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Is_rejected_with_code_path_and_value(string id)
    {
        var c = Cases.Single(x => x.Id == id);
        var import = GbfsPricingPlans.Parse(c.Input());
        Assert.False(import.IsValid);
        Assert.Empty(import.Plans);
        CorpusAssert.HasError(import.Errors, c);
        Assert.All(import.Errors, e => Assert.Contains(e.Code, CorpusAssert.GbfsCodes));
        Assert.All(import.Warnings, e => Assert.Contains(e.Code, CorpusAssert.GbfsCodes));
    }

    [Theory]
    [MemberData(nameof(FileIds))]
    public async Task Quote_rejects_the_file_with_exit_code_2_and_one_line(string id)
    {
        var c = Cases.Single(x => x.Id == id);
        using var dir = new TempDirectory();
        var file = dir.Write("plans.json", c.Input());
        var (exit, stdout, stderr) = await DrillCli.RunAsync("quote", "--plans", file, "--plan", "p1", "--minutes", "10");
        Assert.Equal(2, exit);
        var line = CorpusAssert.OneLine(stderr, stdout);
        var first = GbfsPricingPlans.Parse(new UTF8Encoding(false).GetString(File.ReadAllBytes(file))).Errors[0];
        Assert.StartsWith(file + ": " + first.Path + ": ", line, StringComparison.Ordinal);
        Assert.Contains("[" + first.Code + "]", line, StringComparison.Ordinal);
        Assert.Equal(["plans.json"], dir.Files());
    }

    /// <summary>A case whose input is the valid document with the value at <paramref name="path"/> replaced by <paramref name="raw"/>.</summary>
    private static CorpusCase Set(string id, string path, string raw, string code, string? shown, string? errorPath = null)
        => new("gbfs/" + id, () => JsonPaths.Set(Valid, path, raw), errorPath ?? path, code, shown);

    private static CorpusCase Remove(string id, string path, string code, string? shown)
        => new("gbfs/" + id, () => JsonPaths.Remove(Valid, path), path, code, shown);

    private static CorpusCase Text(string id, string text, string path, string code, string? shown)
        => new("gbfs/" + id, () => text, path, code, shown);

    private static CorpusCase Text(string id, Func<string> text, string path, string code, string? shown)
        => new("gbfs/" + id, text, path, code, shown);
}
