using System.Text.Json;
using Billing.Resilience.Pricing;
using FluentValidation;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>
/// Builds the GBFS validators anew, inside the calling test, and runs them the way <see cref="GbfsPricingPlans"/> does:
/// read the document into raw plans, validate, collect the problems. The import itself uses the shared
/// <c>Instance</c> of each validator, built once per process; a fresh one lets a test see the rules its constructor sets up.
/// </summary>
internal static class GbfsFreshValidators
{
    /// <summary>Validates every plan of an envelope with a fresh <see cref="GbfsPlanValidator"/>.</summary>
    public static IReadOnlyList<string> PlanProblems(string document)
    {
        var validator = Create<GbfsPlanValidator>();
        return Problems(document, (plan, problems) => problems.Add(validator.Validate(plan)));
    }

    /// <summary>Validates the per-minute and per-kilometre segments of every plan with a fresh <see cref="GbfsSegmentValidator"/>.</summary>
    public static IReadOnlyList<string> SegmentProblems(string document)
    {
        var validator = Create<GbfsSegmentValidator>();
        return Problems(document, (plan, problems) =>
        {
            foreach (var segment in plan.PerMinuteSegments.Concat(plan.PerKmSegments))
            {
                problems.Add(validator.Validate(segment));
            }
        });
    }

    /// <summary>Validates the fare cap of every plan that has one with a fresh <see cref="GbfsFareCapValidator"/>.</summary>
    public static IReadOnlyList<string> FareCapProblems(string document)
    {
        var validator = Create<GbfsFareCapValidator>();
        return Problems(document, (plan, problems) =>
        {
            if (plan.FareCap is { } cap)
            {
                problems.Add(validator.Validate(cap));
            }
        });
    }

    /// <summary>A problem as <see cref="PlanProblems"/> lists it: severity, code, path and message.</summary>
    public static string Error(string code, string path, string message) => $"error {code} at {path}: {message}";

    /// <inheritdoc cref="Error"/>
    public static string Warning(string code, string path, string message) => $"warning {code} at {path}: {message}";

    /// <summary>The raw plans of a document, as the importer reads them.</summary>
    public static IReadOnlyList<GbfsRawPlan> ReadPlans(string document)
    {
        using var parsed = JsonDocument.Parse(document);
        var root = parsed.RootElement.Clone();
        var plans = GbfsDocumentReader.Read(root, string.Empty, new GbfsProblems("$"), out _);
        Assert.NotNull(plans);
        return plans;
    }

    private static List<string> Problems(string document, Action<GbfsRawPlan, GbfsProblems> validate)
    {
        var problems = new GbfsProblems("$");
        foreach (var plan in ReadPlans(document))
        {
            validate(plan, problems);
        }

        return
        [
            .. problems.Errors.Select(e => Error(e.Code, e.Path, e.Message)),
            .. problems.Warnings.Select(w => Warning(w.Code, w.Path, w.Message)),
        ];
    }

    // The constructors are private (the import shares one instance); reflection builds a new one for the test.
    private static T Create<T>()
        where T : IValidator
        => (T)Activator.CreateInstance(typeof(T), nonPublic: true)!;
}
