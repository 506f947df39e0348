using System.Text.Json;

namespace Billing.Resilience.Pricing;

/// <summary>One item of <c>per_min_pricing</c> or <c>per_km_pricing</c> as written, before validation.</summary>
internal sealed class GbfsRawSegment
{
    private List<GbfsField>? duplicateMembers;

    private GbfsRawSegment(GbfsRawPlan plan, string listPath, string listName, int index, JsonElement item, string unit)
    {
        Plan = plan;
        Self = GbfsField.Item(listPath, listName, index, item);
        Unit = unit;
        Start = GbfsField.MemberOfItem(listPath, index, "start");
        Rate = GbfsField.MemberOfItem(listPath, index, "rate");
        Interval = GbfsField.MemberOfItem(listPath, index, "interval");
        End = GbfsField.MemberOfItem(listPath, index, "end");
    }

    /// <summary>Gets the plan the segment belongs to (for its currency).</summary>
    public GbfsRawPlan Plan { get; }

    /// <summary>Gets the segment item itself (a segment is an object).</summary>
    public GbfsField Self { get; }

    /// <summary>Gets what the segment counts, for messages: "minute" or "kilometre".</summary>
    public string Unit { get; }

    public GbfsField Start { get; private set; }

    public GbfsField Rate { get; private set; }

    public GbfsField Interval { get; private set; }

    public GbfsField End { get; private set; }

    /// <summary>Gets the second and later occurrences of members read twice.</summary>
    public IReadOnlyList<GbfsField> DuplicateMembers => duplicateMembers ?? [];

    /// <summary>Reads item <paramref name="index"/> of a segment list; reads nothing from an item that is not an object.</summary>
    /// <remarks>The hot path of a large feed: member names are compared as UTF-8, and no path string is built.</remarks>
    public static GbfsRawSegment Read(GbfsRawPlan plan, string listPath, string listName, int index, JsonElement item, string unit)
    {
        var segment = new GbfsRawSegment(plan, listPath, listName, index, item, unit);
        if (item.ValueKind != JsonValueKind.Object)
        {
            return segment;
        }

        foreach (var property in item.EnumerateObject())
        {
            if (property.NameEquals("start"))
            {
                segment.Start = GbfsField.KeepFirst(segment.Start, property.Value, ref segment.duplicateMembers);
            }
            else if (property.NameEquals("rate"))
            {
                segment.Rate = GbfsField.KeepFirst(segment.Rate, property.Value, ref segment.duplicateMembers);
            }
            else if (property.NameEquals("interval"))
            {
                segment.Interval = GbfsField.KeepFirst(segment.Interval, property.Value, ref segment.duplicateMembers);
            }
            else if (property.NameEquals("end"))
            {
                segment.End = GbfsField.KeepFirst(segment.End, property.Value, ref segment.duplicateMembers);
            }
        }

        return segment;
    }
}
