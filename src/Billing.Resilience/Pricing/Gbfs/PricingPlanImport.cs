using System.Diagnostics.CodeAnalysis;

namespace Billing.Resilience.Pricing;

/// <summary>The result of importing a GBFS pricing plans document: the plans, or every error found.</summary>
public sealed class PricingPlanImport
{
    private readonly Dictionary<string, PricingPlan> planById;

    internal PricingPlanImport(IReadOnlyList<PricingPlan> plans, IReadOnlyList<ValidationError> errors, IReadOnlyList<ValidationError> warnings, string? version)
    {
        Plans = plans;
        Errors = errors;
        Warnings = warnings;
        Version = version;
        planById = new Dictionary<string, PricingPlan>(plans.Count, StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            planById.TryAdd(plan.PlanId, plan);
        }
    }

    /// <summary>Gets a value indicating whether the document imported without errors.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Gets the plans, in document order; empty when there are errors.</summary>
    public IReadOnlyList<PricingPlan> Plans { get; }

    /// <summary>Gets every error found; nothing is imported when there is one.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }

    /// <summary>Gets tolerated oddities of real feeds (price as a string, more decimals than the currency has, ...).</summary>
    public IReadOnlyList<ValidationError> Warnings { get; }

    /// <summary>Gets the GBFS version the document declares, if any (a bare plans array declares none).</summary>
    public string? Version { get; }

    /// <summary>Finds a plan by id (compared ordinally), in constant time.</summary>
    public bool TryGetPlan(string planId, [NotNullWhen(true)] out PricingPlan? plan)
    {
        ArgumentNullException.ThrowIfNull(planId);
        return planById.TryGetValue(planId, out plan);
    }

    /// <summary>Returns the plans, or throws <see cref="InvalidInputException"/> with every error.</summary>
    public IReadOnlyList<PricingPlan> GetPlansOrThrow() => IsValid ? Plans : throw new InvalidInputException(Errors);
}
