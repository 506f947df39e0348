using System.Text.Json;

namespace Billing.Resilience.Pricing;

/// <summary>
/// One item of a GBFS plans array as written, before validation: every member the importer reads, with its JSON
/// value and path. <see cref="GbfsPlanValidator"/> checks it; only then is it turned into a <see cref="PricingPlan"/>.
/// </summary>
internal sealed class GbfsRawPlan
{
    private List<GbfsField>? duplicateMembers;

    private GbfsRawPlan(GbfsField self)
    {
        Self = self;
        Path = self.Path;
        PlanId = Absent("plan_id");
        Name = Absent("name");
        Description = Absent("description");
        Url = Absent("url");
        Currency = Absent("currency");
        Price = Absent("price");
        IsTaxable = Absent("is_taxable");
        SurgePricing = Absent("surge_pricing");
        ReservationPricePerMin = Absent("reservation_price_per_min");
        ReservationPriceFlatRate = Absent("reservation_price_flat_rate");
        PerMinPricing = Absent("per_min_pricing");
        PerKmPricing = Absent("per_km_pricing");
        FareCapping = Absent("fare_capping");
    }

    /// <summary>Gets the plan item itself (its JSON type is checked: a plan is an object).</summary>
    public GbfsField Self { get; }

    /// <summary>Gets the plan's path, for example <c>data.plans[2]</c>.</summary>
    public string Path { get; }

    public GbfsField PlanId { get; private set; }

    public GbfsField Name { get; private set; }

    public GbfsField Description { get; private set; }

    public GbfsField Url { get; private set; }

    public GbfsField Currency { get; private set; }

    public GbfsField Price { get; private set; }

    public GbfsField IsTaxable { get; private set; }

    public GbfsField SurgePricing { get; private set; }

    public GbfsField ReservationPricePerMin { get; private set; }

    public GbfsField ReservationPriceFlatRate { get; private set; }

    public GbfsField PerMinPricing { get; private set; }

    public GbfsField PerKmPricing { get; private set; }

    public GbfsField FareCapping { get; private set; }

    /// <summary>Gets the <c>per_min_pricing</c> items; empty when the member is absent, not an array, or over the limit.</summary>
    public IReadOnlyList<GbfsRawSegment> PerMinuteSegments { get; private set; } = [];

    /// <summary>Gets the <c>per_km_pricing</c> items; empty when the member is absent, not an array, or over the limit.</summary>
    public IReadOnlyList<GbfsRawSegment> PerKmSegments { get; private set; } = [];

    /// <summary>Gets <c>fare_capping</c> when it is an object.</summary>
    public GbfsRawFareCap? FareCap { get; private set; }

    /// <summary>Gets the second and later occurrences of members read twice.</summary>
    public IReadOnlyList<GbfsField> DuplicateMembers => duplicateMembers ?? [];

    /// <summary>Gets <c>plan_id</c> when it is a string.</summary>
    public string? PlanIdText { get; private set; }

    /// <summary>Gets the currency when <c>currency</c> is an active ISO 4217 code.</summary>
    public CurrencyCode? KnownCurrency { get; private set; }

    /// <summary>Gets or sets the path of the earlier plan with the same <c>plan_id</c>, if any.</summary>
    public string? DuplicateOfPath { get; set; }

    /// <summary>Reads the members of one plans array item; reads nothing from an item that is not an object.</summary>
    public static GbfsRawPlan Read(GbfsField self)
    {
        var plan = new GbfsRawPlan(self);
        if (self.Kind != JsonValueKind.Object)
        {
            return plan;
        }

        foreach (var property in self.Element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "plan_id": plan.PlanId = plan.Keep(plan.PlanId, property.Value); break;
                case "name": plan.Name = plan.Keep(plan.Name, property.Value); break;
                case "description": plan.Description = plan.Keep(plan.Description, property.Value); break;
                case "url": plan.Url = plan.Keep(plan.Url, property.Value); break;
                case "currency": plan.Currency = plan.Keep(plan.Currency, property.Value); break;
                case "price": plan.Price = plan.Keep(plan.Price, property.Value); break;
                case "is_taxable": plan.IsTaxable = plan.Keep(plan.IsTaxable, property.Value); break;
                case "surge_pricing": plan.SurgePricing = plan.Keep(plan.SurgePricing, property.Value); break;
                case "reservation_price_per_min": plan.ReservationPricePerMin = plan.Keep(plan.ReservationPricePerMin, property.Value); break;
                case "reservation_price_flat_rate": plan.ReservationPriceFlatRate = plan.Keep(plan.ReservationPriceFlatRate, property.Value); break;
                case "per_min_pricing": plan.PerMinPricing = plan.Keep(plan.PerMinPricing, property.Value); break;
                case "per_km_pricing": plan.PerKmPricing = plan.Keep(plan.PerKmPricing, property.Value); break;
                case "fare_capping": plan.FareCapping = plan.Keep(plan.FareCapping, property.Value); break;
                default: break; // Other members (and future GBFS fields) do not change the fare.
            }
        }

        plan.PlanIdText = plan.PlanId.StringOrNull;
        plan.KnownCurrency = CurrencyCode.TryParse(plan.Currency.StringOrNull, out var currency) ? currency : null;
        plan.PerMinuteSegments = plan.ReadSegments(plan.PerMinPricing, "minute");
        plan.PerKmSegments = plan.ReadSegments(plan.PerKmPricing, "kilometre");
        if (plan.FareCapping.Kind == JsonValueKind.Object)
        {
            plan.FareCap = GbfsRawFareCap.Read(plan, plan.FareCapping);
        }

        return plan;
    }

    private GbfsRawSegment[] ReadSegments(GbfsField list, string unit)
    {
        // Over the limit nothing is read: the validator reports the count, and the work stays bounded.
        if (list.Kind != JsonValueKind.Array || list.Element.GetArrayLength() > GbfsPricingPlans.MaxSegmentsPerList)
        {
            return [];
        }

        var listPath = list.Path;
        var segments = new GbfsRawSegment[list.Element.GetArrayLength()];
        var i = 0;
        foreach (var item in list.Element.EnumerateArray())
        {
            segments[i] = GbfsRawSegment.Read(this, listPath, list.Name, i, item, unit);
            i++;
        }

        return segments;
    }

    private GbfsField Absent(string name) => GbfsField.Member(Path, name, default);

    private GbfsField Keep(GbfsField current, JsonElement value) => GbfsField.KeepFirst(current, value, ref duplicateMembers);
}
