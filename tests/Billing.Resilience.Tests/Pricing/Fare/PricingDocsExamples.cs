using Billing.Resilience.Pricing;
using NodaTime;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary>
/// The code and the tables of docs/pricing.md. The snippets there are copied from here (between the
/// "docs: begin" and "docs: end" comments); keep both in step.
/// </summary>
public class PricingDocsExamples
{
    [Fact]
    public void Quote_a_ride()
    {
        // docs: begin quote
        var plan = new PricingPlan(
            "kickboard",
            CurrencyCode.KRW,
            price: 1000m,
            perMinutePricing: [new PricingSegment(start: 0, rate: 180m, interval: 1)]);

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(30), billableKilometres: 1.8m, IntervalRounding.Started);

        Assert.Equal("6400", quote.Total.ToMajorString());   // 1000 + 30 x 180
        Assert.Equal(Money.FromMinorUnits(6400, CurrencyCode.KRW), quote.Total);
        Assert.Collection(
            quote.LineItems,
            line => Assert.Equal((FareLineItemKind.Base, "1000"), (line.Kind, line.Amount.ToMajorString())),
            line => Assert.Equal((FareLineItemKind.PerMinute, 0, 30L, "5400"), (line.Kind, line.Segment!.Value, line.Units!.Value, line.Amount.ToMajorString())));
        // docs: end quote
    }

    [Fact]
    public void Distance_in_capping_windows()
    {
        // docs: begin capping
        // GBFS 3.1 example 2: 3.00 CAD unlock, 0.25 per km, 0.50 per minute, capped at 15.00 per 720 minutes.
        var cad = CurrencyCode.Parse("CAD");
        var plan = new PricingPlan(
            "plan3",
            cad,
            price: 3.00m,
            perMinutePricing: [new PricingSegment(start: 0, rate: 0.50m, interval: 1)],
            perKmPricing: [new PricingSegment(start: 0, rate: 0.25m, interval: 1)],
            fareCap: new FareCap(durationMinutes: 720, price: 15.00m));

        // 4 km in the 5th billable minute, 8 km in the 725th: each increment is stamped with the billable time before it.
        DistanceMark[] distance = [new(Duration.FromMinutes(5), 4m), new(Duration.FromMinutes(725), 8m)];
        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(730), distance, IntervalRounding.Started);

        Assert.Equal("22.00", quote.Total.ToMajorString());  // window 0: 15.00 (capped), window 1: 7.00
        Assert.Equal(-349.00m, quote.LineItems.Single(l => l.Kind == FareLineItemKind.FareCap).ExactAmount); // 371.00 uncapped

        // The hot path: the same total, no line items, no allocation.
        Assert.Equal(quote.Total, FareCalculator.Total(plan, Duration.FromMinutes(730), distance, IntervalRounding.Started));
        // docs: end capping
    }

    [Fact]
    public void Money_text_and_rounding()
    {
        // docs: begin money
        var usd = CurrencyCode.USD;                                  // 2 minor digits
        var fare = Money.Parse("2.70", usd);
        Assert.Equal(270, fare.MinorUnits);
        Assert.Equal("2.70", fare.ToMajorString());
        Assert.Equal("7000", Money.FromMinorUnits(7000, CurrencyCode.KRW).ToMajorString()); // 0 minor digits
        Assert.Equal("0.125", Money.FromMinorUnits(125, CurrencyCode.Parse("BHD")).ToMajorString()); // 3

        Assert.Throws<FormatException>(() => Money.Parse("2.705", usd));                  // would need rounding
        Assert.Equal("2.70", Money.FromMajor(2.705m, usd, MidpointRounding.ToEven).ToMajorString()); // rounding, said so
        Assert.Throws<CurrencyMismatchException>(() => fare + Money.FromMinorUnits(100, CurrencyCode.EUR));
        // docs: end money
    }

    [Fact]
    public void One_rounding_with_its_line()
    {
        // docs: begin rounding
        // Three overlapping segments of 0.125 USD per started minute, one minute: 0.375 exactly, 0.38 once rounded.
        var plan = new PricingPlan(
            "eighths",
            CurrencyCode.USD,
            price: 0m,
            perMinutePricing: [new PricingSegment(0, 0.125m, 1), new PricingSegment(0, 0.125m, 1), new PricingSegment(0, 0.125m, 1)]);

        var quote = FareCalculator.Quote(plan, Duration.FromMinutes(1), billableKilometres: 0m, IntervalRounding.Started);

        Assert.Equal(0.375m, quote.ExactTotal);
        Assert.Equal("0.38", quote.Total.ToMajorString());
        var lines = quote.LineItems.Select(l => $"{l.Kind} {l.ExactAmount} {l.Amount.ToMajorString()}");
        Assert.Equal(["Base 0 0.00", "PerMinute 0.125 0.12", "PerMinute 0.125 0.12", "PerMinute 0.125 0.12", "Rounding 0.005 0.02"], lines);
        // docs: end rounding
    }

    [Theory]
    //          minutes  started  completed  as described
    [InlineData(10, "9.90", "0.00", "9.90")]
    [InlineData(30, "9.90", "0.00", "9.90")]
    [InlineData(60, "9.90", "9.90", "9.90")]
    [InlineData(61, "19.80", "9.90", "12.38")]
    [InlineData(90, "19.80", "9.90", "14.85")]
    [InlineData(120, "19.80", "19.80", "19.80")]
    [InlineData(121, "29.70", "19.80", "22.28")]
    [InlineData(150, "29.70", "19.80", "24.75")]
    [InlineData(181, "39.60", "29.70", "32.18")]
    public void Deer_basic_line_hour_table(int minutes, string started, string completed, string asDescribed)
    {
        var time = Duration.FromMinutes(minutes);

        Assert.Equal(started, FareCalculator.Quote(FarePlans.DeerBasicLineHour(), time, 0m, IntervalRounding.Started).Total.ToMajorString());
        Assert.Equal(completed, FareCalculator.Quote(FarePlans.DeerBasicLineHour(), time, 0m, IntervalRounding.Completed).Total.ToMajorString());
        Assert.Equal(asDescribed, FareCalculator.Quote(FarePlans.DeerBasicLineHourAsDescribed(), time, 0m, IntervalRounding.Started).Total.ToMajorString());
    }

    [Theory]
    //          minutes  started  completed
    [InlineData(30, "2.30", "1.20")]
    [InlineData(60, "2.30", "2.30")]
    [InlineData(61, "3.40", "2.30")]
    [InlineData(150, "4.50", "3.40")]
    [InlineData(1020, "19.90", "19.90")]
    [InlineData(1440, "19.90", "19.90")]
    public void Stadtmobil_micro_hour_daytime_table(int minutes, string started, string completed)
    {
        var time = Duration.FromMinutes(minutes);

        Assert.Equal(started, FareCalculator.Quote(FarePlans.StadtmobilMicroHourDaytime(), time, 0m, IntervalRounding.Started).Total.ToMajorString());
        Assert.Equal(completed, FareCalculator.Quote(FarePlans.StadtmobilMicroHourDaytime(), time, 0m, IntervalRounding.Completed).Total.ToMajorString());
    }

    [Theory]
    //          minutes  started   completed
    [InlineData(1, "109.90", "0.00")]
    [InlineData(3119, "109.90", "0.00")]
    [InlineData(5000, "109.90", "0.00")]
    public void Deer_weekend_plan_never_completes_its_interval(int minutes, string started, string completed)
    {
        // end 3119, interval 3120: x = min(d, 3119) < 3120, so ceil(x / 3120) = 1 and floor(x / 3120) = 0, for ever.
        var time = Duration.FromMinutes(minutes);

        Assert.Equal(started, FareCalculator.Quote(FarePlans.DeerBasicLineWeekend(), time, 0m, IntervalRounding.Started).Total.ToMajorString());
        Assert.Equal(completed, FareCalculator.Quote(FarePlans.DeerBasicLineWeekend(), time, 0m, IntervalRounding.Completed).Total.ToMajorString());
    }

    [Fact]
    public void Lillestrom_rules_written_as_segments()
    {
        // What the description says ("over 60 minutes: 20 NOK for the first half hour, 40 NOK for every started half
        // hour after that"), if the operator published it as segments. The real feed has none: it bills 50.00 always.
        var plan = new PricingPlan(
            "sesongkort-as-described",
            CurrencyCode.Parse("NOK"),
            50m,
            [new PricingSegment(start: 60, rate: 20m, interval: 0), new PricingSegment(start: 90, rate: 40m, interval: 30)]);

        // 45 min: 50.00. 75 min: 50 + 20 = 70.00. 100 min: 50 + 20 + ceil(10 / 30) x 40 = 110.00. 150 min: 50 + 20 + 2 x 40.
        Assert.Equal("50.00", FareCalculator.Quote(plan, Duration.FromMinutes(45), 0m, IntervalRounding.Started).Total.ToMajorString());
        Assert.Equal("70.00", FareCalculator.Quote(plan, Duration.FromMinutes(75), 0m, IntervalRounding.Started).Total.ToMajorString());
        Assert.Equal("110.00", FareCalculator.Quote(plan, Duration.FromMinutes(100), 0m, IntervalRounding.Started).Total.ToMajorString());
        Assert.Equal("150.00", FareCalculator.Quote(plan, Duration.FromMinutes(150), 0m, IntervalRounding.Started).Total.ToMajorString());
    }
}
