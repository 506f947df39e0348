using System.Text;
using Billing.Resilience.Pricing;
using Billing.Resilience.Tests.Corpus.Json;
using OutageDrill.Scenarios;

namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// Malformed scenario files (SCENARIOS.md section 2), every field. Each is rejected whole by
/// <see cref="ScenarioReader.Read"/> without an exception, with its stable code, JSON path and the offending value;
/// and by <c>simulate FILE --report OUT</c> with exit code 2, one line on stderr naming the file and the path, and
/// neither a report nor a temporary file left behind.
/// </summary>
public class ScenarioCorpus
{
    /// <summary>A valid scenario: two plans, both kinds of outage (one still going on), two rentals, a fault.</summary>
    internal const string Valid = """
        {
          "scenario": "corpus-base",
          "pricingPlans": {"version": "3.0", "data": {"plans": [
            {"plan_id": "kickboard", "name": "Kickboard", "currency": "KRW", "price": 1000, "is_taxable": false, "description": "d",
             "per_min_pricing": [{"start": 0, "rate": 180, "interval": 1}]},
            {"plan_id": "bike", "name": "Bike", "currency": "KRW", "price": 1000, "is_taxable": false, "description": "d",
             "per_min_pricing": [{"start": 15, "rate": 500, "interval": 5}]}]}},
          "policy": {"intervalRounding": "started", "freezeOn": ["payment", "identity"], "freezeGraceSeconds": 0,
                     "endSignalSkewSeconds": 120, "holdAmount": "10000", "holdValidityHours": 168},
          "outages": [
            {"dependency": "payment", "from": "2022-10-15T15:22:00+09:00", "to": "2022-10-16T09:00:00+09:00"},
            {"dependency": "identity", "from": "2022-10-15T15:20:00+09:00", "to": null}],
          "rentals": [
            {"id": "r-1", "riderId": "u-1", "planId": "kickboard", "startedAt": "2022-10-15T14:50:00+09:00",
             "endSignals": [{"at": "2022-10-15T15:40:00+09:00", "receivedAt": "2022-10-16T09:31:00+09:00", "source": "rider"}],
             "distance": [{"at": "2022-10-15T15:05:00+09:00", "km": "1.2"}]},
            {"id": "r-2", "riderId": "u-2", "planId": "bike", "startedAt": "2022-10-15T13:00:00+09:00",
             "endSignals": [{"at": "2022-10-15T13:30:00+09:00", "receivedAt": "2022-10-15T13:30:01+09:00", "source": "vehicle"}]}],
          "faults": [{"rentalId": "r-1", "operation": "capture", "kind": "lostResponse", "times": 1}],
          "runUntil": "2022-10-20T00:00:00+09:00"
        }
        """;

    private const string Plans = "pricingPlans.data.plans";
    private const string R = "rentals[0]";
    private const string S = R + ".endSignals[0]";
    private const string D = R + ".distance[0]";
    private const string F = "faults[0]";
    private const string O = "outages[0]";

    internal static readonly IReadOnlyList<CorpusCase> Cases =
    [
        // The text.
        Text("text/empty", string.Empty, "$", "DRILL_MALFORMED_JSON", "line 1"),
        Text("text/prose", "kakao drill", "$", "DRILL_MALFORMED_JSON", "line 1, position 1"),
        Text("text/trailing-garbage", Valid + "}", "$", "DRILL_MALFORMED_JSON", "line 2"),
        Text("text/truncated", Valid[..^40], "$", "DRILL_MALFORMED_JSON", "not valid JSON"),
        Text("text/trailing-comma", JsonPaths.Set(Valid, "runUntil", "\"2022-10-20T00:00:00+09:00\","), "$", "DRILL_MALFORMED_JSON", "line 1"),
        Text("text/single-quotes", "{'scenario': 'x'}", "$", "DRILL_MALFORMED_JSON", "line 1, position 2"),
        Text("text/nesting-65-deep", JsonPaths.Set(Valid, "description", new string('[', 65) + new string(']', 65)), "$", "DRILL_MALFORMED_JSON", "64"),
        Text("text/two-boms", "\uFEFF\uFEFF" + Valid, "$", "DRILL_MALFORMED_JSON", "line 1, position 1"),
        Text("text/nul", Valid.Replace("corpus-base", "corpus\0base", StringComparison.Ordinal), "$", "DRILL_MALFORMED_JSON", "line 2"),
        Text("text/lone-surrogate", Valid.Replace("corpus-base", "corpus\ud800base", StringComparison.Ordinal), "$", "DRILL_MALFORMED_JSON", "UTF-16"),
        Set("text/escaped-lone-surrogate", "scenario", "\"corpus\\ud800\"", "DRILL_MALFORMED_JSON", "\\ud800"),
        Set("text/escaped-lone-surrogate-deep", D + ".note", "\"\\udfff\"", "DRILL_MALFORMED_JSON", "\\udfff"),
        Text("text/escaped-lone-surrogate-name", Valid.Replace("\"scenario\":", "\"\\ud800\": 1, \"scenario\":", StringComparison.Ordinal), "$", "DRILL_MALFORMED_JSON", "\\ud800"),

        // The root.
        Text("root/array", "[]", "$", "DRILL_NOT_AN_OBJECT", "an array"),
        Text("root/string", "\"corpus\"", "$", "DRILL_NOT_AN_OBJECT", "a string"),
        Text("root/null", "null", "$", "DRILL_NOT_AN_OBJECT", "null"),
        Text("root/number", "42", "$", "DRILL_NOT_AN_OBJECT", "a number"),
        Text("root/empty-object", "{}", "scenario", "DRILL_REQUIRED", "required"),
        Repeat("root/run-until-twice", "$", "runUntil", "\"2022-10-19T00:00:00+09:00\"", "runUntil", "2022-10-19T00:00:00+09:00"),
        Repeat("root/rentals-twice", "$", "rentals", "[]", "rentals", "[]"),
        Repeat("root/scenario-twice", "$", "scenario", "\"other\"", "scenario", "\"other\""),
        Repeat("root/policy-twice", "$", "policy", "{}", "policy", "{}"),
        Repeat("root/pricing-plans-twice", "$", "pricingPlans", "[]", "pricingPlans", "[]"),
        Text("root/empty-name-twice", JsonPaths.Set(Valid, "policy", "{\"\": 1, \"\": 2}"), "policy", "DRILL_DUPLICATE_PROPERTY", "\"\" appears more than once"),

        // scenario.
        Remove("scenario/missing", "scenario", "DRILL_REQUIRED", "required"),
        Set("scenario/number", "scenario", "5", "DRILL_WRONG_TYPE", "not 5"),
        Set("scenario/empty", "scenario", "\"\"", "DRILL_WRONG_TYPE", "not \"\""),
        Set("scenario/blank", "scenario", "\"   \"", "DRILL_WRONG_TYPE", "not \"   \""),
        Set("scenario/null", "scenario", "null", "DRILL_WRONG_TYPE", "not null"),
        Set("scenario/object", "scenario", "{}", "DRILL_WRONG_TYPE", "not {}"),
        Set("scenario/257-chars", "scenario", JsonTree.Quote(new string('s', 257)), "DRILL_STRING_TOO_LONG", "257"),

        // runUntil and times in general.
        Remove("run-until/missing", "runUntil", "DRILL_REQUIRED", "required"),
        Set("run-until/words", "runUntil", "\"tomorrow\"", "DRILL_TIME_INVALID", "\"tomorrow\""),
        Set("run-until/date-only", "runUntil", "\"2022-10-20\"", "DRILL_TIME_INVALID", "\"2022-10-20\""),
        Set("run-until/no-offset", "runUntil", "\"2022-10-20T00:00:00\"", "DRILL_TIME_INVALID", "\"2022-10-20T00:00:00\""),
        Set("run-until/space-for-t", "runUntil", "\"2022-10-20 00:00:00+09:00\"", "DRILL_TIME_INVALID", "\"2022-10-20 00:00:00+09:00\""),
        Set("run-until/february-30", "runUntil", "\"2022-02-30T00:00:00Z\"", "DRILL_TIME_INVALID", "2022-02-30"),
        Set("run-until/leap-second", "runUntil", "\"2016-12-31T23:59:60Z\"", "DRILL_TIME_INVALID", "23:59:60"),
        Set("run-until/offset-25h", "runUntil", "\"2022-10-20T00:00:00+25:00\"", "DRILL_TIME_INVALID", "+25:00"),
        Set("run-until/offset-19h", "runUntil", "\"2022-10-20T00:00:00+19:00\"", "DRILL_TIME_INVALID", "+19:00"),
        Set("run-until/offset-minus-23h", "runUntil", "\"2022-10-20T00:00:00-23:59\"", "DRILL_TIME_INVALID", "-23:59"),
        Set("run-until/trailing-space", "runUntil", "\"2022-10-20T00:00:00+09:00 \"", "DRILL_TIME_INVALID", "+09:00 \""),
        Set("run-until/unix-seconds", "runUntil", "1666191600", "DRILL_TIME_INVALID", "1666191600"),
        Set("run-until/null", "runUntil", "null", "DRILL_TIME_INVALID", "null"),
        Set("run-until/1999", "runUntil", "\"1999-12-31T23:59:59Z\"", "DRILL_TIME_OUT_OF_RANGE", "1999-12-31T23:59:59Z"),
        Set("run-until/2100", "runUntil", "\"2100-01-01T00:00:00Z\"", "DRILL_TIME_OUT_OF_RANGE", "2100-01-01T00:00:00Z"),
        Set("run-until/year-9999", "runUntil", "\"9999-12-31T23:59:59Z\"", "DRILL_TIME_OUT_OF_RANGE", "9999-12-31"),
        Set("run-until/year-1", "runUntil", "\"0001-01-01T00:00:00Z\"", "DRILL_TIME_OUT_OF_RANGE", "0001-01-01"),

        // pricingPlans: the GBFS importer's codes, under the pricingPlans path.
        Remove("plans/missing", "pricingPlans", "DRILL_REQUIRED", "required"),
        Set("plans/null", "pricingPlans", "null", "BILLING_GBFS_PLANS_NOT_FOUND", "null"),
        Set("plans/string", "pricingPlans", "\"kakao.json\"", "BILLING_GBFS_PLANS_NOT_FOUND", "a string"),
        Set("plans/empty-object", "pricingPlans", "{}", "BILLING_GBFS_PLANS_NOT_FOUND", "no plans array"),
        Set("plans/no-plans", Plans, "[]", "DRILL_PLAN_UNKNOWN", "'kickboard'", R + ".planId"),
        Set("plans/lower-case-currency", Plans + "[0].currency", "\"krw\"", "BILLING_GBFS_UNKNOWN_CURRENCY", "\"krw\""),
        Set("plans/negative-price", Plans + "[0].price", "-0.01", "BILLING_GBFS_NEGATIVE_PRICE", "-0.01"),
        Set("plans/price-1e30", Plans + "[0].price", "1e30", "BILLING_GBFS_INVALID_NUMBER", "1e30"),
        Set("plans/duplicate-plan-id", Plans + "[1].plan_id", "\"kickboard\"", "BILLING_GBFS_DUPLICATE_PLAN_ID", "\"kickboard\""),
        Set("plans/segment-end-before-start", Plans + "[1].per_min_pricing[0].end", "5", "BILLING_GBFS_SEGMENT_END_NOT_AFTER_START", "end 5 is not after start 15"),
        Set("plans/oversized", Plans + "[0].url", () => JsonTree.Quote(new string('u', GbfsPricingPlans.MaxDocumentBytes)), "BILLING_GBFS_DOCUMENT_TOO_LARGE", "16777216", "pricingPlans"),

        // policy.
        Set("policy/string", "policy", "\"strict\"", "DRILL_WRONG_TYPE", "a string"),
        Set("policy/array", "policy", "[]", "DRILL_WRONG_TYPE", "an array"),
        Set("policy/rounding-unknown", "policy.intervalRounding", "\"round\"", "DRILL_POLICY_ROUNDING", "\"round\""),
        Set("policy/rounding-capitalized", "policy.intervalRounding", "\"Started\"", "DRILL_POLICY_ROUNDING", "\"Started\""),
        Set("policy/rounding-number", "policy.intervalRounding", "1", "DRILL_POLICY_ROUNDING", "not 1"),
        Set("policy/rounding-null", "policy.intervalRounding", "null", "DRILL_POLICY_ROUNDING", "not null"),
        Set("policy/freeze-on-string", "policy.freezeOn", "\"payment\"", "DRILL_WRONG_TYPE", "a string"),
        Set("policy/freeze-on-unknown", "policy.freezeOn[0]", "\"power\"", "DRILL_DEPENDENCY_UNKNOWN", "\"power\""),
        Set("policy/freeze-on-capitalized", "policy.freezeOn[1]", "\"Identity\"", "DRILL_DEPENDENCY_UNKNOWN", "\"Identity\""),
        Set("policy/freeze-on-number", "policy.freezeOn[0]", "0", "DRILL_DEPENDENCY_UNKNOWN", "not 0"),
        Set("policy/freeze-on-null-item", "policy.freezeOn[0]", "null", "DRILL_DEPENDENCY_UNKNOWN", "not null"),
        Set("policy/grace-negative", "policy.freezeGraceSeconds", "-1", "DRILL_OUT_OF_RANGE", "not -1"),
        Set("policy/grace-over-a-day", "policy.freezeGraceSeconds", "86401", "DRILL_OUT_OF_RANGE", "not 86401"),
        Set("policy/grace-fraction", "policy.freezeGraceSeconds", "1.5", "DRILL_NOT_AN_INTEGER", "not 1.5"),
        Set("policy/grace-string", "policy.freezeGraceSeconds", "\"60\"", "DRILL_NOT_AN_INTEGER", "not \"60\""),
        Set("policy/grace-1e30", "policy.freezeGraceSeconds", "1e30", "DRILL_NOT_AN_INTEGER", "not 1e30"),
        Set("policy/grace-2^63", "policy.freezeGraceSeconds", "9223372036854775808", "DRILL_NOT_AN_INTEGER", "9223372036854775808"),
        Set("policy/skew-over-an-hour", "policy.endSignalSkewSeconds", "3601", "DRILL_OUT_OF_RANGE", "not 3601"),
        Set("policy/skew-negative", "policy.endSignalSkewSeconds", "-120", "DRILL_OUT_OF_RANGE", "not -120"),
        Set("policy/validity-zero", "policy.holdValidityHours", "0", "DRILL_OUT_OF_RANGE", "not 0"),
        Set("policy/validity-745", "policy.holdValidityHours", "745", "DRILL_OUT_OF_RANGE", "not 745"),
        Set("policy/validity-fraction", "policy.holdValidityHours", "24.5", "DRILL_NOT_AN_INTEGER", "not 24.5"),
        Set("policy/hold-negative", "policy.holdAmount", "\"-5\"", "DRILL_AMOUNT_NOT_POSITIVE", "-5"),
        Set("policy/hold-minus-cent", "policy.holdAmount", "\"-0.01\"", "DRILL_AMOUNT_NOT_POSITIVE", "-0.01"),
        Set("policy/hold-zero-string", "policy.holdAmount", "\"0\"", "DRILL_AMOUNT_NOT_POSITIVE", "not \"0\""),
        Set("policy/hold-zero-number", "policy.holdAmount", "0", "DRILL_AMOUNT_NOT_POSITIVE", "not 0"),
        Set("policy/hold-exponent-string", "policy.holdAmount", "\"1e5\"", "DRILL_AMOUNT_INVALID", "\"1e5\""),
        Set("policy/hold-words", "policy.holdAmount", "\"ten thousand\"", "DRILL_AMOUNT_INVALID", "\"ten thousand\""),
        Set("policy/hold-thousands-separator", "policy.holdAmount", "\"10,000\"", "DRILL_AMOUNT_INVALID", "\"10,000\""),
        Set("policy/hold-spaced", "policy.holdAmount", "\" 10000\"", "DRILL_AMOUNT_INVALID", "\" 10000\""),
        Set("policy/hold-boolean", "policy.holdAmount", "true", "DRILL_AMOUNT_INVALID", "not true"),
        Set("policy/hold-object", "policy.holdAmount", "{\"amount\":1}", "DRILL_AMOUNT_INVALID", "{\"amount\":1}"),
        Set("policy/hold-1e30", "policy.holdAmount", "1e30", "DRILL_AMOUNT_INVALID", "not 1e30"),
        Set("policy/hold-2^96", "policy.holdAmount", "\"79228162514264337593543950336\"", "DRILL_AMOUNT_INVALID", "79228162514264337593543950336"),
        Set("policy/hold-too-large", "policy.holdAmount", "\"1000000000001\"", "DRILL_AMOUNT_TOO_LARGE", "1000000000001"),
        Set("policy/hold-fraction-of-won", "policy.holdAmount", "\"10000.5\"", "DRILL_AMOUNT_TOO_PRECISE", "10000.5"),
        Set("policy/hold-over-precise", "policy.holdAmount", "\"10000.000000000000000000000000000001\"", "DRILL_AMOUNT_INVALID", "10000.000000000000000000000000000001"),
        Set("policy/hold-over-precise-number", "policy.holdAmount", "10000.000000000000000000000000000001", "DRILL_AMOUNT_INVALID", "10000.000000000000000000000000000001"),
        Set("policy/hold-tiny", "policy.holdAmount", "1e-30", "DRILL_AMOUNT_INVALID", "1e-30"),

        // outages.
        Set("outages/string", "outages", "\"none\"", "DRILL_WRONG_TYPE", "a string"),
        Set("outages/object", "outages", "{}", "DRILL_WRONG_TYPE", "an object"),
        Set("outages/item-number", O, "5", "DRILL_WRONG_TYPE", "a number"),
        Set("outages/item-array", O, "[]", "DRILL_WRONG_TYPE", "an array"),
        Set("outages/item-empty", O, "{}", "DRILL_REQUIRED", "required", O + ".dependency"),
        Remove("outages/dependency-missing", O + ".dependency", "DRILL_REQUIRED", "required"),
        Set("outages/dependency-unknown", O + ".dependency", "\"power\"", "DRILL_DEPENDENCY_UNKNOWN", "\"power\""),
        Set("outages/dependency-capitalized", O + ".dependency", "\"Payment\"", "DRILL_DEPENDENCY_UNKNOWN", "\"Payment\""),
        Set("outages/dependency-null", O + ".dependency", "null", "DRILL_DEPENDENCY_UNKNOWN", "not null"),
        Set("outages/dependency-number", O + ".dependency", "0", "DRILL_DEPENDENCY_UNKNOWN", "not 0"),
        Remove("outages/from-missing", O + ".from", "DRILL_REQUIRED", "required"),
        Set("outages/from-words", O + ".from", "\"yesterday\"", "DRILL_TIME_INVALID", "\"yesterday\""),
        Set("outages/from-null", O + ".from", "null", "DRILL_TIME_INVALID", "null"),
        Set("outages/from-far-future", O + ".from", "\"2150-01-01T00:00:00Z\"", "DRILL_TIME_OUT_OF_RANGE", "2150-01-01T00:00:00Z"),
        Set("outages/from-far-past", O + ".from", "\"1900-01-01T00:00:00Z\"", "DRILL_TIME_OUT_OF_RANGE", "1900-01-01T00:00:00Z"),
        Remove("outages/to-missing", O + ".to", "DRILL_REQUIRED", "required"),
        Set("outages/to-before-from", O + ".to", "\"2022-10-15T15:00:00+09:00\"", "DRILL_OUTAGE_ENDS_BEFORE_START", "2022-10-15T15:00:00+09:00"),
        Set("outages/to-equals-from", O + ".to", "\"2022-10-15T06:22:00Z\"", "DRILL_OUTAGE_ENDS_BEFORE_START", "2022-10-15T06:22:00Z"),
        Set("outages/to-number", O + ".to", "0", "DRILL_TIME_INVALID", "0"),
        Set("outages/overlap", "outages[2]", "{\"dependency\":\"payment\",\"from\":\"2022-10-16T08:00:00+09:00\",\"to\":\"2022-10-16T10:00:00+09:00\"}", "DRILL_OUTAGES_OVERLAP", "2022-10-15T15:22:00+09:00"),
        Set("outages/overlap-open-ended", "outages[2]", "{\"dependency\":\"identity\",\"from\":\"2022-10-19T08:00:00+09:00\",\"to\":\"2022-10-19T10:00:00+09:00\"}", "DRILL_OUTAGES_OVERLAP", "2022-10-15T15:20:00+09:00"),
        Set("outages/too-many", "outages", () => "[" + string.Join(",", Enumerable.Range(0, 10_001).Select(i => $"{{\"dependency\":\"payment\",\"from\":\"2023-01-01T00:00:00Z\",\"to\":\"2023-01-01T00:00:01Z\"}}")) + "]", "DRILL_TOO_MANY", "10001"),

        // rentals.
        Remove("rentals/missing", "rentals", "DRILL_REQUIRED", "required"),
        Set("rentals/string", "rentals", "\"r-1\"", "DRILL_WRONG_TYPE", "a string"),
        Set("rentals/object", "rentals", "{}", "DRILL_WRONG_TYPE", "an object"),
        Set("rentals/null", "rentals", "null", "DRILL_WRONG_TYPE", "null"),
        Set("rentals/item-number", R, "5", "DRILL_WRONG_TYPE", "a number"),
        Set("rentals/item-empty", R, "{}", "DRILL_REQUIRED", "required", R + ".id"),
        Remove("rentals/id-missing", R + ".id", "DRILL_REQUIRED", "required"),
        Set("rentals/id-number", R + ".id", "7", "DRILL_WRONG_TYPE", "not 7"),
        Set("rentals/id-empty", R + ".id", "\"\"", "DRILL_WRONG_TYPE", "not \"\""),
        Set("rentals/id-blank", R + ".id", "\" \"", "DRILL_WRONG_TYPE", "not \" \""),
        Set("rentals/id-space", R + ".id", "\"r 1\"", "DRILL_RENTAL_ID_INVALID", "'r 1'"),
        Set("rentals/id-pipe", R + ".id", "\"r|1\"", "DRILL_RENTAL_ID_INVALID", "'r|1'"),
        Set("rentals/id-tab", R + ".id", "\"r\\t1\"", "DRILL_RENTAL_ID_INVALID", "'r\t1'"),
        Set("rentals/id-non-ascii", R + ".id", "\"r-\u00fc\"", "DRILL_RENTAL_ID_INVALID", "'r-\u00fc'"),
        Set("rentals/id-129-chars", R + ".id", JsonTree.Quote(new string('r', 129)), "DRILL_RENTAL_ID_INVALID", new string('r', 129)),
        Set("rentals/id-300-chars", R + ".id", JsonTree.Quote(new string('r', 300)), "DRILL_STRING_TOO_LONG", "300"),
        Set("rentals/id-duplicate-other-payload", "rentals[1].id", "\"r-1\"", "DRILL_RENTAL_ID_DUPLICATE", "'r-1'"),
        Text("rentals/id-duplicate-same-payload", JsonPaths.Append(Valid, "rentals", JsonPaths.Get(Valid, "rentals[1]")), "rentals[2].id", "DRILL_RENTAL_ID_DUPLICATE", "'r-2'"),
        Repeat("rentals/id-twice-in-rental", R, "id", "\"r-9\"", R + ".id", "\"r-9\""),
        Remove("rentals/rider-missing", R + ".riderId", "DRILL_REQUIRED", "required"),
        Set("rentals/rider-space", R + ".riderId", "\"u 1\"", "DRILL_RIDER_ID_INVALID", "'u 1'"),
        Set("rentals/rider-pipe", R + ".riderId", "\"u|1\"", "DRILL_RIDER_ID_INVALID", "'u|1'"),
        Set("rentals/rider-number", R + ".riderId", "1", "DRILL_WRONG_TYPE", "not 1"),
        Set("rentals/rider-129-chars", R + ".riderId", JsonTree.Quote(new string('u', 129)), "DRILL_RIDER_ID_INVALID", new string('u', 129)),
        Set("rentals/plan-unknown", R + ".planId", "\"scooter\"", "DRILL_PLAN_UNKNOWN", "'scooter'"),
        Set("rentals/plan-capitalized", R + ".planId", "\"Kickboard\"", "DRILL_PLAN_UNKNOWN", "'Kickboard'"),
        Set("rentals/plan-empty", R + ".planId", "\"\"", "DRILL_WRONG_TYPE", "not \"\""),
        Set("rentals/plan-number", R + ".planId", "1", "DRILL_WRONG_TYPE", "not 1"),
        Remove("rentals/plan-missing", R + ".planId", "DRILL_REQUIRED", "required"),
        Remove("rentals/started-missing", R + ".startedAt", "DRILL_REQUIRED", "required"),
        Set("rentals/started-no-seconds", R + ".startedAt", "\"2022-10-15T14:50+09:00\"", "DRILL_TIME_INVALID", "2022-10-15T14:50+09:00"),
        Set("rentals/started-at-run-until", R + ".startedAt", "\"2022-10-20T00:00:00+09:00\"", "DRILL_STARTS_AFTER_RUN_UNTIL", "2022-10-20T00:00:00+09:00"),
        Set("rentals/started-after-run-until", R + ".startedAt", "\"2023-01-01T00:00:00Z\"", "DRILL_STARTS_AFTER_RUN_UNTIL", "2023-01-01T00:00:00Z"),
        Set("rentals/started-1970", R + ".startedAt", "\"1970-01-01T00:00:00Z\"", "DRILL_TIME_OUT_OF_RANGE", "1970-01-01T00:00:00Z"),

        // endSignals.
        Set("signals/string", R + ".endSignals", "\"15:40\"", "DRILL_WRONG_TYPE", "a string"),
        Set("signals/object", R + ".endSignals", "{}", "DRILL_WRONG_TYPE", "an object"),
        Set("signals/item-number", S, "1", "DRILL_WRONG_TYPE", "a number"),
        Set("signals/item-empty", S, "{}", "DRILL_REQUIRED", "required", S + ".at"),
        Set("signals/too-many", R + ".endSignals", () => "[" + string.Join(",", Enumerable.Repeat(JsonPaths.Get(Valid, S), 65)) + "]", "DRILL_TOO_MANY", "65"),
        Remove("signals/at-missing", S + ".at", "DRILL_REQUIRED", "required"),
        Set("signals/at-words", S + ".at", "\"when parked\"", "DRILL_TIME_INVALID", "\"when parked\""),
        Set("signals/at-number", S + ".at", "1665816000", "DRILL_TIME_INVALID", "1665816000"),
        Set("signals/at-far-future", S + ".at", "\"2999-01-01T00:00:00Z\"", "DRILL_TIME_OUT_OF_RANGE", "2999-01-01T00:00:00Z"),
        Remove("signals/received-missing", S + ".receivedAt", "DRILL_REQUIRED", "required"),
        Set("signals/received-before-start", S + ".receivedAt", "\"2022-10-15T14:00:00+09:00\"", "DRILL_RECEIVED_BEFORE_START", "2022-10-15T14:00:00+09:00"),
        Set("signals/received-far-past", S + ".receivedAt", "\"1999-01-01T00:00:00Z\"", "DRILL_TIME_OUT_OF_RANGE", "1999-01-01T00:00:00Z"),
        Remove("signals/source-missing", S + ".source", "DRILL_REQUIRED", "required"),
        Set("signals/source-unknown", S + ".source", "\"phone\"", "DRILL_SIGNAL_SOURCE_UNKNOWN", "\"phone\""),
        Set("signals/source-capitalized", S + ".source", "\"Rider\"", "DRILL_SIGNAL_SOURCE_UNKNOWN", "\"Rider\""),
        Set("signals/source-number", S + ".source", "0", "DRILL_SIGNAL_SOURCE_UNKNOWN", "not 0"),
        Set("signals/source-null", S + ".source", "null", "DRILL_SIGNAL_SOURCE_UNKNOWN", "not null"),

        // distance.
        Set("distance/string", R + ".distance", "\"1.2 km\"", "DRILL_WRONG_TYPE", "a string"),
        Set("distance/item-null", D, "null", "DRILL_WRONG_TYPE", "null"),
        Remove("distance/at-missing", D + ".at", "DRILL_REQUIRED", "required"),
        Set("distance/at-before-start", D + ".at", "\"2022-10-15T14:00:00+09:00\"", "DRILL_DISTANCE_BEFORE_START", "2022-10-15T14:00:00+09:00"),
        Remove("distance/km-missing", D + ".km", "DRILL_REQUIRED", "required"),
        Set("distance/km-negative", D + ".km", "\"-1\"", "DRILL_DISTANCE_RANGE", "-1"),
        Set("distance/km-negative-number", D + ".km", "-0.5", "DRILL_DISTANCE_RANGE", "-0.5"),
        Set("distance/km-zero", D + ".km", "\"0\"", "DRILL_DISTANCE_RANGE", "not \"0\""),
        Set("distance/km-zero-number", D + ".km", "0", "DRILL_DISTANCE_RANGE", "not 0"),
        Set("distance/km-over-1000", D + ".km", "\"1000.000001\"", "DRILL_DISTANCE_RANGE", "1000.000001"),
        Set("distance/km-huge", D + ".km", "1e20", "DRILL_DISTANCE_RANGE", "1e20"),
        Set("distance/km-1e30", D + ".km", "1e30", "DRILL_DISTANCE_INVALID", "1e30"),
        Set("distance/km-exponent-string", D + ".km", "\"1e5\"", "DRILL_DISTANCE_INVALID", "\"1e5\""),
        Set("distance/km-words", D + ".km", "\"far\"", "DRILL_DISTANCE_INVALID", "\"far\""),
        Set("distance/km-boolean", D + ".km", "true", "DRILL_DISTANCE_INVALID", "not true"),
        Set("distance/km-null", D + ".km", "null", "DRILL_DISTANCE_INVALID", "not null"),
        Set("distance/km-7-decimals", D + ".km", "\"0.0000001\"", "DRILL_DISTANCE_TOO_PRECISE", "0.0000001"),
        Set("distance/km-over-precise", D + ".km", "\"0.1000000000000000000000000000001\"", "DRILL_DISTANCE_INVALID", "0.1000000000000000000000000000001"),
        Set("distance/km-tiny", D + ".km", "1e-30", "DRILL_DISTANCE_INVALID", "1e-30"),
        Set("distance/too-many", R + ".distance", () => "[" + string.Join(",", Enumerable.Repeat("{\"at\":\"2022-10-15T15:05:00+09:00\",\"km\":\"0.001\"}", 10_001)) + "]", "DRILL_TOO_MANY", "10001"),

        // faults.
        Set("faults/string", "faults", "\"lostResponse\"", "DRILL_WRONG_TYPE", "a string"),
        Set("faults/item-number", F, "1", "DRILL_WRONG_TYPE", "a number"),
        Set("faults/item-empty", F, "{}", "DRILL_REQUIRED", "required", F + ".rentalId"),
        Set("faults/rental-unknown", F + ".rentalId", "\"r-9\"", "DRILL_FAULT_RENTAL_UNKNOWN", "'r-9'"),
        Remove("faults/rental-missing", F + ".rentalId", "DRILL_REQUIRED", "required"),
        Set("faults/operation-unknown", F + ".operation", "\"steal\"", "DRILL_FAULT_OPERATION_UNKNOWN", "\"steal\""),
        Set("faults/operation-capitalized", F + ".operation", "\"Capture\"", "DRILL_FAULT_OPERATION_UNKNOWN", "\"Capture\""),
        Set("faults/operation-number", F + ".operation", "2", "DRILL_WRONG_TYPE", "not 2"),
        Set("faults/kind-unknown", F + ".kind", "\"crash\"", "DRILL_FAULT_KIND_UNKNOWN", "\"crash\""),
        Remove("faults/kind-missing", F + ".kind", "DRILL_REQUIRED", "required"),
        Set("faults/times-zero", F + ".times", "0", "DRILL_OUT_OF_RANGE", "not 0"),
        Set("faults/times-101", F + ".times", "101", "DRILL_OUT_OF_RANGE", "not 101"),
        Set("faults/times-negative", F + ".times", "-1", "DRILL_OUT_OF_RANGE", "not -1"),
        Set("faults/times-string", F + ".times", "\"1\"", "DRILL_NOT_AN_INTEGER", "not \"1\""),
        Set("faults/times-fraction", F + ".times", "1.5", "DRILL_NOT_AN_INTEGER", "not 1.5"),
        Remove("faults/times-missing", F + ".times", "DRILL_REQUIRED", "required"),
        Set("faults/times-null", F + ".times", "null", "DRILL_REQUIRED", "required"),
    ];

    public static TheoryData<string> Ids => [.. Cases.Select(c => c.Id)];

    /// <summary>The cases a file can hold: text that is not valid UTF-16 cannot be written as UTF-8.</summary>
    public static TheoryData<string> FileIds => [.. Cases.Where(c => !c.Id.EndsWith("/lone-surrogate", StringComparison.Ordinal)).Select(c => c.Id)];

    [Fact]
    public void The_base_scenario_is_valid()
    {
        var (scenario, errors) = ScenarioReader.Read(Valid);
        Assert.Empty(errors);
        Assert.Equal(2, scenario!.Rentals.Count);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Is_rejected_whole_with_code_path_and_value(string id)
    {
        var c = Cases.Single(x => x.Id == id);
        var (scenario, errors) = ScenarioReader.Read(c.Input());
        Assert.Null(scenario);
        CorpusAssert.HasError(errors, c);
    }

    [Theory]
    [MemberData(nameof(FileIds))]
    public async Task Simulate_rejects_the_file_with_exit_code_2_one_line_and_no_report(string id)
    {
        var c = Cases.Single(x => x.Id == id);
        using var dir = new TempDirectory();
        var file = dir.Write("scenario.json", c.Input());
        var report = dir.File("report.json");
        var (exit, stdout, stderr) = await DrillCli.RunAsync("simulate", file, "--report", report);
        Assert.Equal(2, exit);
        var line = CorpusAssert.OneLine(stderr, stdout);
        var first = ScenarioReader.Read(new UTF8Encoding(false).GetString(File.ReadAllBytes(file))).Errors[0];
        Assert.StartsWith(file + ": " + first.Path + ": ", line, StringComparison.Ordinal);
        Assert.Contains("[" + first.Code + "]", line, StringComparison.Ordinal);
        Assert.Equal(["scenario.json"], dir.Files());
    }

    private static CorpusCase Set(string id, string path, string raw, string code, string? shown, string? errorPath = null)
        => new("scenario/" + id, () => JsonPaths.Set(Valid, path, raw), errorPath ?? path, code, shown);

    private static CorpusCase Set(string id, string path, Func<string> raw, string code, string? shown, string? errorPath = null)
        => new("scenario/" + id, () => JsonPaths.Set(Valid, path, raw()), errorPath ?? path, code, shown);

    private static CorpusCase Remove(string id, string path, string code, string? shown)
        => new("scenario/" + id, () => JsonPaths.Remove(Valid, path), path, code, shown);

    private static CorpusCase Repeat(string id, string objectPath, string name, string raw, string errorPath, string? shown)
        => new("scenario/" + id, () => JsonPaths.AddRepeated(Valid, objectPath, name, raw), errorPath, "DRILL_DUPLICATE_PROPERTY", shown);

    private static CorpusCase Text(string id, string text, string path, string code, string? shown)
        => new("scenario/" + id, () => text, path, code, shown);
}
