using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;
using Polly;

namespace Billing.Resilience.Sqlite.Tests;

/// <summary>
/// Issue acceptance (durable journal): a child process runs a drill with reconciliation against a SQLite file and is
/// killed with SIGKILL at random points, again and again, then restarted on the same file until it finishes. The
/// payment gateway's ledger lives in this (the parent) process, behind HTTP on loopback, so it survives every kill and
/// tells the truth: nothing the child acknowledged is lost, and no money moved twice.
/// </summary>
public sealed class DrillKillTests : IDisposable
{
    private const int Rentals = 20;
    private const int Kills = 50;
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 5, 0);
    private static readonly PricingPlan Kickboard = new("kickboard", CurrencyCode.KRW, 1000m, [new PricingSegment(0, 180m, 1)]);
    private readonly TempJournalFile file = new();

    public void Dispose() => file.Dispose();

    [Fact]
    public async Task A_drill_killed_at_50_random_points_loses_nothing_acknowledged_and_moves_money_once()
    {
        var gateway = new SimulatedPaymentGateway("psp", new FakeClock(T0 + Duration.FromHours(1)));
        using var server = new HttpGatewayServer(gateway);
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var random = new Random(20221015);
        var kills = 0;
        var generation = 0;
        while (kills < Kills && generation < 4 * Kills)
        {
            // Each run first finishes what earlier runs left (recovery from the journal), then works a new batch.
            // A random point: after a random number of acknowledgements (0 to all of them), plus a random delay, so kills
            // land during starts, during ends, during reconciliation and during start-up and recovery.
            var point = new KillPoint(random.Next(0, (2 * Rentals) + 1), TimeSpan.FromMilliseconds(random.Next(0, 400)));
            var (lines, finished) = await RunChildAsync(server.Url, generation++, point);
            acknowledged.UnionWith(lines.Where(l => l.StartsWith("ack ", StringComparison.Ordinal)));
            kills += finished ? 0 : 1;
        }

        // The last run starts after every generation's time (-n-1 means: finish only, at generation n's slot).
        var (last, done) = await RunChildAsync(server.Url, -generation - 1, kill: null);
        Assert.True(done, "the last run did not finish: " + string.Join(" | ", last.TakeLast(5)));
        Assert.Contains("done", last);
        Assert.True(kills >= Kills, $"only {kills} runs were killed before they finished");

        await using var journal = await SqliteJournal.OpenAsync(file.Options());

        // Nothing acknowledged was lost.
        foreach (var ack in acknowledged)
        {
            var parts = ack.Split(' ');
            var events = await journal.ReadStreamAsync("rental-" + parts[2]);
            var type = parts[1] == "start" ? "RentalStarted" : "EndSignalReceived";
            Assert.True(events.Any(e => e.EventType == type), $"acknowledged '{ack}' is not in the journal");
        }

        // No money moved twice, by the gateway's own ledger; every ended rental settled at the charge the journal explains.
        Assert.Empty(gateway.CheckInvariants());
        using var engine = await BuildEngineAsync(journal, new FakeClock(T0 + Duration.FromDays(60)), new HttpClient { BaseAddress = new Uri(server.Url) });
        var ended = 0;
        for (var g = 0; g < generation; g++)
        {
            for (var i = 0; i < Rentals; i++)
            {
                var id = $"r-{g}-{i}";
                var statement = await engine.Rentals.GetStatementAsync(id, CancellationToken.None);
                if (statement is null)
                {
                    continue;
                }

                Assert.False(statement.Money.HasUnresolvedOperation, $"{id}: an operation is still unresolved");
                if (statement.End is not null)
                {
                    ended++;
                    Assert.Equal(RentalStatus.Settled, statement.Status);
                    Assert.Empty(gateway.CheckCharge(id, statement.Charge));
                }
                else
                {
                    Assert.DoesNotContain(gateway.GetOperations(id), o => o.Kind is PaymentOperationKind.Capture or PaymentOperationKind.Charge);
                }
            }
        }

        Assert.True(ended >= Rentals, $"only {ended} rentals ended");
    }

    private sealed record KillPoint(int AfterLines, TimeSpan Delay);

    private async Task<(List<string> Lines, bool Finished)> RunChildAsync(string url, int generation, KillPoint? kill)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(DrillKillTests).Assembly.Location);
        start.ArgumentList.Add("drill-child");
        start.ArgumentList.Add(file.Path);
        start.ArgumentList.Add(url);
        start.ArgumentList.Add(generation.ToString(CultureInfo.InvariantCulture));
        using var child = Process.Start(start)!;
        var lines = new List<string>();
        var reached = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                    if (kill is not null && lines.Count >= kill.AfterLines)
                    {
                        reached.TrySetResult();
                    }
                }
            }
        });
        var errors = child.StandardError.ReadToEndAsync();
        var exited = child.WaitForExitAsync();
        var finished = true;
        if (kill is not null)
        {
            if (kill.AfterLines == 0)
            {
                reached.TrySetResult();
            }

            await Task.WhenAny(exited, reached.Task);
            if (await Task.WhenAny(exited, Task.Delay(kill.Delay)) != exited)
            {
                child.Kill(entireProcessTree: true); // SIGKILL
                finished = false;
            }
        }
        else if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromMinutes(3))) != exited)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException("the drill child did not finish in 3 minutes");
        }

        await child.WaitForExitAsync();
        await reading;
        if (finished && child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the drill child failed ({child.ExitCode}): {await errors}");
        }

        lock (lines)
        {
            return (lines.ToList(), finished);
        }
    }

    /// <summary>
    /// The child: finishes what earlier runs left (the engine queues it from the journal at start), then runs one
    /// generation of the drill — rentals start, the payment backend goes down, the rides end, it comes back, the
    /// reconciler settles — four hours of simulated time after the previous generation. A negative generation -n-1 only
    /// finishes, at generation n's time.
    /// </summary>
    internal static async Task<int> RunChildAsync(string path, string url, int generation)
    {
        var slot = generation >= 0 ? generation : -generation - 1;
        var origin = T0 + Duration.FromHours(4 * slot);
        var clock = new FakeClock(origin);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        await using var journal = await SqliteJournal.OpenAsync(new SqliteJournalOptions { Path = path });
        using var engine = await BuildEngineAsync(journal, clock, http);
        var output = Console.Out;

        // At process start the probe finds the payment backend up (a killed run may have left an outage open).
        await engine.Health.ReportUpAsync(Dependency.Payment);
        if (generation >= 0)
        {
            for (var i = 0; i < Rentals; i++)
            {
                clock.Reset(origin + Duration.FromSeconds(i));
                var result = await engine.Rentals.StartAsync(new StartRental($"r-{generation}-{i}", $"u-{i}", "kickboard"));
                if (!result.Started)
                {
                    throw new InvalidOperationException($"r-{generation}-{i}: {result.Refusal}");
                }

                await output.WriteLineAsync($"ack start r-{generation}-{i}");
                await output.FlushAsync();
            }

            clock.Reset(origin + Duration.FromMinutes(10));
            await engine.Health.ReportDownAsync(Dependency.Payment, "drill");
            for (var i = 0; i < Rentals; i++)
            {
                clock.Reset(origin + Duration.FromMinutes(25) + Duration.FromSeconds(i));
                var receipt = await engine.Rentals.ReportEndAsync(new ReportEndSignal($"r-{generation}-{i}", origin + Duration.FromMinutes(20) + Duration.FromSeconds(i), EndSignalSource.Vehicle));
                if (!receipt.Accepted)
                {
                    throw new InvalidOperationException($"r-{generation}-{i}: {string.Join("; ", receipt.Errors)}");
                }

                await output.WriteLineAsync($"ack end r-{generation}-{i}");
                await output.FlushAsync();
            }

            clock.Reset(origin + Duration.FromHours(3));
            await engine.Health.ReportUpAsync(Dependency.Payment);
        }

        for (var round = 0; round < 100_000 && (round == 0 || engine.Reconciler.Pending > 0); round++)
        {
            await engine.Reconciler.RunOnceAsync();
            clock.Advance(Duration.FromSeconds(1));
        }

        await output.WriteLineAsync("done");
        await output.FlushAsync();
        return 0;
    }

    private static Task<BillingEngine> BuildEngineAsync(SqliteJournal journal, FakeClock clock, HttpClient http)
    {
        var builder = new BillingEngineBuilder()
            .UseClock(clock)
            .UseJournal(journal)
            .AddPricingPlans([Kickboard])
            .UseIdentityProvider(new Welcome())
            .AddPaymentGateway(new HttpGatewayClient("psp", http), ResiliencePipeline<PaymentResult>.Empty);
        builder.Payments.HoldAmount = 10_000m;
        builder.Reconciler.MaxCallsPerSecond = 10_000;
        builder.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k", Secret = new byte[32] });
        builder.RentalTokens.ActiveKeyId = "k";
        return builder.BuildAsync();
    }

    private sealed class Welcome : IIdentityProvider
    {
        public ValueTask<IdentityVerdict> AuthenticateAsync(RiderId riderId, string? credential, CancellationToken cancellationToken)
            => ValueTask.FromResult(IdentityVerdict.Authenticated);
    }

    private sealed record WireRequest(string Key, string Kind, string RentalId, string RiderId, long AmountMinor, string Currency, string? Reference);

    private sealed record WireResult(string Outcome, string? Reference, long? AmountMinor, string? Currency, string? Reason);

    /// <summary>A payment gateway adapter over HTTP, as an operator would write one for their provider.</summary>
    private sealed class HttpGatewayClient(string name, HttpClient http) : IPaymentGateway
    {
        public string Name => name;

        public async ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
        {
            var wire = new WireRequest(request.Key.Value, request.Kind.ToString(), request.RentalId, request.RiderId, request.Amount.MinorUnits, request.Amount.Currency.Code, request.Reference);
            using var response = await http.PostAsync("execute", JsonContent(wire), cancellationToken);
            response.EnsureSuccessStatusCode();
            return ToResult((await response.Content.ReadFromJsonAsync<WireResult>(cancellationToken))!);
        }

        public async ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken)
        {
            using var response = await http.PostAsync("lookup", JsonContent(key.Value), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            response.EnsureSuccessStatusCode();
            return ToResult((await response.Content.ReadFromJsonAsync<WireResult>(cancellationToken))!);
        }

        private static StringContent JsonContent<T>(T value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

        private static PaymentResult ToResult(WireResult r) => new(
            Enum.Parse<PaymentOutcome>(r.Outcome),
            r.Reference,
            r.AmountMinor is { } amount ? Money.FromMinorUnits(amount, CurrencyCode.Parse(r.Currency!)) : null,
            r.Reason);
    }

    /// <summary>The simulated provider behind HTTP on loopback, in the parent process.</summary>
    private sealed class HttpGatewayServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly SimulatedPaymentGateway gateway;
        private readonly Task loop;

        public HttpGatewayServer(SimulatedPaymentGateway gateway)
        {
            this.gateway = gateway;
            var port = FreePort();
            Url = $"http://127.0.0.1:{port}/";
            listener.Prefixes.Add(Url);
            listener.Start();
            loop = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            try
            {
                loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
        }

        private static int FreePort()
        {
            using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                _ = Task.Run(() => HandleAsync(context));
            }
        }

        private async Task HandleAsync(HttpListenerContext context)
        {
            try
            {
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                PaymentResult? result;
                if (context.Request.Url!.AbsolutePath.EndsWith("/execute", StringComparison.Ordinal))
                {
                    var w = JsonSerializer.Deserialize<WireRequest>(body)!;
                    var currency = CurrencyCode.Parse(w.Currency);
                    var request = new PaymentRequest(IdempotencyKey.From(w.Key), Enum.Parse<PaymentOperationKind>(w.Kind), w.RentalId, w.RiderId, Money.FromMinorUnits(w.AmountMinor, currency), w.Reference);
                    result = await gateway.ExecuteAsync(request, CancellationToken.None);
                }
                else
                {
                    result = await gateway.LookupAsync(IdempotencyKey.From(JsonSerializer.Deserialize<string>(body)!), CancellationToken.None);
                }

                if (result is null)
                {
                    context.Response.StatusCode = 404;
                }
                else
                {
                    var wire = new WireResult(result.Outcome.ToString(), result.Reference, result.Amount?.MinorUnits, result.Amount?.Currency.Code, result.Reason);
                    var bytes = JsonSerializer.SerializeToUtf8Bytes(wire);
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(bytes);
                }
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The child was killed mid-request: the gateway may have applied the operation; its ledger knows.
            }
            finally
            {
                try
                {
                    context.Response.Close();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                }
            }
        }
    }
}
