using System.Text.Json;

namespace Billing.Resilience.Pricing;

/// <summary>A plan's <c>fare_capping</c> object (GBFS 3.1) as written, before validation.</summary>
internal sealed class GbfsRawFareCap
{
    private List<GbfsField>? duplicateMembers;

    private GbfsRawFareCap(GbfsRawPlan plan, GbfsField self)
    {
        Plan = plan;
        Self = self;
        var path = self.Path;
        Duration = GbfsField.Member(path, "duration", default);
        Price = GbfsField.Member(path, "price", default);
    }

    /// <summary>Gets the plan the cap belongs to (for its currency).</summary>
    public GbfsRawPlan Plan { get; }

    /// <summary>Gets the <c>fare_capping</c> member itself.</summary>
    public GbfsField Self { get; }

    public GbfsField Duration { get; private set; }

    public GbfsField Price { get; private set; }

    /// <summary>Gets the second and later occurrences of members read twice.</summary>
    public IReadOnlyList<GbfsField> DuplicateMembers => duplicateMembers ?? [];

    /// <summary>Reads a <c>fare_capping</c> object.</summary>
    public static GbfsRawFareCap Read(GbfsRawPlan plan, GbfsField self)
    {
        var cap = new GbfsRawFareCap(plan, self);
        foreach (var property in self.Element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "duration": cap.Duration = GbfsField.KeepFirst(cap.Duration, property.Value, ref cap.duplicateMembers); break;
                case "price": cap.Price = GbfsField.KeepFirst(cap.Price, property.Value, ref cap.duplicateMembers); break;
                default: break;
            }
        }

        return cap;
    }
}
