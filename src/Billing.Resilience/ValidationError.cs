namespace Billing.Resilience;

/// <summary>
/// One problem found in user input (a GBFS feed, a scenario file, a command or options): where it is, a stable
/// code to match on, and a message that shows the offending value.
/// </summary>
/// <param name="Path">Where the problem is: a JSON path such as <c>data.plans[2].per_min_pricing[0].interval</c>, or a property name.</param>
/// <param name="Code">A stable, documented code such as <c>BILLING_GBFS_UNKNOWN_CURRENCY</c>.</param>
/// <param name="Message">A human-readable message that includes the offending value.</param>
public sealed record ValidationError(string Path, string Code, string Message)
{
    /// <summary>Formats as "path: message [CODE]".</summary>
    public override string ToString() => $"{Path}: {Message} [{Code}]";
}
