using System.Text.Json;
using Billing.Resilience.Pricing;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsDocuments;
using static Billing.Resilience.Tests.Pricing.Gbfs.GbfsFreshValidators;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>The raw reading of a GBFS document before validation: fields, their values and how messages show them.</summary>
public class GbfsRawDocumentTests
{
    [Fact]
    public void An_absent_member_is_shown_and_described_as_missing()
    {
        var field = GbfsField.Member("data.plans[0]", "url", default);

        Assert.True(field.IsMissing);
        Assert.Equal("(missing)", field.Shown);
        Assert.Equal("missing", GbfsField.Describe(field.Kind));
        Assert.Equal("data.plans[0].url = (missing)", field.ToString());
    }

    [Theory]
    [InlineData("-2147483648", int.MinValue)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("0", 0)]
    public void A_whole_number_at_the_ends_of_the_int_range_is_read_as_an_int(string json, int expected)
    {
        using var document = JsonDocument.Parse(json);
        var field = GbfsField.Member("$", "n", document.RootElement);

        Assert.True(field.TryGetInt32(out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("-2147483649")]
    [InlineData("2147483648")]
    [InlineData("1.5")]
    public void A_number_outside_the_int_range_or_with_a_fraction_is_not_an_int(string json)
    {
        using var document = JsonDocument.Parse(json);
        var field = GbfsField.Member("$", "n", document.RootElement);

        Assert.False(field.TryGetInt32(out var value));
        Assert.Equal(0, value);
    }

    [Fact]
    public void A_plan_segment_and_fare_cap_without_repeated_members_have_an_empty_list_of_them()
    {
        var plan = Assert.Single(ReadPlans(Envelope(ValidPlan)));

        Assert.Empty(plan.DuplicateMembers);
        Assert.Empty(Assert.Single(plan.PerMinuteSegments).DuplicateMembers);
        Assert.NotNull(plan.FareCap);
        Assert.Empty(plan.FareCap.DuplicateMembers);
    }

    [Fact]
    public void Segments_know_what_they_count()
    {
        var plan = Assert.Single(ReadPlans(Envelope(Plan(("per_km_pricing", "[{\"start\":0,\"rate\":0.25,\"interval\":1}]")))));

        Assert.Equal("minute", Assert.Single(plan.PerMinuteSegments).Unit);
        Assert.Equal("kilometre", Assert.Single(plan.PerKmSegments).Unit);
    }
}
