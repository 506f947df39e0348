namespace Billing.Resilience.Tests.MoneyTests;

/// <summary>Examples for <see cref="Money"/>: arithmetic, overflow, explicit rounding, the text form.</summary>
public class MoneyTests
{
    private static readonly CurrencyCode Usd = CurrencyCode.USD;
    private static readonly CurrencyCode Krw = CurrencyCode.KRW;
    private static readonly CurrencyCode Bhd = CurrencyCode.Parse("BHD");
    private static readonly CurrencyCode Clf = CurrencyCode.Parse("CLF");

    private static Money UsdCents(long cents) => Money.FromMinorUnits(cents, Usd);

    [Fact]
    public void Arithmetic_within_one_currency()
    {
        var a = UsdCents(270);
        var b = UsdCents(-35);

        Assert.Equal(UsdCents(235), a.Plus(b));
        Assert.Equal(UsdCents(235), a + b);
        Assert.Equal(UsdCents(305), a.Minus(b));
        Assert.Equal(UsdCents(305), a - b);
        Assert.Equal(UsdCents(810), a.Times(3));
        Assert.Equal(UsdCents(-270), a.Negate());
        Assert.Equal(UsdCents(-270), -a);
        Assert.Equal(b, Money.Min(a, b));
        Assert.Equal(a, Money.Max(a, b));
        Assert.True(b < a);
        Assert.True(a > b);
        Assert.True(a >= UsdCents(270) && a <= UsdCents(270));
        Assert.Equal(1, a.CompareTo(b));
        Assert.True(b.IsNegative);
        Assert.False(a.IsNegative);
        Assert.True(Money.Zero(Usd).IsZero);
        Assert.Equal(Usd, a.Times(0).Currency);
    }

    [Fact]
    public void Combining_currencies_throws_CurrencyMismatchException()
    {
        var usd = UsdCents(100);
        var krw = Money.FromMinorUnits(100, Krw);

        var ex = Assert.Throws<CurrencyMismatchException>(() => usd.Plus(krw));
        Assert.Equal(Usd, ex.Left);
        Assert.Equal(Krw, ex.Right);
        Assert.Contains("USD", ex.Message, StringComparison.Ordinal);
        Assert.Contains("KRW", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<InvalidOperationException>(ex);

        Assert.Throws<CurrencyMismatchException>(() => usd.Minus(krw));
        Assert.Throws<CurrencyMismatchException>(() => usd + krw);
        Assert.Throws<CurrencyMismatchException>(() => usd - krw);
        Assert.Throws<CurrencyMismatchException>(() => usd.CompareTo(krw));
        Assert.Throws<CurrencyMismatchException>(() => usd < krw);
        Assert.Throws<CurrencyMismatchException>(() => Money.Min(usd, krw));
        Assert.Throws<CurrencyMismatchException>(() => Money.Max(usd, krw));

        // Equality never throws: amounts in different currencies are simply not equal.
        Assert.False(usd.Equals(krw));
        Assert.True(usd != krw);
    }

    [Fact]
    public void Overflow_throws_and_never_wraps()
    {
        var max = UsdCents(long.MaxValue);
        var min = UsdCents(long.MinValue);

        Assert.Throws<OverflowException>(() => max.Plus(UsdCents(1)));
        Assert.Throws<OverflowException>(() => min.Plus(UsdCents(-1)));
        Assert.Throws<OverflowException>(() => min.Minus(UsdCents(1)));
        Assert.Throws<OverflowException>(() => max.Minus(UsdCents(-1)));
        Assert.Throws<OverflowException>(() => max.Times(2));
        Assert.Throws<OverflowException>(() => min.Times(-1));
        Assert.Throws<OverflowException>(() => UsdCents(long.MaxValue / 3).Times(4));
        Assert.Throws<OverflowException>(() => min.Negate());
        Assert.Throws<OverflowException>(() => -min);

        // The edges themselves are fine.
        Assert.Equal(long.MinValue + 1, max.Negate().MinorUnits);
        Assert.Equal(long.MaxValue, max.Plus(UsdCents(0)).MinorUnits);
        Assert.Equal(-1, min.Plus(max).MinorUnits);
    }

    [Fact]
    public void Huge_major_amounts_overflow()
    {
        // long.MaxValue cents is 92,233,720,368,547,758.07 USD; one more cent does not fit.
        Assert.Equal(long.MaxValue, Money.FromMajorExact(92_233_720_368_547_758.07m, Usd).MinorUnits);
        Assert.Equal(long.MinValue, Money.FromMajorExact(-92_233_720_368_547_758.08m, Usd).MinorUnits);
        Assert.Throws<OverflowException>(() => Money.FromMajorExact(92_233_720_368_547_758.08m, Usd));
        Assert.Throws<OverflowException>(() => Money.FromMajor(92_233_720_368_547_758.075m, Usd, MidpointRounding.AwayFromZero));
        Assert.Throws<OverflowException>(() => Money.FromMajor(decimal.MaxValue, Usd, MidpointRounding.ToEven));
        Assert.Throws<OverflowException>(() => Money.FromMajor(decimal.MinValue, Clf, MidpointRounding.ToEven));
        Assert.Throws<OverflowException>(() => Money.FromMajorExact(decimal.MaxValue, Krw));
        Assert.Throws<OverflowException>(() => Money.Parse("92233720368547758.08", Usd));
        Assert.Throws<OverflowException>(() => Money.Parse("-92233720368547758.09", Usd));
        Assert.Throws<OverflowException>(() => Money.Parse("9223372036854775808", Krw));
        Assert.Throws<OverflowException>(() => Money.Parse("79228162514264337593543950335", Usd)); // decimal.MaxValue
        Assert.Throws<OverflowException>(() => Money.Parse("792281625142643375935439503350000", Usd)); // beyond decimal
        Assert.Equal(long.MaxValue, Money.Parse("92233720368547758.07", Usd).MinorUnits);
        Assert.Equal(long.MinValue, Money.Parse("-92233720368547758.08", Usd).MinorUnits);
        Assert.Equal(long.MinValue, Money.Parse("-922337203685477.5808", Clf).MinorUnits);
    }

    [Theory]
    //          amount    rounding                          cents
    [InlineData("2.345", MidpointRounding.ToEven, 234)]
    [InlineData("2.355", MidpointRounding.ToEven, 236)]
    [InlineData("2.345", MidpointRounding.AwayFromZero, 235)]
    [InlineData("2.345", MidpointRounding.ToZero, 234)]
    [InlineData("2.349", MidpointRounding.ToZero, 234)]
    [InlineData("2.341", MidpointRounding.ToPositiveInfinity, 235)]
    [InlineData("2.349", MidpointRounding.ToNegativeInfinity, 234)]
    [InlineData("-2.345", MidpointRounding.ToEven, -234)]
    [InlineData("-2.345", MidpointRounding.AwayFromZero, -235)]
    [InlineData("-2.345", MidpointRounding.ToZero, -234)]
    [InlineData("-2.341", MidpointRounding.ToNegativeInfinity, -235)]
    [InlineData("-2.349", MidpointRounding.ToPositiveInfinity, -234)]
    [InlineData("2.34", MidpointRounding.ToPositiveInfinity, 234)]
    public void FromMajor_rounds_only_as_told(string amount, MidpointRounding rounding, long cents)
    {
        var value = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(UsdCents(cents), Money.FromMajor(value, Usd, rounding));
    }

    [Fact]
    public void FromMajor_rounds_to_each_currency_minor_unit()
    {
        // KRW has no minor digits: 1234.5 is a midpoint, to even 1234; 1235.5 to even 1236.
        Assert.Equal(1234, Money.FromMajor(1234.5m, Krw, MidpointRounding.ToEven).MinorUnits);
        Assert.Equal(1236, Money.FromMajor(1235.5m, Krw, MidpointRounding.ToEven).MinorUnits);

        // BHD has three: 0.1235 is 123.5 fils, to even 124.
        Assert.Equal(124, Money.FromMajor(0.1235m, Bhd, MidpointRounding.ToEven).MinorUnits);

        // CLF has four: 1.00005 is 10000.5 ten-thousandths, to even 10000.
        Assert.Equal(10_000, Money.FromMajor(1.00005m, Clf, MidpointRounding.ToEven).MinorUnits);
    }

    [Fact]
    public void FromMajorExact_rejects_digits_beyond_the_minor_unit()
    {
        Assert.Equal(UsdCents(270), Money.FromMajorExact(2.7m, Usd));
        Assert.Equal(UsdCents(270), Money.FromMajorExact(2.700m, Usd));
        Assert.Equal(125, Money.FromMajorExact(0.125m, Bhd).MinorUnits);

        Assert.Throws<ArgumentException>(() => Money.FromMajorExact(2.705m, Usd));
        Assert.Throws<ArgumentException>(() => Money.FromMajorExact(0.5m, Krw));
        Assert.Throws<ArgumentException>(() => Money.FromMajorExact(0.1235m, Bhd));
        Assert.Throws<ArgumentException>(() => Money.FromMajorExact(8.333m, Usd)); // Charlotte B-cycle's price
    }

    [Theory]
    [InlineData(270, "USD", "2.70")]
    [InlineData(7000, "KRW", "7000")]
    [InlineData(125, "BHD", "0.125")]
    [InlineData(1, "CLF", "0.0001")]
    [InlineData(-5, "USD", "-0.05")]
    [InlineData(0, "USD", "0.00")]
    [InlineData(0, "KRW", "0")]
    [InlineData(-1, "JPY", "-1")]
    [InlineData(100_000, "BHD", "100.000")]
    [InlineData(long.MaxValue, "USD", "92233720368547758.07")]
    [InlineData(long.MinValue, "USD", "-92233720368547758.08")]
    [InlineData(long.MinValue, "KRW", "-9223372036854775808")]
    public void ToMajorString_has_exactly_the_minor_digits(long minorUnits, string code, string text)
    {
        var currency = CurrencyCode.Parse(code);
        var money = Money.FromMinorUnits(minorUnits, currency);

        Assert.Equal(text, money.ToMajorString());
        Assert.Equal(money, Money.Parse(text, currency));
        Assert.Equal(text + " " + code, money.ToString());
    }

    [Theory]
    [InlineData("2.7", 270)]
    [InlineData("2.70", 270)]
    [InlineData("2.700", 270)] // trailing zeros need no rounding
    [InlineData("-1.5", -150)]
    [InlineData("-0", 0)]
    [InlineData("007", 700)]
    [InlineData("0.01", 1)]
    public void Parse_accepts_plain_decimals(string text, long cents)
        => Assert.Equal(UsdCents(cents), Money.Parse(text, Usd));

    [Theory]
    [InlineData("1e3")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1,5")]
    [InlineData("1,000")]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("+1")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("-.5")]
    [InlineData("--1")]
    [InlineData("1.2.3")]
    [InlineData("1_000")]
    [InlineData("\u0661")] // ARABIC-INDIC DIGIT ONE
    [InlineData("1\0")] // decimal.Parse ignores trailing NULs
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("0x10")]
    [InlineData("(1)")]
    [InlineData("$1")]
    public void Parse_rejects_what_is_not_a_plain_decimal(string text)
    {
        Assert.Throws<FormatException>(() => Money.Parse(text, Usd));
        Assert.False(Money.TryParse(text, Usd, out var result));
        Assert.Equal(default, result);
    }

    [Theory]
    [InlineData("2.705", "USD")]
    [InlineData("2.7001", "USD")]
    [InlineData("0.5", "KRW")]
    [InlineData("0.1235", "BHD")]
    [InlineData("1.00001", "CLF")]
    public void Parse_rejects_over_precise_text(string text, string code)
    {
        var currency = CurrencyCode.Parse(code);

        var ex = Assert.Throws<FormatException>(() => Money.Parse(text, currency));
        Assert.Contains("more decimal digits", ex.Message, StringComparison.Ordinal);
        Assert.False(Money.TryParse(text, currency, out _));
    }

    // Regression: Parse went through decimal.TryParse, which rounds text beyond 28-29 significant digits, so these
    // over-precise amounts were silently accepted as 2.70 and 0.00 USD. Nothing may round implicitly.
    [Theory]
    [InlineData("2.70000000000000000000000000001")]
    [InlineData("0.000000000000000000000000000001")]
    [InlineData("92233720368547758.0700000000000001")]
    public void Parse_rejects_over_precise_text_beyond_decimal_precision(string text)
    {
        Assert.Throws<FormatException>(() => Money.Parse(text, Usd));
        Assert.False(Money.TryParse(text, Usd, out _));
    }

    // Regression: TryParse scaled the parsed decimal by 100, which threw OverflowException from decimal arithmetic
    // for amounts near decimal.MaxValue instead of returning false.
    [Theory]
    [InlineData("79228162514264337593543950335")]
    [InlineData("-79228162514264337593543950335")]
    [InlineData("792281625142643375935439503350")]
    [InlineData("92233720368547758.08")]
    public void TryParse_of_a_huge_amount_returns_false_and_does_not_throw(string text)
        => Assert.False(Money.TryParse(text, Usd, out _));

    [Fact]
    public void Parse_rejects_null()
    {
        Assert.Throws<ArgumentNullException>(() => Money.Parse(null!, Usd));
        Assert.False(Money.TryParse(null, Usd, out _));
    }

    [Fact]
    public void ToMajor_is_exact()
    {
        Assert.Equal(2.70m, UsdCents(270).ToMajor());
        Assert.Equal(0.125m, Money.FromMinorUnits(125, Bhd).ToMajor());
        Assert.Equal(-922_337_203_685_477.5808m, Money.FromMinorUnits(long.MinValue, Clf).ToMajor());
    }
}
