using Billing.Resilience.Outages;
using Billing.Resilience.Payments;
using Billing.Resilience.Rentals;
using Billing.Resilience.Simulation.Tests.World;
using Billing.Resilience.Testing;
using NodaTime;

namespace Billing.Resilience.Simulation.Tests.CrashPoints;

/// <summary>
/// A fixed scenario in which every durable write point of a rental's life happens at least once: a hold placed and
/// captured, a hold declined (refused start), an outage of each dependency, a late end, distance, a capture whose
/// response is lost, a charge of what the hold did not cover, a void of a free ride, a hold that expires during a
/// long outage, and a correction after settlement that is refunded.
/// </summary>
internal static class RentalLives
{
    private static readonly Instant T = ScenarioGenerator.DayStart;

    public static Scenario Create()
    {
        var commands = new List<ClientCommand>();
        void Start(int minute, string rental, string rider, string plan) => commands.Add(new StartCommand(commands.Count, At(minute), rental, rider, plan));
        void End(int deliverMinute, string rental, int atMinute, EndSignalSource source) => commands.Add(new EndCommand(commands.Count, At(deliverMinute) + Duration.FromSeconds(20), rental, At(atMinute), source));
        void Distance(int minute, string rental, decimal km) => commands.Add(new DistanceCommand(commands.Count, At(minute) + Duration.FromSeconds(10), rental, At(minute), km));

        // r-0: started, telemetry, ends during a payment outage, captured after it, corrected to earlier and refunded.
        Start(60, "r-0", "u-1", "kick");
        Distance(65, "r-0", 1.2m);
        End(91, "r-0", 85, EndSignalSource.Vehicle);
        End(300, "r-0", 75, EndSignalSource.Operator);

        // r-1: the hold is declined: the start is refused after the hold was attempted.
        Start(62, "r-1", "u-2", "kick");

        // r-2: a long ride; the capture's response is lost (resolved by look-up), the rest is charged.
        Start(63, "r-2", "u-3", "kick");
        End(210, "r-2", 210, EndSignalSource.Rider);

        // r-3: login is down: refused before anything is written.
        Start(250, "r-3", "u-4", "kick");

        // r-4: a free ride: the hold is voided.
        Start(300, "r-4", "u-5", "free");
        End(305, "r-4", 305, EndSignalSource.Vehicle);

        // r-5: ends while payment is down for longer than a hold is valid: the fare is charged afresh.
        Start(360, "r-5", "u-6", "kick");
        End(380, "r-5", 380, EndSignalSource.Vehicle);

        var policy = new PolicySpec(
            new HashSet<Dependency> { Dependency.Payment, Dependency.Identity },
            Duration.Zero,
            Duration.FromSeconds(120),
            CompletedRounding: false,
            HoldAmount: 10_000m,
            HoldValidity: Duration.FromHours(6),
            MaxCallsPerSecond: 50,
            JitterSeed: 7);
        var plans = new List<PlanSpec>
        {
            new("kick", "KRW", 0, 1_000m, [new SegmentSpec(0, 180m, 1, null)], [new SegmentSpec(0, 100m, 1, null)]),
            new("free", "KRW", 0, 0m, [new SegmentSpec(10, 100m, 1, null)], []),
        };
        var outages = new List<OutageWindow>
        {
            new(Dependency.Payment, At(90), At(120), Duration.Zero, Duration.Zero),
            new(Dependency.Identity, At(240), At(270), Duration.Zero, Duration.Zero),
            new(Dependency.Payment, At(370), At(780), Duration.Zero, Duration.Zero),
        };
        var faults = new FaultSpec(
            Seed: 1,
            LostResponseRate: 0,
            TimeoutRate: 0,
            ErrorRate: 0,
            SlowRate: 0,
            TimeoutsAsUnknown: false,
            Scripted:
            [
                new PaymentFault("r-1", PaymentOperationKind.Authorize, PaymentFaultKind.Decline, 1),
                new PaymentFault("r-2", PaymentOperationKind.Capture, PaymentFaultKind.LostResponse, 1),
            ],
            DeclinedRiders: []);
        var ordered = commands.OrderBy(c => c.DeliverAt).ThenBy(c => c.Id).ToList();
        return new Scenario(0, T, policy, plans, ordered, outages, faults, new CrashSpec(0, 0, 0, Duration.FromSeconds(30)));
    }

    private static Instant At(int minute) => T + Duration.FromMinutes(minute);
}
