using System.Text.Json;
using Spectre.Console;

namespace OutageDrill.Tests;

/// <summary>The <c>perf</c> command at a small scale: the same drill as the performance runs, its JSON line and its output modes.</summary>
public class PerfCommandTests
{
    [Fact]
    public async Task A_small_perf_drill_settles_every_started_rental_and_ends_with_its_json_line()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await Program.MainAsync(["perf", "--rentals", "300"], stdout, stderr);

        Assert.True(exit == 0, stdout + Environment.NewLine + stderr);
        Assert.Equal(string.Empty, stderr.ToString());
        var lines = stdout.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        using var json = JsonDocument.Parse(lines[^1]);
        var root = json.RootElement;
        Assert.Equal(300, root.GetProperty("rentals").GetInt32());
        Assert.True(root.GetProperty("invariantsHeld").GetBoolean());
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        Assert.True(root.GetProperty("peakWorkingSetMB").GetInt64() > 0);

        // Every rental starts before the outage; a few holds end unknown after the gateway's faults (1 %) and are
        // refused. Every started rental is settled at the end, and the JSON line says so.
        var summary = System.Text.RegularExpressions.Regex.Match(lines[^2], @"^300 rentals \((\d+) started\), (\d+) settled");
        Assert.True(summary.Success, lines[^2]);
        var started = int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(started, 285, 300);
        Assert.Equal(started, int.Parse(summary.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(started, root.GetProperty("settled").GetInt32());

        // A start with a hold is four events in two appends, its end signal one, its capture two; a refused start four;
        // the outage two per dependency. Faults add retries, never fewer events.
        Assert.InRange(root.GetProperty("journalEvents").GetInt64(), (started * 7) + ((300 - started) * 4) + 4, (300 * 12) + 4);

        // Not a terminal: plain progress lines, no escape codes, the summary before the JSON line.
        Assert.Contains(lines, l => l.Contains("% of the timeline", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', stdout.ToString());
        Assert.StartsWith("journal: SQLite ", lines[^3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_drill_with_ride_ids_in_start_order_settles_every_started_rental()
        => await AssertEveryStartedRentalIsSettledAsync("--ride-ids", "start-order");

    [Theory]
    [InlineData("0")]  // every command and settlement step reads its rental from the journal
    [InlineData("10")] // the cache turns over every few commands
    public async Task A_drill_with_little_or_no_rental_cache_settles_every_started_rental_the_same(string capacity)
        => await AssertEveryStartedRentalIsSettledAsync("--rental-cache", capacity);

    /// <summary>Runs <c>perf --rentals 200</c> with one more option: the invariants hold and every rental that started
    /// (190 to 200 of them: a few holds are declined) is settled.</summary>
    private static async Task AssertEveryStartedRentalIsSettledAsync(string option, string value)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await Program.MainAsync(["perf", "--rentals", "200", option, value], stdout, stderr);

        Assert.True(exit == 0, stdout + Environment.NewLine + stderr);
        var lines = stdout.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        using var json = JsonDocument.Parse(lines[^1]);
        Assert.True(json.RootElement.GetProperty("invariantsHeld").GetBoolean());
        var summary = System.Text.RegularExpressions.Regex.Match(lines[^2], @"^200 rentals \((\d+) started\), (\d+) settled");
        Assert.True(summary.Success, lines[^2]);
        Assert.InRange(int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 190, 200);
        Assert.Equal(summary.Groups[1].Value, summary.Groups[2].Value);
    }

    [Fact]
    public void Renumbering_rides_in_start_order_keeps_every_ride_whole()
    {
        int[] starts = [300, 10, 200, 10, 0];
        int[] ends = [900, 400, 800, 700, 60];
        int[] received = [5_000, 400, 9_000, 7_000, 60];

        var (s, e, r) = PerfCommand.InStartOrder(starts, ends, received);

        Assert.Equal([0, 10, 10, 200, 300], s);
        var before = starts.Select((_, i) => (starts[i], ends[i], received[i])).Order().ToArray();
        var after = s.Select((_, i) => (s[i], e[i], r[i])).Order().ToArray();
        Assert.Equal(before, after);
        Assert.Equal([300, 10, 200, 10, 0], starts);
    }

    [Fact]
    public void Ride_ids_in_start_order_sort_as_text_in_that_order()
    {
        static string[] Ids(int rentals, bool startOrder)
        {
            var format = PerfCommand.RideIdFormat(rentals, startOrder);
            return [.. Enumerable.Range(0, rentals).Select(i => "p-" + i.ToString(format, System.Globalization.CultureInfo.InvariantCulture))];
        }

        var ordered = Ids(1_000, startOrder: true);
        Assert.Equal("p-000", ordered[0]);
        Assert.Equal("p-999", ordered[^1]);
        Assert.Equal(ordered, ordered.Order(StringComparer.Ordinal));

        // Unordered ids are the drill's historical ones: "p-10" sorts before "p-9".
        var unordered = Ids(1_000, startOrder: false);
        Assert.Equal("p-9", unordered[9]);
        Assert.NotEqual(unordered, unordered.Order(StringComparer.Ordinal));
        Assert.Equal("p-0", Ids(1, startOrder: true)[0]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public async Task A_drill_of_a_handful_of_rentals_still_has_the_outage_and_settles_every_started_rental(int rentals)
    {
        // With so few rides every step can come before the outage begins or ends; the drill still takes the backends down
        // for 20 hours and brings them back, so the outage's two events per dependency are in the journal.
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await Program.MainAsync(["perf", "--rentals", rentals.ToString(System.Globalization.CultureInfo.InvariantCulture)], stdout, stderr);

        Assert.True(exit == 0, stdout + Environment.NewLine + stderr);
        var lines = stdout.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        using var json = JsonDocument.Parse(lines[^1]);
        var root = json.RootElement;
        Assert.True(root.GetProperty("invariantsHeld").GetBoolean());
        var summary = System.Text.RegularExpressions.Regex.Match(lines[^2], @"^\d+ rentals \((\d+) started\), (\d+) settled");
        Assert.True(summary.Success, lines[^2]);
        var started = int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(started, root.GetProperty("settled").GetInt32());
        Assert.InRange(root.GetProperty("journalEvents").GetInt64(), (started * 7) + 4, (rentals * 12) + 4);
    }

    [Fact]
    public async Task On_an_interactive_terminal_perf_shows_a_progress_bar_and_the_json_line_stays_last()
    {
        var stdout = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(stdout),
        });

        // 2,500 rentals: 5,000 timeline steps (a start and an end signal each), the drill's progress-bar threshold.
        var exit = await PerfCommand.RunAsync(["--rentals", "2500"], stdout, new StringWriter(), console);

        Assert.Equal(0, exit);
        var text = stdout.ToString();
        Assert.Contains("Perf drill: 2,500 rentals", text, StringComparison.Ordinal);
        Assert.Contains("100%", text, StringComparison.Ordinal);
        Assert.DoesNotContain("% of the timeline", text, StringComparison.Ordinal);
        var last = text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)[^1];
        using var json = JsonDocument.Parse(last);
        Assert.Equal(2500, json.RootElement.GetProperty("rentals").GetInt32());
        Assert.True(json.RootElement.GetProperty("invariantsHeld").GetBoolean());
    }
}
