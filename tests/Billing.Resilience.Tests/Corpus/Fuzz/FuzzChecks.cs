using System.Globalization;
using System.Text.Json;
using Billing.Resilience.Pricing;
using NodaTime;
using OutageDrill.Scenarios;

namespace Billing.Resilience.Tests.Corpus.Fuzz;

/// <summary>What must hold for any input at all: the documented result, never an exception, and a consistent one.</summary>
internal static class FuzzChecks
{
    private static readonly Instant Earliest = Instant.FromUtc(2000, 1, 1, 0, 0);
    private static readonly Instant Latest = Instant.FromUtc(2100, 1, 1, 0, 0);

    public static void Gbfs(string input, Random random, FuzzStats stats)
    {
        var import = GbfsPricingPlans.Parse(input);
        Assert.All(import.Warnings, Stable);
        Assert.All(import.Warnings, w => Assert.Contains(w.Code, CorpusAssert.GbfsCodes));
        if (!import.IsValid)
        {
            stats.Rejected();
            Assert.Empty(import.Plans);
            Assert.InRange(import.Errors.Count, 1, GbfsPricingPlans.MaxReportedProblems + 1);
            Assert.All(import.Errors, Stable);
            Assert.All(import.Errors, e => Assert.Contains(e.Code, CorpusAssert.GbfsCodes));
            return;
        }

        stats.Accepted();
        Assert.Empty(import.Errors);
        Assert.Equal(import.Plans.Count, import.Plans.Select(p => p.PlanId).Distinct(StringComparer.Ordinal).Count());
        foreach (var plan in import.Plans)
        {
            Consistent(plan);
        }

        foreach (var plan in import.Plans.Take(3))
        {
            // Any accepted plan quotes: not negative, and the line items add up to the total.
            var minutes = random.Next(4) == 0 ? 0 : random.Next(1_000);
            var quote = FareCalculator.Quote(plan, Duration.FromSeconds(minutes * 60 + random.Next(60)), random.Next(100) + (random.Next(1_000) / 1_000m), random.Next(2) == 0 ? IntervalRounding.Started : IntervalRounding.Completed);
            Assert.False(quote.Total.IsNegative);
            Assert.Equal(plan.Currency, quote.Currency);
            Assert.Equal(quote.Total.MinorUnits, quote.LineItems.Sum(l => l.Amount.MinorUnits));
        }
    }

    public static void Consistent(PricingPlan plan)
    {
        Assert.False(string.IsNullOrWhiteSpace(plan.PlanId));
        Assert.InRange(plan.PlanId.Length, 1, GbfsPricingPlans.MaxPlanIdLength);
        Assert.False(plan.Currency.IsDefault);
        Assert.InRange(plan.Price, 0m, GbfsPricingPlans.MaxAmount);
        Assert.True(plan.PerMinutePricing.Count <= GbfsPricingPlans.MaxSegmentsPerList && plan.PerKmPricing.Count <= GbfsPricingPlans.MaxSegmentsPerList);
        foreach (var segment in plan.PerMinutePricing.Concat(plan.PerKmPricing))
        {
            Assert.True(segment.Start >= 0 && segment.Interval >= 0, segment.ToString());
            Assert.True(segment.End is null || segment.End > segment.Start, segment.ToString());
            Assert.InRange(Math.Abs(segment.Rate), 0m, GbfsPricingPlans.MaxAmount);
        }

        if (plan.FareCap is { } cap)
        {
            Assert.True(cap.DurationMinutes > 0);
            Assert.InRange(cap.Price, 0m, GbfsPricingPlans.MaxAmount);
        }

        Assert.True(plan.ReservationPricePerMinute is null or >= 0 && plan.ReservationPriceFlatRate is null or >= 0);
        Assert.False(plan.ReservationPricePerMinute is not null && plan.ReservationPriceFlatRate is not null);
    }

    public static void Scenario(string input, FuzzStats stats)
    {
        var (scenario, errors) = ScenarioReader.Read(input);
        if (scenario is null)
        {
            stats.Rejected();
            Assert.NotEmpty(errors);
            Assert.All(errors, Stable);
            return;
        }

        stats.Accepted();
        Assert.Empty(errors);
        Assert.False(string.IsNullOrWhiteSpace(scenario.Name));
        var runUntil = scenario.RunUntil.ToInstant();
        InRange(runUntil);
        var plans = scenario.Plans.ToDictionary(p => p.PlanId, StringComparer.Ordinal);
        foreach (var plan in scenario.Plans)
        {
            Consistent(plan);
        }

        if (scenario.Policy.HoldAmount is { } hold)
        {
            Assert.InRange(hold, 0.0000000000000000000000000001m, 1_000_000_000_000m);
            Assert.All(scenario.Plans, p => Assert.Equal(hold, decimal.Round(hold, p.Currency.MinorDigits)));
        }

        foreach (var group in scenario.Outages.GroupBy(o => o.Dependency))
        {
            var ordered = group.OrderBy(o => o.From.ToInstant()).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                InRange(ordered[i].From.ToInstant());
                Assert.True(ordered[i].To is not { } to || to.ToInstant() > ordered[i].From.ToInstant());
                Assert.True(i == 0 || ordered[i - 1].To is { } previous && previous.ToInstant() <= ordered[i].From.ToInstant(), "outages of one dependency overlap");
            }
        }

        Assert.Equal(scenario.Rentals.Count, scenario.Rentals.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        foreach (var rental in scenario.Rentals)
        {
            Assert.True(plans.ContainsKey(rental.PlanId), $"rental {rental.Id} is on an unknown plan {rental.PlanId}");
            Assert.True(Billing.Resilience.Rentals.RentalId.IsValid(rental.Id) && Billing.Resilience.Rentals.RiderId.IsValid(rental.RiderId));
            var start = rental.StartedAt.ToInstant();
            InRange(start);
            Assert.True(start < runUntil);
            Assert.All(rental.EndSignals, s => Assert.True(s.ReceivedAt.ToInstant() >= start && Enum.IsDefined(s.Source)));
            Assert.All(rental.EndSignals, s => InRange(s.At.ToInstant()));
            Assert.All(rental.Distance, d => Assert.True(d.At.ToInstant() >= start && d.Kilometres is > 0 and <= 1_000 && decimal.Round(d.Kilometres, 6) == d.Kilometres));
        }

        var ids = scenario.Rentals.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(scenario.Faults, f => Assert.Contains(f.RentalId, ids));
    }

    /// <summary>Runs <c>quote</c> on the input as a file: exit 0 with one JSON object, or exit 2 with one line; nothing else.</summary>
    public static void Quote(string input, TempDirectory dir, Random random, FuzzStats stats)
    {
        var file = dir.Write("plans.json", input);
        var import = GbfsPricingPlans.Parse(File.ReadAllText(file));
        var plan = import.Plans.Count > 0 ? import.Plans[random.Next(import.Plans.Count)].PlanId : "p1";
        string[] args =
        [
            "quote", "--plans", file, "--plan", plan,
            "--minutes", Pick(random, "0", "10", "12.25", "1440", "5256000", "-1", "1e3"),
            "--km", Pick(random, "0", "1.5", "1000000", "x"),
            "--rounding", Pick(random, "started", "completed", "up"),
        ];
        var (exit, stdout, stderr) = DrillCli.RunAsync(args).GetAwaiter().GetResult();
        stats.Quoted();
        if (exit == 0)
        {
            Assert.Empty(stderr);
            using var quote = JsonDocument.Parse(stdout);
            var amount = quote.RootElement.GetProperty("amount").GetString()!;
            Assert.False(amount.StartsWith('-'), amount);
            Assert.True(decimal.TryParse(amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _), amount);
            Assert.True(CurrencyCode.TryParse(quote.RootElement.GetProperty("currency").GetString(), out _));
            return;
        }

        Assert.Equal(2, exit);
        Assert.Matches(@" \[(DRILL|BILLING)_[A-Z0-9_]+\]( \(and \d+ more\))?$", CorpusAssert.OneLine(stderr, stdout));
        Assert.Equal(["plans.json"], dir.Files());
    }

    private static void Stable(ValidationError error)
    {
        Assert.Matches(CorpusAssert.StableCode(), error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Path), error.ToString());
        Assert.False(string.IsNullOrWhiteSpace(error.Message), error.ToString());
    }

    private static void InRange(Instant instant) => Assert.True(instant >= Earliest && instant < Latest, instant.ToString());

    private static string Pick(Random random, params string[] values) => values[random.Next(values.Length)];
}

/// <summary>Counts, across threads, what the fuzz run did.</summary>
internal sealed class FuzzStats
{
    private long accepted;
    private long rejected;
    private long quoted;

    public long Total => Interlocked.Read(ref accepted) + Interlocked.Read(ref rejected);

    public void Accepted() => Interlocked.Increment(ref accepted);

    public void Rejected() => Interlocked.Increment(ref rejected);

    public void Quoted() => Interlocked.Increment(ref quoted);

    public override string ToString() => $"{accepted} accepted, {rejected} rejected, {quoted} quoted through the command line";
}
