using System.Text.Json;
using System.Text.RegularExpressions;
using static System.FormattableString;

namespace Billing.Resilience.Pricing;

/// <summary>
/// Finds the plans array in the three shapes GBFS pricing plans are published in and reads its items into
/// <see cref="GbfsRawPlan"/>s: the GBFS envelope <c>{"version": ..., "data": {"plans": [...]}}</c> (1.0 to 3.1), a
/// bare array of plans, and the x2gbfs configuration <c>{"feed_data": {"pricing_plans": [...]}}</c>.
/// </summary>
internal static partial class GbfsDocumentReader
{
    private const string ExpectedShapes =
        "{\"data\": {\"plans\": [...]}}, a bare array of plans, or {\"feed_data\": {\"pricing_plans\": [...]}}";

    /// <summary>Reads the document; returns null, with the reason in <paramref name="problems"/>, when there is no plans array to read.</summary>
    public static IReadOnlyList<GbfsRawPlan>? Read(JsonElement root, string prefix, GbfsProblems problems, out string? version)
    {
        version = null;
        var rootPath = GbfsPath.Root(prefix);
        switch (root.ValueKind)
        {
            case JsonValueKind.Array:
                return ReadPlans(root, prefix, "plans", problems);
            case JsonValueKind.Object:
                var envelope = ReadMembers(root, prefix, problems, "data", "feed_data", "version");
                version = ReadVersion(envelope["version"], problems);
                if (!envelope["data"].IsMissing)
                {
                    return ReadPlansMember(envelope["data"], "plans", problems);
                }

                if (!envelope["feed_data"].IsMissing)
                {
                    return ReadPlansMember(envelope["feed_data"], "pricing_plans", problems);
                }

                problems.Error(rootPath, GbfsImportCodes.PlansNotFound, $"no plans array found: expected {ExpectedShapes}");
                return null;
            default:
                problems.Error(rootPath, GbfsImportCodes.PlansNotFound, $"no plans array found: expected {ExpectedShapes}, but the document is {GbfsField.Describe(root.ValueKind)}");
                return null;
        }
    }

    private static IReadOnlyList<GbfsRawPlan>? ReadPlansMember(GbfsField container, string member, GbfsProblems problems)
    {
        var containerPath = container.Path;
        if (container.Kind != JsonValueKind.Object)
        {
            problems.Error(containerPath, GbfsImportCodes.WrongType, $"must be an object holding \"{member}\", but is {GbfsField.Describe(container.Kind)}: {container.Shown}");
            return null;
        }

        var plans = ReadMembers(container.Element, containerPath, problems, member)[member];
        if (plans.IsMissing)
        {
            problems.Error(plans.Path, GbfsImportCodes.PlansNotFound, $"no plans array found: \"{member}\" is {(plans.Kind == JsonValueKind.Null ? "null" : "missing")}");
            return null;
        }

        if (plans.Kind != JsonValueKind.Array)
        {
            problems.Error(plans.Path, GbfsImportCodes.WrongType, $"must be an array of plans, but is {GbfsField.Describe(plans.Kind)}: {plans.Shown}");
            return null;
        }

        return ReadPlans(plans.Element, plans.Path, member, problems);
    }

    /// <summary>Reads the items of a plans array; <paramref name="arrayPath"/> is empty for a bare array at the root.</summary>
    private static GbfsRawPlan[]? ReadPlans(JsonElement plans, string arrayPath, string arrayName, GbfsProblems problems)
    {
        var count = plans.GetArrayLength();
        if (count > GbfsPricingPlans.MaxPlans)
        {
            problems.Error(GbfsPath.Root(arrayPath), GbfsImportCodes.TooManyPlans, Invariant($"has {count} plans, more than the limit of {GbfsPricingPlans.MaxPlans}"));
            return null;
        }

        var read = new GbfsRawPlan[count];
        var firstPathById = new Dictionary<string, string>(count, StringComparer.Ordinal);
        var i = 0;
        foreach (var item in plans.EnumerateArray())
        {
            var plan = GbfsRawPlan.Read(GbfsField.Item(arrayPath, arrayName, i, item));
            if (!string.IsNullOrWhiteSpace(plan.PlanIdText) && !firstPathById.TryAdd(plan.PlanIdText, plan.Path))
            {
                plan.DuplicateOfPath = firstPathById[plan.PlanIdText];
            }

            read[i++] = plan;
        }

        return read;
    }

    private static Dictionary<string, GbfsField> ReadMembers(JsonElement element, string path, GbfsProblems problems, params string[] names)
    {
        var found = names.ToDictionary(name => name, name => GbfsField.Member(path, name, default), StringComparer.Ordinal);
        List<GbfsField>? duplicates = null;
        foreach (var property in element.EnumerateObject())
        {
            if (found.TryGetValue(property.Name, out var current))
            {
                found[property.Name] = GbfsField.KeepFirst(current, property.Value, ref duplicates);
            }
        }

        foreach (var duplicate in duplicates ?? [])
        {
            problems.Error(duplicate.Path, GbfsImportCodes.DuplicateProperty, $"\"{duplicate.Name}\" appears more than once in the object (again as {duplicate.Shown}), so its value is ambiguous");
        }

        return found;
    }

    private static string? ReadVersion(GbfsField version, GbfsProblems problems)
    {
        if (version.IsMissing)
        {
            return null; // GBFS 1.0 and the x2gbfs configuration have no version.
        }

        if (version.Kind != JsonValueKind.String)
        {
            problems.Warning(version.Path, GbfsImportCodes.UnknownVersion, $"version must be a string such as \"2.3\", but is {version.Shown}; the plans are read all the same");
            return null;
        }

        var text = version.Element.GetString()!;
        if (!KnownVersion().IsMatch(text))
        {
            problems.Warning(version.Path, GbfsImportCodes.UnknownVersion, $"version {version.Shown} is not a GBFS version this importer knows (1.0 to 3.1); the plans are read as those versions define them");
        }

        return text;
    }

    [GeneratedRegex(@"^(1\.[01]|2\.[0-3]|3\.[01](-RC[0-9]*)?)$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex KnownVersion();
}
