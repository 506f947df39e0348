namespace Billing.Resilience.Tests.Corpus;

/// <summary>
/// Malformed drill command lines (SCENARIOS.md section 1): exit code 2, exactly one line on stderr of the form
/// <c>FILE: PATH: what is wrong [CODE]</c> (FILE is the command when no file is concerned, PATH the option, the
/// argument or the JSON path), nothing on stdout, and no file written: no report, no temporary file.
/// </summary>
public class CommandLineCorpus
{
    /// <summary>
    /// A command line, built in a directory that holds <c>seed.json</c> (a valid scenario), <c>plans.json</c> (valid
    /// plans: p1, p2), <c>bad.json</c> (neither UTF-8 nor JSON) and a subdirectory <c>dir</c>; and the line it must print.
    /// </summary>
    internal sealed record CliCase(string Id, Func<TempDirectory, string[]> Args, Func<TempDirectory, string> File, string Path, string Code, string? Shown)
    {
        public override string ToString() => Id;
    }

    private static readonly string[] Plans = ["--plan", "p1"];

    /// <summary>100 segments of a billion USD a minute: ten years of it do not fit in 64-bit minor units.</summary>
    private static readonly string Expensive =
        "[{\"plan_id\":\"p\",\"currency\":\"USD\",\"price\":1,\"per_min_pricing\":[" + string.Join(",", Enumerable.Repeat("{\"start\":0,\"rate\":1000000000,\"interval\":1}", 100)) + "]}]";

    internal static readonly IReadOnlyList<CliCase> Cases =
    [
        // Commands.
        Cli("command/misspelt", _ => ["simulat", "seed.json"], "outage-drill", "COMMAND", "DRILL_USAGE", "'simulat'"),
        Cli("command/upper-case", _ => ["SIMULATE"], "outage-drill", "COMMAND", "DRILL_USAGE", "'SIMULATE'"),
        Cli("command/unknown-option", _ => ["--verbose"], "outage-drill", "--verbose", "DRILL_OPTION_UNKNOWN", "'--verbose'"),
        Cli("command/html-without-value", _ => ["--html"], "outage-drill", "--html", "DRILL_OPTION_VALUE_MISSING", "needs a value"),
        Cli("command/html-is-a-directory", d => ["--html", d.File("dir")], "{dir}/dir", "--html", "DRILL_REPORT_PATH_INVALID", "is a directory"),
        Cli("command/empty", _ => [string.Empty], "outage-drill", "COMMAND", "DRILL_USAGE", "''"),

        // simulate: arguments and options.
        Cli("simulate/no-file", _ => ["simulate"], "simulate", "FILE", "DRILL_USAGE", "simulate FILE"),
        Cli("simulate/option-for-file", d => ["simulate", "--report", d.File("r.json")], "simulate", "FILE", "DRILL_USAGE", "simulate FILE"),
        Cli("simulate/unknown-option", d => ["simulate", d.File("seed.json"), "--output", d.File("r.json")], "simulate", "--output", "DRILL_OPTION_UNKNOWN", "'--output'"),
        Cli("simulate/option-with-equals", d => ["simulate", d.File("seed.json"), "--report=" + d.File("r.json")], "simulate", "--report=" + "{dir}/r.json", "DRILL_OPTION_UNKNOWN", "--report="),
        Cli("simulate/stray-argument", d => ["simulate", d.File("seed.json"), "extra"], "simulate", "extra", "DRILL_OPTION_UNKNOWN", "'extra'"),
        Cli("simulate/report-without-value", d => ["simulate", d.File("seed.json"), "--report"], "simulate", "--report", "DRILL_OPTION_VALUE_MISSING", "needs a value"),
        Cli("simulate/report-twice", d => ["simulate", d.File("seed.json"), "--report", d.File("a.json"), "--report", d.File("b.json")], "simulate", "--report", "DRILL_OPTION_REPEATED", "b.json"),
        Cli("simulate/report-in-missing-directory", d => ["simulate", d.File("seed.json"), "--report", d.File("missing/r.json")], "{dir}/missing/r.json", "--report", "DRILL_REPORT_DIRECTORY_MISSING", "{dir}/missing"),
        Cli("simulate/report-under-a-file", d => ["simulate", d.File("seed.json"), "--report", d.File("seed.json/r.json")], "{dir}/seed.json/r.json", "--report", "DRILL_REPORT_DIRECTORY_MISSING", "does not exist"),
        Cli("simulate/report-is-a-directory", d => ["simulate", d.File("seed.json"), "--report", d.File("dir")], "{dir}/dir", "--report", "DRILL_REPORT_PATH_INVALID", "is a directory"),
        Cli("simulate/journal-with-nul", d => ["simulate", d.File("seed.json"), "--journal", "a\0b.db"], "a\\u0000b.db", "--journal", "DRILL_JOURNAL_PATH_INVALID", "is not a file name"),
        Cli("simulate/report-empty", d => ["simulate", d.File("seed.json"), "--report", string.Empty], "simulate", "--report", "DRILL_REPORT_PATH_INVALID", "''"),
        Cli("simulate/report-nul", d => ["simulate", d.File("seed.json"), "--report", d.File("r\0.json")], "{dir}/r\\u0000.json", "--report", "DRILL_REPORT_PATH_INVALID", "is not a file name"),

        // perf: its options are checked before any journal is opened.
        Cli("perf/rentals-missing", _ => ["perf"], "perf", "--rentals", "DRILL_RENTALS_INVALID", "is required"),
        Cli("perf/rentals-zero", _ => ["perf", "--rentals", "0"], "perf", "--rentals", "DRILL_RENTALS_INVALID", "from 1 to 10000000"),
        Cli("perf/rentals-negative", _ => ["perf", "--rentals", "-5"], "perf", "--rentals", "DRILL_RENTALS_INVALID", "from 1 to 10000000"),
        Cli("perf/rentals-too-many", _ => ["perf", "--rentals", "10000001"], "perf", "--rentals", "DRILL_RENTALS_INVALID", "from 1 to 10000000"),
        Cli("perf/journal-unknown", _ => ["perf", "--rentals", "10", "--journal", "mysql"], "perf", "--journal", "DRILL_JOURNAL_UNKNOWN", "'mysql'"),
        Cli("perf/seed-not-a-number", _ => ["perf", "--rentals", "10", "--seed", "x"], "perf", "--seed", "DRILL_SEED_INVALID", "'x'"),
        Cli("perf/ride-ids-unknown", _ => ["perf", "--rentals", "10", "--ride-ids", "sorted"], "perf", "--ride-ids", "DRILL_RIDE_IDS_UNKNOWN", "'sorted'"),
        Cli("perf/seed-overflows", _ => ["perf", "--rentals", "10", "--seed", "99999999999"], "perf", "--seed", "DRILL_SEED_INVALID", "'99999999999'"),
        Cli("perf/rental-cache-negative", _ => ["perf", "--rentals", "10", "--rental-cache", "-1"], "perf", "--rental-cache", "DRILL_RENTAL_CACHE_INVALID", "'-1'"),
        Cli("perf/rental-cache-too-large", _ => ["perf", "--rentals", "10", "--rental-cache", "10000001"], "perf", "--rental-cache", "DRILL_RENTAL_CACHE_INVALID", "'10000001'"),

        // simulate: the scenario file.
        Cli("simulate/file-missing", d => ["simulate", d.File("missing.json")], "{dir}/missing.json", "FILE", "DRILL_FILE_NOT_FOUND", "no such file"),
        Cli("simulate/file-is-a-directory", d => ["simulate", d.File("dir"), "--report", d.File("r.json")], "{dir}/dir", "FILE", "DRILL_FILE_IS_DIRECTORY", "is a directory"),
        Cli("simulate/file-empty-name", d => ["simulate", string.Empty], "simulate", "FILE", "DRILL_FILE_UNREADABLE", "''"),
        Cli("simulate/file-blank-name", d => ["simulate", "  "], "simulate", "FILE", "DRILL_FILE_UNREADABLE", "'  '"),
        Cli("simulate/file-not-utf8", d => ["simulate", d.File("bad.json"), "--report", d.File("r.json")], "{dir}/bad.json", "$", "DRILL_FILE_NOT_UTF8", "0xFF at byte offset 1"),
        Cli("simulate/file-empty", d => ["simulate", d.Write("empty.json", string.Empty), "--report", d.File("r.json")], "{dir}/empty.json", "$", "DRILL_MALFORMED_JSON", "line 1"),
        Cli("simulate/file-plans-instead", d => ["simulate", d.File("plans.json"), "--report", d.File("r.json")], "{dir}/plans.json", "scenario", "DRILL_REQUIRED", "required"),
        Cli("simulate/file-invalid", d => ["simulate", d.Write("s.json", ScenarioCorpus.Valid.Replace("\"r-2\"", "\"r 2\"", StringComparison.Ordinal)), "--report", d.File("r.json")], "{dir}/s.json", "rentals[1].id", "DRILL_RENTAL_ID_INVALID", "'r 2'"),
        Cli("simulate/file-several-errors", d => ["simulate", d.Write("s.json", "{}"), "--report", d.File("r.json")], "{dir}/s.json", "scenario", "DRILL_REQUIRED", "(and 3 more)"),

        // quote: options.
        Cli("quote/nothing", _ => ["quote"], "quote", "--plans", "DRILL_OPTION_REQUIRED", "usage: quote --plans"),
        Cli("quote/no-plans", _ => ["quote", "--plan", "p1", "--minutes", "10"], "quote", "--plans", "DRILL_OPTION_REQUIRED", "required"),
        Cli("quote/no-plan", d => ["quote", "--plans", d.File("plans.json"), "--minutes", "10"], "quote", "--plan", "DRILL_OPTION_REQUIRED", "required"),
        Cli("quote/no-minutes", d => ["quote", "--plans", d.File("plans.json"), .. Plans], "quote", "--minutes", "DRILL_OPTION_REQUIRED", "required"),
        Cli("quote/unknown-option", d => ["quote", "--plans", d.File("plans.json"), .. Plans, "--minutes", "10", "--hours", "1"], "quote", "--hours", "DRILL_OPTION_UNKNOWN", "'--hours'"),
        Cli("quote/short-option", d => ["quote", "-p", d.File("plans.json")], "quote", "-p", "DRILL_OPTION_UNKNOWN", "'-p'"),
        Cli("quote/upper-case-option", d => ["quote", "--PLANS", d.File("plans.json")], "quote", "--PLANS", "DRILL_OPTION_UNKNOWN", "'--PLANS'"),
        Cli("quote/plans-without-value", _ => ["quote", "--plans"], "quote", "--plans", "DRILL_OPTION_VALUE_MISSING", "needs a value"),
        Cli("quote/minutes-without-value", d => ["quote", "--plans", d.File("plans.json"), .. Plans, "--minutes"], "quote", "--minutes", "DRILL_OPTION_VALUE_MISSING", "needs a value"),
        Cli("quote/plan-twice", d => ["quote", "--plans", d.File("plans.json"), "--plan", "p1", "--plan", "p2", "--minutes", "10"], "quote", "--plan", "DRILL_OPTION_REPEATED", "'p1' and 'p2'"),
        Cli("quote/minutes-twice", d => ["quote", "--plans", d.File("plans.json"), .. Plans, "--minutes", "10", "--minutes", "10"], "quote", "--minutes", "DRILL_OPTION_REPEATED", "'10' and '10'"),
        .. ((string[])["abc", "-5", "-0.01", "1e3", "5256000.01", "99999999999999999999999999999", string.Empty, " 10", "10,5", "1_000", "NaN", "\u221e", "\u0661\u0660", "0x10", "+5"])
            .Select((m, i) => Cli($"quote/minutes-{i}", d => ["quote", "--plans", d.File("plans.json"), .. Plans, "--minutes", m], "quote", "--minutes", "DRILL_MINUTES_INVALID", $"'{m}'")),
        .. ((string[])["-1", "x", "1000000.001", "1e2", string.Empty, "1.5km", "+1"])
            .Select((k, i) => Cli($"quote/km-{i}", d => ["quote", "--plans", d.File("plans.json"), .. Plans, "--minutes", "10", "--km", k], "quote", "--km", "DRILL_KM_INVALID", $"'{k}'")),
        .. ((string[])["up", "Started", "COMPLETED", string.Empty, "started "])
            .Select((r, i) => Cli($"quote/rounding-{i}", d => ["quote", "--plans", d.File("plans.json"), .. Plans, "--minutes", "10", "--rounding", r], "quote", "--rounding", "DRILL_ROUNDING_UNKNOWN", $"'{r}'")),

        // quote: the plans file.
        Cli("quote/plans-missing", d => ["quote", "--plans", d.File("missing.json"), .. Plans, "--minutes", "10"], "{dir}/missing.json", "--plans", "DRILL_FILE_NOT_FOUND", "no such file"),
        Cli("quote/plans-is-a-directory", d => ["quote", "--plans", d.File("dir"), .. Plans, "--minutes", "10"], "{dir}/dir", "--plans", "DRILL_FILE_IS_DIRECTORY", "is a directory"),
        Cli("quote/plans-empty-name", _ => ["quote", "--plans", string.Empty, .. Plans, "--minutes", "10"], "quote", "--plans", "DRILL_FILE_UNREADABLE", "''"),
        Cli("quote/plans-not-utf8", d => ["quote", "--plans", d.File("bad.json"), .. Plans, "--minutes", "10"], "{dir}/bad.json", "$", "DRILL_FILE_NOT_UTF8", "0xFF"),
        Cli("quote/plans-is-a-scenario", d => ["quote", "--plans", d.File("seed.json"), .. Plans, "--minutes", "10"], "{dir}/seed.json", "$", "BILLING_GBFS_PLANS_NOT_FOUND", "no plans array"),
        Cli("quote/plans-invalid", d => ["quote", "--plans", d.Write("p.json", GbfsCorpus.Valid.Replace("\"USD\"", "\"usd\"", StringComparison.Ordinal)), .. Plans, "--minutes", "10"], "{dir}/p.json", "data.plans[0].currency", "BILLING_GBFS_UNKNOWN_CURRENCY", "\"usd\""),
        Cli("quote/plan-unknown", d => ["quote", "--plans", d.File("plans.json"), "--plan", "p3", "--minutes", "10"], "{dir}/plans.json", "--plan", "DRILL_PLAN_UNKNOWN", "'p3' (plans: p1, p2)"),
        Cli("quote/plan-other-case", d => ["quote", "--plans", d.File("plans.json"), "--plan", "P1", "--minutes", "10"], "{dir}/plans.json", "--plan", "DRILL_PLAN_UNKNOWN", "'P1'"),
        Cli("quote/plan-line-break", d => ["quote", "--plans", d.File("plans.json"), "--plan", "p1\n", "--minutes", "10"], "{dir}/plans.json", "--plan", "DRILL_PLAN_UNKNOWN", "'p1\\n'"),
        Cli("quote/fare-too-large", d => ["quote", "--plans", d.Write("p.json", Expensive), "--plan", "p", "--minutes", "5256000"], "{dir}/p.json", "--plan", "DRILL_FARE_TOO_LARGE", "5256000 minutes"),
    ];

    public static TheoryData<string> Ids => [.. Cases.Select(c => c.Id)];

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Exits_with_2_and_one_line_naming_file_path_and_code_and_writes_nothing(string id)
    {
        var c = Cases.Single(x => x.Id == id);
        using var dir = new TempDirectory();
        dir.Write("seed.json", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "seeds", "kakao-2022-10-15.json")));
        dir.Write("plans.json", GbfsCorpus.Valid);
        dir.Write("bad.json", [(byte)'{', 0xFF, (byte)'}']);
        Directory.CreateDirectory(dir.File("dir"));
        var args = c.Args(dir);
        var before = dir.Files();

        var (exit, stdout, stderr) = await DrillCli.RunAsync(args);

        Assert.Equal(2, exit);
        var line = CorpusAssert.OneLine(stderr, stdout);
        var file = c.File(dir);
        Assert.StartsWith($"{file}: {Expand(c.Path, dir)}: ", line, StringComparison.Ordinal);
        Assert.Matches(@" \[(DRILL|BILLING)_[A-Z0-9_]+\]( \(and \d+ more\))?$", line);
        Assert.Contains($"[{c.Code}]", line, StringComparison.Ordinal);
        if (c.Shown is { } shown)
        {
            Assert.Contains(Expand(shown, dir), line, StringComparison.Ordinal);
        }

        Assert.Equal(before, dir.Files());
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.File("dir")));
    }

    private static string Expand(string text, TempDirectory dir) => text.Replace("{dir}", dir.Path, StringComparison.Ordinal);

    private static CliCase Cli(string id, Func<TempDirectory, string[]> args, string file, string path, string code, string? shown)
        => new("cli/" + id, args, dir => Expand(file, dir), path, code, shown);
}
