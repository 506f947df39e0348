using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Billing.Resilience;
using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Testing;
using NodaTime;

namespace RentalApi;

/// <summary>Builds the rental API: Billing.Resilience through dependency injection, the hosted reconciler, and the endpoints.</summary>
public static partial class RentalApiApp
{
    /// <summary>Creates the application.</summary>
    /// <param name="args">Command-line arguments (<c>--urls</c>, configuration overrides).</param>
    /// <param name="configure">Runs after the app's own registrations: tests use it to bind to a free port and to put in a fake clock.</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });

        var secret = RentalTokenSecret(builder.Configuration, out var ephemeralSecret);
        var billing = builder.Services
            .AddBillingResilience(o =>
            {
                // Pricing plans from a GBFS system_pricing_plans.json, embedded in the assembly. Errors are reported at start.
                o.AddGbfsPricingPlans(ReadEmbeddedPlans());

                // Rental tokens let the rider's app end a rental while login is down. Load the key from your secret store.
                o.RentalTokens.Keys.Add(new RentalTokenKey { KeyId = "k1", Secret = secret });
                o.RentalTokens.ActiveKeyId = "k1";

                // The freeze policy: the meter stops while payment or login is down (the defaults, spelled out).
                o.Metering.FreezeOn = new HashSet<Dependency> { Dependency.Payment, Dependency.Identity };
            })
            .AddBackgroundServices();

        if (builder.Configuration.GetValue("RentalApi:UseSimulatedBackends", defaultValue: true))
        {
            // The demo's backends. To go to production, replace these three lines:
            //   .UseInMemoryJournal()           -> .UseSqliteJournal(...) or .UsePostgreSqlJournal(...) from the store packages
            //   .AddPaymentGateway(simulated)   -> .AddPaymentGateway<YourStripeOrTossGateway>() (an IPaymentGateway adapter)
            //   .UseIdentityProvider<Demo...>() -> .UseIdentityProvider<YourLoginServiceAdapter>()
            // and drop the reference to Billing.Resilience.Testing and the admin endpoints.
            builder.Services.AddSingleton(sp => new SimulatedPaymentGateway("simulated", sp.GetRequiredService<IClock>()));
            billing
                .UseInMemoryJournal()
                .AddPaymentGateway(sp => sp.GetRequiredService<SimulatedPaymentGateway>())
                .UseIdentityProvider<DemoIdentityProvider>();
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        if (ephemeralSecret)
        {
            LogEphemeralSecret(app.Logger);
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapRentalEndpoints();
        app.MapHealthEndpoint();
        if (builder.Configuration.GetValue("RentalApi:UseSimulatedBackends", defaultValue: true))
        {
            app.MapDemoAdminEndpoints();
        }

        return app;
    }

    private static string ReadEmbeddedPlans()
    {
        using var stream = typeof(RentalApiApp).Assembly.GetManifestResourceStream("RentalApi.system_pricing_plans.json")
            ?? throw new InvalidOperationException("The embedded pricing plans are missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static byte[] RentalTokenSecret(IConfiguration configuration, out bool ephemeral)
    {
        var configured = configuration["RentalApi:RentalTokenSecret"];
        ephemeral = string.IsNullOrEmpty(configured);

        // Without a configured secret (base64, at least 32 bytes) the demo makes one per process: tokens issued before a
        // restart no longer verify, which is fine with the in-memory journal, which forgets the rentals too.
        return ephemeral ? RandomNumberGenerator.GetBytes(32) : Convert.FromBase64String(configured!);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "No RentalApi:RentalTokenSecret configured: rental tokens use a key made for this process only")]
    private static partial void LogEphemeralSecret(ILogger logger);
}
