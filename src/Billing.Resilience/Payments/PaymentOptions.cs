using FluentValidation;
using NodaTime;

namespace Billing.Resilience.Payments;

/// <summary>How money moves for rentals (SCENARIOS.md 3.4).</summary>
public sealed class PaymentOptions
{
    /// <summary>The largest hold accepted, in major units (it fits in 64-bit minor units for every currency).</summary>
    public const decimal MaxHoldAmount = 1_000_000_000m;

    /// <summary>Gets or sets the pre-authorization placed at the start of every rental, in major units of the plan's currency; null for no hold.</summary>
    /// <value>The default value is null (no hold).</value>
    public decimal? HoldAmount { get; set; }

    /// <summary>Gets or sets how long an authorization can be captured after it was placed. Card networks allow about 7 days for customer-initiated payments, less for some merchant-initiated ones.</summary>
    /// <value>The default value is 7 days (168 hours).</value>
    public Duration HoldValidity { get; set; } = Duration.FromHours(168);

    /// <summary>Gets or sets how long before a hold expires the library warns, while the rental it secures is not settled.</summary>
    /// <value>The default value is 24 hours.</value>
    public Duration HoldExpiryWarning { get; set; } = Duration.FromHours(24);
}

/// <summary>Validates <see cref="PaymentOptions"/>.</summary>
public sealed class PaymentOptionsValidator : AbstractValidator<PaymentOptions>
{
    /// <summary>Creates the validator.</summary>
    public PaymentOptionsValidator()
    {
        RuleFor(o => o.HoldAmount).GreaterThan(0).When(o => o.HoldAmount is not null).WithErrorCode("BILLING_OPTIONS_HOLD_AMOUNT_NOT_POSITIVE")
            .WithMessage(o => $"HoldAmount must be positive; got {o.HoldAmount}.");
        RuleFor(o => o.HoldAmount).LessThanOrEqualTo(PaymentOptions.MaxHoldAmount).When(o => o.HoldAmount is not null).WithErrorCode("BILLING_OPTIONS_HOLD_AMOUNT_TOO_LARGE")
            .WithMessage(o => $"HoldAmount must be at most {PaymentOptions.MaxHoldAmount} major units; got {o.HoldAmount}.");
        RuleFor(o => o.HoldValidity).Must(v => v >= Duration.FromHours(1) && v <= Duration.FromDays(31)).WithErrorCode("BILLING_OPTIONS_HOLD_VALIDITY_RANGE")
            .WithMessage(o => $"HoldValidity must be between 1 hour and 31 days; got {o.HoldValidity.TotalHours} h.");
        RuleFor(o => o.HoldExpiryWarning).Must((o, w) => w >= Duration.Zero && w < o.HoldValidity).WithErrorCode("BILLING_OPTIONS_HOLD_EXPIRY_WARNING_RANGE")
            .WithMessage(o => $"HoldExpiryWarning must be between 0 and HoldValidity; got {o.HoldExpiryWarning.TotalHours} h.");
    }
}
