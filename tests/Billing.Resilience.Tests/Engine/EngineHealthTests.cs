using System.Diagnostics.Metrics;
using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using Billing.Resilience.Telemetry;
using Billing.Resilience.Tests.Support;
using NodaTime;

namespace Billing.Resilience.Tests.Engine;

/// <summary>What the engine builder wires between the circuit breakers, dependency health and the gauges.</summary>
public sealed class EngineHealthTests : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly List<(object? Meter, string Name, int Value)> observed = [];

    public EngineHealthTests()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BillingTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument, instrument.Meter);
            }
        };
        listener.SetMeasurementEventCallback<int>((i, v, _, meter) =>
        {
            lock (observed)
            {
                observed.Add((meter, i.Name, v));
            }
        });
        listener.Start();
    }

    public void Dispose() => listener.Dispose();

    [Fact]
    public async Task An_open_identity_circuit_records_an_outage_with_its_reason()
    {
        using var t = await TestEngine.CreateAsync();
        t.Identity.Available = false;
        for (var i = 0; i < 10; i++)
        {
            await t.Rentals.StartAsync(new StartRental($"r-{i}", "u-1", "kickboard"));
        }

        var outage = t.Engine.Health.CurrentOutage(Dependency.Identity);
        Assert.NotNull(outage);
        Assert.Equal("circuit open on the identity provider", t.Engine.Health.ReasonOf(outage));
    }

    [Fact]
    public async Task The_payment_dependency_is_down_only_when_every_gateway_s_circuit_is_open()
    {
        using var t = await TestEngine.CreateAsync(gateways: 2, defaultPipelines: true);
        for (var i = 0; i < 20; i++)
        {
            await t.StartAsync($"r-{i}", rider: $"u-{i}");
        }

        t.Advance(Duration.FromMinutes(10));
        for (var i = 0; i < 20; i++)
        {
            await t.EndAsync($"r-{i}", t.Clock.GetCurrentInstant());
        }

        t.Gateways[0].SetAvailable(false);
        await t.Engine.Reconciler.RunOnceAsync();
        Assert.False(t.Engine.Health.IsDown(Dependency.Payment)); // the secondary takes the money
        Assert.NotEmpty(t.Gateways[1].GetOperations());

    }

    [Fact]
    public async Task When_every_gateway_s_circuit_is_open_the_payment_outage_says_so()
    {
        using var t = await TestEngine.CreateAsync(gateways: 2, defaultPipelines: true);
        for (var i = 0; i < 40; i++)
        {
            await t.StartAsync($"r-{i}", rider: $"u-{i}");
        }

        t.Advance(Duration.FromMinutes(10));
        for (var i = 0; i < 40; i++)
        {
            await t.EndAsync($"r-{i}", t.Clock.GetCurrentInstant());
        }

        t.Gateways[0].SetAvailable(false);
        t.Gateways[1].SetAvailable(false);
        await t.Engine.Reconciler.RunOnceAsync();

        var outage = t.Engine.Health.CurrentOutage(Dependency.Payment);
        Assert.NotNull(outage);
        Assert.Equal("circuit open on every payment gateway", t.Engine.Health.ReasonOf(outage));
    }

    [Fact]
    public async Task Open_rentals_count_as_frozen_once_an_outage_is_older_than_the_grace()
    {
        using var t = await TestEngine.CreateAsync(b => b.Metering.FreezeGrace = Duration.FromMinutes(5));
        await t.StartAsync("r-1");
        await t.StartAsync("r-2", rider: "u-2");
        t.Advance(Duration.FromMinutes(1));
        Assert.Equal(0, Frozen(t));

        await t.DownAsync(Dependency.Identity);
        t.Advance(Duration.FromMinutes(5) - Duration.Epsilon);
        Assert.Equal(0, Frozen(t));
        t.Advance(Duration.Epsilon);
        Assert.Equal(2, Frozen(t));

        await t.UpAsync(Dependency.Identity);
        Assert.Equal(0, Frozen(t));
    }

    private int Frozen(TestEngine t)
    {
        lock (observed)
        {
            observed.Clear();
        }

        listener.RecordObservableInstruments();
        lock (observed)
        {
            return observed.Where(m => ReferenceEquals(m.Meter, t.Engine.Core.Metrics.Meter) && m.Name == "billing.rentals.frozen").Sum(m => m.Value);
        }
    }
}
