using Billing.Resilience.Outages;
using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>
/// The metering options' rules at their limits, on a validator built in each test: the longest freeze grace and the
/// widest end-signal skew are accepted, a skew of zero too, one second more is refused with its message, and an
/// unknown dependency is named. (The options corpus checks one past each limit through the engine builder.)
/// </summary>
public sealed class MeteringOptionsRulesTests
{
    [Fact]
    public void The_limits_themselves_are_accepted()
    {
        var validator = new MeteringOptionsValidator();

        Assert.True(validator.Validate(new MeteringOptions { FreezeGrace = MeteringOptions.MaxFreezeGrace }).IsValid);
        Assert.True(validator.Validate(new MeteringOptions { FreezeGrace = Duration.Zero }).IsValid);
        Assert.True(validator.Validate(new MeteringOptions { EndSignalSkew = MeteringOptions.MaxEndSignalSkew }).IsValid);
        Assert.True(validator.Validate(new MeteringOptions { EndSignalSkew = Duration.Zero }).IsValid);
    }

    [Fact]
    public void One_second_past_a_limit_is_refused_with_the_limit_and_the_value()
    {
        var validator = new MeteringOptionsValidator();

        var grace = Assert.Single(validator.Validate(new MeteringOptions { FreezeGrace = MeteringOptions.MaxFreezeGrace + Duration.FromSeconds(1) }).Errors);
        var skew = Assert.Single(validator.Validate(new MeteringOptions { EndSignalSkew = MeteringOptions.MaxEndSignalSkew + Duration.FromSeconds(1) }).Errors);
        var negativeSkew = Assert.Single(validator.Validate(new MeteringOptions { EndSignalSkew = Duration.FromSeconds(-1) }).Errors);

        Assert.Equal(("BILLING_OPTIONS_FREEZE_GRACE_RANGE", "FreezeGrace must be between 0 and 24 h; got 86401 s."), (grace.ErrorCode, grace.ErrorMessage));
        Assert.Equal(("BILLING_OPTIONS_END_SIGNAL_SKEW_RANGE", "EndSignalSkew must be between 0 and 60 min; got 3601 s."), (skew.ErrorCode, skew.ErrorMessage));
        Assert.Equal("EndSignalSkew must be between 0 and 60 min; got -1 s.", negativeSkew.ErrorMessage);
    }

    [Fact]
    public void An_unknown_dependency_to_freeze_on_is_named()
    {
        var options = new MeteringOptions { FreezeOn = new HashSet<Dependency> { Dependency.Payment, (Dependency)99 } };

        var error = Assert.Single(new MeteringOptionsValidator().Validate(options).Errors);

        Assert.Equal(("BILLING_OPTIONS_FREEZE_ON_UNKNOWN", "FreezeOn holds an unknown dependency: Payment, 99."), (error.ErrorCode, error.ErrorMessage));
    }
}
