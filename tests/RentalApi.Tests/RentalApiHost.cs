using System.Net.Http.Json;
using System.Text.Json;
using Billing.Resilience.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Testing;

namespace RentalApi.Tests;

/// <summary>The sample API on Kestrel, bound to 127.0.0.1 on a free port, on a fake clock; called over real HTTP.</summary>
internal sealed class RentalApiHost : IAsyncDisposable
{
    public static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 12, 0);

    private readonly WebApplication app;

    private RentalApiHost(WebApplication app, FakeClock clock, HttpClient client)
    {
        this.app = app;
        Clock = clock;
        Client = client;
    }

    public FakeClock Clock { get; }

    public HttpClient Client { get; }

    public string Now => NodaTime.Text.InstantPattern.ExtendedIso.Format(Clock.GetCurrentInstant());

    public static async Task<RentalApiHost> StartAsync()
    {
        var clock = new FakeClock(T0);
        var app = RentalApiApp.Create([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();

            // Registered after the app's own: the container's last IClock wins over the default system clock.
            builder.Services.AddSingleton<IClock>(clock);
            builder.Services.Configure<BillingBackgroundServiceOptions>(o => o.ReconcilerPollInterval = TimeSpan.FromMilliseconds(50));
        });
        await app.StartAsync();
        var address = app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        Assert.DoesNotContain(":0", address[^2..], StringComparison.Ordinal);
        return new RentalApiHost(app, clock, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null)
        => Client.PostAsJsonAsync(path, body ?? new { });

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> StartRentalAsync(string rentalId, string plan = "kickboard", string rider = "u-1")
    {
        using var response = await PostAsync("/rentals", new { rentalId, riderId = rider, planId = plan, credential = "session" });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("rentalToken").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
