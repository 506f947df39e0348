using System.Diagnostics.CodeAnalysis;

namespace Billing.Resilience;

/// <summary>
/// An ISO 4217 currency with its number of minor digits (KRW and JPY 0, USD and EUR 2, BHD and KWD 3, CLF 4).
/// </summary>
/// <remarks>
/// <para>The table is the active ISO 4217 list of currencies and funds that have a minor unit. Codes without a defined
/// minor unit (precious metals such as XAU, the SDR XDR, test and "no currency" codes) are not billable and are
/// not recognised.</para>
/// <para>A <see cref="CurrencyCode"/> is a small value: comparing two is an integer comparison. The default value is
/// the placeholder "XXX" with no minor digits; it is never produced by <see cref="Parse"/> or <see cref="TryParse"/>.</para>
/// </remarks>
public readonly struct CurrencyCode : IEquatable<CurrencyCode>
{
    // index + 1 into the table; 0 is the default value ("XXX").
    private readonly short tableIndex;

    private CurrencyCode(short tableIndex) => this.tableIndex = tableIndex;

    /// <summary>Gets the three-letter alphabetic code, for example "KRW".</summary>
    public string Code => tableIndex == 0 ? "XXX" : Iso4217.Codes[tableIndex - 1];

    /// <summary>Gets the number of digits after the decimal separator in the currency's minor unit.</summary>
    public int MinorDigits => tableIndex == 0 ? 0 : Iso4217.Digits[tableIndex - 1];

    /// <summary>Gets how many minor units make one major unit (1 for KRW, 100 for USD, 1000 for BHD).</summary>
    public long MinorUnitsPerMajor => Iso4217.PowersOfTen[MinorDigits];

    /// <summary>Gets a value indicating whether this is the default placeholder rather than a real currency.</summary>
    public bool IsDefault => tableIndex == 0;

    /// <summary>Gets every currency this library knows, in alphabetical order of code.</summary>
    public static IReadOnlyList<CurrencyCode> All => Iso4217.All;

    /// <summary>South Korean won (0 minor digits).</summary>
    public static CurrencyCode KRW { get; } = Parse("KRW");

    /// <summary>United States dollar (2 minor digits).</summary>
    public static CurrencyCode USD { get; } = Parse("USD");

    /// <summary>Euro (2 minor digits).</summary>
    public static CurrencyCode EUR { get; } = Parse("EUR");

    /// <summary>Japanese yen (0 minor digits).</summary>
    public static CurrencyCode JPY { get; } = Parse("JPY");

    /// <summary>Returns the currency with the given ISO 4217 code (upper case, three letters).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="code"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="code"/> is not a known ISO 4217 currency with a minor unit.</exception>
    public static CurrencyCode Parse(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return TryParse(code, out var result)
            ? result
            : throw new FormatException($"'{code}' is not an active ISO 4217 currency code with a minor unit.");
    }

    /// <summary>Tries to find the currency with the given ISO 4217 code. The comparison is ordinal and case-sensitive.</summary>
    public static bool TryParse([NotNullWhen(true)] string? code, out CurrencyCode result)
    {
        if (code is not null && Iso4217.IndexByCode.TryGetValue(code, out var index))
        {
            result = new CurrencyCode((short)(index + 1));
            return true;
        }

        result = default;
        return false;
    }

    internal static CurrencyCode FromTableIndex(int index) => new((short)(index + 1));

    /// <summary>Compares two currencies for equality.</summary>
    public static bool operator ==(CurrencyCode left, CurrencyCode right) => left.Equals(right);

    /// <summary>Compares two currencies for inequality.</summary>
    public static bool operator !=(CurrencyCode left, CurrencyCode right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(CurrencyCode other) => tableIndex == other.tableIndex;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CurrencyCode other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => tableIndex;

    /// <summary>Returns the three-letter code.</summary>
    public override string ToString() => Code;
}
