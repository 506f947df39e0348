using FluentValidation;
using NodaTime;

namespace Billing.Resilience.Rentals;

/// <summary>Start a rental now for a rider on a pricing plan.</summary>
/// <param name="RentalId">The operator's id of the rental; starting the same id twice is refused.</param>
/// <param name="RiderId">The rider.</param>
/// <param name="PlanId">The GBFS pricing plan.</param>
/// <param name="Credential">What the rider's app presented to the identity provider (a session token), passed through as is.</param>
public sealed record StartRental(string RentalId, string RiderId, string PlanId, string? Credential = null);

/// <summary>A claim that a rental ended at <paramref name="At"/>. Accepted whenever it arrives, even during an outage.</summary>
/// <param name="RentalId">The rental.</param>
/// <param name="At">The attested end time.</param>
/// <param name="Source">Who attests it.</param>
/// <param name="RentalToken">The rental token the app got at start; required when <paramref name="Source"/> is the rider.</param>
public sealed record ReportEndSignal(string RentalId, Instant At, EndSignalSource Source, string? RentalToken = null);

/// <summary>Vehicle telemetry: <paramref name="Kilometres"/> travelled at <paramref name="At"/>.</summary>
/// <param name="RentalId">The rental.</param>
/// <param name="At">When the distance was travelled.</param>
/// <param name="Kilometres">The increment in kilometres.</param>
public sealed record RecordDistance(string RentalId, Instant At, decimal Kilometres);

/// <summary>Validates <see cref="StartRental"/>.</summary>
public sealed class StartRentalValidator : AbstractValidator<StartRental>
{
    /// <summary>As long as a plan id can be: the GBFS import's limit, so every imported plan can be started.</summary>
    private const int MaxPlanIdLength = Pricing.GbfsPricingPlans.MaxPlanIdLength;

    /// <summary>Creates the validator.</summary>
    public StartRentalValidator()
    {
        RuleFor(c => c.RentalId).Must(Rentals.RentalId.IsValid).WithErrorCode("BILLING_RENTAL_ID_INVALID")
            .WithMessage(c => $"'{c.RentalId}' is not a valid rental id (1 to {Rentals.RentalId.MaxLength} printable ASCII characters, no spaces or '|').");
        RuleFor(c => c.RiderId).Must(Rentals.RiderId.IsValid).WithErrorCode("BILLING_RIDER_ID_INVALID")
            .WithMessage(c => $"'{c.RiderId}' is not a valid rider id (1 to {Rentals.RiderId.MaxLength} printable ASCII characters, no spaces or '|').");
        // One rule, one code: NotEmpty().MaximumLength() gave an empty id FluentValidation's own "NotEmptyValidator" code.
        RuleFor(c => c.PlanId).Must(id => !string.IsNullOrWhiteSpace(id) && id.Length <= MaxPlanIdLength).WithErrorCode("BILLING_PLAN_ID_INVALID")
            .WithMessage(c => $"'{c.PlanId}' is not a valid plan id (1 to {MaxPlanIdLength} characters, not blank).");
        RuleFor(c => c.Credential).MaximumLength(8_192).WithErrorCode("BILLING_CREDENTIAL_TOO_LONG");
        RuleFor(c => c.Credential).Must(t => t is null || !ReportEndSignalValidator.LooksLikeCardNumber(t)).WithErrorCode("BILLING_CREDENTIAL_LOOKS_LIKE_CARD")
            .WithMessage("The credential looks like a card number; never send card data where a session token belongs.");
    }
}

/// <summary>Validates <see cref="ReportEndSignal"/>.</summary>
public sealed class ReportEndSignalValidator : AbstractValidator<ReportEndSignal>
{
    /// <summary>Creates the validator.</summary>
    public ReportEndSignalValidator()
    {
        RuleFor(c => c.RentalId).Must(Rentals.RentalId.IsValid).WithErrorCode("BILLING_RENTAL_ID_INVALID")
            .WithMessage(c => $"'{c.RentalId}' is not a valid rental id.");
        RuleFor(c => c.Source).IsInEnum().WithErrorCode("BILLING_END_SIGNAL_SOURCE_UNKNOWN")
            .WithMessage(c => $"{(int)c.Source} is not a known end signal source.");
        RuleFor(c => c.RentalToken).NotEmpty().When(c => c.Source == EndSignalSource.Rider).WithErrorCode("BILLING_END_SIGNAL_TOKEN_REQUIRED")
            .WithMessage("A rider's end signal carries the rental token issued at start.");
        RuleFor(c => c.RentalToken).Must(t => t is null || !LooksLikeCardNumber(t)).WithErrorCode("BILLING_END_SIGNAL_TOKEN_LOOKS_LIKE_CARD")
            .WithMessage("The rental token looks like a card number; never send card data where a token belongs.");
    }

    /// <summary>13 to 19 digits (spaces and dashes allowed) that pass the Luhn check.</summary>
    internal static bool LooksLikeCardNumber(string text)
    {
        var digits = new List<int>(19);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Add(c - '0');
            }
            else if (c is not (' ' or '-'))
            {
                return false;
            }
        }

        if (digits.Count is < 13 or > 19)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < digits.Count; i++)
        {
            var d = digits[digits.Count - 1 - i];
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }
}

/// <summary>Validates <see cref="RecordDistance"/>.</summary>
public sealed class RecordDistanceValidator : AbstractValidator<RecordDistance>
{
    /// <summary>The largest increment accepted in one report.</summary>
    public const decimal MaxKilometresPerIncrement = 1_000m;

    /// <summary>Creates the validator.</summary>
    public RecordDistanceValidator()
    {
        RuleFor(c => c.RentalId).Must(Rentals.RentalId.IsValid).WithErrorCode("BILLING_RENTAL_ID_INVALID")
            .WithMessage(c => $"'{c.RentalId}' is not a valid rental id.");
        RuleFor(c => c.Kilometres).GreaterThan(0).WithErrorCode("BILLING_DISTANCE_NOT_POSITIVE")
            .WithMessage(c => $"A distance increment is positive; got {c.Kilometres} km.");
        RuleFor(c => c.Kilometres).LessThanOrEqualTo(MaxKilometresPerIncrement).WithErrorCode("BILLING_DISTANCE_TOO_LARGE")
            .WithMessage(c => $"A distance increment is at most {MaxKilometresPerIncrement} km; got {c.Kilometres} km.");
        RuleFor(c => c.Kilometres).Must(k => decimal.Round(k, 6) == k).WithErrorCode("BILLING_DISTANCE_TOO_PRECISE")
            .WithMessage(c => $"A distance has at most 6 decimals (millimetres); got {c.Kilometres} km.");
    }
}
