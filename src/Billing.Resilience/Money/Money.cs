using System.Globalization;

namespace Billing.Resilience;

/// <summary>
/// An amount of money: a whole number of minor units (cents, won, fils) in one ISO 4217 currency.
/// </summary>
/// <remarks>
/// <para>Arithmetic is only defined between amounts of the same currency; mixing currencies throws
/// <see cref="CurrencyMismatchException"/>. Every operation is checked: an overflow throws <see cref="OverflowException"/>,
/// it never wraps. Nothing rounds implicitly: converting from a decimal amount either requires it to be exact
/// (<see cref="FromMajorExact"/>, <see cref="Parse"/>) or takes an explicit <see cref="MidpointRounding"/>
/// (<see cref="FromMajor"/>).</para>
/// <para>The text form used by reports and the drill is the invariant decimal string in major units with exactly
/// the currency's minor digits: "2.70" for USD, "7000" for KRW, "0.125" for BHD. <see cref="Parse"/> and
/// <see cref="ToMajorString"/> round-trip exactly.</para>
/// </remarks>
public readonly struct Money : IEquatable<Money>, IComparable<Money>
{
    private Money(long minorUnits, CurrencyCode currency)
    {
        MinorUnits = minorUnits;
        Currency = currency;
    }

    /// <summary>Gets the amount in minor units of <see cref="Currency"/> (cents for USD, won for KRW).</summary>
    public long MinorUnits { get; }

    /// <summary>Gets the currency.</summary>
    public CurrencyCode Currency { get; }

    /// <summary>Gets a value indicating whether the amount is zero.</summary>
    public bool IsZero => MinorUnits == 0;

    /// <summary>Gets a value indicating whether the amount is below zero.</summary>
    public bool IsNegative => MinorUnits < 0;

    /// <summary>Returns zero in the given currency.</summary>
    public static Money Zero(CurrencyCode currency) => new(0, currency);

    /// <summary>Returns the amount of <paramref name="minorUnits"/> minor units of <paramref name="currency"/>.</summary>
    public static Money FromMinorUnits(long minorUnits, CurrencyCode currency) => new(minorUnits, currency);

    /// <summary>
    /// Converts an amount in major units, rounding to the currency's minor unit with the given rule.
    /// </summary>
    /// <exception cref="OverflowException">The rounded amount does not fit in a 64-bit number of minor units.</exception>
    public static Money FromMajor(decimal amount, CurrencyCode currency, MidpointRounding rounding)
    {
        var rounded = Math.Round(amount, currency.MinorDigits, rounding);
        return new Money(ToMinorUnitsExact(rounded, currency), currency);
    }

    /// <summary>Converts an amount in major units that has no more digits than the currency's minor unit.</summary>
    /// <exception cref="ArgumentException"><paramref name="amount"/> has more decimal digits than the currency allows.</exception>
    /// <exception cref="OverflowException">The amount does not fit in a 64-bit number of minor units.</exception>
    public static Money FromMajorExact(decimal amount, CurrencyCode currency)
    {
        if (Math.Round(amount, currency.MinorDigits, MidpointRounding.ToEven) != amount)
        {
            throw new ArgumentException(
                $"{amount.ToString(CultureInfo.InvariantCulture)} has more decimal digits than {currency.Code} allows ({currency.MinorDigits}).",
                nameof(amount));
        }

        return new Money(ToMinorUnitsExact(amount, currency), currency);
    }

    /// <summary>
    /// Parses an invariant decimal string in major units ("2.70", "7000", "-1.5"): an optional '-', one or more ASCII
    /// digits, and optionally '.' followed by one or more digits. Nothing else is accepted: no '+', no white space, no
    /// group separators, no exponent ("1e3"), no bare "1." or ".5". Fewer digits than the currency's minor unit are
    /// accepted ("2.7" USD is 270 cents), and so are trailing zeros beyond it ("2.700"); any other digit beyond the
    /// minor unit is rejected ("2.705" USD), since that would need rounding.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a plain decimal number or is more precise than the currency.</exception>
    /// <exception cref="OverflowException">The amount does not fit in a 64-bit number of minor units.</exception>
    public static Money Parse(string text, CurrencyCode currency)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseCore(text, currency, out var result) switch
        {
            ParseStatus.Success => result,
            ParseStatus.TooPrecise => throw new FormatException(
                $"'{text}' has more decimal digits than {currency.Code} allows ({currency.MinorDigits})."),
            ParseStatus.Overflow => throw new OverflowException($"'{text}' {currency.Code} does not fit in 64-bit minor units."),
            _ => throw new FormatException($"'{text}' is not a decimal amount in major units (for example \"2.70\")."),
        };
    }

    /// <summary>
    /// Tries to parse an invariant decimal string in major units, with the rules of <see cref="Parse"/>. Returns false
    /// instead of throwing, for malformed, over-precise and out-of-range text alike.
    /// </summary>
    public static bool TryParse(string? text, CurrencyCode currency, out Money result)
        => TryParseCore(text, currency, out result) == ParseStatus.Success;

    private enum ParseStatus
    {
        Success,
        Malformed,
        TooPrecise,
        Overflow,
    }

    // A hand-written parser rather than decimal.TryParse: decimal silently rounds text beyond 28-29 significant digits
    // ("2.70000000000000000000000000001" would become 2.70), throws from scaling near decimal.MaxValue, and accepts
    // trailing NUL characters. Here every digit is looked at and the value is built in a range-checked Int128.
    private static ParseStatus TryParseCore(ReadOnlySpan<char> text, CurrencyCode currency, out Money result)
    {
        result = default;
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == '-')
        {
            negative = true;
            i++;
        }

        var integerStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var integerDigits = text[integerStart..i];
        var fractionDigits = ReadOnlySpan<char>.Empty;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var fractionStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            fractionDigits = text[fractionStart..i];
            if (fractionDigits.IsEmpty)
            {
                return ParseStatus.Malformed;
            }
        }

        if (integerDigits.IsEmpty || i != text.Length)
        {
            return ParseStatus.Malformed;
        }

        var minorDigits = currency.MinorDigits;
        if (fractionDigits.Length > minorDigits && fractionDigits[minorDigits..].ContainsAnyExcept('0'))
        {
            return ParseStatus.TooPrecise;
        }

        // |long.MinValue| = long.MaxValue + 1 is the largest magnitude there is; stop as soon as it is passed.
        var limit = negative ? -(Int128)long.MinValue : long.MaxValue;
        Int128 magnitude = 0;
        foreach (var c in integerDigits)
        {
            magnitude = (magnitude * 10) + (c - '0');
            if (magnitude > limit)
            {
                return ParseStatus.Overflow;
            }
        }

        for (var k = 0; k < minorDigits; k++)
        {
            magnitude = (magnitude * 10) + (k < fractionDigits.Length ? fractionDigits[k] - '0' : 0);
            if (magnitude > limit)
            {
                return ParseStatus.Overflow;
            }
        }

        result = new Money((long)(negative ? -magnitude : magnitude), currency);
        return ParseStatus.Success;
    }

    private static long ToMinorUnitsExact(decimal roundedMajor, CurrencyCode currency)
    {
        // Compare in major units first: scaling a value near decimal.MaxValue would itself overflow the decimal.
        var digits = currency.MinorDigits;
        if (roundedMajor > MaxMajor[digits] || roundedMajor < MinMajor[digits])
        {
            throw new OverflowException($"{roundedMajor.ToString(CultureInfo.InvariantCulture)} {currency.Code} does not fit in 64-bit minor units.");
        }

        return (long)(roundedMajor * currency.MinorUnitsPerMajor);
    }

    // long.MaxValue and long.MinValue minor units in major units, by number of minor digits (exact decimals).
    private static readonly decimal[] MaxMajor = [long.MaxValue, long.MaxValue / 10m, long.MaxValue / 100m, long.MaxValue / 1_000m, long.MaxValue / 10_000m];
    private static readonly decimal[] MinMajor = [long.MinValue, long.MinValue / 10m, long.MinValue / 100m, long.MinValue / 1_000m, long.MinValue / 10_000m];

    /// <summary>Returns the amount in major units as an exact decimal.</summary>
    public decimal ToMajor() => (decimal)MinorUnits / Currency.MinorUnitsPerMajor;

    /// <summary>Formats the amount in major units with exactly the currency's minor digits, invariant culture ("2.70").</summary>
    public string ToMajorString()
    {
        var digits = Currency.MinorDigits;
        return ToMajor().ToString(digits == 0 ? "0" : "0." + new string('0', digits), CultureInfo.InvariantCulture);
    }

    /// <summary>Adds an amount of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    /// <exception cref="OverflowException">The sum overflows.</exception>
    public Money Plus(Money other)
    {
        CheckSameCurrency(other);
        return new Money(checked(MinorUnits + other.MinorUnits), Currency);
    }

    /// <summary>Subtracts an amount of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    /// <exception cref="OverflowException">The difference overflows.</exception>
    public Money Minus(Money other)
    {
        CheckSameCurrency(other);
        return new Money(checked(MinorUnits - other.MinorUnits), Currency);
    }

    /// <summary>Multiplies by a whole number.</summary>
    /// <exception cref="OverflowException">The product overflows.</exception>
    public Money Times(long factor) => new(checked(MinorUnits * factor), Currency);

    /// <summary>Returns the amount with the opposite sign.</summary>
    public Money Negate() => new(checked(-MinorUnits), Currency);

    /// <summary>Returns the smaller of two amounts of the same currency.</summary>
    public static Money Min(Money left, Money right)
    {
        left.CheckSameCurrency(right);
        return left.MinorUnits <= right.MinorUnits ? left : right;
    }

    /// <summary>Returns the larger of two amounts of the same currency.</summary>
    public static Money Max(Money left, Money right)
    {
        left.CheckSameCurrency(right);
        return left.MinorUnits >= right.MinorUnits ? left : right;
    }

    private void CheckSameCurrency(Money other)
    {
        if (Currency != other.Currency)
        {
            throw new CurrencyMismatchException(Currency, other.Currency);
        }
    }

    /// <summary>Adds two amounts of the same currency.</summary>
    public static Money operator +(Money left, Money right) => left.Plus(right);

    /// <summary>Subtracts two amounts of the same currency.</summary>
    public static Money operator -(Money left, Money right) => left.Minus(right);

    /// <summary>Negates an amount.</summary>
    public static Money operator -(Money value) => value.Negate();

    /// <summary>Compares two amounts of the same currency.</summary>
    public static bool operator <(Money left, Money right) => left.CompareTo(right) < 0;

    /// <summary>Compares two amounts of the same currency.</summary>
    public static bool operator >(Money left, Money right) => left.CompareTo(right) > 0;

    /// <summary>Compares two amounts of the same currency.</summary>
    public static bool operator <=(Money left, Money right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two amounts of the same currency.</summary>
    public static bool operator >=(Money left, Money right) => left.CompareTo(right) >= 0;

    /// <summary>Equality: same currency and same number of minor units.</summary>
    public static bool operator ==(Money left, Money right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Money left, Money right) => !left.Equals(right);

    /// <summary>Compares with an amount of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public int CompareTo(Money other)
    {
        CheckSameCurrency(other);
        return MinorUnits.CompareTo(other.MinorUnits);
    }

    /// <inheritdoc />
    public bool Equals(Money other) => MinorUnits == other.MinorUnits && Currency == other.Currency;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Money other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(MinorUnits, Currency);

    /// <summary>Formats as "2.70 USD".</summary>
    public override string ToString() => ToMajorString() + " " + Currency.Code;
}
