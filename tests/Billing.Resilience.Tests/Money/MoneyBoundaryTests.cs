namespace Billing.Resilience.Tests.MoneyTests;

/// <summary>Edges of <see cref="Money"/> and <see cref="CurrencyCode"/>: zero, equal operands, the 64-bit limits, and
/// what the errors say.</summary>
public class MoneyBoundaryTests
{
    private static readonly CurrencyCode Usd = CurrencyCode.USD;
    private static readonly CurrencyCode Krw = CurrencyCode.KRW;

    [Fact]
    public void Zero_is_neither_negative_nor_positive()
    {
        var zero = Money.Zero(Usd);

        Assert.False(zero.IsNegative);
        Assert.True(zero.IsZero);
        Assert.True(Money.FromMinorUnits(-1, Usd).IsNegative);
        Assert.False(Money.FromMinorUnits(1, Usd).IsNegative);
        Assert.False(Money.FromMinorUnits(1, Usd).IsZero);
    }

    [Fact]
    public void An_amount_is_not_strictly_greater_or_smaller_than_an_equal_one()
    {
        var a = Money.FromMinorUnits(270, Usd);
        var b = Money.FromMinorUnits(270, Usd);

        Assert.False(a > b);
        Assert.False(a < b);
        Assert.True(a >= b);
        Assert.True(a <= b);
        Assert.Equal(0, a.CompareTo(b));
        Assert.True(Money.FromMinorUnits(271, Usd) > a);
        Assert.False(Money.FromMinorUnits(269, Usd) > a);
    }

    [Theory]
    [InlineData("9223372036854775808")] // long.MaxValue + 1 won
    [InlineData("-9223372036854775809")] // long.MinValue - 1 won
    [InlineData("99999999999999999999999999999999999999999999")] // beyond Int128 as well
    public void A_currency_without_minor_digits_rejects_amounts_beyond_64_bits_without_throwing_from_TryParse(string text)
    {
        Assert.False(Money.TryParse(text, Krw, out var result));
        Assert.Equal(default, result);
        var ex = Assert.Throws<OverflowException>(() => Money.Parse(text, Krw));
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
        Assert.Contains("KRW", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_currency_without_minor_digits_accepts_the_64_bit_limits()
    {
        Assert.Equal(long.MaxValue, Money.Parse("9223372036854775807", Krw).MinorUnits);
        Assert.Equal(long.MinValue, Money.Parse("-9223372036854775808", Krw).MinorUnits);
    }

    [Theory]
    [InlineData("92233720368547758.08", "USD")] // one cent beyond long.MaxValue: fits a decimal times 100
    [InlineData("-92233720368547758.09", "USD")]
    [InlineData("9223372036854775808", "KRW")]
    [InlineData("922337203685477.5808", "CLF")]
    [InlineData("79228162514264337593543950335", "USD")] // decimal.MaxValue: times 100 does not fit a decimal
    [InlineData("-79228162514264337593543950335", "BHD")]
    [InlineData("9223372036854775.808", "BHD")] // 3 minor digits, each side
    [InlineData("-9223372036854775.809", "BHD")]
    [InlineData("-922337203685477.5809", "CLF")] // 4 minor digits, below
    [InlineData("-92233720368547758.09", "EUR")]
    public void Converting_an_amount_beyond_64_bit_minor_units_names_the_amount_and_the_currency(string amount, string code)
    {
        var currency = CurrencyCode.Parse(code);
        var value = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture);

        foreach (var convert in new Action[]
        {
            () => _ = Money.FromMajorExact(value, currency),
            () => _ = Money.FromMajor(value, currency, MidpointRounding.ToEven),
        })
        {
            var ex = Assert.Throws<OverflowException>(convert);
            Assert.Equal($"{amount} {code} does not fit in 64-bit minor units.", ex.Message);
        }
    }

    [Fact]
    public void FromMajorExact_says_which_currency_is_too_coarse()
    {
        var ex = Assert.Throws<ArgumentException>(() => Money.FromMajorExact(2.705m, Usd));

        Assert.Equal("amount", ex.ParamName);
        Assert.StartsWith("2.705 has more decimal digits than USD allows (2).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_errors_quote_the_text()
    {
        var malformed = Assert.Throws<FormatException>(() => Money.Parse("1e3", Usd));
        Assert.Equal("'1e3' is not a decimal amount in major units (for example \"2.70\").", malformed.Message);

        var precise = Assert.Throws<FormatException>(() => Money.Parse("0.5", Krw));
        Assert.Equal("'0.5' has more decimal digits than KRW allows (0).", precise.Message);

        var overflow = Assert.Throws<OverflowException>(() => Money.Parse("92233720368547758.08", Usd));
        Assert.Equal("'92233720368547758.08' USD does not fit in 64-bit minor units.", overflow.Message);
    }

    [Fact]
    public void Parse_accepts_exactly_the_minor_digits_and_zeros_beyond_them()
    {
        Assert.Equal(270, Money.Parse("2.70", Usd).MinorUnits);
        Assert.Equal(7000, Money.Parse("7000.000", Krw).MinorUnits);
        Assert.Equal(125, Money.Parse("0.125", CurrencyCode.Parse("BHD")).MinorUnits);
    }

    [Fact]
    public void An_unknown_currency_code_is_quoted_in_the_error()
    {
        var ex = Assert.Throws<FormatException>(() => CurrencyCode.Parse("XAU"));

        Assert.Equal("'XAU' is not an active ISO 4217 currency code with a minor unit.", ex.Message);
    }
}
