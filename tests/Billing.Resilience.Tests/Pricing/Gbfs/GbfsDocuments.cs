using System.Text.Json.Nodes;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>Small GBFS documents for tests: a valid 3.0 plan, and that plan with one member changed.</summary>
internal static class GbfsDocuments
{
    /// <summary>A valid plan with one per-minute segment and a fare cap.</summary>
    public const string ValidPlan = """
        {"plan_id":"p1","name":"Plan","description":"A plan","currency":"USD","price":1.00,"is_taxable":false,
         "per_min_pricing":[{"start":0,"rate":0.50,"interval":1}],
         "fare_capping":{"duration":720,"price":15.00}}
        """;

    /// <summary>A GBFS 3.0 envelope around the given plans (raw JSON).</summary>
    public static string Envelope(params string[] plans) => "{\"version\":\"3.0\",\"data\":{\"plans\":[" + string.Join(",", plans) + "]}}";

    /// <summary>The valid plan, in an envelope, with <paramref name="member"/> set to raw JSON (removed when null).</summary>
    public static string PlanWith(string member, string? rawValue) => Envelope(Change(ValidPlan, plan => Set(plan, member, rawValue)));

    /// <summary>The valid plan with its first per-minute segment's <paramref name="member"/> set to raw JSON (removed when null).</summary>
    public static string SegmentWith(string member, string? rawValue)
        => Envelope(Change(ValidPlan, plan => Set(plan["per_min_pricing"]![0]!.AsObject(), member, rawValue)));

    /// <summary>The valid plan with its first per-minute segment replaced by raw JSON.</summary>
    public static string Segment(string rawSegment) => PlanWith("per_min_pricing", "[" + rawSegment + "]");

    /// <summary>The valid plan with <c>fare_capping.member</c> set to raw JSON (removed when null).</summary>
    public static string FareCapWith(string member, string? rawValue)
        => Envelope(Change(ValidPlan, plan => Set(plan["fare_capping"]!.AsObject(), member, rawValue)));

    /// <summary>The valid plan with several members set at once.</summary>
    public static string Plan(params (string Member, string? RawValue)[] changes)
        => Change(ValidPlan, plan =>
        {
            foreach (var (member, rawValue) in changes)
            {
                Set(plan, member, rawValue);
            }
        });

    private static string Change(string planJson, Action<JsonObject> change)
    {
        var plan = JsonNode.Parse(planJson)!.AsObject();
        change(plan);
        return plan.ToJsonString();
    }

    private static void Set(JsonObject target, string member, string? rawValue)
    {
        if (rawValue is null)
        {
            target.Remove(member);
        }
        else
        {
            target[member] = JsonNode.Parse(rawValue);
        }
    }
}
