using System.Linq.Expressions;
using System.Text.Json;
using FluentValidation;
using static System.FormattableString;

namespace Billing.Resilience.Pricing;

/// <summary>
/// Validates one GBFS plan as written, segments and fare cap included; every failure carries a
/// <see cref="GbfsImportCodes"/> code and a <see cref="GbfsFailure"/> with the JSON path.
/// </summary>
internal sealed class GbfsPlanValidator : AbstractValidator<GbfsRawPlan>
{
    private GbfsPlanValidator()
    {
        RuleFor(plan => plan.Self)
            .Must(self => self.Kind == JsonValueKind.Object)
            .Fails(GbfsImportCodes.PlanNotObject, self => $"a plan must be a JSON object, but is {GbfsField.Describe(self.Kind)}: {self.Shown}");

        When(plan => plan.Self.Kind == JsonValueKind.Object, () =>
        {
            this.NoDuplicateMembers(plan => plan.DuplicateMembers);
            PlanIdRules();
            CurrencyRules();
            this.Amount(plan => plan.Price, plan => plan.KnownCurrency, required: true, allowString: true);
            RuleFor(plan => plan.Price)
                .Must(price => price.Kind != JsonValueKind.String)
                .Warns(GbfsImportCodes.PriceAsString, price => $"price is the string {price.Shown}; read as that exact decimal (GBFS 2.x allows a string, 3.0 requires a number)")
                .When(plan => GbfsRules.IsReadable(plan.Price, allowString: true));
            TextRules(plan => plan.Name, GbfsImportCodes.MissingName, "the plan has no name; its plan_id stands in for it");
            TextRules(plan => plan.Description, GbfsImportCodes.MissingDescription, "the plan has no description");
            IsTaxableRules();
            RuleFor(plan => plan.Url)
                .HasType(url => url.IsMissing || url.Kind == JsonValueKind.String, "a string");
            RuleFor(plan => plan.SurgePricing)
                .HasType(surge => surge.IsMissing || surge.Kind is JsonValueKind.True or JsonValueKind.False, "true or false");
            ReservationRules();
            SegmentListRules(plan => plan.PerMinPricing);
            RuleForEach(plan => plan.PerMinuteSegments).SetValidator(GbfsSegmentValidator.Instance);
            SegmentListRules(plan => plan.PerKmPricing);
            RuleForEach(plan => plan.PerKmSegments).SetValidator(GbfsSegmentValidator.Instance);
            RuleFor(plan => plan.FareCapping)
                .HasType(cap => cap.IsMissing || cap.Kind == JsonValueKind.Object, "an object {\"duration\": minutes, \"price\": amount}");
            RuleFor(plan => plan.FareCap!)
                .SetValidator(GbfsFareCapValidator.Instance)
                .When(plan => plan.FareCap is not null);
        });
    }

    /// <summary>Gets the validator; it is immutable and thread-safe.</summary>
    public static GbfsPlanValidator Instance { get; } = new();

    private void PlanIdRules()
        => RuleFor(plan => plan.PlanId)
            .Cascade(CascadeMode.Stop)
            .Present()
            .HasType(id => id.Kind == JsonValueKind.String, "a string")
            .Must((plan, _) => !string.IsNullOrWhiteSpace(plan.PlanIdText))
            .Fails(GbfsImportCodes.EmptyPlanId, id => $"plan_id must not be empty or blank, but is {id.Shown}")
            .Must((plan, _) => plan.PlanIdText!.Length <= GbfsPricingPlans.MaxPlanIdLength)
            .Fails(GbfsImportCodes.PlanIdTooLong, (plan, id) => Invariant(
                $"plan_id has {plan.PlanIdText!.Length} characters, more than the limit of {GbfsPricingPlans.MaxPlanIdLength}: {id.Shown}"))
            .Must((plan, _) => plan.DuplicateOfPath is null)
            .Fails(GbfsImportCodes.DuplicatePlanId, (plan, id) => $"plan_id {id.Shown} is already used by {plan.DuplicateOfPath}");

    private void CurrencyRules()
        => RuleFor(plan => plan.Currency)
            .Cascade(CascadeMode.Stop)
            .Present()
            .HasType(currency => currency.Kind == JsonValueKind.String, "a string (an ISO 4217 code)")
            .Must((plan, _) => plan.KnownCurrency is not null)
            .Fails(GbfsImportCodes.UnknownCurrency, currency => $"{currency.Shown} is not an active ISO 4217 currency code with a minor unit (upper case, such as \"EUR\")");

    private void TextRules(Expression<Func<GbfsRawPlan, GbfsField>> property, string missingCode, string missingMessage)
    {
        var read = property.Compile();
        RuleFor(property)
            .HasType(text => text.IsMissing || text.IsLocalizedStringShape, "a string or an array of localized strings [{\"text\": ..., \"language\": ...}]");
        RuleFor(property)
            .Must(text => !string.IsNullOrWhiteSpace(text.LocalizedTextOrNull))
            .Warns(missingCode, text => text.Kind == JsonValueKind.Undefined ? missingMessage : $"{missingMessage} (it is {text.Shown})")
            .When(plan => read(plan) is var text && (text.IsMissing || text.IsLocalizedStringShape));
    }

    private void IsTaxableRules()
    {
        RuleFor(plan => plan.IsTaxable)
            .HasType(taxable => taxable.IsMissing || taxable.Kind is JsonValueKind.True or JsonValueKind.False || taxable.IsZeroOrOne, "true or false (or, GBFS 1.x, 0 or 1)");
        RuleFor(plan => plan.IsTaxable)
            .Must(taxable => !taxable.IsMissing)
            .Warns(GbfsImportCodes.MissingIsTaxable, taxable => $"is_taxable is {(taxable.Kind == JsonValueKind.Null ? "null" : "missing")}; read as false");
        RuleFor(plan => plan.IsTaxable)
            .Must(taxable => taxable.Kind != JsonValueKind.Number)
            .Warns(GbfsImportCodes.IsTaxableAsNumber, taxable => $"is_taxable is the number {taxable.Shown} (GBFS 1.x style); read as {(GbfsRules.ValueOf(taxable) == 1 ? "true" : "false")}")
            .When(plan => plan.IsTaxable.IsZeroOrOne);
    }

    private void ReservationRules()
    {
        this.Amount(plan => plan.ReservationPricePerMin, plan => plan.KnownCurrency, required: false);
        this.Amount(plan => plan.ReservationPriceFlatRate, plan => plan.KnownCurrency, required: false);
        RuleFor(plan => plan.ReservationPriceFlatRate)
            .Must((plan, flat) => flat.IsMissing || plan.ReservationPricePerMin.IsMissing)
            .Fails(GbfsImportCodes.ReservationPricesCombined, (plan, flat) =>
                $"reservation_price_flat_rate {flat.Shown} and reservation_price_per_min {plan.ReservationPricePerMin.Shown} must not be combined in one plan");
    }

    private void SegmentListRules(Expression<Func<GbfsRawPlan, GbfsField>> property)
        => RuleFor(property)
            .Cascade(CascadeMode.Stop)
            .HasType(list => list.IsMissing || list.Kind == JsonValueKind.Array, "an array of segments")
            .Must(list => list.Kind != JsonValueKind.Array || list.Element.GetArrayLength() <= GbfsPricingPlans.MaxSegmentsPerList)
            .Fails(GbfsImportCodes.TooManySegments, list => Invariant(
                $"has {list.Element.GetArrayLength()} segments, more than the limit of {GbfsPricingPlans.MaxSegmentsPerList}"));
}
