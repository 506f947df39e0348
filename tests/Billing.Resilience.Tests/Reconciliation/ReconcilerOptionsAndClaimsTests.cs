using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Reconciliation;

/// <summary>The reconciler's options at their limits (the options corpus covers the refusals), and the in-memory leases.</summary>
public class ReconcilerOptionsAndClaimsTests
{
    private static readonly Instant T0 = Instant.FromUtc(2022, 10, 15, 6, 0);

    [Fact]
    public void The_defaults_are_valid()
    {
        var options = new ReconcilerOptions();
        Assert.Equal(
            (50, 8, 10_000, Duration.FromSeconds(5), Duration.FromMinutes(5), Duration.FromMinutes(1), 10_000, 0),
            (options.MaxCallsPerSecond, options.MaxConcurrency, options.MaxRentalsPerRun, options.RetryBaseDelay, options.RetryMaxDelay, options.LeaseDuration, options.MaxCatchUpEventsPerRun, options.JitterSeed));
        Assert.True(new ReconcilerOptionsValidator().Validate(options).IsValid);
    }

    [Fact]
    public void The_smallest_values_allowed_are_valid()
    {
        var options = new ReconcilerOptions
        {
            MaxCallsPerSecond = 1,
            MaxConcurrency = 1,
            MaxRentalsPerRun = 1,
            RetryBaseDelay = Duration.Epsilon,
            RetryMaxDelay = Duration.Epsilon,
            LeaseDuration = Duration.FromSeconds(5),
            MaxCatchUpEventsPerRun = 1,
        };
        Assert.Empty(new ReconcilerOptionsValidator().Validate(options).Errors);
    }

    [Fact]
    public void The_largest_values_allowed_are_valid()
    {
        var options = new ReconcilerOptions
        {
            MaxCallsPerSecond = 100_000,
            MaxConcurrency = 256,
            MaxRentalsPerRun = 1_000_000,
            RetryBaseDelay = Duration.FromHours(1),
            RetryMaxDelay = Duration.FromHours(24),
            LeaseDuration = Duration.FromHours(1),
            MaxCatchUpEventsPerRun = 1_000_000,
        };
        Assert.Empty(new ReconcilerOptionsValidator().Validate(options).Errors);
    }

    [Fact]
    public void Values_just_outside_the_limits_are_refused_with_their_messages()
    {
        var options = new ReconcilerOptions
        {
            MaxCallsPerSecond = 100_001,
            MaxConcurrency = 257,
            MaxRentalsPerRun = 1_000_001,
            RetryBaseDelay = Duration.FromHours(1) + Duration.Epsilon,
            RetryMaxDelay = Duration.FromHours(24) + Duration.Epsilon,
            LeaseDuration = Duration.FromSeconds(5) - Duration.Epsilon,
            MaxCatchUpEventsPerRun = 1_000_001,
        };
        Assert.Equal(
            [
                "MaxCallsPerSecond must be between 1 and 100000; got 100001.",
                "MaxConcurrency must be between 1 and 256; got 257.",
                "MaxRentalsPerRun must be between 1 and 1000000; got 1000001.",
                $"RetryBaseDelay must be between 0 (exclusive) and 1 hour; got {options.RetryBaseDelay}.",
                $"LeaseDuration must be between 5 seconds and 1 hour; got {options.LeaseDuration}.",
                "MaxCatchUpEventsPerRun must be between 1 and 1000000; got 1000001.",
                $"RetryMaxDelay must be between RetryBaseDelay and 24 hours; got {options.RetryMaxDelay}.",
            ],
            new ReconcilerOptionsValidator().Validate(options).Errors.Select(e => e.ErrorMessage));
        Assert.Equal(
            ["BILLING_OPTIONS_RECONCILER_LEASE_RANGE"],
            new ReconcilerOptionsValidator().Validate(new ReconcilerOptions { LeaseDuration = Duration.FromHours(1) + Duration.Epsilon }).Errors.Select(e => e.ErrorCode));
        Assert.Equal(
            ["BILLING_OPTIONS_RECONCILER_RETRY_MAX_RANGE"],
            new ReconcilerOptionsValidator().Validate(new ReconcilerOptions { RetryBaseDelay = Duration.FromMinutes(5) + Duration.Epsilon }).Errors.Select(e => e.ErrorCode));
    }

    [Fact]
    public async Task A_lease_can_be_renewed_by_its_owner_and_released_only_by_it()
    {
        var claims = new InMemorySettlementClaims();
        var rental = RentalId.From("r-1");
        var other = RentalId.From("r-2");

        Assert.True(await claims.TryClaimAsync(rental, "a", T0, T0 + Duration.FromMinutes(1), CancellationToken.None));
        Assert.True(await claims.TryClaimAsync(rental, "a", T0 + Duration.FromSeconds(10), T0 + Duration.FromMinutes(2), CancellationToken.None));
        Assert.False(await claims.TryClaimAsync(rental, "b", T0 + Duration.FromSeconds(90), T0 + Duration.FromMinutes(3), CancellationToken.None)); // renewed until 2 min
        Assert.True(await claims.TryClaimAsync(other, "b", T0, T0 + Duration.FromMinutes(1), CancellationToken.None)); // leases are per rental

        await claims.ReleaseAsync(rental, "b", CancellationToken.None); // not b's: nothing happens
        Assert.False(await claims.TryClaimAsync(rental, "b", T0 + Duration.FromSeconds(91), T0 + Duration.FromMinutes(3), CancellationToken.None));

        await claims.ReleaseAsync(rental, "a", CancellationToken.None);
        Assert.True(await claims.TryClaimAsync(rental, "b", T0 + Duration.FromSeconds(92), T0 + Duration.FromMinutes(3), CancellationToken.None));
        await claims.ReleaseAsync(RentalId.From("r-3"), "a", CancellationToken.None); // no lease: nothing happens
    }

    [Fact]
    public void What_riders_were_spared_is_the_naive_charge_minus_the_charge()
    {
        var krw = CurrencyCode.KRW;
        var totals = new SettlementTotals(krw, 1, 1, 0, 0, 0, 0, Money.FromMinorUnits(2_800, krw), Money.FromMinorUnits(10_000, krw), Money.FromMinorUnits(2_800, krw), Money.Zero(krw));
        Assert.Equal(Money.FromMinorUnits(7_200, krw), totals.NotCharged);
    }
}
