using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Billing.Resilience.Journal;

namespace Billing.Resilience.Sqlite.Tests;

/// <summary>
/// "Survives a crash at any point": a child process appends from many writers and prints each append once its task
/// has completed; it is killed (SIGKILL) at an arbitrary moment, the file is reopened, and every acknowledged append
/// must be there, byte for byte, at its position, with the file intact and the journal able to go on. Then again, on
/// the same file. A killed process leaves the OS page cache intact, so this proves that WAL recovery under group commit
/// is sound and loses nothing acknowledged; it cannot prove that fsync reaches the disk (that is what synchronous=FULL,
/// asserted by <see cref="SqliteJournalTests"/>, is for).
/// </summary>
public sealed class SqliteCrashTests : IDisposable
{
    private const int Writers = 12;
    private readonly TempJournalFile file = new();

    public void Dispose() => file.Dispose();

    [Fact]
    public async Task Acknowledged_appends_survive_the_process_being_killed()
    {
        var acknowledged = new Dictionary<(string Stream, long Version), long>();
        foreach (var killAfter in new[] { 1, 400, 40 })
        {
            foreach (var (key, position) in await RunChildAndKillAsync(killAfter))
            {
                acknowledged[key] = position;
            }

            await using var journal = await SqliteJournal.OpenAsync(file.Options());
            for (var w = 0; w < Writers; w++)
            {
                var stream = await journal.ReadStreamAsync($"rental-{w}");
                Assert.Equal(Enumerable.Range(1, stream.Count).Select(v => (long)v), stream.Select(e => e.StreamVersion));
                foreach (var e in stream)
                {
                    var expected = ChildEvent(e.StreamId, e.StreamVersion);
                    Assert.Equal(expected.EventId, e.EventId);
                    Assert.Equal(expected.Payload.ToArray(), e.Payload.ToArray());
                }
            }

            foreach (var ((streamId, version), position) in acknowledged)
            {
                var stream = await journal.ReadStreamAsync(streamId);
                Assert.True(stream.Count >= version, $"{streamId}@{version} was acknowledged (position {position}) but the stream has {stream.Count} events after the crash");
                Assert.Equal(position, stream[(int)version - 1].GlobalPosition);
            }

            using var raw = SqliteJournalTests.Raw(file.Path);
            Assert.Equal("ok", SqliteJournalTests.Scalar(raw, "PRAGMA integrity_check"));
        }

        Assert.True(acknowledged.Count > 440, $"only {acknowledged.Count} appends were acknowledged");
    }

    /// <summary>The child: writers append their own stream's next event until the process is killed.</summary>
    internal static async Task RunChildAsync(string path, int writers)
    {
        await using var journal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = path });
        var output = Console.Out;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var streamId = $"rental-{w}";
            long version = (await journal.ReadStreamAsync(streamId)).Count;
            while (true)
            {
                var result = await journal.AppendAsync(streamId, ExpectedVersion.Exactly(version), [ChildEvent(streamId, version + 1)]);
                version = result.NextExpectedVersion;
                lock (output)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{streamId} {version} {result.LastGlobalPosition}"));
                }
            }
        })));
    }

    private static EventData ChildEvent(string streamId, long version)
    {
        var payload = Encoding.UTF8.GetBytes($$"""{"stream":"{{streamId}}","version":{{version}},"padding":"{{new string('x', (int)(version % 97))}}"}""");
        return new EventData(new Guid(System.Security.Cryptography.SHA256.HashData(payload).AsSpan(0, 16)), "Crashed", payload);
    }

    private async Task<IReadOnlyList<((string, long), long)>> RunChildAndKillAsync(int killAfterAcks)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(SqliteCrashTests).Assembly.Location, "crash-child", file.Path, Writers.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("The crash child did not start.");
        var errors = child.StandardError.ReadToEndAsync();
        var acks = new ConcurrentQueue<((string, long), long)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var parts = line.Split(' ');
            acks.Enqueue(((parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture)), long.Parse(parts[2], CultureInfo.InvariantCulture)));
            if (acks.Count == killAfterAcks)
            {
                child.Kill(entireProcessTree: true);
            }
        }

        await child.WaitForExitAsync(timeout.Token);
        Assert.True(acks.Count >= killAfterAcks, $"the child stopped after {acks.Count} appends: {await errors}");
        return acks.ToArray();
    }
}
