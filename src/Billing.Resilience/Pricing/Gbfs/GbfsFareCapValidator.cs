using System.Text.Json;
using FluentValidation;
using static System.FormattableString;

namespace Billing.Resilience.Pricing;

/// <summary>Validates a plan's <c>fare_capping</c> object (GBFS 3.1) as written.</summary>
internal sealed class GbfsFareCapValidator : AbstractValidator<GbfsRawFareCap>
{
    private GbfsFareCapValidator()
    {
        this.NoDuplicateMembers(cap => cap.DuplicateMembers);
        RuleFor(cap => cap.Duration)
            .Cascade(CascadeMode.Stop)
            .Present()
            .HasType(duration => duration.Kind == JsonValueKind.Number, "a number")
            .Must(duration => duration.TryGetInt32(out var minutes) && minutes > 0)
            .Fails(GbfsImportCodes.FareCapDurationInvalid, duration => Invariant(
                $"duration must be a whole number of minutes from 1 to {int.MaxValue}, but is {duration.Shown}"));
        this.Amount(cap => cap.Price, cap => cap.Plan.KnownCurrency, required: true);
    }

    /// <summary>Gets the validator; it is immutable and thread-safe.</summary>
    public static GbfsFareCapValidator Instance { get; } = new();
}
