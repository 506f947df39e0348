using Billing.Resilience.Payments;
using NodaTime;

namespace Billing.Resilience.Tests.Payments;

/// <summary>The payment options' rules at their edges, with their codes and messages.</summary>
public class PaymentOptionsTests
{
    private static IReadOnlyList<ValidationError> Problems(PaymentOptions options)
        => OptionsValidation.Validate(new PaymentOptionsValidator(), options, "Payments");

    [Fact]
    public void The_defaults_are_valid_no_hold_a_week_of_validity_and_a_day_of_warning()
    {
        var options = new PaymentOptions();

        Assert.Null(options.HoldAmount);
        Assert.Equal(Duration.FromHours(168), options.HoldValidity);
        Assert.Equal(Duration.FromHours(24), options.HoldExpiryWarning);
        Assert.Empty(Problems(options));
    }

    [Theory]
    [InlineData("0.01")]
    [InlineData("1000000000")]
    public void A_hold_of_one_minor_unit_to_a_billion_major_units_is_valid(string amount)
        => Assert.Empty(Problems(new PaymentOptions { HoldAmount = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture) }));

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void A_hold_that_is_not_positive_is_refused(string amount)
    {
        var error = Assert.Single(Problems(new PaymentOptions { HoldAmount = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture) }));

        Assert.Equal("BILLING_OPTIONS_HOLD_AMOUNT_NOT_POSITIVE", error.Code);
        Assert.Equal("Payments.HoldAmount", error.Path);
        Assert.Equal($"HoldAmount must be positive; got {amount}.", error.Message);
    }

    [Fact]
    public void A_hold_above_a_billion_major_units_is_refused()
    {
        var error = Assert.Single(Problems(new PaymentOptions { HoldAmount = 1_000_000_000.01m }));

        Assert.Equal("BILLING_OPTIONS_HOLD_AMOUNT_TOO_LARGE", error.Code);
        Assert.Equal("HoldAmount must be at most 1000000000 major units; got 1000000000.01.", error.Message);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(31 * 24 * 60)]
    public void A_validity_of_1_hour_to_31_days_is_valid(int minutes)
        => Assert.Empty(Problems(new PaymentOptions { HoldValidity = Duration.FromMinutes(minutes), HoldExpiryWarning = Duration.Zero }));

    [Theory]
    [InlineData(59, "0.9833333333333333")]
    [InlineData((31 * 24 * 60) + 1, "744.0166666666667")]
    public void A_validity_outside_1_hour_to_31_days_is_refused(int minutes, string hours)
    {
        var error = Assert.Single(Problems(new PaymentOptions { HoldValidity = Duration.FromMinutes(minutes), HoldExpiryWarning = Duration.Zero }));

        Assert.Equal("BILLING_OPTIONS_HOLD_VALIDITY_RANGE", error.Code);
        Assert.Equal($"HoldValidity must be between 1 hour and 31 days; got {hours} h.", error.Message);
    }

    [Fact]
    public void A_warning_from_zero_to_just_under_the_validity_is_valid()
    {
        Assert.Empty(Problems(new PaymentOptions { HoldValidity = Duration.FromHours(6), HoldExpiryWarning = Duration.Zero }));
        Assert.Empty(Problems(new PaymentOptions { HoldValidity = Duration.FromHours(6), HoldExpiryWarning = Duration.FromHours(6) - Duration.Epsilon }));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(6 * 60)]
    [InlineData(7 * 60)]
    public void A_warning_below_zero_or_not_before_the_end_of_validity_is_refused(int minutes)
    {
        var error = Assert.Single(Problems(new PaymentOptions { HoldValidity = Duration.FromHours(6), HoldExpiryWarning = Duration.FromMinutes(minutes) }));

        Assert.Equal("BILLING_OPTIONS_HOLD_EXPIRY_WARNING_RANGE", error.Code);
        Assert.StartsWith("HoldExpiryWarning must be between 0 and HoldValidity; got ", error.Message, StringComparison.Ordinal);
    }
}
