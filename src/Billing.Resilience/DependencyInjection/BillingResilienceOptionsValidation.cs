using Billing.Resilience.Journal;
using Billing.Resilience.Payments;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Resilience;

/// <summary>
/// Validates <see cref="BillingResilienceOptions"/> with the FluentValidation validators of each part and checks that
/// the services the engine needs are registered, so that one message at start lists every problem.
/// </summary>
internal sealed class BillingResilienceOptionsValidation(IServiceProvider services) : IValidateOptions<BillingResilienceOptions>
{
    private static readonly MeteringOptionsValidator Metering = new();
    private static readonly PaymentOptionsValidator Payments = new();
    private static readonly ReconcilerOptionsValidator Reconciler = new();
    private static readonly RentalTokenOptionsValidator RentalTokens = new();
    private static readonly RentalCacheOptionsValidator RentalCache = new();

    public ValidateOptionsResult Validate(string? name, BillingResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name is not null && name != Options.DefaultName)
        {
            // The engine reads the unnamed options only.
            return ValidateOptionsResult.Skip;
        }

        var errors = Collect(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Select(e => e.ToString()));
    }

    private List<ValidationError> Collect(BillingResilienceOptions options)
    {
        var errors = new List<ValidationError>();
        errors.AddRange(OptionsValidation.Validate(Metering, options.Metering, "Metering"));
        errors.AddRange(OptionsValidation.Validate(Payments, options.Payments, "Payments"));
        errors.AddRange(OptionsValidation.Validate(Reconciler, options.Reconciler, "Reconciler"));
        errors.AddRange(OptionsValidation.Validate(RentalTokens, options.RentalTokens, "RentalTokens"));
        errors.AddRange(OptionsValidation.Validate(RentalCache, options.RentalCache, "RentalCache"));

        // The same plan checks as BillingEngineBuilder.BuildAsync, so that they are reported with everything else.
        errors.AddRange(options.PricingPlanErrors);
        if (options.PricingPlans.Count == 0 && options.PricingPlanErrors.Count == 0)
        {
            errors.Add(new ValidationError("PricingPlans", "BILLING_ENGINE_PLANS_REQUIRED", "At least one pricing plan is required (o.AddPricingPlans or o.AddGbfsPricingPlans)."));
        }

        foreach (var duplicate in options.PricingPlans.GroupBy(p => p.PlanId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add(new ValidationError("PricingPlans", "BILLING_ENGINE_PLAN_DUPLICATE", $"Plan id '{duplicate.Key}' is added {duplicate.Count()} times."));
        }

        if (options.Payments.HoldAmount is { } hold)
        {
            foreach (var plan in options.PricingPlans.Where(p => decimal.Round(hold, p.Currency.MinorDigits) != hold).Take(1))
            {
                errors.Add(new ValidationError("Payments.HoldAmount", "BILLING_OPTIONS_HOLD_AMOUNT_PRECISION", $"HoldAmount {hold} has more decimals than {plan.Currency.Code} of plan '{plan.PlanId}' allows."));
            }
        }

        // Registrations: checked without creating anything (IServiceProviderIsService), when the container can tell.
        if (services.GetService<IServiceProviderIsService>() is { } registered)
        {
            if (!registered.IsService(typeof(IJournal)))
            {
                errors.Add(new ValidationError("Journal", "BILLING_ENGINE_JOURNAL_REQUIRED", "A journal is required: builder.UseJournal(...), a store package's UseSqliteJournal(...), or UseInMemoryJournal() for tests."));
            }

            if (!registered.IsService(typeof(IIdentityProvider)))
            {
                errors.Add(new ValidationError("IdentityProvider", "BILLING_ENGINE_IDENTITY_REQUIRED", "An identity provider is required: builder.UseIdentityProvider<T>()."));
            }
        }

        if (!services.GetServices<PaymentGatewayRegistration>().Any())
        {
            errors.Add(new ValidationError("PaymentGateways", "BILLING_ENGINE_GATEWAY_REQUIRED", "At least one payment gateway is required: builder.AddPaymentGateway<T>()."));
        }

        return errors;
    }
}
