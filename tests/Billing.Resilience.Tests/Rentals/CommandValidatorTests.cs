using Billing.Resilience.Rentals;
using NodaTime;

namespace Billing.Resilience.Tests.Rentals;

/// <summary>
/// The command validators on their own: what they accept at the edges (the corpus covers what they refuse), the card
/// number check, and the messages of the codes.
/// </summary>
public class CommandValidatorTests
{
    private static readonly Instant At = Instant.FromUtc(2022, 10, 15, 6, 0);

    [Theory]
    [InlineData("4000000000006")] // 13 digits, the shortest card number
    [InlineData("4111111111111111")]
    [InlineData("4111 1111-1111 1111")]
    [InlineData("6011000000000000001")] // 19 digits, the longest
    [InlineData("79927398713")] // not a card: 11 digits, although Luhn-valid
    public void Card_numbers_are_13_to_19_digits_that_pass_the_Luhn_check(string text)
    {
        var digits = text.Count(char.IsAsciiDigit);
        Assert.Equal(digits is >= 13 and <= 19, ReportEndSignalValidator.LooksLikeCardNumber(text));
    }

    [Theory]
    [InlineData("400000000002")] // 12 digits, Luhn-valid
    [InlineData("60110000000000000004")] // 20 digits, Luhn-valid
    [InlineData("4111111111111112")] // 16 digits, Luhn check fails
    [InlineData("4111111111111121")] // another second-to-last digit: fails too
    [InlineData("4111x1111111111111")] // a letter among the digits
    [InlineData("4111.1111.1111.1111")] // dots are not separators
    [InlineData("")]
    public void Other_texts_do_not_look_like_card_numbers(string text)
        => Assert.False(ReportEndSignalValidator.LooksLikeCardNumber(text));

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("5500000000000004", true)] // a digit doubled to 10 counts as 1
    [InlineData("5500000000000005", false)]
    [InlineData("0000000000000", true)] // all zeros add up to 0
    [InlineData("0000000000001", false)]
    [InlineData("0000000000018", true)] // 1 doubled is 2, plus 8
    [InlineData("0000000000091", true)] // 9 doubled is 18 -> 9, plus 1
    [InlineData("0000000000090", false)]
    public void The_Luhn_check_doubles_every_second_digit_from_the_right(string text, bool expected)
        => Assert.Equal(expected, ReportEndSignalValidator.LooksLikeCardNumber(text));

    [Fact]
    public void A_start_at_the_limits_is_valid()
    {
        var command = new StartRental(new string('r', 128), new string('u', 128), new string('p', 255), new string('c', 8_192));
        Assert.True(new StartRentalValidator().Validate(command).IsValid);
        Assert.True(new StartRentalValidator().Validate(new StartRental("r-1", "u-1", "p", null)).IsValid);
        Assert.True(new StartRentalValidator().Validate(new StartRental("r-1", "u-1", "p", "4111111111111112")).IsValid);
    }

    [Fact]
    public void A_start_s_errors_have_their_codes_and_messages()
    {
        var result = new StartRentalValidator().Validate(new StartRental("r 1", "u|1", " ", "4111111111111111"));
        Assert.Equal(
            [
                ("RentalId", "BILLING_RENTAL_ID_INVALID", "'r 1' is not a valid rental id (1 to 128 printable ASCII characters, no spaces or '|')."),
                ("RiderId", "BILLING_RIDER_ID_INVALID", "'u|1' is not a valid rider id (1 to 128 printable ASCII characters, no spaces or '|')."),
                ("PlanId", "BILLING_PLAN_ID_INVALID", "' ' is not a valid plan id (1 to 255 characters, not blank)."),
                ("Credential", "BILLING_CREDENTIAL_LOOKS_LIKE_CARD", "The credential looks like a card number; never send card data where a session token belongs."),
            ],
            result.Errors.Select(e => (e.PropertyName, e.ErrorCode, e.ErrorMessage)));
    }

    [Fact]
    public void A_credential_longer_than_8192_characters_is_refused()
    {
        var error = Assert.Single(new StartRentalValidator().Validate(new StartRental("r-1", "u-1", "p", new string('c', 8_193))).Errors);
        Assert.Equal(("Credential", "BILLING_CREDENTIAL_TOO_LONG"), (error.PropertyName, error.ErrorCode));
    }

    [Fact]
    public void A_vehicle_or_operator_end_signal_needs_no_token()
    {
        var validator = new ReportEndSignalValidator();
        Assert.True(validator.Validate(new ReportEndSignal("r-1", At, EndSignalSource.Vehicle)).IsValid);
        Assert.True(validator.Validate(new ReportEndSignal("r-1", At, EndSignalSource.Operator)).IsValid);
        Assert.True(validator.Validate(new ReportEndSignal("r-1", At, EndSignalSource.Rider, "v1.k1.1.AAAA")).IsValid);
    }

    [Fact]
    public void An_end_signal_s_errors_have_their_codes_and_messages()
    {
        var validator = new ReportEndSignalValidator();
        var result = validator.Validate(new ReportEndSignal("r 1", At, (EndSignalSource)9, "4111111111111111"));
        Assert.Equal(
            [
                ("RentalId", "BILLING_RENTAL_ID_INVALID", "'r 1' is not a valid rental id."),
                ("Source", "BILLING_END_SIGNAL_SOURCE_UNKNOWN", "9 is not a known end signal source."),
                ("RentalToken", "BILLING_END_SIGNAL_TOKEN_LOOKS_LIKE_CARD", "The rental token looks like a card number; never send card data where a token belongs."),
            ],
            result.Errors.Select(e => (e.PropertyName, e.ErrorCode, e.ErrorMessage)));

        var missing = Assert.Single(validator.Validate(new ReportEndSignal("r-1", At, EndSignalSource.Rider)).Errors);
        Assert.Equal(("RentalToken", "BILLING_END_SIGNAL_TOKEN_REQUIRED", "A rider's end signal carries the rental token issued at start."), (missing.PropertyName, missing.ErrorCode, missing.ErrorMessage));
    }

    [Theory]
    [InlineData("0.000001")]
    [InlineData("1.5")]
    [InlineData("999.999999")]
    [InlineData("1000")]
    [InlineData("1000.000000")]
    public void A_distance_of_a_millimetre_to_1000_km_with_up_to_6_decimals_is_valid(string kilometres)
        => Assert.True(new RecordDistanceValidator().Validate(new RecordDistance("r-1", At, decimal.Parse(kilometres, System.Globalization.CultureInfo.InvariantCulture))).IsValid);

    [Fact]
    public void A_distance_s_errors_have_their_codes_and_messages()
    {
        var validator = new RecordDistanceValidator();
        Assert.Equal(
            [
                ("RentalId", "BILLING_RENTAL_ID_INVALID", "'' is not a valid rental id."),
                ("Kilometres", "BILLING_DISTANCE_NOT_POSITIVE", "A distance increment is positive; got -0.0000001 km."),
                ("Kilometres", "BILLING_DISTANCE_TOO_PRECISE", "A distance has at most 6 decimals (millimetres); got -0.0000001 km."),
            ],
            validator.Validate(new RecordDistance(string.Empty, At, -0.0000001m)).Errors.Select(e => (e.PropertyName, e.ErrorCode, e.ErrorMessage)));
        Assert.Equal(
            [("Kilometres", "BILLING_DISTANCE_TOO_LARGE", "A distance increment is at most 1000 km; got 1000.000001 km.")],
            validator.Validate(new RecordDistance("r-1", At, 1000.000001m)).Errors.Select(e => (e.PropertyName, e.ErrorCode, e.ErrorMessage)));
    }
}
