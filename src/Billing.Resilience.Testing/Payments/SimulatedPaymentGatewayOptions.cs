using NodaTime;

namespace Billing.Resilience.Testing;

/// <summary>
/// Options of a <see cref="SimulatedPaymentGateway"/>. They are validated and copied when the gateway is created; changing
/// them afterwards has no effect on it.
/// </summary>
public sealed class SimulatedPaymentGatewayOptions
{
    /// <summary>The default of <see cref="MaxKeys"/>.</summary>
    public const int DefaultMaxKeys = 1_000_000;

    /// <summary>The default of <see cref="MaxRecordedCalls"/>.</summary>
    public const int DefaultMaxRecordedCalls = 100_000;

    /// <summary>
    /// Gets or sets how long an authorization can be captured or voided: one authorized at t is expired from
    /// t + validity on (an older hold is declined with <see cref="SimulatedPaymentReasons.AuthorizationExpired"/>).
    /// </summary>
    /// <value>The default value is 7 days, as for customer-initiated card payments; a drill sets it from <c>holdValidityHours</c>.</value>
    public Duration AuthorizationValidity { get; set; } = Duration.FromDays(7);

    /// <summary>Gets or sets the latency recorded for a <see cref="PaymentFaultKind.Slow"/> call whose fault names none.</summary>
    /// <value>The default value is 10 seconds.</value>
    public Duration SlowLatency { get; set; } = Duration.FromSeconds(10);

    /// <summary>Gets the riders whose authorizations and charges are always declined with <see cref="SimulatedPaymentReasons.CardDeclined"/>.</summary>
    /// <value>The default value is empty. Ids compare ordinally.</value>
    public ISet<string> DeclinedRiders { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets the funds of riders with a limit. A rider's available funds are the limit minus what is held (uncaptured,
    /// unvoided, unexpired authorizations) and taken (captures and charges) plus what was refunded; an authorization or
    /// a charge above them is declined with <see cref="SimulatedPaymentReasons.InsufficientFunds"/>. A rider with a limit
    /// has no funds in any other currency. Riders not listed have unlimited funds.
    /// </summary>
    /// <value>The default value is empty: every rider has unlimited funds. Ids compare ordinally.</value>
    public IDictionary<string, Money> RiderFunds { get; } = new Dictionary<string, Money>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets a value indicating whether a <see cref="PaymentFaultKind.Timeout"/> or
    /// <see cref="PaymentFaultKind.LostResponse"/> returns <see cref="Payments.PaymentOutcome.Unknown"/> with reason
    /// <see cref="SimulatedPaymentReasons.Timeout"/> instead of throwing <see cref="TimeoutException"/>. The port allows
    /// a gateway either shape; set this to test the code path of adapters that return <c>Unknown</c>.
    /// </summary>
    /// <value>The default value is false: timeouts throw.</value>
    public bool ReportTimeoutsAsUnknown { get; set; }

    /// <summary>Gets or sets the seeded random faults; null injects none.</summary>
    /// <value>The default value is null.</value>
    public RandomPaymentFaults? RandomFaults { get; set; }

    /// <summary>
    /// Gets or sets how many idempotency keys the gateway stores (an applied operation or a decline each store one). A call
    /// that would store one more throws <see cref="InvalidOperationException"/>: a test double that silently forgot keys
    /// could no longer tell whether a key was applied twice.
    /// </summary>
    /// <value>The default value is <see cref="DefaultMaxKeys"/> (1,000,000).</value>
    public int MaxKeys { get; set; } = DefaultMaxKeys;

    /// <summary>
    /// Gets or sets how many calls <see cref="SimulatedPaymentGateway.GetCalls"/> keeps; older ones are dropped first.
    /// Call counts (<see cref="SimulatedPaymentGateway.GetCallCount"/>) are never dropped.
    /// </summary>
    /// <value>The default value is <see cref="DefaultMaxRecordedCalls"/> (100,000).</value>
    public int MaxRecordedCalls { get; set; } = DefaultMaxRecordedCalls;

    /// <summary>Validates every option and reports every error in one exception; returns a private copy.</summary>
    internal SimulatedPaymentGatewayOptions ValidatedCopy()
    {
        var errors = new List<string>();
        if (AuthorizationValidity <= Duration.Zero)
        {
            errors.Add($"AuthorizationValidity is positive; got {AuthorizationValidity}.");
        }

        if (SlowLatency < Duration.Zero)
        {
            errors.Add($"SlowLatency is not negative; got {SlowLatency}.");
        }

        if (MaxKeys < 1)
        {
            errors.Add($"MaxKeys is at least 1; got {MaxKeys}.");
        }

        if (MaxRecordedCalls < 0)
        {
            errors.Add($"MaxRecordedCalls is not negative; got {MaxRecordedCalls}.");
        }

        foreach (var rider in DeclinedRiders)
        {
            if (string.IsNullOrEmpty(rider))
            {
                errors.Add("DeclinedRiders contains an empty rider id.");
            }
        }

        foreach (var (rider, funds) in RiderFunds)
        {
            if (funds.IsNegative || funds.Currency.IsDefault)
            {
                errors.Add($"RiderFunds[{rider}] is a non-negative amount in a real currency; got {funds}.");
            }
        }

        RandomFaults?.Validate(errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid SimulatedPaymentGatewayOptions: " + string.Join(" ", errors), "options");
        }

        var copy = new SimulatedPaymentGatewayOptions
        {
            AuthorizationValidity = AuthorizationValidity,
            SlowLatency = SlowLatency,
            ReportTimeoutsAsUnknown = ReportTimeoutsAsUnknown,
            RandomFaults = RandomFaults?.Copy(),
            MaxKeys = MaxKeys,
            MaxRecordedCalls = MaxRecordedCalls,
        };
        foreach (var rider in DeclinedRiders)
        {
            copy.DeclinedRiders.Add(rider);
        }

        foreach (var (rider, funds) in RiderFunds)
        {
            copy.RiderFunds.Add(rider, funds);
        }

        return copy;
    }
}
