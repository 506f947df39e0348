using Billing.Resilience.Pricing;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsDocuments;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsFreshValidators;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>
/// Each rule the GBFS validators set up in their constructors, checked on a validator built in the test: the code,
/// the severity, the JSON path and the whole message of the one problem a document with one thing wrong has.
/// </summary>
public class GbfsValidatorRuleTests
{
    private const string P = "data.plans[0]";
    private const string S = "data.plans[0].per_min_pricing[0]";
    private const string K = "data.plans[0].per_km_pricing[0]";
    private const string C = "data.plans[0].fare_capping";

    private const string AmountOrString = "a number (or, as GBFS 2.x allows, a string holding a decimal)";

    public static TheoryData<string, string> PlanRuleCases => new()
    {
        { Envelope("42"), Error(GbfsImportCodes.PlanNotObject, P, "a plan must be a JSON object, but is a number: 42") },
        {
            Envelope("{\"plan_id\":\"p1\",\"name\":\"Plan\",\"description\":\"d\",\"currency\":\"USD\",\"price\":1,\"is_taxable\":false,\"url\":\"a\",\"url\":\"b\"}"),
            Error(GbfsImportCodes.DuplicateProperty, P + ".url", "\"url\" appears more than once in the object (again as \"b\"), so its value is ambiguous")
        },
        { PlanWith("plan_id", null), Error(GbfsImportCodes.MissingField, P + ".plan_id", "required field \"plan_id\" is missing") },
        { PlanWith("plan_id", "5"), Error(GbfsImportCodes.WrongType, P + ".plan_id", "must be a string, but is a number: 5") },
        { PlanWith("plan_id", "\" \""), Error(GbfsImportCodes.EmptyPlanId, P + ".plan_id", "plan_id must not be empty or blank, but is \" \"") },
        {
            PlanWith("plan_id", "\"" + new string('a', GbfsPricingPlans.MaxPlanIdLength + 1) + "\""),
            Error(GbfsImportCodes.PlanIdTooLong, P + ".plan_id", "plan_id has 256 characters, more than the limit of 255: \"" + new string('a', 79) + "…")
        },
        { PlanWith("currency", null), Error(GbfsImportCodes.MissingField, P + ".currency", "required field \"currency\" is missing") },
        { PlanWith("currency", "840"), Error(GbfsImportCodes.WrongType, P + ".currency", "must be a string (an ISO 4217 code), but is a number: 840") },
        {
            PlanWith("currency", "\"usd\""),
            Error(GbfsImportCodes.UnknownCurrency, P + ".currency", "\"usd\" is not an active ISO 4217 currency code with a minor unit (upper case, such as \"EUR\")")
        },
        { PlanWith("price", null), Error(GbfsImportCodes.MissingField, P + ".price", "required field \"price\" is missing") },
        { PlanWith("price", "null"), Error(GbfsImportCodes.MissingField, P + ".price", "required field \"price\" is null") },
        { PlanWith("price", "true"), Error(GbfsImportCodes.WrongType, P + ".price", "must be " + AmountOrString + ", but is a boolean: true") },
        {
            PlanWith("price", "\"1.00\""),
            Warning(GbfsImportCodes.PriceAsString, P + ".price", "price is the string \"1.00\"; read as that exact decimal (GBFS 2.x allows a string, 3.0 requires a number)")
        },
        { PlanWith("price", "-1"), Error(GbfsImportCodes.NegativePrice, P + ".price", "\"price\" must not be negative, but is -1") },
        { PlanWith("price", "1000000000.01"), Error(GbfsImportCodes.AmountTooLarge, P + ".price", "1000000000.01 is beyond the limit of 1000000000 (in absolute value)") },
        { PlanWith("price", "\"1e5\""), Error(GbfsImportCodes.InvalidNumber, P + ".price", "\"1e5\" is not a plain decimal number such as \"1.00\"") },
        {
            PlanWith("price", "1e-40"),
            Error(GbfsImportCodes.InvalidNumber, P + ".price", "1e-40 cannot be held exactly as a decimal (28 significant digits at most, 28 decimal places at most, below 7.9E28)")
        },
        {
            PlanWith("price", "1.001"),
            Warning(GbfsImportCodes.ExcessDecimals, P + ".price", "1.001 has more decimals than USD has minor digits (2); kept exact, the fare is rounded once at the end")
        },
        { PlanWith("name", null), Warning(GbfsImportCodes.MissingName, P + ".name", "the plan has no name; its plan_id stands in for it") },
        { PlanWith("name", "\"\""), Warning(GbfsImportCodes.MissingName, P + ".name", "the plan has no name; its plan_id stands in for it (it is \"\")") },
        {
            PlanWith("name", "5"),
            Error(GbfsImportCodes.WrongType, P + ".name", "must be a string or an array of localized strings [{\"text\": ..., \"language\": ...}], but is a number: 5")
        },
        { PlanWith("description", null), Warning(GbfsImportCodes.MissingDescription, P + ".description", "the plan has no description") },
        {
            PlanWith("description", "[5]"),
            Error(GbfsImportCodes.WrongType, P + ".description", "must be a string or an array of localized strings [{\"text\": ..., \"language\": ...}], but is an array: [5]")
        },
        { PlanWith("is_taxable", "\"no\""), Error(GbfsImportCodes.WrongType, P + ".is_taxable", "must be true or false (or, GBFS 1.x, 0 or 1), but is a string: \"no\"") },
        { PlanWith("is_taxable", null), Warning(GbfsImportCodes.MissingIsTaxable, P + ".is_taxable", "is_taxable is missing; read as false") },
        { PlanWith("is_taxable", "null"), Warning(GbfsImportCodes.MissingIsTaxable, P + ".is_taxable", "is_taxable is null; read as false") },
        { PlanWith("is_taxable", "1"), Warning(GbfsImportCodes.IsTaxableAsNumber, P + ".is_taxable", "is_taxable is the number 1 (GBFS 1.x style); read as true") },
        { PlanWith("is_taxable", "0"), Warning(GbfsImportCodes.IsTaxableAsNumber, P + ".is_taxable", "is_taxable is the number 0 (GBFS 1.x style); read as false") },
        { PlanWith("url", "5"), Error(GbfsImportCodes.WrongType, P + ".url", "must be a string, but is a number: 5") },
        { PlanWith("surge_pricing", "\"yes\""), Error(GbfsImportCodes.WrongType, P + ".surge_pricing", "must be true or false, but is a string: \"yes\"") },
        {
            PlanWith("reservation_price_per_min", "-0.1"),
            Error(GbfsImportCodes.NegativePrice, P + ".reservation_price_per_min", "\"reservation_price_per_min\" must not be negative, but is -0.1")
        },
        { PlanWith("reservation_price_per_min", "\"0.15\""), Error(GbfsImportCodes.WrongType, P + ".reservation_price_per_min", "must be a number, but is a string: \"0.15\"") },

        // Not readable as a number here (no strings allowed), so its decimals are not checked against the currency.
        { PlanWith("reservation_price_per_min", "\"0.155\""), Error(GbfsImportCodes.WrongType, P + ".reservation_price_per_min", "must be a number, but is a string: \"0.155\"") },
        {
            PlanWith("reservation_price_flat_rate", "-1"),
            Error(GbfsImportCodes.NegativePrice, P + ".reservation_price_flat_rate", "\"reservation_price_flat_rate\" must not be negative, but is -1")
        },
        {
            PlanWith("reservation_price_flat_rate", "\"1\""),
            Error(GbfsImportCodes.WrongType, P + ".reservation_price_flat_rate", "must be a number, but is a string: \"1\"")
        },
        {
            Envelope(Plan(("reservation_price_flat_rate", "1"), ("reservation_price_per_min", "0.1"))),
            Error(GbfsImportCodes.ReservationPricesCombined, P + ".reservation_price_flat_rate", "reservation_price_flat_rate 1 and reservation_price_per_min 0.1 must not be combined in one plan")
        },
        { PlanWith("per_min_pricing", "{}"), Error(GbfsImportCodes.WrongType, P + ".per_min_pricing", "must be an array of segments, but is an object: {}") },
        { PlanWith("per_min_pricing", "[{\"start\":0,\"rate\":0.5}]"), Error(GbfsImportCodes.MissingField, S + ".interval", "required field \"interval\" is missing") },
        { PlanWith("per_km_pricing", "\"x\""), Error(GbfsImportCodes.WrongType, P + ".per_km_pricing", "must be an array of segments, but is a string: \"x\"") },
        { PlanWith("per_km_pricing", "[{\"start\":0,\"rate\":0.5}]"), Error(GbfsImportCodes.MissingField, K + ".interval", "required field \"interval\" is missing") },
        {
            PlanWith("fare_capping", "[1]"),
            Error(GbfsImportCodes.WrongType, C, "must be an object {\"duration\": minutes, \"price\": amount}, but is an array: [1]")
        },
        { FareCapWith("price", null), Error(GbfsImportCodes.MissingField, C + ".price", "required field \"price\" is missing") },
    };

    public static TheoryData<string> PlansWithoutProblems => new()
    {
        Envelope(ValidPlan),
        PlanWith("plan_id", "\"" + new string('a', GbfsPricingPlans.MaxPlanIdLength) + "\""),
        PlanWith("reservation_price_per_min", "null"),
        PlanWith("reservation_price_flat_rate", null),
        PlanWith("reservation_price_flat_rate", "null"),
        PlanWith("reservation_price_flat_rate", "2.50"),
        PlanWith("surge_pricing", "true"),
        PlanWith("url", "\"https://example.com\""),
    };

    public static TheoryData<string, string> SegmentRuleCases => new()
    {
        { Segment("42"), Error(GbfsImportCodes.WrongType, S, "must be a segment object {\"start\", \"rate\", \"interval\", \"end\"}, but is a number: 42") },
        {
            Segment("{\"start\":0,\"start\":1,\"rate\":0.5,\"interval\":1}"),
            Error(GbfsImportCodes.DuplicateProperty, S + ".start", "\"start\" appears more than once in the object (again as 1), so its value is ambiguous")
        },
        { SegmentWith("start", null), Error(GbfsImportCodes.MissingField, S + ".start", "required field \"start\" is missing") },
        { SegmentWith("start", "\"0\""), Error(GbfsImportCodes.WrongType, S + ".start", "must be a number, but is a string: \"0\"") },
        { SegmentWith("start", "-1"), Error(GbfsImportCodes.SegmentStartInvalid, S + ".start", "start must be a whole number of minutes from 0 to 2147483647, but is -1") },
        { SegmentWith("rate", null), Error(GbfsImportCodes.MissingField, S + ".rate", "required field \"rate\" is missing") },
        { SegmentWith("rate", "\"0.50\""), Error(GbfsImportCodes.WrongType, S + ".rate", "must be a number, but is a string: \"0.50\"") },
        { SegmentWith("interval", null), Error(GbfsImportCodes.MissingField, S + ".interval", "required field \"interval\" is missing") },
        { SegmentWith("interval", "\"1\""), Error(GbfsImportCodes.WrongType, S + ".interval", "must be a number, but is a string: \"1\"") },
        { SegmentWith("interval", "1.5"), Error(GbfsImportCodes.SegmentIntervalInvalid, S + ".interval", "interval must be a whole number of minutes from 0 to 2147483647, but is 1.5") },
        { SegmentWith("end", "\"30\""), Error(GbfsImportCodes.WrongType, S + ".end", "must be a number, but is a string: \"30\"") },
        { SegmentWith("end", "-1"), Error(GbfsImportCodes.SegmentEndInvalid, S + ".end", "end must be a whole number of minutes from 0 to 2147483647, but is -1") },
        { SegmentWith("end", "0"), Error(GbfsImportCodes.SegmentEndNotAfterStart, S + ".end", "end 0 is not after start 0") },
        {
            Segment("{\"start\":0,\"rate\":0.5,\"interval\":60,\"end\":30}"),
            Warning(GbfsImportCodes.IntervalExceedsSegment, S + ".interval", "interval 60 is longer than the segment from 0 to 30 (30 minutes): the rate is charged at most once, and never when only completed intervals are charged")
        },
        {
            PlanWith("per_km_pricing", "[{\"start\":0,\"rate\":0.5,\"interval\":5,\"end\":2}]"),
            Warning(GbfsImportCodes.IntervalExceedsSegment, K + ".interval", "interval 5 is longer than the segment from 0 to 2 (2 kilometres): the rate is charged at most once, and never when only completed intervals are charged")
        },

        // An interval longer than the segment is only measured on a segment that is itself valid.
        { Segment("{\"start\":5,\"rate\":0.5,\"interval\":1,\"end\":5}"), Error(GbfsImportCodes.SegmentEndNotAfterStart, S + ".end", "end 5 is not after start 5") },
        { Segment("{\"start\":-1,\"rate\":0.5,\"interval\":100,\"end\":10}"), Error(GbfsImportCodes.SegmentStartInvalid, S + ".start", "start must be a whole number of minutes from 0 to 2147483647, but is -1") },
        {
            Segment("{\"start\":0,\"rate\":0.5,\"interval\":100,\"end\":2147483648}"),
            Error(GbfsImportCodes.SegmentEndInvalid, S + ".end", "end must be a whole number of minutes from 0 to 2147483647, but is 2147483648")
        },
    };

    public static TheoryData<string> SegmentsWithoutProblems => new()
    {
        SegmentWith("rate", "-0.5"),
        SegmentWith("end", "30"),
        Segment("{\"start\":0,\"rate\":0.5,\"interval\":100}"),
        Segment("{\"start\":0,\"rate\":0.5,\"interval\":30,\"end\":30}"),
    };

    public static TheoryData<string, string> FareCapRuleCases => new()
    {
        {
            PlanWith("fare_capping", "{\"duration\":720,\"duration\":1,\"price\":15}"),
            Error(GbfsImportCodes.DuplicateProperty, C + ".duration", "\"duration\" appears more than once in the object (again as 1), so its value is ambiguous")
        },
        { FareCapWith("duration", null), Error(GbfsImportCodes.MissingField, C + ".duration", "required field \"duration\" is missing") },
        { FareCapWith("duration", "\"720\""), Error(GbfsImportCodes.WrongType, C + ".duration", "must be a number, but is a string: \"720\"") },
        { FareCapWith("duration", "0"), Error(GbfsImportCodes.FareCapDurationInvalid, C + ".duration", "duration must be a whole number of minutes from 1 to 2147483647, but is 0") },
        { FareCapWith("price", null), Error(GbfsImportCodes.MissingField, C + ".price", "required field \"price\" is missing") },
        { FareCapWith("price", "-1"), Error(GbfsImportCodes.NegativePrice, C + ".price", "\"price\" must not be negative, but is -1") },
        { FareCapWith("price", "\"15\""), Error(GbfsImportCodes.WrongType, C + ".price", "must be a number, but is a string: \"15\"") },
    };

    [Theory]
    [MemberData(nameof(PlanRuleCases))]
    public void A_fresh_plan_validator_reports_the_one_problem_with_its_code_path_and_message(string document, string expected)
        => Assert.Equal([expected], PlanProblems(document));

    [Theory]
    [MemberData(nameof(PlansWithoutProblems))]
    public void A_fresh_plan_validator_accepts_a_valid_plan_without_warnings(string document)
        => Assert.Empty(PlanProblems(document));

    [Theory]
    [MemberData(nameof(SegmentRuleCases))]
    public void A_fresh_segment_validator_reports_the_one_problem_with_its_code_path_and_message(string document, string expected)
        => Assert.Equal([expected], SegmentProblems(document));

    [Theory]
    [MemberData(nameof(SegmentsWithoutProblems))]
    public void A_fresh_segment_validator_accepts_a_valid_segment_negative_rates_included(string document)
        => Assert.Empty(SegmentProblems(document));

    [Theory]
    [MemberData(nameof(FareCapRuleCases))]
    public void A_fresh_fare_cap_validator_reports_the_one_problem_with_its_code_path_and_message(string document, string expected)
        => Assert.Equal([expected], FareCapProblems(document));

    [Fact]
    public void A_fresh_fare_cap_validator_accepts_a_valid_cap()
        => Assert.Empty(FareCapProblems(Envelope(ValidPlan)));

    [Fact]
    public void A_per_kilometre_segment_is_described_in_kilometres()
    {
        var import = GbfsPricingPlans.Parse(PlanWith("per_km_pricing", "[{\"start\":-1,\"rate\":0.5,\"interval\":1}]"));

        var error = Assert.Single(import.Errors);
        Assert.Equal(new ValidationError(K + ".start", GbfsImportCodes.SegmentStartInvalid, "start must be a whole number of kilometres from 0 to 2147483647, but is -1"), error);
    }
}
