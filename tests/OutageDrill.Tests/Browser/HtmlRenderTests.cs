using OutageDrill.Reporting;

namespace OutageDrill.Tests.Browser;

/// <summary>
/// The drill's HTML page opened in a real browser: headless Chromium (Debian's package) renders the seed drill's page,
/// and its screenshot shows both lines and the freeze band of each chart, in the page's exact colours.
/// </summary>
[Collection(DrillCommandLine.Name)]
public class HtmlRenderTests
{
    [Fact]
    public async Task Chromium_renders_the_charts()
    {
        var folder = Directory.CreateTempSubdirectory("drill-render-");
        try
        {
            var page = Path.Combine(folder.FullName, "drill.html");
            var exit = await Program.MainAsync(["--html", page], new StringWriter(), new StringWriter());
            Assert.Equal(0, exit);

            var screenshot = await Chromium.ScreenshotAsync(page, 1100, 2000);

            Assert.Equal((1100, 2000), (screenshot.Width, screenshot.Height));

            // Two charts of 824 x 264 plot pixels; the outages cover most of their width. The band is drawn under the
            // lines and the grid, so most of it, not all, keeps its colour.
            var band = screenshot.Count(HtmlReport.FreezeColour);
            Assert.True(band > 2 * 150_000, $"freeze band: {band} pixels");

            // Lines 3 px wide across the charts (the billed line along the bottom, the naive line climbing), plus
            // their legend swatches (22 x 10).
            var naive = screenshot.Count(HtmlReport.NaiveColour);
            var charged = screenshot.Count(HtmlReport.ChargedColour);
            Assert.True(naive > 2 * 1_500, $"naive line: {naive} pixels");
            Assert.True(charged > 2 * 1_500, $"billed line: {charged} pixels");

            // And something else than the page's colours: text (the headings and the tables).
            var white = screenshot.Count("#ffffff");
            Assert.True(white < screenshot.Width * screenshot.Height * 0.95, "the page is blank");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
