using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Billing.Resilience.Pricing;
using CsCheck;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Gbfs;

/// <summary>Properties over thousands of generated documents: the importer never throws, and reads numbers exactly.</summary>
public class GbfsPropertyTests
{
    private static readonly HashSet<string> KnownCodes = typeof(GbfsImportCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    // Raw JSON values that are wrong somewhere: wrong types, out of range, inexact, negative, odd strings.
    private static readonly Gen<string> AnyValue = Gen.OneOfConst(
        "0", "1", "-1", "0.5", "1.005", "60", "3120", "1e2", "1.5e-3", "2147483648", "1e400", "1000000000.5", "-0",
        "0.1000000000000000000000000000001", "\"1.00\"", "\"USD\"", "\"KRW\"", "\"usd\"", "\"\"", "\"x\"", "\"-1\"",
        "\"{PropertyValue}\"", "true", "false", "null", "[]", "{}", "[{\"text\":\"a\",\"language\":\"en\"}]", "[1]");

    private static readonly Gen<string> Money = Gen.OneOfConst("0", "1.00", "0.25", "2", "15.00", "109.90", "0.44", "8.333");

    private static readonly Gen<string> Ids = Gen.Char['a', 'z'].Select(c => $"\"{c}\"");

    /// <summary>Plans that are mostly well formed (valid more often than not) or messy (some member wrong or missing).</summary>
    private static readonly Gen<string> Plan = Gen.Frequency((3, PlanGen(messy: false)), (1, PlanGen(messy: true)));

    private static Gen<string> SegmentGen(bool messy) => Members(
        messy,
        ("start", Gen.OneOfConst("0", "10", "25", "100"), true),
        ("rate", Gen.OneOfConst("0.50", "1.00", "-0.10", "3", "0.21"), true),
        ("interval", Gen.OneOfConst("0", "1", "5", "60", "3120"), true),
        ("end", Gen.OneOfConst("3119", "5000"), false));

    private static Gen<string> PlanGen(bool messy)
    {
        var segments = SegmentGen(messy).Array[0, 3].Select(items => "[" + string.Join(",", items) + "]");
        return Members(
            messy,
            ("plan_id", Ids, true),
            ("name", Gen.OneOfConst("\"Plan\"", "[{\"text\":\"Plan\",\"language\":\"en\"}]"), false),
            ("description", Gen.OneOfConst("\"d\"", "[{\"text\":\"d\",\"language\":\"en\"}]"), false),
            ("currency", Gen.OneOfConst("\"USD\"", "\"EUR\"", "\"KRW\"", "\"BHD\""), true),
            ("price", Gen.OneOf(Money, Gen.OneOfConst("\"1.00\"")), true),
            ("is_taxable", Gen.OneOfConst("true", "false", "0", "1"), false),
            ("url", Gen.OneOfConst("\"https://example.com\""), false),
            ("surge_pricing", Gen.OneOfConst("true", "false"), false),
            ("reservation_price_per_min", Money, false),
            ("per_min_pricing", segments, false),
            ("per_km_pricing", segments, false),
            ("fare_capping", Members(messy, ("duration", Gen.OneOfConst("720", "60"), true), ("price", Money, true)), false));
    }

    private static readonly Gen<(string Json, string Root, int Plans)> Document =
        Gen.Select(Plan.Array[0, 4], Gen.Int[0, 2], (plans, shape) =>
        {
            var array = "[" + string.Join(",", plans) + "]";
            return shape switch
            {
                0 => ("{\"version\":\"2.3\",\"data\":{\"plans\":" + array + "}}", "data.plans[", plans.Length),
                1 => (array, "$[", plans.Length),
                _ => ("{\"feed_data\":{\"pricing_plans\":" + array + "}}", "feed_data.pricing_plans[", plans.Length),
            };
        });

    [Fact]
    public void Any_document_imports_whole_or_not_at_all_and_never_throws()
        => Document.Sample(document =>
        {
            var import = GbfsPricingPlans.Parse(document.Json);

            AssertConsistent(import, document.Root, document.Plans);
            if (import.IsValid)
            {
                foreach (var plan in import.Plans)
                {
                    // An imported plan can be quoted: no user input reaches a throw in the fare engine either.
                    _ = FareCalculator.Quote(plan, Duration.FromMinutes(1501), 30.5m, IntervalRounding.Started);
                    _ = FareCalculator.Quote(plan, Duration.FromMinutes(1501), 30.5m, IntervalRounding.Completed);
                }
            }
        }, iter: 3000);

    [Fact]
    public void Embedded_documents_report_every_path_under_the_prefix()
        => Document.Sample(document =>
        {
            using var scenario = JsonDocument.Parse("{\"pricingPlans\":" + document.Json + "}");

            var import = GbfsPricingPlans.Parse(scenario.RootElement.GetProperty("pricingPlans"), "pricingPlans");

            var root = document.Root == "$[" ? "pricingPlans[" : "pricingPlans." + document.Root;
            AssertConsistent(import, root, document.Plans);
        }, iter: 1000);

    [Fact]
    public void Numbers_are_read_exactly_in_every_notation()
    {
        var amount = Gen.Select(Gen.Long[0, 999_999_999], Gen.Int[0, 9999], Gen.Int[0, 4], (major, fraction, scale) =>
            decimal.Round(major + (fraction / 10_000m), scale));
        var notation = Gen.Int[0, 2];
        Gen.Select(amount, amount, notation, Gen.Int[0, 100_000], Gen.Int[0, 1440]).Sample((price, rate, form, start, interval) =>
        {
            var json = GbfsDocuments.Envelope(GbfsDocuments.Plan(
                ("currency", "\"BHD\""),
                ("price", Write(price, form, allowString: true)),
                ("per_min_pricing", $"[{{\"start\":{start},\"rate\":-{Write(rate, form, allowString: false)},\"interval\":{interval},\"end\":{start + 1440}}}]")));

            var import = GbfsPricingPlans.Parse(json);

            Assert.True(import.IsValid, string.Join("; ", import.Errors));
            var plan = Assert.Single(import.Plans);
            Assert.Equal(price, plan.Price);
            Assert.Equal(new PricingSegment(start, -rate, interval, start + 1440), plan.PerMinutePricing[0]);
        }, iter: 3000);
    }

    private static string Write(decimal value, int form, bool allowString)
    {
        var plain = value.ToString(CultureInfo.InvariantCulture);
        return form switch
        {
            0 => plain,
            1 => MantissaAndExponent(value),
            _ => allowString ? "\"" + plain + "\"" : plain,
        };
    }

    private static string MantissaAndExponent(decimal value)
    {
        // 12.3400 -> "123400E-4": the same number in exponent notation, scale kept.
        var scale = value.Scale;
        var mantissa = value * PowerOfTen(scale);
        return decimal.Truncate(mantissa).ToString(CultureInfo.InvariantCulture) + "E-" + scale.ToString(CultureInfo.InvariantCulture);
    }

    private static decimal PowerOfTen(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10;
        }

        return result;
    }

    private static void AssertConsistent(PricingPlanImport import, string root, int planCount)
    {
        Assert.Equal(import.Errors.Count == 0, import.IsValid);
        Assert.Equal(import.IsValid ? planCount : 0, import.Plans.Count);
        foreach (var problem in import.Errors.Concat(import.Warnings))
        {
            Assert.Contains(problem.Code, KnownCodes);
            Assert.StartsWith(root, problem.Path, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(problem.Message));
        }
    }

    /// <summary>
    /// A JSON object: a well-formed one has every required member with a plausible value and each optional one
    /// present or not; a messy one may also miss any member or hold any value at all (often a wrong one).
    /// </summary>
    private static Gen<string> Members(bool messy, params (string Name, Gen<string> Plausible, bool Required)[] members)
    {
        var parts = Gen.Const(Array.Empty<string>());
        foreach (var (name, plausible, required) in members)
        {
            var value = plausible.Select(v => $"\"{name}\":{v}");
            var absent = Gen.Const(string.Empty);
            var part = messy
                ? Gen.Frequency((6, value), (1, AnyValue.Select(v => $"\"{name}\":{v}")), (1, absent))
                : required ? value : Gen.Frequency((2, value), (1, absent));
            parts = Gen.Select(parts, part, (before, next) => next.Length == 0 ? before : [.. before, next]);
        }

        return parts.Select(list => "{" + string.Join(",", list) + "}");
    }
}
