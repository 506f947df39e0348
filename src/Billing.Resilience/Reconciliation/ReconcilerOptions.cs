using FluentValidation;
using NodaTime;

namespace Billing.Resilience.Reconciliation;

/// <summary>How fast and how hard the reconciler settles pending rentals.</summary>
public sealed class ReconcilerOptions
{
    /// <summary>Gets or sets the most gateway calls per second the reconciler makes (a token bucket refilled from the injected clock). After an outage every pending settlement wants the gateway at once: this is what keeps the recovering provider alive.</summary>
    /// <value>The default value is 50 calls per second.</value>
    public int MaxCallsPerSecond { get; set; } = 50;

    /// <summary>Gets or sets the most rentals settled at the same time.</summary>
    /// <value>The default value is 8.</value>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Gets or sets the most rentals one run looks at.</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxRentalsPerRun { get; set; } = 10_000;

    /// <summary>Gets or sets the first delay before a failed or unknown operation is tried again; it doubles with each attempt, with jitter.</summary>
    /// <value>The default value is 5 seconds.</value>
    public Duration RetryBaseDelay { get; set; } = Duration.FromSeconds(5);

    /// <summary>Gets or sets the longest delay between two attempts at a rental.</summary>
    /// <value>The default value is 5 minutes.</value>
    public Duration RetryMaxDelay { get; set; } = Duration.FromMinutes(5);

    /// <summary>Gets or sets how long a lease on a rental lasts when several instances share the journal (<see cref="ISettlementClaims"/>). An instance that dies holds its rentals at most this long.</summary>
    /// <value>The default value is 1 minute.</value>
    public Duration LeaseDuration { get; set; } = Duration.FromMinutes(1);

    /// <summary>Gets or sets the most new journal events one run reads to learn of other instances' work (several instances only).</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxCatchUpEventsPerRun { get; set; } = 10_000;

    /// <summary>Gets or sets the seed of the jitter; set it to replay a simulation exactly.</summary>
    /// <value>The default value is 0.</value>
    public int JitterSeed { get; set; }
}

/// <summary>Validates <see cref="ReconcilerOptions"/>.</summary>
public sealed class ReconcilerOptionsValidator : AbstractValidator<ReconcilerOptions>
{
    /// <summary>Creates the validator.</summary>
    public ReconcilerOptionsValidator()
    {
        RuleFor(o => o.MaxCallsPerSecond).InclusiveBetween(1, 100_000).WithErrorCode("BILLING_OPTIONS_RECONCILER_RATE_RANGE")
            .WithMessage(o => $"MaxCallsPerSecond must be between 1 and 100000; got {o.MaxCallsPerSecond}.");
        RuleFor(o => o.MaxConcurrency).InclusiveBetween(1, 256).WithErrorCode("BILLING_OPTIONS_RECONCILER_CONCURRENCY_RANGE")
            .WithMessage(o => $"MaxConcurrency must be between 1 and 256; got {o.MaxConcurrency}.");
        RuleFor(o => o.MaxRentalsPerRun).InclusiveBetween(1, 1_000_000).WithErrorCode("BILLING_OPTIONS_RECONCILER_BATCH_RANGE")
            .WithMessage(o => $"MaxRentalsPerRun must be between 1 and 1000000; got {o.MaxRentalsPerRun}.");
        RuleFor(o => o.RetryBaseDelay).Must(d => d > Duration.Zero && d <= Duration.FromHours(1)).WithErrorCode("BILLING_OPTIONS_RECONCILER_RETRY_BASE_RANGE")
            .WithMessage(o => $"RetryBaseDelay must be between 0 (exclusive) and 1 hour; got {o.RetryBaseDelay}.");
        RuleFor(o => o.LeaseDuration).Must(d => d >= Duration.FromSeconds(5) && d <= Duration.FromHours(1)).WithErrorCode("BILLING_OPTIONS_RECONCILER_LEASE_RANGE")
            .WithMessage(o => $"LeaseDuration must be between 5 seconds and 1 hour; got {o.LeaseDuration}.");
        RuleFor(o => o.MaxCatchUpEventsPerRun).InclusiveBetween(1, 1_000_000).WithErrorCode("BILLING_OPTIONS_RECONCILER_CATCH_UP_RANGE")
            .WithMessage(o => $"MaxCatchUpEventsPerRun must be between 1 and 1000000; got {o.MaxCatchUpEventsPerRun}.");
        RuleFor(o => o.RetryMaxDelay).Must((o, d) => d >= o.RetryBaseDelay && d <= Duration.FromHours(24)).WithErrorCode("BILLING_OPTIONS_RECONCILER_RETRY_MAX_RANGE")
            .WithMessage(o => $"RetryMaxDelay must be between RetryBaseDelay and 24 hours; got {o.RetryMaxDelay}.");
    }
}
