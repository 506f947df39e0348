using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using Billing.Resilience;
using Billing.Resilience.Journal;
using NodaTime;
using OutageDrill.Reporting;
using OutageDrill.Scenarios;
using OutageDrill.Simulation;

namespace OutageDrill.Tests;

/// <summary>
/// The drill's HTML page (<c>--html OUT</c>): one chart per outage of the naive fare over time against what the library
/// billed, the outage marked; self-contained; the figures agree with the statements. Figures of the 2022-10-15 seed
/// (seeds/kakao-2022-10-15.json), worked out by hand in Billing.Resilience.Tests' SeedScenarioTests.
/// </summary>
[Collection(DrillCommandLine.Name)]
public class HtmlReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    internal static string SeedJson => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "seeds", "kakao-2022-10-15.json"));

    private static async Task<(DrillResult Result, IReadOnlyList<OutageChart> Charts)> SeedWithChartsAsync()
    {
        var (scenario, errors) = ScenarioReader.Read(SeedJson);
        Assert.Empty(errors);
        var result = await DrillRunner.RunAsync(scenario!, new InMemoryJournal());
        return (result, OutageCharts.Build(result));
    }

    internal static XDocument ReadPage(string path)
    {
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    [Fact]
    public async Task The_seed_drill_writes_a_page_with_one_chart_per_outage()
    {
        var folder = Directory.CreateTempSubdirectory("drill-html-");
        try
        {
            var page = Path.Combine(folder.FullName, "drill.html");
            var stdout = new StringWriter();
            var stderr = new StringWriter();

            var exit = await Program.MainAsync(["--html", page], stdout, stderr);

            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, stderr.ToString());
            Assert.Contains("HTML report written to", stdout.ToString(), StringComparison.Ordinal);
            var document = ReadPage(page);
            var charts = document.Descendants(Svg + "svg").Where(s => (string?)s.Attribute("class") == "outage-chart").ToList();
            Assert.Equal(["identity-1", "payment-1"], charts.Select(c => (string?)c.Attribute("data-outage")).Order());
            foreach (var chart in charts)
            {
                Assert.Equal("KRW", (string?)chart.Attribute("data-currency"));
                Assert.Single(chart.Elements(Svg + "rect"), r => (string?)r.Attribute("class") == "freeze");
                Assert.Single(chart.Elements(Svg + "polyline"), r => (string?)r.Attribute("class") == "naive");
                Assert.Single(chart.Elements(Svg + "polyline"), r => (string?)r.Attribute("class") == "charged");
            }

            // The summary: what riders pay against the naive system, as in the terminal report.
            var text = document.Root!.Value;
            Assert.Contains("34,100 KRW", text, StringComparison.Ordinal);
            Assert.Contains("1,017,600 KRW", text, StringComparison.Ordinal);
            Assert.Contains("every money invariant holds", text, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_page_is_self_contained()
    {
        var (result, charts) = await SeedWithChartsAsync();
        var html = HtmlReport.Render(result, charts, "in memory");
        var document = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));

        Assert.DoesNotContain(document.Descendants(), e => e.Name.LocalName is "script" or "link" or "img" or "iframe" or "object" or "embed");
        Assert.DoesNotContain(document.Descendants().Attributes(), a => a.Name.LocalName is "src" or "href" or "srcset");
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_charts_end_at_what_the_statements_say()
    {
        var (_, charts) = await SeedWithChartsAsync();

        Assert.Equal(2, charts.Count);
        foreach (var chart in charts)
        {
            // Both outages froze r-1, r-2, r-5, r-6 and r-7 (r-3 ended before them, r-4 was refused, r-8 and r-9
            // started after them): 6,400 + 4,600 + 1,000 + 3,700 + 1,900 billed, against a naive 222,400 + 220,600 +
            // 120,500 + 219,700 + 217,900.
            Assert.Equal(["r-1", "r-2", "r-5", "r-6", "r-7"], chart.Rentals.Select(r => r.Rental.Id).Order());
            var last = chart.Points[^1];
            Assert.Equal(Money.FromMinorUnits(17_600, CurrencyCode.KRW), last.Charged);
            Assert.Equal(Money.FromMinorUnits(1_001_100, CurrencyCode.KRW), last.Naive);
            Assert.Equal(chart.Rentals.Select(r => r.Statement!.Charge).Aggregate((a, b) => a + b), last.Charged);
            Assert.Equal(chart.Rentals.Select(r => r.Statement!.NaiveFare.Total).Aggregate((a, b) => a + b), last.Naive);

            // The window: from the first start (r-1, 14:50) to the last naive end (11:20 the next day, when identity
            // was back), in the scenario's offset.
            Assert.Equal(Instant.FromUtc(2022, 10, 15, 5, 50), chart.From);
            Assert.Equal(Instant.FromUtc(2022, 10, 16, 2, 20), chart.To);
            Assert.Equal(Offset.FromHours(9), chart.Offset);
        }
    }

    [Fact]
    public async Task The_billed_line_is_flat_while_the_meter_is_frozen_and_the_naive_line_keeps_climbing()
    {
        var (_, charts) = await SeedWithChartsAsync();

        foreach (var chart in charts)
        {
            var outage = chart.Outage;
            var inside = chart.Points.Where(p => p.At >= outage.From && p.At <= outage.To!.Value).ToList();
            Assert.True(inside.Count > 100, $"{outage.OutageId}: {inside.Count} points inside the outage");
            Assert.All(inside, p => Assert.Equal(inside[0].Charged, p.Charged));

            // A naive meter: 1,000 KRW an hour more per kickboard (180 KRW a minute) for every hour of the outage.
            var climbed = inside[^1].Naive - inside[0].Naive;
            var hours = (long)(outage.To!.Value - outage.From).TotalHours;
            Assert.True(climbed.MinorUnits > hours * 4 * 180 * 60, $"{outage.OutageId}: the naive line climbed {climbed} in {hours} h");
        }
    }

    [Fact]
    public async Task The_lines_never_fall_and_the_naive_line_is_never_below_the_billed_one()
    {
        var (_, charts) = await SeedWithChartsAsync();

        foreach (var chart in charts)
        {
            Assert.Equal(chart.Points.Select(p => p.At).Order(), chart.Points.Select(p => p.At));
            for (var i = 1; i < chart.Points.Count; i++)
            {
                Assert.True(chart.Points[i].Charged >= chart.Points[i - 1].Charged, $"billed falls at {chart.Points[i].At}");
                Assert.True(chart.Points[i].Naive >= chart.Points[i - 1].Naive, $"naive falls at {chart.Points[i].At}");
            }

            Assert.All(chart.Points, p => Assert.True(p.Naive >= p.Charged, $"naive {p.Naive} below billed {p.Charged} at {p.At}"));
        }
    }

    [Fact]
    public async Task An_outage_that_froze_no_rental_says_so()
    {
        var scenario = JsonNode.Parse(SeedJson)!.AsObject();
        scenario["outages"]!.AsArray().Add(new JsonObject
        {
            ["dependency"] = "payment",
            ["from"] = "2022-10-18T03:00:00+09:00",
            ["to"] = "2022-10-18T04:00:00+09:00",
        });
        var (parsed, errors) = ScenarioReader.Read(scenario.ToJsonString());
        Assert.Empty(errors);

        var result = await DrillRunner.RunAsync(parsed!, new InMemoryJournal());
        var charts = OutageCharts.Build(result);
        var quiet = Assert.Single(charts, c => c.Rentals.Count == 0);
        Assert.Empty(quiet.Points);

        var document = XDocument.Parse(HtmlReport.Render(result, charts, "in memory").Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));
        var section = document.Descendants().Single(e => (string?)e.Attribute("id") == quiet.Outage.OutageId);
        Assert.Contains("No rental was frozen by this outage.", section.Value, StringComparison.Ordinal);
        Assert.Empty(section.Descendants(Svg + "svg"));
    }

    [Fact]
    public async Task Text_from_the_scenario_is_escaped()
    {
        var scenario = JsonNode.Parse(SeedJson)!.AsObject();
        scenario["scenario"] = "<script>alert('drill')</script> & <b>bold</b>";
        var (parsed, errors) = ScenarioReader.Read(scenario.ToJsonString());
        Assert.Empty(errors);

        var result = await DrillRunner.RunAsync(parsed!, new InMemoryJournal());
        var html = HtmlReport.Render(result, OutageCharts.Build(result), "<journal>");
        var document = XDocument.Parse(html.Replace("<!DOCTYPE html>", string.Empty, StringComparison.Ordinal));

        Assert.DoesNotContain(document.Descendants(), e => e.Name.LocalName is "script" or "b");
        Assert.Equal("Outage drill: <script>alert('drill')</script> & <b>bold</b>", document.Descendants().First(e => e.Name.LocalName == "h1").Value);
    }
}
