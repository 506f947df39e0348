using System.Diagnostics;
using System.Globalization;
using Billing.Resilience.Payments;
using Billing.Resilience.Testing;
using NodaTime;
using NodaTime.Testing;

namespace Billing.Resilience.Benchmarks.Ledger;

/// <summary>
/// What <see cref="SimulatedPaymentGateway"/> keeps per rental: N rentals paid the way the library pays them (a hold,
/// then a capture, a third of them with a refund; every fifth voided and charged instead: 2.47 operations per
/// rental), each request with its own copies of the rental and rider ids as a journal read gives them, then the
/// managed heap retained (after a full collection) divided by N. Also times the whole-ledger invariant check and a
/// totals pass over every rental, the two reads a drill makes at its end, and prints the peak working set.
/// BenchmarkDotNet's memory diagnoser counts allocations, not what stays, hence a measurement of its own.
/// </summary>
/// <remarks>Usage: <c>gateway-memory [--rentals N]</c>; by default 200,000.</remarks>
internal static class GatewayMemoryMeasurement
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rentals = args is ["--rentals", var text] ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : 200_000;
        var clock = new FakeClock(Instant.FromUtc(2022, 10, 15, 6, 0));
        var gateway = new SimulatedPaymentGateway("psp", clock, new SimulatedPaymentGatewayOptions { MaxKeys = rentals * 4, MaxRecordedCalls = 0 });
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < rentals; i++)
        {
            var rentalId = "p-" + i.ToString(CultureInfo.InvariantCulture);
            var hold = await SendAsync(gateway, rentalId, PaymentOperationKind.Authorize, 10_000, null);
            clock.Advance(Duration.FromSeconds(1));
            if (i % 5 == 0)
            {
                await SendAsync(gateway, rentalId, PaymentOperationKind.Void, 0, hold);
                await SendAsync(gateway, rentalId, PaymentOperationKind.Charge, 2_500, null);
                continue;
            }

            var capture = await SendAsync(gateway, rentalId, PaymentOperationKind.Capture, 3_000, hold);
            if (i % 3 == 0)
            {
                await SendAsync(gateway, rentalId, PaymentOperationKind.Refund, 1_000, capture);
            }
        }

        var applied = watch.Elapsed;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
        watch.Restart();
        var violations = gateway.CheckInvariants().Count;
        var checkedIn = watch.Elapsed;
        watch.Restart();
        long net = 0;
        for (var i = 0; i < rentals; i++)
        {
            net = checked(net + gateway.GetTotals("p-" + i.ToString(CultureInfo.InvariantCulture)).Net.MinorUnits);
        }

        var totalsIn = watch.Elapsed;
        GC.KeepAlive(gateway);
        using var process = Process.GetCurrentProcess();
        Console.WriteLine(FormattableString.Invariant(
            $"rentals {rentals:N0}, operations {gateway.GetOperations().Count:N0}: retained {retained / (double)rentals:N0} B per rental ({retained / 1048576.0:N0} MB); applied in {applied.TotalSeconds:N2} s; invariant check {checkedIn.TotalSeconds:N2} s ({violations} violations); totals of every rental {totalsIn.TotalSeconds:N2} s (net {net:N0}); peak working set {process.PeakWorkingSet64 / 1048576:N0} MB"));
        return violations == 0 ? 0 : 1;
    }

    private static async Task<string?> SendAsync(SimulatedPaymentGateway gateway, string rentalId, PaymentOperationKind kind, long amount, string? reference)
    {
        // Fresh copies of the ids, as an engine that read the rental back from its journal sends them.
        var request = new PaymentRequest(
            IdempotencyKey.ForRental(rentalId, kind, 1),
            kind,
            new string(rentalId.AsSpan()),
            "u-" + rentalId,
            Money.FromMinorUnits(amount, CurrencyCode.KRW),
            reference);
        var result = await gateway.ExecuteAsync(request, CancellationToken.None);
        return result.Outcome == PaymentOutcome.Succeeded
            ? result.Reference
            : throw new InvalidOperationException($"{kind} of {rentalId}: {result}");
    }
}
