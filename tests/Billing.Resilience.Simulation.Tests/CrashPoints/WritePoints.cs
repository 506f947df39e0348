using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using Billing.Resilience.Journal;

namespace Billing.Resilience.Simulation.Tests.CrashPoints;

/// <summary>
/// The event types of the library's durable write points, found by reflection: every event type it can append to the
/// journal. A write point is one append, which may hold several events (its name joins their types with '+'). Two
/// registries name them, and a new event must be in both to be written: the serializer's table of types and the JSON
/// source-generation context. A new write point therefore shows up here without anyone editing the tests.
/// </summary>
internal static class WritePoints
{
    /// <summary>The event types one write point (one append) holds.</summary>
    public static IEnumerable<string> EventTypes(string writePoint) => writePoint.Split('+');

    public static IReadOnlySet<string> Discover()
    {
        var assembly = typeof(IJournal).Assembly;
        var serializer = assembly.GetType("Billing.Resilience.Journal.EventSerializer", throwOnError: true)!;
        var table = serializer.GetField("TypesByName", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("EventSerializer.TypesByName is gone: teach WritePoints where the library lists its events now.");
        var names = ((IDictionary)table.GetValue(null)!).Keys.Cast<string>();

        var context = assembly.GetType("Billing.Resilience.Journal.EventJsonContext", throwOnError: true)!;
        var serializable = context.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(JsonSerializableAttribute))
            .Select(a => ((Type)a.ConstructorArguments[0].Value!).Name);

        return names.Concat(serializable).ToHashSet(StringComparer.Ordinal);
    }
}
