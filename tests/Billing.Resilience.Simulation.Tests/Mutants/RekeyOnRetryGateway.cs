using Billing.Resilience.Payments;

namespace Billing.Resilience.Simulation.Tests.Mutants;

/// <summary>
/// MUTANT, TEST ONLY — a deliberately broken payment adapter used to prove that the simulation has teeth. When the
/// library sends a key again after a timeout or unknown outcome, this adapter sends it under a fresh key instead, as
/// client code does that makes a new idempotency key per HTTP attempt: the classic double charge after a lost response
/// (the capture or charge was applied, the retry applies it again). Never use it outside the mutation experiment.
/// </summary>
internal sealed class RekeyOnRetryGateway(IPaymentGateway inner) : IPaymentGateway
{
    private readonly HashSet<string> timedOut = new(StringComparer.Ordinal);
    private int retries;

    public string Name => inner.Name;

    public async ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        var key = request.Key.Value;
        var sent = timedOut.Contains(key) ? request with { Key = IdempotencyKey.From($"{key}~{++retries}") } : request;
        try
        {
            var result = await inner.ExecuteAsync(sent, cancellationToken);
            if (result.Outcome == PaymentOutcome.Unknown)
            {
                timedOut.Add(key);
            }

            return result;
        }
        catch (TimeoutException)
        {
            timedOut.Add(key);
            throw;
        }
    }

    public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken) => inner.LookupAsync(key, cancellationToken);
}

/// <summary>The mutants the simulation can run against (<c>SIM_MUTANT</c>), by name.</summary>
internal static class Mutations
{
    public const string RekeyOnRetry = "rekey-on-retry";

    public static Func<IPaymentGateway, IPaymentGateway>? Decorator(string? name) => name switch
    {
        null or "" => null,
        RekeyOnRetry => g => new RekeyOnRetryGateway(g),
        _ => throw new ArgumentException($"Unknown mutant '{name}'; known: {RekeyOnRetry}.", nameof(name)),
    };
}
