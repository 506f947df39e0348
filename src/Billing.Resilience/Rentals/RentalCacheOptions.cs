using FluentValidation;

namespace Billing.Resilience.Rentals;

/// <summary>
/// How many rental states the engine keeps in memory. A kept state answers a quote, an end signal or the next payment
/// step without reading the rental's events back from the journal; a state not kept is read and replayed from the
/// journal (a few events, one indexed read). The journal is the record either way: the cache only saves reads.
/// </summary>
/// <remarks>
/// The cache keeps the states used most recently, in two generations of half the capacity each: when the newer one
/// fills, the older one is dropped whole and a state found in it is kept again. Each state takes roughly 1.5 KB, more
/// with many end signals or payments, and about 60 bytes per distance increment (a car-sharing rental with telemetry
/// every 10 seconds for a day: about 0.5 MB). With <see cref="BillingEngineBuilder.UseSettlementClaims"/> (several
/// instances sharing the journal) no state is kept whatever the capacity: other instances' appends would not be seen.
/// Size it to the rentals in flight at the busiest hour: those open, and after an outage those waiting to be settled.
/// docs/performance.md measures the trade at 1,000,000 rentals.
/// </remarks>
public sealed class RentalCacheOptions
{
    /// <summary>The default capacity: 100,000 rental states.</summary>
    public const int DefaultCapacity = 100_000;

    /// <summary>The largest capacity accepted: 10,000,000 rental states (about 15 GB).</summary>
    public const int MaxCapacity = 10_000_000;

    /// <summary>Gets or sets the most rental states kept in memory; 0 keeps none (every operation reads the journal).</summary>
    /// <value>The default value is 100,000.</value>
    public int Capacity { get; set; } = DefaultCapacity;
}

/// <summary>Validates <see cref="RentalCacheOptions"/>.</summary>
public sealed class RentalCacheOptionsValidator : AbstractValidator<RentalCacheOptions>
{
    /// <summary>Creates the validator.</summary>
    public RentalCacheOptionsValidator()
    {
        RuleFor(o => o.Capacity).InclusiveBetween(0, RentalCacheOptions.MaxCapacity).WithErrorCode("BILLING_OPTIONS_RENTAL_CACHE_CAPACITY_RANGE")
            .WithMessage(o => $"Capacity must be between 0 and {RentalCacheOptions.MaxCapacity}; got {o.Capacity}.");
    }
}
