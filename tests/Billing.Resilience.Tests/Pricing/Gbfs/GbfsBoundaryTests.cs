using System.Text.Json;
using Billing.Resilience.Pricing;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsDocuments;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>
/// The GBFS import at its limits: sizes, counts and lengths exactly at the limit and one past it, numbers at the
/// edge of what a decimal holds, values cut short in messages, and the exact wording of the limit messages.
/// </summary>
public class GbfsBoundaryTests
{
    private const string P = "data.plans[0]";
    private const int Max = GbfsPricingPlans.MaxDocumentBytes;

    [Fact]
    public void A_document_of_exactly_16_MiB_is_read()
    {
        var head = "[" + ValidPlan;
        var json = head + new string(' ', Max - head.Length - 1) + "]";
        Assert.Equal(Max, json.Length);

        var import = GbfsPricingPlans.Parse(json);

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Equal("p1", Assert.Single(import.Plans).PlanId);
    }

    [Fact]
    public void A_document_of_16_MiB_of_characters_but_one_byte_more_of_UTF_8_is_too_large_and_counted_exactly()
    {
        // Exactly the limit in characters; the 'é' takes two bytes, so the document is one byte over.
        var json = "[\"é" + new string(' ', Max - 5) + "\"]";
        Assert.Equal(Max, json.Length);

        var import = GbfsPricingPlans.Parse(json);

        Assert.Equal(
            [new ValidationError("$", GbfsImportCodes.DocumentTooLarge, "the document has 16777217 bytes of UTF-8, more than the limit of 16777216")],
            import.Errors);
    }

    [Fact]
    public void A_document_longer_than_the_limit_in_characters_reports_its_length_in_characters_as_a_lower_bound()
    {
        // One character over the limit; the 'é' would make its UTF-8 one byte longer still, which is not counted.
        var json = "[\"é" + new string(' ', Max - 4) + "\"]";

        var import = GbfsPricingPlans.Parse(json);

        Assert.Equal(
            [new ValidationError("$", GbfsImportCodes.DocumentTooLarge, "the document has at least 16777217 bytes of UTF-8, more than the limit of 16777216")],
            import.Errors);
    }

    [Fact]
    public void An_embedded_document_of_exactly_16_MiB_is_read()
    {
        var head = "{\"data\":{\"plans\":[" + ValidPlan + "]}";
        var embedded = head + new string(' ', Max - head.Length - 1) + "}";
        using var scenario = JsonDocument.Parse("{\"pricingPlans\": " + embedded + "}");

        var import = GbfsPricingPlans.Parse(scenario.RootElement.GetProperty("pricingPlans"), "pricingPlans");

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Single(import.Plans);
    }

    [Fact]
    public void An_embedded_document_one_byte_over_16_MiB_reports_its_exact_size()
    {
        var embedded = "[" + new string(' ', Max - 1) + "]";
        using var scenario = JsonDocument.Parse("{\"pricingPlans\": " + embedded + "}");

        var import = GbfsPricingPlans.Parse(scenario.RootElement.GetProperty("pricingPlans"), "pricingPlans");

        Assert.Equal(
            [new ValidationError("pricingPlans", GbfsImportCodes.DocumentTooLarge, "the document has 16777217 bytes of UTF-8, more than the limit of 16777216")],
            import.Errors);
    }

    [Fact]
    public void Once_the_error_list_is_full_the_remaining_plans_are_not_validated()
    {
        var plans = new List<string>();
        for (var i = 0; i <= GbfsPricingPlans.MaxReportedProblems; i++)
        {
            plans.Add(Plan(("plan_id", $"\"e{i}\""), ("currency", "\"usd\"")));
        }

        // Two plans after the full list that would each only warn (no description).
        plans.Add(Plan(("plan_id", "\"w1\""), ("description", null)));
        plans.Add(Plan(("plan_id", "\"w2\""), ("description", null)));

        var import = GbfsPricingPlans.Parse(Envelope([.. plans]));

        Assert.Equal(GbfsPricingPlans.MaxReportedProblems + 1, import.Errors.Count);
        Assert.Empty(import.Warnings);
    }

    [Fact]
    public void Past_the_limit_of_errors_one_last_error_says_how_many_are_listed()
    {
        var plans = Enumerable.Range(0, GbfsPricingPlans.MaxReportedProblems + 1).Select(i => Plan(("plan_id", $"\"e{i}\""), ("currency", "\"usd\"")));

        var import = GbfsPricingPlans.Parse(Envelope([.. plans]));

        Assert.Equal(new ValidationError("$", GbfsImportCodes.TooManyErrors, "more than 1000 errors; only the first 1000 are listed"), import.Errors[^1]);
    }

    [Fact]
    public void Past_the_limit_of_warnings_one_last_warning_says_how_many_are_listed()
    {
        var plans = Enumerable.Range(0, GbfsPricingPlans.MaxReportedProblems + 1).Select(i => Plan(("plan_id", $"\"w{i}\""), ("description", null)));

        var import = GbfsPricingPlans.Parse(Envelope([.. plans]));

        Assert.True(import.IsValid);
        Assert.Equal(new ValidationError("$", GbfsImportCodes.TooManyWarnings, "more than 1000 warnings; only the first 1000 are listed"), import.Warnings[^1]);
    }

    [Fact]
    public void A_plan_id_of_exactly_the_maximum_length_is_accepted()
    {
        var id = new string('x', GbfsPricingPlans.MaxPlanIdLength);

        var import = GbfsPricingPlans.Parse(PlanWith("plan_id", "\"" + id + "\""));

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Equal(id, Assert.Single(import.Plans).PlanId);
    }

    [Fact]
    public void A_value_of_exactly_80_characters_is_shown_whole()
    {
        var number = new string('1', 80);

        var import = GbfsPricingPlans.Parse(PlanWith("url", number));

        Assert.Equal([new ValidationError(P + ".url", GbfsImportCodes.WrongType, "must be a string, but is a number: " + number)], import.Errors);
    }

    [Fact]
    public void A_value_of_81_characters_is_cut_after_80_with_an_ellipsis()
    {
        var number = new string('1', 79) + "23";

        var import = GbfsPricingPlans.Parse(PlanWith("url", number));

        Assert.Equal([new ValidationError(P + ".url", GbfsImportCodes.WrongType, "must be a string, but is a number: " + new string('1', 79) + "2…")], import.Errors);
    }

    [Fact]
    public void A_value_is_not_cut_between_the_two_halves_of_a_surrogate_pair()
    {
        // The quote and 78 letters, then an emoji whose high surrogate is character 80: the cut keeps 79 characters.
        var raw = "\"" + new string('a', 78) + "😀" + new string('b', 10) + "\"";
        Assert.True(char.IsHighSurrogate(raw[79]));

        var import = GbfsPricingPlans.Parse(WithRawMember("surge_pricing", raw));

        Assert.Equal(
            [new ValidationError(P + ".surge_pricing", GbfsImportCodes.WrongType, "must be true or false, but is a string: \"" + new string('a', 78) + "…")],
            import.Errors);
    }

    [Fact]
    public void Every_repetition_of_a_member_is_reported_not_only_the_last()
    {
        var plan = "{\"plan_id\":\"p1\",\"currency\":\"USD\",\"price\":1,\"is_taxable\":false,\"name\":\"n\",\"description\":\"d\","
            + "\"url\":\"a\",\"url\":\"b\",\"url\":\"c\",\"name\":\"m\"}";

        var import = GbfsPricingPlans.Parse(Envelope(plan));

        Assert.Equal(
            [
                new ValidationError(P + ".url", GbfsImportCodes.DuplicateProperty, "\"url\" appears more than once in the object (again as \"b\"), so its value is ambiguous"),
                new ValidationError(P + ".url", GbfsImportCodes.DuplicateProperty, "\"url\" appears more than once in the object (again as \"c\"), so its value is ambiguous"),
                new ValidationError(P + ".name", GbfsImportCodes.DuplicateProperty, "\"name\" appears more than once in the object (again as \"m\"), so its value is ambiguous"),
            ],
            import.Errors);
    }

    [Theory]
    [InlineData("\"+1.50\"", "1.50")]
    [InlineData("\"-0\"", "0")]
    [InlineData("\"-0.00\"", "0.00")]
    [InlineData("-0e0", "0")]
    [InlineData("0e2147483647", "0")]
    [InlineData("0e-2147483648", "0")]
    [InlineData("1.2300000000000000000000000000", "1.2300000000000000000000000000")]
    [InlineData("123e-2", "1.23")]
    public void A_price_a_decimal_holds_exactly_is_read(string price, string expected)
    {
        var import = GbfsPricingPlans.Parse(PlanWith("price", price));

        Assert.True(import.IsValid, string.Join("; ", import.Errors));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Assert.Single(import.Plans).Price);
    }

    [Theory]
    [InlineData("1.10000000000000000000000000001")]
    [InlineData("12.3000000000000000000000000001")]
    [InlineData("0e2147483648")]
    [InlineData("0e-2147483649")]
    [InlineData("0e99999999999999999999")]
    public void A_price_a_decimal_would_round_is_an_invalid_number(string price)
    {
        var import = GbfsPricingPlans.Parse(PlanWith("price", price));

        Assert.Equal(
            [new ValidationError(P + ".price", GbfsImportCodes.InvalidNumber, price + " cannot be held exactly as a decimal (28 significant digits at most, 28 decimal places at most, below 7.9E28)")],
            import.Errors);
    }

    [Fact]
    public void A_lone_surrogate_escape_from_da_is_found()
    {
        var import = GbfsPricingPlans.Parse(WithRawMember("url", "\"\\uda00\""));

        Assert.Equal(
            [new ValidationError(P + ".url", GbfsImportCodes.MalformedJson, "the string \"\\uda00\" is not text: \\uda00 is half of a UTF-16 surrogate pair without the other half")],
            import.Errors);
    }

    [Theory]
    [InlineData(80, false)]
    [InlineData(81, true)]
    public void A_string_that_is_not_text_is_shown_whole_up_to_80_characters(int rawLength, bool cut)
    {
        var raw = "\"\\ud800" + new string('a', rawLength - 8) + "\"";
        Assert.Equal(rawLength, raw.Length);

        var import = GbfsPricingPlans.Parse(WithRawMember("url", raw));

        var shown = cut ? raw[..80] + "…" : raw;
        Assert.Equal(
            [new ValidationError(P + ".url", GbfsImportCodes.MalformedJson, $"the string {shown} is not text: \\ud800 is half of a UTF-16 surrogate pair without the other half")],
            import.Errors);
    }

    [Fact]
    public void Malformed_JSON_names_the_position_once_counted_from_1()
    {
        var import = GbfsPricingPlans.Parse("{\"data\": {\"plans\": [}");

        var error = Assert.Single(import.Errors);
        Assert.StartsWith("malformed JSON at line 1, byte 21 of the line: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", error.Message, StringComparison.Ordinal);
    }

    // The valid plan with one more member written as given (GbfsDocuments rewrites strings, escaping what is not ASCII).
    private static string WithRawMember(string member, string rawValue) => Envelope("{\"" + member + "\":" + rawValue + "," + ValidPlan[1..]);

    [Fact]
    public void Looking_up_a_null_plan_id_names_the_argument()
        => Assert.Throws<ArgumentNullException>("planId", () => GbfsPricingPlans.Parse("[]").TryGetPlan(null!, out _));
}
