namespace Billing.Resilience.Pricing;

/// <summary>How a partly used interval of a segment is counted (SCENARIOS.md 3.3).</summary>
public enum IntervalRounding
{
    /// <summary>Every started interval is charged in full (the default; what most operators bill).</summary>
    Started = 0,

    /// <summary>Only completed intervals are charged.</summary>
    Completed = 1,
}
