using System.Globalization;
using CsCheck;

namespace Billing.Resilience.Tests.MoneyTests;

/// <summary>Properties of <see cref="Money"/>, each checked on at least <see cref="Iterations"/> random cases.</summary>
public class MoneyPropertyTests
{
    private const long Iterations = 2_000;

    /// <summary>Any currency the library knows.</summary>
    internal static readonly Gen<CurrencyCode> Currency = Gen.Int[0, CurrencyCode.All.Count - 1].Select(i => CurrencyCode.All[i]);

    /// <summary>Any amount at all, edges included.</summary>
    internal static readonly Gen<Money> AnyMoney = Gen.Select(Gen.Long, Currency, Money.FromMinorUnits);

    // Amounts small enough that three of them can be added without overflow.
    private static readonly Gen<long> Small = Gen.Long[-(1L << 60), 1L << 60];

    private static readonly Gen<(long A, long B, long C, CurrencyCode Currency)> SmallTriple =
        Gen.Select(Small, Small, Small, Currency);

    [Fact]
    public void Parse_of_ToMajorString_round_trips_for_every_amount_and_currency()
        => AnyMoney.Sample(
            m =>
            {
                var text = m.ToMajorString();
                var digits = m.Currency.MinorDigits;
                var pattern = digits == 0 ? "^-?[0-9]+$" : "^-?[0-9]+\\.[0-9]{" + digits + "}$";
                Assert.Matches(pattern, text);
                Assert.Equal(m, Money.Parse(text, m.Currency));
                Assert.True(Money.TryParse(text, m.Currency, out var parsed));
                Assert.Equal(m, parsed);
                Assert.Equal(text, decimal.Parse(text, CultureInfo.InvariantCulture).ToString("F" + digits, CultureInfo.InvariantCulture));
            },
            iter: Iterations);

    [Fact]
    public void ToMajor_is_exact_and_FromMajorExact_inverts_it()
        => AnyMoney.Sample(
            m =>
            {
                var major = m.ToMajor();
                Assert.Equal((decimal)m.MinorUnits, major * m.Currency.MinorUnitsPerMajor);
                Assert.Equal(m, Money.FromMajorExact(major, m.Currency));
                Assert.Equal(m, Money.FromMajor(major, m.Currency, MidpointRounding.ToEven));
            },
            iter: Iterations);

    [Fact]
    public void Addition_is_commutative_and_associative_within_a_currency()
        => SmallTriple.Sample(
            (a, b, c, currency) =>
            {
                var x = Money.FromMinorUnits(a, currency);
                var y = Money.FromMinorUnits(b, currency);
                var z = Money.FromMinorUnits(c, currency);
                Assert.Equal(x + y, y + x);
                Assert.Equal((x + y) + z, x + (y + z));
                Assert.Equal(x, x + Money.Zero(currency));
                Assert.Equal(currency, (x + y).Currency);
            },
            iter: Iterations);

    [Fact]
    public void Subtraction_undoes_addition()
        => SmallTriple.Sample(
            (a, b, _, currency) =>
            {
                var x = Money.FromMinorUnits(a, currency);
                var y = Money.FromMinorUnits(b, currency);
                Assert.Equal(x, x + y - y);
                Assert.Equal(x, x - y + y);
                Assert.True((x - x).IsZero);
                Assert.Equal(x - y, (y - x).Negate());
                Assert.Equal(x, x.Negate().Negate());
                Assert.Equal(x - y, x + (-y));
            },
            iter: Iterations);

    [Fact]
    public void Multiplication_distributes_over_addition()
        => Gen.Select(Gen.Long[-(1L << 40), 1L << 40], Gen.Long[-(1L << 40), 1L << 40], Gen.Long[-(1L << 20), 1L << 20], Currency).Sample(
            (a, b, k, currency) =>
            {
                var x = Money.FromMinorUnits(a, currency);
                var y = Money.FromMinorUnits(b, currency);
                Assert.Equal((x + y).Times(k), x.Times(k) + y.Times(k));
                Assert.Equal(x.Times(k), Money.FromMinorUnits(a * k, currency));
                Assert.Equal(x.Negate(), x.Times(-1));
            },
            iter: Iterations);

    [Fact]
    public void Order_follows_minor_units_and_Min_Max_pick_an_operand()
        => Gen.Select(Gen.Long, Gen.Long, Currency).Sample(
            (a, b, currency) =>
            {
                var x = Money.FromMinorUnits(a, currency);
                var y = Money.FromMinorUnits(b, currency);
                Assert.Equal(Math.Sign(a.CompareTo(b)), Math.Sign(x.CompareTo(y)));
                Assert.Equal(a < b, x < y);
                Assert.Equal(a <= b, x <= y);
                Assert.Equal(a == b, x == y);
                Assert.Equal(Math.Min(a, b), Money.Min(x, y).MinorUnits);
                Assert.Equal(Math.Max(a, b), Money.Max(x, y).MinorUnits);
            },
            iter: Iterations);

    [Fact]
    public void Overflow_throws_exactly_when_the_true_result_does_not_fit()
        => Gen.Select(Gen.Long, Gen.Long, Currency).Sample(
            (a, b, currency) =>
            {
                var x = Money.FromMinorUnits(a, currency);
                var y = Money.FromMinorUnits(b, currency);
                AssertFitsOrThrows((Int128)a + b, () => x.Plus(y));
                AssertFitsOrThrows((Int128)a - b, () => x.Minus(y));
                AssertFitsOrThrows((Int128)a * b, () => x.Times(b));
                AssertFitsOrThrows(-(Int128)a, x.Negate);
            },
            iter: Iterations);

    [Fact]
    public void Amounts_in_different_currencies_never_combine()
        => Gen.Select(AnyMoney, AnyMoney).Where((x, y) => x.Currency != y.Currency).Sample(
            (x, y) =>
            {
                var ex = Assert.Throws<CurrencyMismatchException>(() => x.Plus(y));
                Assert.Equal(x.Currency, ex.Left);
                Assert.Equal(y.Currency, ex.Right);
                Assert.Throws<CurrencyMismatchException>(() => x.Minus(y));
                Assert.Throws<CurrencyMismatchException>(() => x.CompareTo(y));
                Assert.NotEqual(x, y);
            },
            iter: Iterations);

    [Fact]
    public void FromMajor_moves_less_than_one_minor_unit_and_only_when_it_must()
        => Gen.Select(Gen.Long[-(1L << 50), 1L << 50], Gen.Int[0, 9_999], Currency, Gen.Enum<MidpointRounding>()).Sample(
            (whole, extra, currency, rounding) =>
            {
                // An amount with up to four digits beyond the minor unit.
                var amount = ((decimal)whole / currency.MinorUnitsPerMajor) + ((decimal)extra / currency.MinorUnitsPerMajor / 10_000m);
                var rounded = Money.FromMajor(amount, currency, rounding).ToMajor();
                Assert.True(Math.Abs(rounded - amount) < 1m / currency.MinorUnitsPerMajor);
                Assert.Equal(Math.Round(amount, currency.MinorDigits, rounding), rounded);
                if (extra == 0)
                {
                    Assert.Equal(amount, rounded);
                    Assert.Equal(rounded, Money.FromMajorExact(amount, currency).ToMajor());
                }
                else
                {
                    Assert.Throws<ArgumentException>(() => Money.FromMajorExact(amount, currency));
                }
            },
            iter: Iterations);

    [Fact]
    public void Parse_rejects_any_nonzero_digit_beyond_the_minor_unit()
        => Gen.Select(AnyMoney, Gen.Int[1, 9], Gen.Int[0, 3]).Sample(
            (m, digit, zeros) =>
            {
                var text = m.ToMajorString();
                if (m.Currency.MinorDigits == 0)
                {
                    text += ".";
                }

                var overPrecise = text + new string('0', zeros) + (char)('0' + digit);
                Assert.Throws<FormatException>(() => Money.Parse(overPrecise, m.Currency));
                Assert.False(Money.TryParse(overPrecise, m.Currency, out _));
                Assert.Equal(m, Money.Parse(text + new string('0', zeros + 1), m.Currency));
            },
            iter: Iterations);

    private static void AssertFitsOrThrows(Int128 exact, Func<Money> operation)
    {
        if (exact >= long.MinValue && exact <= long.MaxValue)
        {
            Assert.Equal((long)exact, operation().MinorUnits);
        }
        else
        {
            Assert.Throws<OverflowException>(() => operation());
        }
    }
}
