using System.Text.Json;

namespace Billing.Resilience.Pricing;

/// <summary>One item of <c>per_min_pricing</c> or <c>per_km_pricing</c> as written, before validation.</summary>
internal sealed class GbfsRawSegment
{
    private readonly List<GbfsField> duplicateMembers = [];

    private GbfsRawSegment(GbfsRawPlan plan, GbfsField self, string unit)
    {
        Plan = plan;
        Self = self;
        Unit = unit;
        var path = self.Path;
        Start = GbfsField.Member(path, "start", default);
        Rate = GbfsField.Member(path, "rate", default);
        Interval = GbfsField.Member(path, "interval", default);
        End = GbfsField.Member(path, "end", default);
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
    public IReadOnlyList<GbfsField> DuplicateMembers => duplicateMembers;

    /// <summary>Reads one segment item; reads nothing from an item that is not an object.</summary>
    public static GbfsRawSegment Read(GbfsRawPlan plan, GbfsField self, string unit)
    {
        var segment = new GbfsRawSegment(plan, self, unit);
        if (self.Kind != JsonValueKind.Object)
        {
            return segment;
        }

        var path = self.Path;
        foreach (var property in self.Element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "start": segment.Start = GbfsField.KeepFirst(segment.Start, path, property, segment.duplicateMembers); break;
                case "rate": segment.Rate = GbfsField.KeepFirst(segment.Rate, path, property, segment.duplicateMembers); break;
                case "interval": segment.Interval = GbfsField.KeepFirst(segment.Interval, path, property, segment.duplicateMembers); break;
                case "end": segment.End = GbfsField.KeepFirst(segment.End, path, property, segment.duplicateMembers); break;
                default: break;
            }
        }

        return segment;
    }
}
