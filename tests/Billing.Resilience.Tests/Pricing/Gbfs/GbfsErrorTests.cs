using System.Text.Json;
using Billing.Resilience.Pricing;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsDocuments;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>
/// Every error code: the import reports it with its JSON path and the offending value, imports no plan, and throws
/// nothing. Each document here has exactly one thing wrong, so exactly one error is expected.
/// </summary>
public class GbfsErrorTests
{
    private const string P = "data.plans[0]";
    private const string S = "data.plans[0].per_min_pricing[0]";
    private const string C = "data.plans[0].fare_capping";

    public static TheoryData<string, string, string, string> OneErrorCases => new()
    {
        // document, code, path, text the message must contain (the offending value, or the missing member's name)
        { "{\"data\": {\"plans\": [}", GbfsImportCodes.MalformedJson, "$", "line 1, byte 21" },
        { "{\n  \"data\": {\n    \"plans\": [,]\n  }\n}", GbfsImportCodes.MalformedJson, "$", "line 3" },
        { "[{\"plan_id\": \"a\"},]", GbfsImportCodes.MalformedJson, "$", "line 1" },
        { "[] // a comment", GbfsImportCodes.MalformedJson, "$", "line 1" },
        { new string('[', 65) + new string(']', 65), GbfsImportCodes.MalformedJson, "$", "64" },
        { "", GbfsImportCodes.MalformedJson, "$", "line 1" },

        { "{\"last_updated\": 1, \"ttl\": 0}", GbfsImportCodes.PlansNotFound, "$", "data" },
        { "\"plans\"", GbfsImportCodes.PlansNotFound, "$", "a string" },
        { "{\"data\": {}}", GbfsImportCodes.PlansNotFound, "data.plans", "\"plans\" is missing" },
        { "{\"data\": {\"plans\": null}}", GbfsImportCodes.PlansNotFound, "data.plans", "null" },
        { "{\"feed_data\": {\"alerts\": []}}", GbfsImportCodes.PlansNotFound, "feed_data.pricing_plans", "\"pricing_plans\" is missing" },

        { "{\"data\": []}", GbfsImportCodes.WrongType, "data", "[]" },
        { "{\"data\": {\"plans\": {\"plan_id\": \"a\"}}}", GbfsImportCodes.WrongType, "data.plans", "{\"plan_id\": \"a\"}" },
        { "{\"feed_data\": {\"pricing_plans\": \"none\"}}", GbfsImportCodes.WrongType, "feed_data.pricing_plans", "\"none\"" },
        { PlanWith("plan_id", "5"), GbfsImportCodes.WrongType, P + ".plan_id", "5" },
        { PlanWith("currency", "840"), GbfsImportCodes.WrongType, P + ".currency", "840" },
        { PlanWith("price", "true"), GbfsImportCodes.WrongType, P + ".price", "true" },
        { PlanWith("name", "5"), GbfsImportCodes.WrongType, P + ".name", "5" },
        { PlanWith("name", "[5]"), GbfsImportCodes.WrongType, P + ".name", "[5]" },
        { PlanWith("description", "{\"en\":\"x\"}"), GbfsImportCodes.WrongType, P + ".description", "{\"en\":\"x\"}" },
        { PlanWith("is_taxable", "\"no\""), GbfsImportCodes.WrongType, P + ".is_taxable", "\"no\"" },
        { PlanWith("is_taxable", "2"), GbfsImportCodes.WrongType, P + ".is_taxable", "2" },
        { PlanWith("url", "5"), GbfsImportCodes.WrongType, P + ".url", "5" },
        { PlanWith("surge_pricing", "\"yes\""), GbfsImportCodes.WrongType, P + ".surge_pricing", "\"yes\"" },
        { PlanWith("reservation_price_per_min", "\"0.15\""), GbfsImportCodes.WrongType, P + ".reservation_price_per_min", "\"0.15\"" },
        { PlanWith("per_min_pricing", "{}"), GbfsImportCodes.WrongType, P + ".per_min_pricing", "{}" },
        { PlanWith("per_km_pricing", "\"0.25/km\""), GbfsImportCodes.WrongType, P + ".per_km_pricing", "\"0.25/km\"" },
        { PlanWith("per_min_pricing", "[42]"), GbfsImportCodes.WrongType, S, "42" },
        { PlanWith("fare_capping", "[720,15]"), GbfsImportCodes.WrongType, C, "[720,15]" },
        { SegmentWith("start", "\"0\""), GbfsImportCodes.WrongType, S + ".start", "\"0\"" },
        { SegmentWith("rate", "\"0.50\""), GbfsImportCodes.WrongType, S + ".rate", "\"0.50\"" },
        { SegmentWith("interval", "[1]"), GbfsImportCodes.WrongType, S + ".interval", "[1]" },
        { SegmentWith("end", "\"30\""), GbfsImportCodes.WrongType, S + ".end", "\"30\"" },
        { FareCapWith("duration", "\"720\""), GbfsImportCodes.WrongType, C + ".duration", "\"720\"" },
        { FareCapWith("price", "\"15.00\""), GbfsImportCodes.WrongType, C + ".price", "\"15.00\"" },

        { "[42]", GbfsImportCodes.PlanNotObject, "$[0]", "42" },
        { Envelope("[]"), GbfsImportCodes.PlanNotObject, P, "[]" },
        { Envelope("null"), GbfsImportCodes.PlanNotObject, P, "null" },

        { PlanWith("plan_id", null), GbfsImportCodes.MissingField, P + ".plan_id", "\"plan_id\" is missing" },
        { PlanWith("plan_id", "null"), GbfsImportCodes.MissingField, P + ".plan_id", "\"plan_id\" is null" },
        { PlanWith("currency", null), GbfsImportCodes.MissingField, P + ".currency", "\"currency\" is missing" },
        { PlanWith("price", null), GbfsImportCodes.MissingField, P + ".price", "\"price\" is missing" },
        { PlanWith("price", "null"), GbfsImportCodes.MissingField, P + ".price", "\"price\" is null" },
        { SegmentWith("start", null), GbfsImportCodes.MissingField, S + ".start", "\"start\" is missing" },
        { SegmentWith("rate", null), GbfsImportCodes.MissingField, S + ".rate", "\"rate\" is missing" },
        { SegmentWith("interval", null), GbfsImportCodes.MissingField, S + ".interval", "\"interval\" is missing" },
        { FareCapWith("duration", null), GbfsImportCodes.MissingField, C + ".duration", "\"duration\" is missing" },
        { FareCapWith("price", null), GbfsImportCodes.MissingField, C + ".price", "\"price\" is missing" },

        { Envelope("""{"plan_id":"p1","currency":"USD","price":1.00,"price":2.50,"is_taxable":false,"name":"n","description":"d"}"""), GbfsImportCodes.DuplicateProperty, P + ".price", "2.50" },
        { Segment("""{"start":0,"rate":0.50,"rate":5,"interval":1}"""), GbfsImportCodes.DuplicateProperty, S + ".rate", "5" },
        { FareCapWith("duration", "720").Replace("\"duration\":720", "\"duration\":720,\"duration\":60", StringComparison.Ordinal), GbfsImportCodes.DuplicateProperty, C + ".duration", "60" },
        { """{"data":{"plans":[]},"data":{"plans":[{"plan_id":"x"}]}}""", GbfsImportCodes.DuplicateProperty, "data", "{\"plans\":[{\"plan_id\":\"x\"}]}" },

        { PlanWith("price", "1e400"), GbfsImportCodes.InvalidNumber, P + ".price", "1e400" },
        { PlanWith("price", "\"1,00\""), GbfsImportCodes.InvalidNumber, P + ".price", "\"1,00\"" },
        { PlanWith("price", "\"1e2\""), GbfsImportCodes.InvalidNumber, P + ".price", "\"1e2\"" },
        { PlanWith("price", "\" 1.00\""), GbfsImportCodes.InvalidNumber, P + ".price", "\" 1.00\"" },
        { PlanWith("price", "\"\""), GbfsImportCodes.InvalidNumber, P + ".price", "\"\"" },
        { SegmentWith("rate", "0.1000000000000000000000000000001"), GbfsImportCodes.InvalidNumber, S + ".rate", "0.1000000000000000000000000000001" },
        { SegmentWith("rate", "1e-30"), GbfsImportCodes.InvalidNumber, S + ".rate", "1e-30" },
        { PlanWith("reservation_price_flat_rate", "79228162514264337593543950336"), GbfsImportCodes.InvalidNumber, P + ".reservation_price_flat_rate", "79228162514264337593543950336" },

        { PlanWith("plan_id", "\"\""), GbfsImportCodes.EmptyPlanId, P + ".plan_id", "\"\"" },
        { PlanWith("plan_id", "\"   \""), GbfsImportCodes.EmptyPlanId, P + ".plan_id", "\"   \"" },
        { PlanWith("plan_id", "\"" + new string('a', 256) + "\""), GbfsImportCodes.PlanIdTooLong, P + ".plan_id", "256 characters" },

        { PlanWith("currency", "\"usd\""), GbfsImportCodes.UnknownCurrency, P + ".currency", "\"usd\"" },
        { PlanWith("currency", "\"EURO\""), GbfsImportCodes.UnknownCurrency, P + ".currency", "\"EURO\"" },
        { PlanWith("currency", "\"HRK\""), GbfsImportCodes.UnknownCurrency, P + ".currency", "\"HRK\"" }, // withdrawn in 2023
        { PlanWith("currency", "\"XXX\""), GbfsImportCodes.UnknownCurrency, P + ".currency", "\"XXX\"" }, // "no currency"
        { PlanWith("currency", "\"\""), GbfsImportCodes.UnknownCurrency, P + ".currency", "\"\"" },

        { PlanWith("price", "-1.00"), GbfsImportCodes.NegativePrice, P + ".price", "-1.00" },
        { PlanWith("price", "\"-0.50\""), GbfsImportCodes.NegativePrice, P + ".price", "\"-0.50\"" },
        { PlanWith("reservation_price_per_min", "-0.15"), GbfsImportCodes.NegativePrice, P + ".reservation_price_per_min", "-0.15" },
        { PlanWith("reservation_price_flat_rate", "-1"), GbfsImportCodes.NegativePrice, P + ".reservation_price_flat_rate", "-1" },
        { FareCapWith("price", "-15.00"), GbfsImportCodes.NegativePrice, C + ".price", "-15.00" },

        { PlanWith("price", "1000000000.01"), GbfsImportCodes.AmountTooLarge, P + ".price", "1000000000.01" },
        { SegmentWith("rate", "-1000000001"), GbfsImportCodes.AmountTooLarge, S + ".rate", "-1000000001" },
        { FareCapWith("price", "2e9"), GbfsImportCodes.AmountTooLarge, C + ".price", "2e9" },

        { SegmentWith("start", "-1"), GbfsImportCodes.SegmentStartInvalid, S + ".start", "-1" },
        { SegmentWith("start", "1.5"), GbfsImportCodes.SegmentStartInvalid, S + ".start", "1.5" },
        { SegmentWith("start", "2147483648"), GbfsImportCodes.SegmentStartInvalid, S + ".start", "2147483648" },
        { SegmentWith("interval", "-5"), GbfsImportCodes.SegmentIntervalInvalid, S + ".interval", "-5" },
        { SegmentWith("interval", "0.5"), GbfsImportCodes.SegmentIntervalInvalid, S + ".interval", "0.5" },
        { SegmentWith("interval", "1e10"), GbfsImportCodes.SegmentIntervalInvalid, S + ".interval", "1e10" },
        { SegmentWith("end", "-1"), GbfsImportCodes.SegmentEndInvalid, S + ".end", "-1" },
        { SegmentWith("end", "2.5"), GbfsImportCodes.SegmentEndInvalid, S + ".end", "2.5" },
        { Segment("""{"start":10,"rate":1,"interval":1,"end":10}"""), GbfsImportCodes.SegmentEndNotAfterStart, S + ".end", "end 10 is not after start 10" },
        { Segment("""{"start":10,"rate":1,"interval":1,"end":5}"""), GbfsImportCodes.SegmentEndNotAfterStart, S + ".end", "end 5 is not after start 10" },
        { PlanWith("per_km_pricing", "[" + string.Join(",", Enumerable.Repeat("""{"start":0,"rate":0.1,"interval":1}""", 101)) + "]"), GbfsImportCodes.TooManySegments, P + ".per_km_pricing", "101 segments" },

        { FareCapWith("duration", "0"), GbfsImportCodes.FareCapDurationInvalid, C + ".duration", "0" },
        { FareCapWith("duration", "-720"), GbfsImportCodes.FareCapDurationInvalid, C + ".duration", "-720" },
        { FareCapWith("duration", "1.5"), GbfsImportCodes.FareCapDurationInvalid, C + ".duration", "1.5" },

        { Envelope(Plan(("reservation_price_per_min", "0.15"), ("reservation_price_flat_rate", "1.00"))), GbfsImportCodes.ReservationPricesCombined, P + ".reservation_price_flat_rate", "1.00 and reservation_price_per_min 0.15" },

        { Envelope(Plan(("plan_id", "\"a\"")), Plan(("plan_id", "\"b\"")), Plan(("plan_id", "\"a\""))), GbfsImportCodes.DuplicatePlanId, "data.plans[2].plan_id", "\"a\" is already used by data.plans[0]" },
    };

    [Theory]
    [MemberData(nameof(OneErrorCases))]
    public void One_error_is_reported_with_code_path_and_value(string json, string code, string path, string valueInMessage)
    {
        var import = GbfsPricingPlans.Parse(json);

        AssertOnlyError(import, code, path, valueInMessage);
    }

    [Fact]
    public void Text_that_is_not_valid_UTF_16_is_malformed()
    {
        // Not theory data: xUnit would replace the lone surrogate when it serializes the case.
        var json = "[\"" + '\uD800' + "\"]";

        AssertOnlyError(GbfsPricingPlans.Parse(json), GbfsImportCodes.MalformedJson, "$", "UTF-16");
    }

    [Fact]
    public void A_document_over_16_MiB_is_rejected_before_parsing()
    {
        // 'ø' takes two bytes of UTF-8: 8 Mi characters make a document of 16 MiB + 4 bytes.
        var json = "[\"" + new string('ø', GbfsPricingPlans.MaxDocumentBytes / 2) + "\"]";

        var import = GbfsPricingPlans.Parse(json);

        AssertOnlyError(import, GbfsImportCodes.DocumentTooLarge, "$", "16777220 bytes");
    }

    [Fact]
    public void A_document_longer_than_the_limit_in_characters_is_rejected_without_counting_bytes()
    {
        var json = "[" + new string(' ', GbfsPricingPlans.MaxDocumentBytes) + "]";

        AssertOnlyError(GbfsPricingPlans.Parse(json), GbfsImportCodes.DocumentTooLarge, "$", "at least 16777218 bytes");
    }

    [Fact]
    public void An_embedded_document_over_16_MiB_is_rejected()
    {
        using var scenario = JsonDocument.Parse("{\"pricingPlans\": [" + new string(' ', GbfsPricingPlans.MaxDocumentBytes) + "]}");

        var import = GbfsPricingPlans.Parse(scenario.RootElement.GetProperty("pricingPlans"), "pricingPlans");

        AssertOnlyError(import, GbfsImportCodes.DocumentTooLarge, "pricingPlans", "16777218 bytes");
    }

    [Fact]
    public void More_than_10000_plans_are_rejected_without_reading_them()
    {
        var json = "[" + string.Join(",", Enumerable.Repeat("{}", GbfsPricingPlans.MaxPlans + 1)) + "]";

        AssertOnlyError(GbfsPricingPlans.Parse(json), GbfsImportCodes.TooManyPlans, "$", "10001 plans");
    }

    [Fact]
    public void Exactly_10000_plans_and_100_segments_per_list_are_accepted()
    {
        var segments = "[" + string.Join(",", Enumerable.Repeat("""{"start":0,"rate":0.01,"interval":1}""", GbfsPricingPlans.MaxSegmentsPerList)) + "]";
        var plans = Enumerable.Range(0, GbfsPricingPlans.MaxPlans)
            .Select(i => Plan(("plan_id", $"\"p{i}\""), ("per_km_pricing", i == 0 ? segments : "[]")));

        var import = GbfsPricingPlans.Parse(Envelope([.. plans]));

        Assert.True(import.IsValid, string.Join("; ", import.Errors.Take(3)));
        Assert.Equal(GbfsPricingPlans.MaxPlans, import.Plans.Count);
        Assert.Equal(GbfsPricingPlans.MaxSegmentsPerList, import.Plans[0].PerKmPricing.Count);
    }

    [Fact]
    public void Every_error_of_a_document_is_reported_in_document_order()
    {
        var json = Envelope(
            Plan(("plan_id", "\"a\""), ("currency", "\"usd\""), ("price", "-1")),
            Plan(("plan_id", "\"b\""), ("per_min_pricing", """[{"start":-1,"rate":"x","interval":1.5,"end":0}]""")),
            "42",
            Plan(("plan_id", "\"a\""), ("fare_capping", """{"duration":0,"price":-2}""")));

        var import = GbfsPricingPlans.Parse(json);

        Assert.Empty(import.Plans);
        Assert.Equal(
            [
                ("data.plans[0].currency", GbfsImportCodes.UnknownCurrency),
                ("data.plans[0].price", GbfsImportCodes.NegativePrice),
                ("data.plans[1].per_min_pricing[0].start", GbfsImportCodes.SegmentStartInvalid),
                ("data.plans[1].per_min_pricing[0].rate", GbfsImportCodes.WrongType),
                ("data.plans[1].per_min_pricing[0].interval", GbfsImportCodes.SegmentIntervalInvalid),
                ("data.plans[2]", GbfsImportCodes.PlanNotObject),
                ("data.plans[3].plan_id", GbfsImportCodes.DuplicatePlanId),
                ("data.plans[3].fare_capping.duration", GbfsImportCodes.FareCapDurationInvalid),
                ("data.plans[3].fare_capping.price", GbfsImportCodes.NegativePrice),
            ],
            import.Errors.Select(e => (e.Path, e.Code)));
    }

    [Fact]
    public void Errors_past_1000_are_counted_in_one_last_error()
    {
        var plans = Enumerable.Range(0, 1500).Select(i => Plan(("plan_id", $"\"p{i}\""), ("currency", "\"ZZZ\"")));

        var import = GbfsPricingPlans.Parse(Envelope([.. plans]));

        Assert.Equal(GbfsPricingPlans.MaxReportedProblems + 1, import.Errors.Count);
        Assert.All(import.Errors.Take(GbfsPricingPlans.MaxReportedProblems), e => Assert.Equal(GbfsImportCodes.UnknownCurrency, e.Code));
        Assert.Equal("data.plans[999].currency", import.Errors[999].Path);
        var last = import.Errors[^1];
        Assert.Equal(GbfsImportCodes.TooManyErrors, last.Code);
        Assert.Equal("$", last.Path);
        Assert.Contains("1000", last.Message, StringComparison.Ordinal);
        Assert.Empty(import.Plans);
    }

    [Fact]
    public void Embedded_documents_report_paths_under_the_prefix()
    {
        using var scenario = JsonDocument.Parse(
            "{\"pricingPlans\": " + PlanWith("currency", "\"usd\"") + ", \"bare\": [" + Plan(("price", "-1")) + "], \"none\": {\"ttl\": 0}}");
        var root = scenario.RootElement;

        AssertOnlyError(GbfsPricingPlans.Parse(root.GetProperty("pricingPlans"), "pricingPlans"), GbfsImportCodes.UnknownCurrency, "pricingPlans.data.plans[0].currency", "\"usd\"");
        AssertOnlyError(GbfsPricingPlans.Parse(root.GetProperty("bare"), "scenario.bare"), GbfsImportCodes.NegativePrice, "scenario.bare[0].price", "-1");
        AssertOnlyError(GbfsPricingPlans.Parse(root.GetProperty("none"), "none"), GbfsImportCodes.PlansNotFound, "none", "no plans array");
        AssertOnlyError(GbfsPricingPlans.Parse(default, "pricingPlans"), GbfsImportCodes.PlansNotFound, "pricingPlans", "missing");
        AssertOnlyError(GbfsPricingPlans.Parse(root.GetProperty("bare"), string.Empty), GbfsImportCodes.NegativePrice, "$[0].price", "-1");
    }

    [Fact]
    public void GetPlansOrThrow_throws_every_error()
    {
        var import = GbfsPricingPlans.Parse(Envelope(Plan(("currency", "\"usd\"")), "42"));

        var exception = Assert.Throws<InvalidInputException>(() => import.GetPlansOrThrow());

        Assert.Equal(import.Errors, exception.Errors);
        Assert.Equal(2, exception.Errors.Count);
        Assert.Contains("data.plans[1]", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_prints_the_value_verbatim_even_with_braces()
    {
        // FluentValidation formats "{PropertyValue}" placeholders in messages; the feed's value must come through as is.
        var import = GbfsPricingPlans.Parse(PlanWith("currency", "\"{PropertyValue}\""));

        AssertOnlyError(import, GbfsImportCodes.UnknownCurrency, P + ".currency", "\"{PropertyValue}\" is not an active ISO 4217");
    }

    [Fact]
    public void Null_arguments_are_programmer_errors()
    {
        Assert.Throws<ArgumentNullException>(() => GbfsPricingPlans.Parse(null!));
        Assert.Throws<ArgumentNullException>(() => GbfsPricingPlans.Parse(default, null!));
        Assert.Throws<ArgumentNullException>(() => GbfsPricingPlans.Parse("[]").TryGetPlan(null!, out _));
    }

    private static void AssertOnlyError(PricingPlanImport import, string code, string path, string valueInMessage)
    {
        Assert.False(import.IsValid);
        Assert.Empty(import.Plans);
        var error = Assert.Single(import.Errors);
        Assert.Equal(code, error.Code);
        Assert.Equal(path, error.Path);
        Assert.Contains(valueInMessage, error.Message, StringComparison.Ordinal);
    }
}
