using System.Globalization;

namespace Billing.Resilience.Pricing;

/// <summary>JSON paths in the form errors report them: <c>data.plans[2].per_min_pricing[0].interval</c>.</summary>
internal static class GbfsPath
{
    /// <summary>The path of the document itself: the prefix, or <c>$</c> when there is none.</summary>
    public static string Root(string prefix) => prefix.Length == 0 ? "$" : prefix;

    /// <summary>The path of member <paramref name="name"/> of the object at <paramref name="parent"/>.</summary>
    public static string Member(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    /// <summary>The path of item <paramref name="index"/> of the array at <paramref name="parent"/>.</summary>
    public static string Item(string parent, int index)
        => string.Create(CultureInfo.InvariantCulture, $"{Root(parent)}[{index}]");
}
