using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using CsCheck;
using NodaTime;
using static Billing.Resilience.Tests.Testing.PaymentRequests;

namespace Billing.Resilience.Tests.Testing;

public class SimulatedPaymentGatewayPropertyTests
{
    private const int Actions = 12;
    private static readonly CancellationToken None = CancellationToken.None;

    private static readonly Gen<Step> StepGen = Gen.Select(
        Gen.Int[0, Actions - 1],
        Gen.Int[0, 3],
        Gen.Long[1, 20_000],
        Gen.Int[1, 3],
        Gen.Int[0, 1_000],
        (action, rental, amount, sequence, pick) => new Step(action, rental, amount, sequence, pick));

    private static readonly Gen<(int Seed, Step[] Steps)> ProgramGen = Gen.Select(Gen.Int, StepGen.Array[1, 80]);

    [Fact]
    public async Task Random_programs_with_retries_and_faults_never_apply_a_key_twice_nor_break_the_ledger()
        => await ProgramGen.SampleAsync(p => Run(p.Seed, p.Steps), iter: 1_000, threads: 1, print: p => $"seed {p.Seed}: {string.Join(", ", p.Steps)}");

    private static async Task Run(int seed, Step[] steps)
    {
        var options = new SimulatedPaymentGatewayOptions
        {
            AuthorizationValidity = Duration.FromHours(168),
            ReportTimeoutsAsUnknown = seed % 2 != 0,
            RandomFaults = new RandomPaymentFaults(seed) { LostResponseRate = 0.1, TimeoutRate = 0.05, ErrorRate = 0.05, DeclineRate = 0.03, SlowRate = 0.02 },
        };
        var (gateway, clock) = NewGateway(options);
        var client = new Client(gateway);

        foreach (var step in steps)
        {
            var rental = $"r-{step.Rental}";
            switch (step.Action)
            {
                case 0:
                    await client.Send(Authorize(rental, step.Amount, step.Sequence));
                    break;
                case 1:
                    await client.Send(Capture(rental, client.PickAuthorization(rental, step.Pick), step.Amount, step.Sequence));
                    break;
                case 2:
                    await client.Send(Charge(rental, step.Amount, step.Sequence));
                    break;
                case 3:
                    var hold = client.PickAuthorization(rental, step.Pick);
                    var whole = gateway.GetAuthorization(hold)?.Amount.MinorUnits ?? 0;
                    await client.Send(Void(rental, hold, step.Pick % 2 == 0 ? 0 : whole, step.Sequence));
                    break;
                case 4:
                    await client.Send(Refund(rental, client.PickTaken(rental, step.Pick), step.Amount, step.Sequence));
                    break;
                case 5 when client.Sent.Count > 0:
                    await client.Send(client.Sent[step.Pick % client.Sent.Count]);
                    break;
                case 6 when client.Sent.Count > 0:
                    var previous = client.Sent[step.Pick % client.Sent.Count];
                    var reused = await client.Send(previous with { Amount = previous.Amount.Plus(Krw(1)) });
                    Assert.True(reused is null || reused.Outcome != PaymentOutcome.Succeeded || reused == await gateway.LookupAsync(previous.Key, None));
                    break;
                case 7:
                    clock.Advance(Duration.FromHours(step.Pick % 200));
                    break;
                case 8:
                    gateway.SetAvailable(!gateway.IsAvailable);
                    break;
                case 9:
                    gateway.AddFault(rental, (PaymentOperationKind)(step.Pick % 5), (PaymentFaultKind)(step.Pick / 5 % 5), step.Sequence);
                    break;
                case 10:
                    // A capture of some other rental's hold, or of a reference nobody issued.
                    await client.Send(Capture(rental, step.Pick % 3 == 0 ? "auth_424242" : client.PickAnyAuthorization(step.Pick), step.Amount, step.Sequence));
                    break;
                default:
                    await client.RetryUnresolved();
                    break;
            }
        }

        gateway.SetAvailable(true);
        gateway.ClearFaults();
        for (var round = 0; round < 100 && client.Unresolved.Count > 0; round++)
        {
            await client.RetryUnresolved();
        }

        Assert.Empty(client.Unresolved);
        await AssertLedgerSound(gateway, client);
    }

    private static async Task AssertLedgerSound(SimulatedPaymentGateway gateway, Client client)
    {
        Assert.Empty(gateway.CheckInvariants());
        var operations = gateway.GetOperations();

        // Recomputed here, independently of the gateway's own checker.
        Assert.All(operations.GroupBy(o => o.Key), g => Assert.Single(g));
        Assert.Equal(operations.Count, gateway.GetCalls().Count(c => c.Applied));
        foreach (var op in operations)
        {
            Assert.Equal(PaymentResult.Success(op.Id, op.Amount), await gateway.LookupAsync(op.Key, None));
        }

        foreach (var (key, seen) in client.Seen)
        {
            Assert.Equal(seen, await gateway.LookupAsync(key, None));
        }

        foreach (var totals in gateway.GetTotals())
        {
            Assert.Equal(totals.Authorized, totals.Captured + totals.Released + totals.Expired + totals.Held);
            Assert.True(totals.Refunded <= totals.Captured + totals.Charged, totals.ToString());
            Assert.False(totals.Net.IsNegative);
            Assert.Equal(totals.Operations, operations.Count(o => o.RentalId == totals.RentalId));
            foreach (var authorization in gateway.GetAuthorizations(totals.RentalId))
            {
                var captures = operations.Where(o => o.Kind == PaymentOperationKind.Capture && o.Reference == authorization.Reference).ToList();
                Assert.True(captures.Count <= 1);
                Assert.True(authorization.Captured <= authorization.Amount);
                Assert.Equal(captures.Sum(c => c.Amount.MinorUnits), authorization.Captured.MinorUnits);
                if (authorization.State is AuthorizationState.Captured or AuthorizationState.Voided)
                {
                    Assert.Equal(authorization.Amount, authorization.Captured + authorization.Released);
                }
            }
        }
    }

    internal readonly record struct Step(int Action, int Rental, long Amount, int Sequence, int Pick);

    /// <summary>A client that behaves like the library: remembers what it sent, retries unknown outcomes with the same key.</summary>
    private sealed class Client(SimulatedPaymentGateway gateway)
    {
        private readonly Dictionary<string, List<string>> authorizations = [];
        private readonly Dictionary<string, List<string>> takings = [];

        public List<PaymentRequest> Sent { get; } = [];

        public List<PaymentRequest> Unresolved { get; } = [];

        public Dictionary<IdempotencyKey, PaymentResult> Seen { get; } = [];

        public string PickAuthorization(string rental, int pick)
            => authorizations.TryGetValue(rental, out var list) && list.Count > 0 ? list[pick % list.Count] : "auth_0";

        public string PickTaken(string rental, int pick)
            => takings.TryGetValue(rental, out var list) && list.Count > 0 ? list[pick % list.Count] : "cap_0";

        public string PickAnyAuthorization(int pick)
        {
            var all = authorizations.Values.SelectMany(l => l).ToList();
            return all.Count > 0 ? all[pick % all.Count] : "auth_0";
        }

        public async Task<PaymentResult?> Send(PaymentRequest request)
        {
            Sent.Add(request);
            PaymentResult result;
            try
            {
                result = await gateway.ExecuteAsync(request, None);
            }
            catch (Exception e) when (e is TimeoutException or HttpRequestException)
            {
                Unresolved.Add(request);
                return null;
            }

            if (result.Outcome == PaymentOutcome.Unknown)
            {
                Unresolved.Add(request);
                return null;
            }

            Observe(request, result);
            return result;
        }

        public async Task RetryUnresolved()
        {
            var pending = Unresolved.ToList();
            Unresolved.Clear();
            foreach (var request in pending)
            {
                var result = await Send(request);
                if (result is { Outcome: PaymentOutcome.Failed } && result.Reason == SimulatedPaymentReasons.GatewayError)
                {
                    Unresolved.Add(request);
                }
            }
        }

        private void Observe(PaymentRequest request, PaymentResult result)
        {
            if (result.Outcome == PaymentOutcome.Failed)
            {
                return;
            }

            if (Seen.TryGetValue(request.Key, out var earlier))
            {
                Assert.Equal(earlier, result); // a key's stored result never changes
            }

            Seen[request.Key] = result;
            if (result.Outcome != PaymentOutcome.Succeeded)
            {
                return;
            }

            var index = request.Kind switch
            {
                PaymentOperationKind.Authorize => authorizations,
                PaymentOperationKind.Capture or PaymentOperationKind.Charge => takings,
                _ => null,
            };
            if (index is null)
            {
                return;
            }

            if (!index.TryGetValue(request.RentalId, out var list))
            {
                list = [];
                index.Add(request.RentalId, list);
            }

            if (!list.Contains(result.Reference!))
            {
                list.Add(result.Reference!);
            }
        }
    }
}
