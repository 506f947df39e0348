using System.Globalization;
using System.Text.Json;
using Billing.Resilience.Pricing;
using CsCheck;
using NodaTime;

namespace Billing.Resilience.Tests.Drill;

/// <summary>The drill's quote command answers exactly what the library answers (SCENARIOS.md section 1).</summary>
public class QuoteCommandTests
{
    private static readonly string[] Files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "gbfs"), "*.json");

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = OutageDrill.Program.MainAsync(args, stdout, stderr).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void The_divvy_ebike_for_12_25_minutes_costs_6_72_USD()
    {
        // 1.00 unlock + ceil(12.25) = 13 started minutes x 0.44 = 5.72: 6.72 USD.
        var file = Files.Single(f => f.Contains("divvy", StringComparison.Ordinal));
        var (exit, output, error) = Run("quote", "--plans", file, "--plan", "EBIKE_SINGLE_RIDE", "--minutes", "12.25");
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("USD", json.RootElement.GetProperty("currency").GetString());
        Assert.Equal("6.72", json.RootElement.GetProperty("amount").GetString());
        var lines = json.RootElement.GetProperty("lineItems").EnumerateArray().ToList();
        Assert.Equal("base", lines[0].GetProperty("kind").GetString());
        Assert.Equal(13, lines[1].GetProperty("units").GetInt64());
    }

    [Fact]
    public void Quote_answers_the_same_as_the_library_for_any_plan_duration_distance_and_rounding()
    {
        var plans = Files.SelectMany(f => GbfsPricingPlans.Parse(File.ReadAllText(f)).Plans.Select(p => (File: f, Plan: p))).ToArray();
        Gen.Select(Gen.Int[0, plans.Length - 1], Gen.Int[0, 20_000_000], Gen.Int[0, 300_000], Gen.Bool).Sample((index, hundredthsOfMinute, metres, completed) =>
        {
            var (file, plan) = plans[index];
            var minutes = hundredthsOfMinute / 100m;
            var km = metres / 1000m;
            var rounding = completed ? IntervalRounding.Completed : IntervalRounding.Started;
            var (exit, output, error) = Run(
                "quote", "--plans", file, "--plan", plan.PlanId,
                "--minutes", minutes.ToString(CultureInfo.InvariantCulture), "--km", km.ToString(CultureInfo.InvariantCulture),
                "--rounding", completed ? "completed" : "started");
            Assert.True(exit == 0, error);
            var expected = FareCalculator.Quote(plan, Duration.FromNanoseconds((long)(minutes * 60_000_000_000m)), km, rounding);
            using var json = JsonDocument.Parse(output);
            Assert.Equal(expected.Total.ToMajorString(), json.RootElement.GetProperty("amount").GetString());
            Assert.Equal(expected.Currency.Code, json.RootElement.GetProperty("currency").GetString());
            Assert.Equal(expected.LineItems.Count, json.RootElement.GetProperty("lineItems").GetArrayLength());
        }, iter: 1_000);
    }

    [Fact]
    public void A_bad_plan_file_is_one_clear_line_and_exit_code_2_never_a_stack_trace()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-plans-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "data": { "plans": [ { "plan_id": "p", "currency": "KRWX", "price": 1000, "is_taxable": false, "name": "n", "description": "d" } ] } }""");
        try
        {
            var (exit, output, error) = Run("quote", "--plans", file, "--plan", "p", "--minutes", "10");
            Assert.Equal(2, exit);
            Assert.Equal(string.Empty, output);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(file, line, StringComparison.Ordinal);
            Assert.Contains("data.plans[0].currency", line, StringComparison.Ordinal);
            Assert.Contains("KRWX", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
