using System.Text.Json;
using Billing.Resilience.Journal;
using OutageDrill.Reporting;
using OutageDrill.Scenarios;
using OutageDrill.Simulation;

namespace Billing.Resilience.Tests.Drill;

/// <summary>
/// The 2022-10-15 replay (seeds/kakao-2022-10-15.json), every figure worked out by hand from SCENARIOS.md 3.
/// Outages: identity 15:20 to 11:20 next day, payment 15:22 to 09:00 next day (KST). Kickboard: 1,000 KRW + 180 KRW
/// per started minute. Bike: 1,000 KRW, then 500 KRW per started 5 minutes after minute 15. Hold 10,000 KRW.
/// </summary>
public class SeedScenarioTests
{
    private static JsonElement? report;

    private static async Task<JsonElement> ReportAsync()
    {
        if (report is { } cached)
        {
            return cached;
        }

        var json = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "seeds", "kakao-2022-10-15.json"));
        var (scenario, errors) = ScenarioReader.Read(json);
        Assert.Empty(errors);
        var result = await DrillRunner.RunAsync(scenario!, new InMemoryJournal());
        Assert.Empty(result.Gateway.CheckInvariants());
        using var document = JsonDocument.Parse(DrillReport.ToJson(result));
        report = document.RootElement.Clone();
        return report.Value;
    }

    private static async Task<JsonElement> RentalAsync(string id)
        => (await ReportAsync()).GetProperty("rentals").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);

    // id, status, reason, billedUntil, billable s, frozen s, km, charge, naive charge, captured, voided, gateway operations
    [Theory]
    // r-1: 14:50 to 15:40 (rider). Frozen from 15:20 (identity; payment from 15:22 inside it) to 15:40: 1,200 s.
    // Billable 30 min: 1,000 + 30 x 180 = 6,400. The 1.8 km at 15:05 count, the 0.9 km at 15:30 is frozen.
    // Naive: no end while identity is down, so 11:20 next day: 1,230 min: 1,000 + 221,400 = 222,400.
    // Capture 6,400 of the 10,000 hold (a lost response, retried with the same key), 3,600 released: 2 operations.
    [InlineData("r-1", "settled", null, "2022-10-15T15:40:00+09:00", 1800, 1200, "1.8", "6400", "222400", "6400", "3600", 2)]
    // r-2: 15:00 to 15:55 (vehicle, received 02:00 while payment is down). Billable 15:00-15:20 = 20 min: 4,600.
    // Frozen 35 min = 2,100 s. Naive 15:00 to 11:20 = 1,220 min: 1,000 + 219,600 = 220,600. Settled at 09:00.
    [InlineData("r-2", "settled", null, "2022-10-15T15:55:00+09:00", 1200, 2100, "0", "4600", "220600", "4600", "5400", 2)]
    // r-3: 13:00 to 13:30 before the outage: 30 min, 6,400, the same for the naive system.
    [InlineData("r-3", "settled", null, "2022-10-15T13:30:00+09:00", 1800, 0, "0", "6400", "6400", "6400", "3600", 2)]
    // r-4: starts at 16:00 with both backends down: rejected, payment first. Nothing charged, nothing held.
    [InlineData("r-4", "rejected", "paymentUnavailable", null, 0, 0, "0", "0", "0", "0", "0", 0)]
    // r-5 (bike): 15:10; rider says 15:35, vehicle 15:33 (received later): the earliest valid, 15:33, decides.
    // Billable 15:10-15:20 = 10 min (under 15): 1,000. Frozen 13 min = 780 s.
    // Naive 15:10 to 11:20 = 1,210 min: 1,000 + ceil(1,195 / 5) = 239 x 500 = 120,500.
    [InlineData("r-5", "settled", null, "2022-10-15T15:33:00+09:00", 600, 780, "0", "1000", "120500", "1000", "9000", 2)]
    // r-6: 15:05; the rider's 15:30 is contradicted by 2.4 km travelled at 15:45; the vehicle's 16:10 decides.
    // Billable 15:05-15:20 = 15 min: 3,700; frozen 50 min = 3,000 s; the 2.4 km were travelled while frozen.
    // Naive 15:05 to 11:20 = 1,215 min: 1,000 + 218,700 = 219,700.
    [InlineData("r-6", "settled", null, "2022-10-15T16:10:00+09:00", 900, 3000, "0", "3700", "219700", "3700", "6300", 2)]
    // r-7: 15:15; support ends it at 15:25 two days later. Billable 5 min: 1,900; frozen 5 min.
    // Naive 15:15 to 11:20 = 1,205 min: 1,000 + 216,900 = 217,900.
    [InlineData("r-7", "settled", null, "2022-10-15T15:25:00+09:00", 300, 300, "0", "1900", "217900", "1900", "8100", 2)]
    // r-8: next day 12:00 to 12:20, all up: 20 min: 4,600.
    [InlineData("r-8", "settled", null, "2022-10-16T12:20:00+09:00", 1200, 0, "0", "4600", "4600", "4600", "5400", 2)]
    // r-9 (bike): 23:00 on the 19th, no end signal: open, billed to runUntil (00:00): 60 min: 1,000 + ceil(45 / 5) x 500 = 5,500.
    // Its hold stays in place until it ends.
    [InlineData("r-9", "open", null, "2022-10-20T00:00:00+09:00", 3600, 0, "0", "5500", "5500", "0", "0", 1)]
    public async Task Every_rental_is_billed_as_SCENARIOS_md_defines(
        string id, string status, string? reason, string? billedUntil, long billable, long frozen, string km, string charge, string naive, string captured, string voided, int operations)
    {
        var r = await RentalAsync(id);
        Assert.Equal(status, r.GetProperty("status").GetString());
        Assert.Equal(reason, r.GetProperty("reason").GetString());
        Assert.Equal(billedUntil, r.GetProperty("billedUntil").GetString());
        Assert.Equal(billable, r.GetProperty("billableSeconds").GetInt64());
        Assert.Equal(frozen, r.GetProperty("frozenSeconds").GetInt64());
        Assert.Equal(km, r.GetProperty("billableKm").GetString());
        Assert.Equal(charge, r.GetProperty("charge").GetString());
        Assert.Equal(naive, r.GetProperty("naiveCharge").GetString());
        Assert.Equal("KRW", r.GetProperty("currency").GetString());
        Assert.Equal(captured, r.GetProperty("captured").GetString());
        Assert.Equal("0", r.GetProperty("charged").GetString());
        Assert.Equal("0", r.GetProperty("refunded").GetString());
        Assert.Equal(voided, r.GetProperty("voided").GetString());
        Assert.Equal(operations, r.GetProperty("gatewayOperations").GetInt32());
        Assert.Equal(status == "rejected" ? "0" : "10000", r.GetProperty("authorized").GetString());
    }

    [Fact]
    public async Task Only_the_contradicted_rider_signal_is_rejected()
    {
        foreach (var rental in (await ReportAsync()).GetProperty("rentals").EnumerateArray())
        {
            var rejected = rental.GetProperty("rejectedSignals").EnumerateArray().ToList();
            if (rental.GetProperty("id").GetString() == "r-6")
            {
                var signal = Assert.Single(rejected);
                Assert.Equal("2022-10-15T15:30:00+09:00", signal.GetProperty("at").GetString());
                Assert.Equal("rider", signal.GetProperty("source").GetString());
                Assert.Equal("contradictedByTelemetry", signal.GetProperty("reason").GetString());
            }
            else
            {
                Assert.Empty(rejected);
            }
        }
    }

    [Fact]
    public async Task Line_items_explain_the_charge()
    {
        var r1 = await RentalAsync("r-1");
        var lines = r1.GetProperty("lineItems").EnumerateArray().ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("base", lines[0].GetProperty("kind").GetString());
        Assert.Equal("1000", lines[0].GetProperty("amount").GetString());
        Assert.Equal("perMinute", lines[1].GetProperty("kind").GetString());
        Assert.Equal(0, lines[1].GetProperty("segment").GetInt32());
        Assert.Equal(30, lines[1].GetProperty("units").GetInt64());
        Assert.Equal("5400", lines[1].GetProperty("amount").GetString());
    }

    [Fact]
    public async Task Each_outage_froze_five_rentals_and_the_totals_add_up()
    {
        var root = await ReportAsync();
        var outages = root.GetProperty("outages").EnumerateArray().ToList();
        Assert.Equal(2, outages.Count);
        Assert.All(outages, o => Assert.Equal(5, o.GetProperty("affectedRentals").GetInt32()));
        var identity = outages.Single(o => o.GetProperty("dependency").GetString() == "identity");
        Assert.Equal("2022-10-15T15:20:00+09:00", identity.GetProperty("from").GetString());
        Assert.Equal("2022-10-16T11:20:00+09:00", identity.GetProperty("to").GetString());

        // 6,400 + 4,600 + 6,400 + 0 + 1,000 + 3,700 + 1,900 + 4,600 + 5,500 = 34,100.
        // Naive: 222,400 + 220,600 + 6,400 + 0 + 120,500 + 219,700 + 217,900 + 4,600 + 5,500 = 1,017,600.
        var totals = root.GetProperty("totals");
        Assert.Equal("KRW", totals.GetProperty("currency").GetString());
        Assert.Equal("34100", totals.GetProperty("charge").GetString());
        Assert.Equal("1017600", totals.GetProperty("naiveCharge").GetString());
        Assert.Equal("983500", totals.GetProperty("notCharged").GetString());
        Assert.Equal("28600", totals.GetProperty("captured").GetString());
    }
}
