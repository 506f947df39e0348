namespace Billing.Resilience.Tests.MoneyTests;

/// <summary>The ISO 4217 table behind <see cref="CurrencyCode"/>.</summary>
public class CurrencyCodeTests
{
    [Theory]
    [InlineData("KRW", 0)]
    [InlineData("JPY", 0)]
    [InlineData("CLP", 0)]
    [InlineData("ISK", 0)]
    [InlineData("VND", 0)]
    [InlineData("USD", 2)]
    [InlineData("EUR", 2)]
    [InlineData("CAD", 2)]
    [InlineData("NOK", 2)]
    [InlineData("GBP", 2)]
    [InlineData("BHD", 3)]
    [InlineData("KWD", 3)]
    [InlineData("JOD", 3)]
    [InlineData("OMR", 3)]
    [InlineData("TND", 3)]
    [InlineData("LYD", 3)]
    [InlineData("IQD", 3)]
    [InlineData("CLF", 4)]
    [InlineData("UYW", 4)]
    public void Minor_digits_follow_ISO_4217(string code, int digits)
    {
        var currency = CurrencyCode.Parse(code);

        Assert.Equal(code, currency.Code);
        Assert.Equal(digits, currency.MinorDigits);
        Assert.Equal(Pow10(digits), currency.MinorUnitsPerMajor);
        Assert.False(currency.IsDefault);
    }

    [Fact]
    public void Named_currencies_are_the_table_entries()
    {
        Assert.Equal(CurrencyCode.Parse("KRW"), CurrencyCode.KRW);
        Assert.Equal(CurrencyCode.Parse("USD"), CurrencyCode.USD);
        Assert.Equal(CurrencyCode.Parse("EUR"), CurrencyCode.EUR);
        Assert.Equal(CurrencyCode.Parse("JPY"), CurrencyCode.JPY);
    }

    [Fact]
    public void The_table_is_sane()
    {
        var all = CurrencyCode.All;

        // ISO 4217 list one has about 180 codes; about a dozen of them (metals, SDR, test codes) have no minor unit.
        Assert.InRange(all.Count, 150, 180);
        Assert.Equal(all.Count, all.Select(c => c.Code).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, c => Assert.Matches("^[A-Z]{3}$", c.Code));
        Assert.All(all, c => Assert.InRange(c.MinorDigits, 0, 4));
        Assert.All(all, c => Assert.Equal(c, CurrencyCode.Parse(c.Code)));
        Assert.Equal(all.Select(c => c.Code).Order(StringComparer.Ordinal), all.Select(c => c.Code));
    }

    [Theory]
    [InlineData("XAU")] // gold: no minor unit
    [InlineData("XAG")]
    [InlineData("XDR")] // special drawing right
    [InlineData("XTS")] // testing code
    [InlineData("XXX")] // "no currency", also the default value's placeholder
    [InlineData("HRK")] // withdrawn 2023 (Croatia uses EUR)
    [InlineData("ZWL")] // withdrawn 2024 (ZWG)
    [InlineData("usd")] // codes are upper case, compared ordinally
    [InlineData("Usd")]
    [InlineData("ABC")]
    [InlineData("US")]
    [InlineData("USDX")]
    [InlineData(" USD")]
    [InlineData("")]
    public void Unknown_codes_are_rejected(string code)
    {
        Assert.False(CurrencyCode.TryParse(code, out var result));
        Assert.True(result.IsDefault);
        Assert.Throws<FormatException>(() => CurrencyCode.Parse(code));
    }

    [Fact]
    public void Null_is_rejected()
    {
        Assert.False(CurrencyCode.TryParse(null, out _));
        Assert.Throws<ArgumentNullException>(() => CurrencyCode.Parse(null!));
    }

    [Fact]
    public void The_default_value_is_a_placeholder_with_no_minor_digits()
    {
        var placeholder = default(CurrencyCode);

        Assert.True(placeholder.IsDefault);
        Assert.Equal("XXX", placeholder.Code);
        Assert.Equal(0, placeholder.MinorDigits);
        Assert.DoesNotContain(placeholder, CurrencyCode.All);
    }

    [Fact]
    public void Equality_is_by_code()
    {
        Assert.True(CurrencyCode.Parse("EUR") == CurrencyCode.EUR);
        Assert.True(CurrencyCode.EUR != CurrencyCode.USD);
        Assert.Equal(CurrencyCode.EUR.GetHashCode(), CurrencyCode.Parse("EUR").GetHashCode());
        Assert.Equal("EUR", CurrencyCode.EUR.ToString());
    }

    private static long Pow10(int digits)
    {
        long result = 1;
        for (var i = 0; i < digits; i++)
        {
            result *= 10;
        }

        return result;
    }
}
