using System.Text.Json;
using OutageDrill.Reporting;
using Spectre.Console;

namespace OutageDrill.Tests;

/// <summary>The drill's <c>--html</c> option on the command line, and its progress bar.</summary>
[Collection(DrillCommandLine.Name)]
public class DrillCommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_prints_the_usage_and_runs_nothing(string help)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await Program.MainAsync([help], stdout, stderr);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal(Program.Usage + Environment.NewLine, stdout.ToString());
        Assert.Contains("outage-drill simulate FILE [--report OUT] [--html OUT] [--journal PATH|memory]", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Html_into_a_missing_directory_is_refused_before_the_drill_runs()
    {
        var missing = Path.Combine(Path.GetTempPath(), "drill-missing-" + Guid.NewGuid().ToString("N"), "drill.html");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await Program.MainAsync(["--html", missing], stdout, stderr);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, stdout.ToString());
        Assert.Matches(@"^.*drill\.html: --html: the directory .* does not exist \[DRILL_REPORT_DIRECTORY_MISSING\]\r?\n$", stderr.ToString());
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public async Task Html_given_twice_is_refused()
    {
        var stderr = new StringWriter();

        var exit = await Program.MainAsync(["--html", "a.html", "--html", "b.html"], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("--html: is given twice ('a.html' and 'b.html') [DRILL_OPTION_REPEATED]", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_of_the_seed_drill_is_refused()
    {
        var stderr = new StringWriter();

        var exit = await Program.MainAsync(["--htm", "a.html"], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("--htm: unknown option '--htm' (options: --html) [DRILL_OPTION_UNKNOWN]", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_writes_the_page_and_still_prints_the_json_report()
    {
        var folder = Directory.CreateTempSubdirectory("drill-simulate-");
        try
        {
            var scenario = Path.Combine(folder.FullName, "seed.json");
            await File.WriteAllTextAsync(scenario, HtmlReportTests.SeedJson);
            var page = Path.Combine(folder.FullName, "out.html");
            var stdout = new StringWriter();

            var exit = await Program.MainAsync(["simulate", scenario, "--html", page, "--journal", "memory"], stdout, new StringWriter());

            Assert.Equal(0, exit);
            using var report = JsonDocument.Parse(stdout.ToString());
            Assert.Equal("34100", report.RootElement.GetProperty("totals").GetProperty("charge").GetString());
            Assert.Equal(2, HtmlReportTests.ReadPage(page).Descendants().Count(e => e.Name.LocalName == "svg"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_large_drill_on_an_interactive_terminal_shows_a_progress_bar()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });

        var result = await DrillProgress.RunAsync(console, inputs: 10, threshold: 10, async progress =>
        {
            Assert.NotNull(progress);
            for (var i = 1; i <= 10; i++)
            {
                progress(i, 10);
                await Task.Delay(20);
            }

            return 42;
        });

        Assert.Equal(42, result);
        Assert.Contains("Replaying 10 drill inputs", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("100%", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, 9)] // interactive, but a small drill
    [InlineData(false, 10_000)] // a large drill, but a log or a pipe
    public async Task Otherwise_there_is_no_progress_bar(bool interactive, int inputs)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });

        var result = await DrillProgress.RunAsync(console, inputs, threshold: 10, progress => Task.FromResult(progress is null));

        Assert.True(result);
        Assert.Equal(string.Empty, output.ToString());
    }
}
