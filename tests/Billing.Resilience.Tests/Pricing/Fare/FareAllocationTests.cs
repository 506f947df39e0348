using Billing.Resilience.Pricing;
using Billing.Resilience.Tests.Support;
using NodaTime;
using static Billing.Resilience.Tests.Pricing.Fare.FarePlans;

namespace Billing.Resilience.Tests.Pricing.Fare;

/// <summary><see cref="FareCalculator.Total"/> is the hot path (re-pricing open rentals): it must not allocate.</summary>
public class FareAllocationTests
{
    public static TheoryData<string> Plans => ["kickboard", "gbfs-example-1", "gbfs-example-2-capped", "stadtmobil", "charlotte"];

    [Theory]
    [MemberData(nameof(Plans))]
    public void Total_does_not_allocate(string name)
    {
        var plan = name switch
        {
            "kickboard" => Kickboard(),
            "gbfs-example-1" => GbfsExample1(),
            "gbfs-example-2-capped" => GbfsExample2(new FareCap(durationMinutes: 30, price: 15.00m)),
            "stadtmobil" => StadtmobilMicroHourDaytime(),
            _ => CharlotteAnnualMonthly(),
        };
        DistanceMark[] distance = [Km(1.2m, Minutes(3)), Km(30m, Minutes(40)), Km(80.5m, Minutes(200))];
        var time = Minutes(1000) + Duration.FromMilliseconds(1234);

        var expected = FareCalculator.Quote(plan, time, distance, IntervalRounding.Started).Total;
        for (var i = 0; i < 100; i++)
        {
            FareCalculator.Total(plan, time, distance, IntervalRounding.Started);
            FareCalculator.Total(plan, time, distance, IntervalRounding.Completed);
        }

        var total = default(Money);
        var allocated = Allocations.Fewest(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                total = FareCalculator.Total(plan, time, distance, IntervalRounding.Started);
                FareCalculator.Total(plan, time, distance, IntervalRounding.Completed);
            }
        });

        Assert.Equal(expected, total);
        Assert.Equal(0, allocated);
    }
}
