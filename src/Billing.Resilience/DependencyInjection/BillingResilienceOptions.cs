using System.Globalization;
using Billing.Resilience.Payments;
using Billing.Resilience.Pricing;
using Billing.Resilience.Reconciliation;
using Billing.Resilience.Rentals;

namespace Billing.Resilience;

/// <summary>
/// Everything the engine needs that is not a service: metering (the freeze policy), payments, the reconciler, rental
/// tokens, the rental cache and the pricing plans. Set in <see cref="BillingResilienceServiceCollectionExtensions.AddBillingResilience"/>
/// (or with <c>services.Configure&lt;BillingResilienceOptions&gt;</c>) and validated when the host starts, every
/// problem in one message.
/// </summary>
/// <remarks>The freeze policy is <see cref="MeteringOptions.FreezeOn"/> and <see cref="MeteringOptions.FreezeGrace"/> of
/// <see cref="Metering"/>. Each options type documents its defaults; the validators that run at start are
/// <see cref="MeteringOptionsValidator"/>, <see cref="PaymentOptionsValidator"/>, <see cref="ReconcilerOptionsValidator"/>,
/// <see cref="RentalTokenOptionsValidator"/> and <see cref="RentalCacheOptionsValidator"/>, plus the checks <see cref="BillingEngineBuilder.BuildAsync"/> makes
/// (at least one plan, unique plan ids, a hold amount the plans' currencies can express).</remarks>
public sealed class BillingResilienceOptions
{
    private readonly List<ValidationError> planErrors = [];
    private int gbfsDocuments;

    /// <summary>Gets the metering options: the freeze policy, grace, clock skew of end signals, rounding, limits.</summary>
    public MeteringOptions Metering { get; } = new();

    /// <summary>Gets the payment options: the hold placed at start and how long it is valid.</summary>
    public PaymentOptions Payments { get; } = new();

    /// <summary>Gets the reconciler options: call rate, concurrency, batch size, backoff.</summary>
    public ReconcilerOptions Reconciler { get; } = new();

    /// <summary>Gets the rental token options: the HMAC keys (at least one, from your secret store) and the token lifetime.</summary>
    public RentalTokenOptions RentalTokens { get; } = new();

    /// <summary>Gets the rental cache options: how many rental states are kept in memory.</summary>
    public RentalCacheOptions RentalCache { get; } = new();

    /// <summary>Gets the pricing plans rentals are metered against; at least one is required and plan ids must be unique.</summary>
    /// <value>The default value is empty.</value>
    public IList<PricingPlan> PricingPlans { get; } = [];

    /// <summary>
    /// Gets or sets this instance's name in settlement leases, when several instances share the journal (a store
    /// package registered an <see cref="ISettlementClaims"/>, or <see cref="BillingResilienceBuilderExtensions.UseSettlementClaims"/>):
    /// the pod or host name makes leases readable.
    /// </summary>
    /// <value>The default value is null: a new GUID per process.</value>
    public string? InstanceId { get; set; }

    /// <summary>Gets the errors of GBFS documents added with <see cref="AddGbfsPricingPlans"/>, reported with every other problem at start.</summary>
    internal IReadOnlyList<ValidationError> PricingPlanErrors => planErrors;

    /// <summary>Adds pricing plans.</summary>
    /// <returns>These options.</returns>
    public BillingResilienceOptions AddPricingPlans(IEnumerable<PricingPlan> plans)
    {
        ArgumentNullException.ThrowIfNull(plans);
        foreach (var plan in plans)
        {
            PricingPlans.Add(Preconditions.CheckNotNull(plan));
        }

        return this;
    }

    /// <summary>
    /// Adds the plans of a GBFS <c>system_pricing_plans.json</c> document (read with <see cref="GbfsPricingPlans.Parse(string)"/>).
    /// Nothing throws here: when the document has errors, no plan of it is added and every error is reported when the
    /// host starts, with the other configuration problems.
    /// </summary>
    /// <param name="json">The document's text.</param>
    /// <returns>These options.</returns>
    public BillingResilienceOptions AddGbfsPricingPlans(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var import = GbfsPricingPlans.Parse(json);
        var document = string.Create(CultureInfo.InvariantCulture, $"PricingPlans.gbfs[{gbfsDocuments++}]");
        if (import.IsValid)
        {
            return AddPricingPlans(import.Plans);
        }

        // Paths read like PricingPlans.gbfs[0].data.plans[2].currency: which document, then where in it.
        planErrors.AddRange(import.Errors.Select(e => e with { Path = e.Path == "$" ? document : document + "." + e.Path }));
        return this;
    }
}
