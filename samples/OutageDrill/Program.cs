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
        if (args is ["--help"] or ["-h"] or ["help"])
        {
            stdout.WriteLine(Usage);
            return 0;
        }

        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            // The seed drill, for people: the terminal report, and on request the HTML page.
            if (!TryParseOptions("outage-drill", args, ["--html"], out var seedOptions, out var seedProblem))
            {
                return Fail(stderr, seedProblem);
            }

            var seedHtml = seedOptions.GetValueOrDefault("--html");
            if (seedHtml is not null && OutputPathProblem(seedHtml, "--html") is { } seedHtmlProblem)
            {
                return Fail(stderr, seedHtmlProblem);
            }

            return await SimulateAsync(DefaultScenario, ReadEmbeddedSeed(), new DrillOutputs(null, seedHtml, null, Human: true), stdout, stderr).ConfigureAwait(false);
        }

        switch (args[0])
        {
            case "quote":
                return QuoteCommand.Run(args[1..], stdout, stderr);
            case "simulate" when args.Length < 2 || args[1].StartsWith("--", StringComparison.Ordinal):
                return Fail(stderr, "simulate", "FILE", "DRILL_USAGE", "a scenario file is required: " + SimulateUsage);
            case "simulate":
                if (!TryParseOptions("simulate", args[2..], ["--report", "--html", "--journal"], out var options, out var problem))
                {
                    return Fail(stderr, problem);
                }

                foreach (var output in new[] { "--report", "--html" })
                {
                    if (options.GetValueOrDefault(output) is { } outputPath && OutputPathProblem(outputPath, output) is { } outputProblem)
                    {
                        return Fail(stderr, outputProblem);
                    }
                }

                if (!TryReadInput("simulate", "FILE", args[1], ScenarioReader.MaxFileBytes, "DRILL_FILE_TOO_LARGE", out var json, out var readProblem))
                {
                    return Fail(stderr, readProblem);
                }

                if (options.GetValueOrDefault("--journal") is { } journalPath && DrillJournal.PathProblem(journalPath) is { } journalProblem)
                {
                    return Fail(stderr, journalProblem);
                }

                var report = options.GetValueOrDefault("--report");
                var outputs = new DrillOutputs(report, options.GetValueOrDefault("--html"), options.GetValueOrDefault("--journal"), Human: report is not null);
                return await SimulateAsync(args[1], json, outputs, stdout, stderr).ConfigureAwait(false);
            case "perf":
                return await PerfCommand.RunAsync(args[1..], stdout, stderr).ConfigureAwait(false);
            default:
                return Fail(stderr, "outage-drill", "COMMAND", "DRILL_USAGE", $"unknown command '{args[0]}'; usage: [--html OUT] | {SimulateUsage} | {PerfUsage} | {QuoteUsage}");
        }
    }

    private const string SimulateUsage = "simulate FILE [--report OUT] [--html OUT] [--journal PATH|memory]";
    private const string PerfUsage = "perf --rentals N [--journal sqlite|postgres] [--seed S] [--ride-ids unordered|start-order] [--rental-cache N]";
    private const string QuoteUsage = "quote --plans GBFS_FILE --plan PLAN_ID --minutes M [--km K] [--rounding started|completed]";

    /// <summary>What --help prints.</summary>
    public const string Usage = $"""
        Outage drill: replays an outage through Billing.Resilience and reports what every rider pays (docs/drill.md).

          outage-drill [--html OUT]     the embedded 2022-10-15 replay; --html writes a page with a chart per outage
          outage-drill {SimulateUsage}
                                        any scenario (SCENARIOS.md); stdout gets the JSON report unless --report is given
          outage-drill {PerfUsage}
                                        the Kakao-scale drill; its last line is one JSON object
          outage-drill {QuoteUsage}
                                        the fare of one rental under a GBFS plan, as JSON

        Exit codes: 0 done, every money invariant holds; 1 an invariant was broken; 2 bad input (one line on stderr).
        """;

    /// <summary>
    /// Reads "--name value" pairs. Unknown, repeated and valueless options are errors whose path is the option and
    /// whose code says which (DRILL_OPTION_UNKNOWN, DRILL_OPTION_REPEATED, DRILL_OPTION_VALUE_MISSING).
    /// </summary>
    public static bool TryParseOptions(string command, IReadOnlyList<string> args, IReadOnlyCollection<string> known, out Dictionary<string, string> options, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out CommandLineError? problem)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!known.Contains(name))
            {
                problem = new(command, name, "DRILL_OPTION_UNKNOWN", $"unknown option '{name}' (options: {string.Join(", ", known)})");
                return false;
            }

            if (i + 1 >= args.Count)
            {
                problem = new(command, name, "DRILL_OPTION_VALUE_MISSING", "needs a value");
                return false;
            }

            var value = args[++i];
            if (!options.TryAdd(name, value))
            {
                problem = new(command, name, "DRILL_OPTION_REPEATED", $"is given twice ('{options[name]}' and '{value}')");
                return false;
            }
        }

        return true;
    }

    /// <summary>Where a drill's results go: the JSON report file, the HTML page, the journal, and whether stdout gets the terminal report (else the JSON).</summary>
    private sealed record DrillOutputs(string? Report, string? Html, string? Journal, bool Human);

    /// <summary>Scenarios with at least this many inputs show a progress bar on an interactive terminal.</summary>
    public const int ProgressBarThreshold = 5_000;

    private static async Task<int> SimulateAsync(string file, string json, DrillOutputs outputs, TextWriter stdout, TextWriter stderr)
    {
        var (scenario, errors) = ScenarioReader.Read(json);
        if (scenario is null)
        {
            return Fail(stderr, file, errors);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        if (Console.IsOutputRedirected || stdout != Console.Out)
        {
            // Not a terminal: a width that fits the tables.
            console.Profile.Width = 120;
        }

        await using var store = await DrillJournal.OpenAsync(outputs.Journal).ConfigureAwait(false);
        var inputs = DrillRunner.CountInputs(scenario);
        var result = await DrillProgress.RunAsync(
            outputs.Human ? console : null,
            inputs,
            ProgressBarThreshold,
            progress => DrillRunner.RunAsync(scenario, store.Journal, progress)).ConfigureAwait(false);
        var reportJson = DrillReport.ToJson(result);
        var written = new List<(string Kind, string Path)>();
        foreach (var (option, path, content) in new[]
        {
            ("--report", outputs.Report, (Func<byte[]>)(() => reportJson)),
            ("--html", outputs.Html, () => System.Text.Encoding.UTF8.GetBytes(HtmlReport.Render(result, OutageCharts.Build(result), store.Description))),
        })
        {
            if (path is null)
            {
                continue;
            }

            try
            {
                DrillReport.WriteAtomically(path, content());
                written.Add((option == "--report" ? "JSON report" : "HTML report", path));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Checked before the run, but the file system can change meanwhile: still one line, and no file.
                return Fail(stderr, path, option, "DRILL_REPORT_NOT_WRITTEN", $"cannot be written: {ex.Message}");
            }
        }

        if (outputs.Human)
        {
            ConsoleReport.Write(console, result);
            console.MarkupLine($"Journal: [bold]{Markup.Escape(store.Description)}[/] ({result.JournalEvents} events).");
            foreach (var (kind, path) in written)
            {
                console.MarkupLine($"{kind} written to [bold]{Markup.Escape(path)}[/].");
            }
        }
        else
        {
            stdout.WriteLine(DrillReport.ToText(reportJson));
        }

        return result.Gateway.CheckInvariants().Count == 0 ? 0 : 1;
    }

    /// <summary>What makes an output path (<paramref name="option"/>: --report, --html) unusable, found before the drill runs (the file is written after it).</summary>
    private static CommandLineError? OutputPathProblem(string path, string option)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return new(path.Length == 0 ? "simulate" : path, option, "DRILL_REPORT_PATH_INVALID", $"'{path}' is not a file name: {ex.Message}");
        }

        if (Directory.Exists(full))
        {
            return new(path, option, "DRILL_REPORT_PATH_INVALID", "is a directory; the report is written to a file");
        }

        var directory = Path.GetDirectoryName(full);
        return directory is not null && !Directory.Exists(directory)
            ? new(path, option, "DRILL_REPORT_DIRECTORY_MISSING", $"the directory {directory} does not exist")
            : null;
    }

    /// <summary>
    /// Reads an input file as UTF-8 text (a byte order mark is kept for the parsers, which skip one). Refused with a
    /// code: no name (DRILL_FILE_UNREADABLE), a directory (DRILL_FILE_IS_DIRECTORY), no such file
    /// (DRILL_FILE_NOT_FOUND), more than <paramref name="maxBytes"/> bytes (<paramref name="tooLargeCode"/>; counted
    /// while reading, so a device or a growing file is no way round it), bytes that are not UTF-8 (DRILL_FILE_NOT_UTF8):
    /// they were silently replaced by U+FFFD before.
    /// </summary>
    public static bool TryReadInput(string command, string argument, string path, long maxBytes, string tooLargeCode, out string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out CommandLineError? problem)
    {
        text = string.Empty;
        problem = null;
        if (string.IsNullOrWhiteSpace(path))
        {
            problem = new(command, argument, "DRILL_FILE_UNREADABLE", $"'{path}' is not a file name");
            return false;
        }

        if (Directory.Exists(path))
        {
            problem = new(path, argument, "DRILL_FILE_IS_DIRECTORY", "is a directory, not a file");
            return false;
        }

        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                problem = new(path, argument, "DRILL_FILE_NOT_FOUND", "no such file");
                return false;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (file.CanSeek && file.Length > maxBytes)
            {
                problem = new(path, "$", tooLargeCode, $"the file has {file.Length} bytes, more than the limit of {maxBytes}");
                return false;
            }

            using var buffer = new MemoryStream(file.CanSeek ? (int)file.Length + 1 : 0);
            var chunk = new byte[81_920];
            for (int read; (read = file.Read(chunk, 0, chunk.Length)) > 0;)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes)
                {
                    problem = new(path, "$", tooLargeCode, $"the file has more than {maxBytes} bytes, the limit");
                    return false;
                }
            }

            bytes = buffer.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = new(path, argument, "DRILL_FILE_UNREADABLE", $"cannot be read: {ex.Message}");
            return false;
        }

        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (System.Text.DecoderFallbackException ex)
        {
            var offending = string.Join(" ", (ex.BytesUnknown ?? []).Select(b => $"0x{b:X2}"));
            problem = new(path, "$", "DRILL_FILE_NOT_UTF8", $"is not UTF-8 text: {offending} at byte offset {ex.Index}");
            return false;
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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
        stderr.WriteLine(OneLine($"{file}: {first.Path}: {first.Message} [{first.Code}]{more}"));
        return 2;
    }

    /// <summary>
    /// Keeps an error on one line: messages quote what the input holds, and values, JSON objects and file names can
    /// span lines. Line breaks and other control characters are written as escapes.
    /// </summary>
    private static string OneLine(string text)
    {
        if (!text.AsSpan().ContainsAny(LineBreaking))
        {
            return text;
        }

        var line = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => line.Append("\\n"),
                '\r' => line.Append("\\r"),
                '\t' => line.Append(c),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => line.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => line.Append(c),
            };
        }

        return line.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> LineBreaking = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 32).Where(c => c != '\t').Select(c => (char)c), '\u007f', .. Enumerable.Range(0x80, 32).Select(c => (char)c), '\u2028', '\u2029']);

    /// <summary>Bad input on the command line, or a file it names: exit code 2 and one line on stderr, as for a file's errors.</summary>
    public static int Fail(TextWriter stderr, string file, string path, string code, string message)
        => Fail(stderr, new CommandLineError(file, path, code, message));

    public static int Fail(TextWriter stderr, CommandLineError error)
        => Fail(stderr, error.File, [new ValidationError(error.Path, error.Code, error.Message)]);
}

/// <summary>A problem with the command line: the file or command it concerns, the option or argument, a stable code, what is wrong.</summary>
internal sealed record CommandLineError(string File, string Path, string Code, string Message);
