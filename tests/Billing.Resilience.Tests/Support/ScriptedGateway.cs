using Billing.Resilience.Payments;

namespace Billing.Resilience.Tests.Support;

/// <summary>A payment gateway answering from a script: each call takes the next answer (a result, or an exception to throw); <see cref="DuringCall"/> runs inside every call.</summary>
internal sealed class ScriptedGateway(string name = "scripted") : IPaymentGateway
{
    public Queue<object?> Executions { get; } = new();

    public Queue<object?> Lookups { get; } = new();

    public List<IdempotencyKey> ExecutedKeys { get; } = [];

    public List<IdempotencyKey> LookedUpKeys { get; } = [];

    public Action? DuringCall { get; set; }

    public string Name => name;

    public ValueTask<PaymentResult> ExecuteAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        ExecutedKeys.Add(request.Key);
        DuringCall?.Invoke();
        return Executions.Dequeue() switch
        {
            Exception ex => throw ex,
            PaymentResult r => ValueTask.FromResult(r),
            var other => throw new InvalidOperationException($"bad script entry {other}"),
        };
    }

    public ValueTask<PaymentResult?> LookupAsync(IdempotencyKey key, CancellationToken cancellationToken)
    {
        LookedUpKeys.Add(key);
        DuringCall?.Invoke();
        return Lookups.Dequeue() switch
        {
            Exception ex => throw ex,
            var r => ValueTask.FromResult((PaymentResult?)r),
        };
    }
}
