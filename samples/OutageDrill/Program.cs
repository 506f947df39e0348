using Billing.Resilience;
using Billing.Resilience.Journal;
using OutageDrill;
using OutageDrill.Reporting;
using OutageDrill.Scenarios;
using OutageDrill.Simulation;
using Spectre.Console;

namespace OutageDrill;

/// <summary>The outage drill (SCENARIOS.md section 1).</summary>
internal static partial class Program
{
    public static Task<int> Main(string[] args) => MainAsync(args, Console.Out, Console.Error);

    public const string DefaultScenario = "seeds/kakao-2022-10-15.json";

    public static async Task<int> MainAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            return await SimulateAsync(DefaultScenario, ReadEmbeddedSeed(), report: null, human: true, stdout, stderr).ConfigureAwait(false);
        }

        switch (args[0])
        {
            case "quote":
                return QuoteCommand.Run(args[1..], stdout, stderr);
            case "simulate" when args.Length >= 2:
                var options = Options.Parse(args[2..], ["--report"], out var problem);
                if (problem is not null)
                {
                    return Fail(stderr, "simulate", problem);
                }

                string json;
                try
                {
                    json = ReadScenario(args[1]);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or InvalidDataException)
                {
                    return Fail(stderr, args[1], $"cannot be read: {ex.Message}");
                }

                var report = options.GetValueOrDefault("--report");
                return await SimulateAsync(args[1], json, report, human: report is not null, stdout, stderr).ConfigureAwait(false);
            default:
                return Fail(stderr, "outage-drill", "usage: [simulate FILE [--report OUT]] | quote --plans GBFS_FILE --plan PLAN_ID --minutes M [--km K] [--rounding started|completed]");
        }
    }

    private static async Task<int> SimulateAsync(string file, string json, string? report, bool human, TextWriter stdout, TextWriter stderr)
    {
        var (scenario, errors) = ScenarioReader.Read(json);
        if (scenario is null)
        {
            return Fail(stderr, file, errors);
        }

        var result = await DrillRunner.RunAsync(scenario, new InMemoryJournal()).ConfigureAwait(false);
        var reportJson = DrillReport.ToJson(result);
        if (report is not null)
        {
            DrillReport.WriteAtomically(report, reportJson);
        }

        if (human)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
            if (Console.IsOutputRedirected || stdout != Console.Out)
            {
                // Not a terminal: a width that fits the tables.
                console.Profile.Width = 120;
            }

            ConsoleReport.Write(console, result);
            if (report is not null)
            {
                console.MarkupLine($"JSON report written to [bold]{Markup.Escape(report)}[/].");
            }
        }
        else
        {
            stdout.WriteLine(DrillReport.ToText(reportJson));
        }

        return result.Gateway.CheckInvariants().Count == 0 ? 0 : 1;
    }

    private static string ReadScenario(string path)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > ScenarioReader.MaxFileBytes)
        {
            throw new InvalidDataException($"{info.Length} bytes is more than the {ScenarioReader.MaxFileBytes} a scenario may have");
        }

        return File.ReadAllText(path);
    }

    private static string ReadEmbeddedSeed()
    {
        using var stream = typeof(Program).Assembly.GetManifestResourceStream(DefaultScenario)
            ?? throw new InvalidOperationException($"The embedded {DefaultScenario} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Bad input: exit code 2 and one line on stderr naming the file, the JSON path and what is wrong.</summary>
    public static int Fail(TextWriter stderr, string file, IReadOnlyList<ValidationError> errors)
    {
        var first = errors[0];
        var more = errors.Count > 1 ? $" (and {errors.Count - 1} more)" : string.Empty;
        stderr.WriteLine($"{file}: {first.Path}: {first.Message} [{first.Code}]{more}");
        return 2;
    }

    public static int Fail(TextWriter stderr, string file, string message)
    {
        stderr.WriteLine($"{file}: {message}");
        return 2;
    }
}
