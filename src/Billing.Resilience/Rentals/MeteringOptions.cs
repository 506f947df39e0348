using Billing.Resilience.Outages;
using Billing.Resilience.Pricing;
using FluentValidation;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>How rentals are metered through outages (SCENARIOS.md 3.1 to 3.3).</summary>
public sealed class MeteringOptions
{
    /// <summary>The longest grace accepted before a meter freezes.</summary>
    public static readonly Duration MaxFreezeGrace = Duration.FromHours(24);

    /// <summary>The largest clock skew tolerated for end signals.</summary>
    public static readonly Duration MaxEndSignalSkew = Duration.FromHours(1);

    /// <summary>Gets or sets the dependencies whose outages freeze the meter.</summary>
    /// <value>The default value is payment and identity.</value>
    public ISet<Dependency> FreezeOn { get; set; } = new HashSet<Dependency> { Dependency.Payment, Dependency.Identity };

    /// <summary>Gets or sets how long after an outage starts the meter freezes.</summary>
    /// <value>The default value is zero: the meter freezes at once. At most <see cref="MaxFreezeGrace"/>.</value>
    public Duration FreezeGrace { get; set; } = Duration.Zero;

    /// <summary>Gets or sets how far an end signal's attested time may lie after its receipt (clock skew of phones and vehicles).</summary>
    /// <value>The default value is 120 seconds. At most <see cref="MaxEndSignalSkew"/>.</value>
    public Duration EndSignalSkew { get; set; } = Duration.FromSeconds(120);

    /// <summary>Gets or sets how partly used intervals are counted.</summary>
    /// <value>The default value is <see cref="IntervalRounding.Started"/>.</value>
    public IntervalRounding IntervalRounding { get; set; } = IntervalRounding.Started;

    /// <summary>Gets or sets the most end signals kept per rental; more are refused.</summary>
    /// <value>The default value is 64.</value>
    public int MaxEndSignalsPerRental { get; set; } = 64;

    /// <summary>Gets or sets the most distance increments kept per rental; more are refused.</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxDistanceIncrementsPerRental { get; set; } = 10_000;
}

/// <summary>Validates <see cref="MeteringOptions"/>; every problem is reported at once.</summary>
public sealed class MeteringOptionsValidator : AbstractValidator<MeteringOptions>
{
    /// <summary>Creates the validator.</summary>
    public MeteringOptionsValidator()
    {
        RuleFor(o => o.FreezeOn).NotNull().WithErrorCode("BILLING_OPTIONS_FREEZE_ON_REQUIRED")
            .Must(set => set is null || set.All(Enum.IsDefined)).WithErrorCode("BILLING_OPTIONS_FREEZE_ON_UNKNOWN")
            .WithMessage(o => $"FreezeOn holds an unknown dependency: {string.Join(", ", o.FreezeOn)}.");
        RuleFor(o => o.FreezeGrace).Must(g => g >= Duration.Zero && g <= MeteringOptions.MaxFreezeGrace)
            .WithErrorCode("BILLING_OPTIONS_FREEZE_GRACE_RANGE")
            .WithMessage(o => $"FreezeGrace must be between 0 and {MeteringOptions.MaxFreezeGrace.TotalHours} h; got {o.FreezeGrace.TotalSeconds} s.");
        RuleFor(o => o.EndSignalSkew).Must(g => g >= Duration.Zero && g <= MeteringOptions.MaxEndSignalSkew)
            .WithErrorCode("BILLING_OPTIONS_END_SIGNAL_SKEW_RANGE")
            .WithMessage(o => $"EndSignalSkew must be between 0 and {MeteringOptions.MaxEndSignalSkew.TotalMinutes} min; got {o.EndSignalSkew.TotalSeconds} s.");
        RuleFor(o => o.IntervalRounding).IsInEnum().WithErrorCode("BILLING_OPTIONS_INTERVAL_ROUNDING_UNKNOWN");
        RuleFor(o => o.MaxEndSignalsPerRental).InclusiveBetween(1, 1_000).WithErrorCode("BILLING_OPTIONS_MAX_END_SIGNALS_RANGE");
        RuleFor(o => o.MaxDistanceIncrementsPerRental).InclusiveBetween(1, 1_000_000).WithErrorCode("BILLING_OPTIONS_MAX_DISTANCE_INCREMENTS_RANGE");
    }
}
