using FluentValidation;
using Microsoft.Extensions.Options;

namespace Billing.Resilience.Hosting;

/// <summary>
/// How often the background services run. Times are real time, waited on the container's <see cref="TimeProvider"/>
/// (<see cref="TimeProvider.System"/> unless you register another). Validated when the host starts, every problem in one message.
/// </summary>
public sealed class BillingBackgroundServiceOptions
{
    /// <summary>The shortest interval accepted for <see cref="ReconcilerPollInterval"/>, <see cref="ProbeInterval"/>, <see cref="ProbeTimeout"/> and <see cref="ErrorBackoff"/>.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Gets or sets the longest wait between two reconciler runs. The reconciler runs again as soon as the next queued
    /// rental is due (<c>Reconciler.NextDueAt</c>) and when a dependency comes back, but never waits longer than this,
    /// which is also how soon an end signal reported in the meantime is settled.
    /// </summary>
    /// <value>The default value is 5 seconds. Between 10 ms and 10 minutes.</value>
    public TimeSpan ReconcilerPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how often every registered <c>IDependencyProbe</c> is run (through <c>DependencyHealth.ProbeAsync</c>).</summary>
    /// <value>The default value is 15 seconds. Between 10 ms and 1 hour.</value>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how long a probe may take; a probe that takes longer counts as the dependency being down.</summary>
    /// <value>The default value is 5 seconds. At least 10 ms and at most <see cref="ProbeInterval"/>.</value>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the wait after a failed reconciler run or probe round (the journal unreachable, say); it doubles with each failure in a row.</summary>
    /// <value>The default value is 1 second. Between 10 ms and <see cref="MaxErrorBackoff"/>.</value>
    public TimeSpan ErrorBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest wait after failures in a row.</summary>
    /// <value>The default value is 1 minute. At most 1 hour.</value>
    public TimeSpan MaxErrorBackoff { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Validates <see cref="BillingBackgroundServiceOptions"/>.</summary>
internal sealed class BillingBackgroundServiceOptionsValidator : AbstractValidator<BillingBackgroundServiceOptions>
{
    public BillingBackgroundServiceOptionsValidator()
    {
        var min = BillingBackgroundServiceOptions.MinInterval;
        RuleFor(o => o.ReconcilerPollInterval).InclusiveBetween(min, TimeSpan.FromMinutes(10)).WithErrorCode("BILLING_HOSTING_POLL_INTERVAL_RANGE")
            .WithMessage(o => $"ReconcilerPollInterval must be between 10 ms and 10 minutes; got {o.ReconcilerPollInterval}.");
        RuleFor(o => o.ProbeInterval).InclusiveBetween(min, TimeSpan.FromHours(1)).WithErrorCode("BILLING_HOSTING_PROBE_INTERVAL_RANGE")
            .WithMessage(o => $"ProbeInterval must be between 10 ms and 1 hour; got {o.ProbeInterval}.");
        RuleFor(o => o.ProbeTimeout).Must((o, t) => t >= min && t <= o.ProbeInterval).WithErrorCode("BILLING_HOSTING_PROBE_TIMEOUT_RANGE")
            .WithMessage(o => $"ProbeTimeout must be between 10 ms and ProbeInterval ({o.ProbeInterval}); got {o.ProbeTimeout}.");
        RuleFor(o => o.ErrorBackoff).Must((o, b) => b >= min && b <= o.MaxErrorBackoff).WithErrorCode("BILLING_HOSTING_ERROR_BACKOFF_RANGE")
            .WithMessage(o => $"ErrorBackoff must be between 10 ms and MaxErrorBackoff ({o.MaxErrorBackoff}); got {o.ErrorBackoff}.");
        RuleFor(o => o.MaxErrorBackoff).InclusiveBetween(min, TimeSpan.FromHours(1)).WithErrorCode("BILLING_HOSTING_MAX_ERROR_BACKOFF_RANGE")
            .WithMessage(o => $"MaxErrorBackoff must be between 10 ms and 1 hour; got {o.MaxErrorBackoff}.");
    }
}

/// <summary>Runs the FluentValidation validator for the options pattern: every failure in one <see cref="OptionsValidationException"/>.</summary>
internal sealed class BillingBackgroundServiceOptionsValidation : IValidateOptions<BillingBackgroundServiceOptions>
{
    private static readonly BillingBackgroundServiceOptionsValidator Validator = new();

    public ValidateOptionsResult Validate(string? name, BillingBackgroundServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = Validator.Validate(options);
        return result.IsValid
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage} [{e.ErrorCode}]"));
    }
}
