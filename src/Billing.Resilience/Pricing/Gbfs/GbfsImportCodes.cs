namespace Billing.Resilience.Pricing;

/// <summary>
/// The stable codes of the errors and warnings <see cref="GbfsPricingPlans"/> reports in
/// <see cref="ValidationError.Code"/>. Match on these, never on messages; docs/gbfs-import.md explains each.
/// </summary>
public static class GbfsImportCodes
{
    /// <summary>Error: the text is not JSON (or not valid UTF-16); the message gives the line and byte position.</summary>
    public const string MalformedJson = "BILLING_GBFS_MALFORMED_JSON";

    /// <summary>Error: the document is larger than <see cref="GbfsPricingPlans.MaxDocumentBytes"/> bytes of UTF-8.</summary>
    public const string DocumentTooLarge = "BILLING_GBFS_DOCUMENT_TOO_LARGE";

    /// <summary>Error: no plans array where one is expected (<c>data.plans</c>, a bare array, <c>feed_data.pricing_plans</c>).</summary>
    public const string PlansNotFound = "BILLING_GBFS_PLANS_NOT_FOUND";

    /// <summary>Error: more than <see cref="GbfsPricingPlans.MaxPlans"/> plans; none of them is read.</summary>
    public const string TooManyPlans = "BILLING_GBFS_TOO_MANY_PLANS";

    /// <summary>Error: an item of the plans array is not a JSON object.</summary>
    public const string PlanNotObject = "BILLING_GBFS_PLAN_NOT_OBJECT";

    /// <summary>Error: a required field is missing or null (<c>plan_id</c>, <c>currency</c>, <c>price</c>, a segment's <c>start</c>, <c>rate</c>, <c>interval</c>, a fare cap's <c>duration</c>, <c>price</c>).</summary>
    public const string MissingField = "BILLING_GBFS_MISSING_FIELD";

    /// <summary>Error: a field has the wrong JSON type (a string where a number belongs, an object where an array belongs, ...).</summary>
    public const string WrongType = "BILLING_GBFS_WRONG_TYPE";

    /// <summary>Error: a field the importer reads appears twice in one object, so its value is ambiguous.</summary>
    public const string DuplicateProperty = "BILLING_GBFS_DUPLICATE_PROPERTY";

    /// <summary>Error: a number that a <see cref="decimal"/> cannot hold exactly, or a <c>price</c> string that is not a plain decimal.</summary>
    public const string InvalidNumber = "BILLING_GBFS_INVALID_NUMBER";

    /// <summary>Error: <c>plan_id</c> is empty or only white space.</summary>
    public const string EmptyPlanId = "BILLING_GBFS_EMPTY_PLAN_ID";

    /// <summary>Error: <c>plan_id</c> is longer than <see cref="GbfsPricingPlans.MaxPlanIdLength"/> characters.</summary>
    public const string PlanIdTooLong = "BILLING_GBFS_PLAN_ID_TOO_LONG";

    /// <summary>Error: a plan has the <c>plan_id</c> of an earlier plan (reported on the later one).</summary>
    public const string DuplicatePlanId = "BILLING_GBFS_DUPLICATE_PLAN_ID";

    /// <summary>Error: <c>currency</c> is not an active ISO 4217 code with a minor unit (codes are upper case).</summary>
    public const string UnknownCurrency = "BILLING_GBFS_UNKNOWN_CURRENCY";

    /// <summary>Error: a price that must not be negative is (<c>price</c>, reservation prices, <c>fare_capping.price</c>).</summary>
    public const string NegativePrice = "BILLING_GBFS_NEGATIVE_PRICE";

    /// <summary>Error: a price or rate is larger in absolute value than <see cref="GbfsPricingPlans.MaxAmount"/>.</summary>
    public const string AmountTooLarge = "BILLING_GBFS_AMOUNT_TOO_LARGE";

    /// <summary>Error: a segment's <c>start</c> is negative, not a whole number, or too large.</summary>
    public const string SegmentStartInvalid = "BILLING_GBFS_SEGMENT_START_INVALID";

    /// <summary>Error: a segment's <c>interval</c> is negative, not a whole number, or too large.</summary>
    public const string SegmentIntervalInvalid = "BILLING_GBFS_SEGMENT_INTERVAL_INVALID";

    /// <summary>Error: a segment's <c>end</c> is negative, not a whole number, or too large.</summary>
    public const string SegmentEndInvalid = "BILLING_GBFS_SEGMENT_END_INVALID";

    /// <summary>Error: a segment's <c>end</c> is not after its <c>start</c>.</summary>
    public const string SegmentEndNotAfterStart = "BILLING_GBFS_SEGMENT_END_NOT_AFTER_START";

    /// <summary>Error: <c>per_min_pricing</c> or <c>per_km_pricing</c> has more than <see cref="GbfsPricingPlans.MaxSegmentsPerList"/> segments.</summary>
    public const string TooManySegments = "BILLING_GBFS_TOO_MANY_SEGMENTS";

    /// <summary>Error: <c>fare_capping.duration</c> is not a positive whole number of minutes.</summary>
    public const string FareCapDurationInvalid = "BILLING_GBFS_FARE_CAP_DURATION_INVALID";

    /// <summary>Error: a plan has both <c>reservation_price_per_min</c> and <c>reservation_price_flat_rate</c> (the spec says MUST NOT).</summary>
    public const string ReservationPricesCombined = "BILLING_GBFS_RESERVATION_PRICES_COMBINED";

    /// <summary>Error: more than <see cref="GbfsPricingPlans.MaxReportedProblems"/> errors; the rest are not listed.</summary>
    public const string TooManyErrors = "BILLING_GBFS_TOO_MANY_ERRORS";

    /// <summary>Warning: <c>price</c> is a JSON string holding a decimal ("1.00"), allowed in GBFS 2.x; read exactly.</summary>
    public const string PriceAsString = "BILLING_GBFS_PRICE_AS_STRING";

    /// <summary>Warning: <c>is_taxable</c> is the number 0 or 1 (GBFS 1.x style); read as false or true.</summary>
    public const string IsTaxableAsNumber = "BILLING_GBFS_IS_TAXABLE_AS_NUMBER";

    /// <summary>Warning: <c>name</c> is missing or empty; the plan id stands in for it.</summary>
    public const string MissingName = "BILLING_GBFS_MISSING_NAME";

    /// <summary>Warning: <c>description</c> is missing or empty.</summary>
    public const string MissingDescription = "BILLING_GBFS_MISSING_DESCRIPTION";

    /// <summary>Warning: <c>is_taxable</c> is missing; read as false.</summary>
    public const string MissingIsTaxable = "BILLING_GBFS_MISSING_IS_TAXABLE";

    /// <summary>Warning: a price or rate has more decimals than the currency's minor unit; kept exact, the fare is rounded once at the end.</summary>
    public const string ExcessDecimals = "BILLING_GBFS_EXCESS_DECIMALS";

    /// <summary>Warning: a segment's <c>interval</c> is longer than the segment (<c>end</c> - <c>start</c>): the rate is charged at most once.</summary>
    public const string IntervalExceedsSegment = "BILLING_GBFS_INTERVAL_EXCEEDS_SEGMENT";

    /// <summary>Warning: <c>version</c> is not a string or not a GBFS version this importer knows; the plans are read all the same.</summary>
    public const string UnknownVersion = "BILLING_GBFS_UNKNOWN_VERSION";

    /// <summary>Warning: more than <see cref="GbfsPricingPlans.MaxReportedProblems"/> warnings; the rest are not listed.</summary>
    public const string TooManyWarnings = "BILLING_GBFS_TOO_MANY_WARNINGS";
}
