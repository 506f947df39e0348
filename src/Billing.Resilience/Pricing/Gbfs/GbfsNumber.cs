using System.Globalization;
using System.Text.Json;

namespace Billing.Resilience.Pricing;

/// <summary>
/// Reads GBFS numbers as exact <see cref="decimal"/>s from the JSON text, never through <see cref="double"/>, and
/// refuses numbers a decimal cannot hold exactly rather than rounding them silently.
/// </summary>
internal static class GbfsNumber
{
    private const NumberStyles DecimalStringStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    /// <summary>Reads a JSON number whose exact value a decimal holds.</summary>
    public static bool TryGetExactDecimal(JsonElement element, out decimal value)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out value) && IsExact(element, value))
        {
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads a plain decimal in a string ("1.00", "-2", ".5"): no exponent, no spaces, no thousands separators.</summary>
    public static bool TryParseExactDecimal(string? text, out decimal value)
    {
        if (text is not null
            && decimal.TryParse(text, DecimalStringStyle, CultureInfo.InvariantCulture, out value)
            && IsExact(text, value))
        {
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Whether <paramref name="value"/> has no more decimals than <paramref name="currency"/>'s minor unit.</summary>
    public static bool FitsMinorUnit(decimal value, CurrencyCode currency)
        => decimal.Round(value, currency.MinorDigits, MidpointRounding.ToEven) == value;

    private static bool IsExact(JsonElement number, decimal value)
    {
#if NET9_0_OR_GREATER
        // Plain notation with at most 28 digits always fits a decimal exactly: the common case, read without copying.
        var utf8 = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(number);
        if (utf8.Length <= 28 && utf8.IndexOfAny((byte)'e', (byte)'E') < 0)
        {
            return true;
        }
#endif
        return IsExact(number.GetRawText(), value);
    }

    /// <summary>
    /// Whether the number written as <paramref name="text"/> equals <paramref name="value"/> exactly: decimal parsing
    /// rounds past 28 or 29 significant digits and flushes tiny magnitudes to zero without saying so.
    /// </summary>
    private static bool IsExact(string text, decimal value)
        => TryCanonicalize(text, out var textSign, out var textDigits, out var textExponent)
        && TryCanonicalize(value.ToString(CultureInfo.InvariantCulture), out var valueSign, out var valueDigits, out var valueExponent)
        && textDigits == valueDigits
        && textExponent == valueExponent
        && (textDigits.Length == 0 || textSign == valueSign);

    /// <summary>
    /// Writes a number in plain or exponent notation as sign × digits × 10^exponent, with no leading or trailing zero
    /// in the digits (zero is the empty digit string with exponent 0).
    /// </summary>
    private static bool TryCanonicalize(string text, out bool negative, out string digits, out long exponent)
    {
        negative = false;
        digits = string.Empty;
        exponent = 0;
        var i = 0;
        if (i < text.Length && text[i] is '-' or '+')
        {
            negative = text[i] == '-';
            i++;
        }

        var mantissa = new System.Text.StringBuilder(text.Length);
        long fractionDigits = 0;
        var seenPoint = false;
        for (; i < text.Length && (char.IsAsciiDigit(text[i]) || (text[i] == '.' && !seenPoint)); i++)
        {
            if (text[i] == '.')
            {
                seenPoint = true;
                continue;
            }

            mantissa.Append(text[i]);
            if (seenPoint)
            {
                fractionDigits++;
            }
        }

        long writtenExponent = 0;
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            if (!long.TryParse(text.AsSpan(i + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out writtenExponent))
            {
                return false;
            }

            i = text.Length;
        }

        if (i != text.Length || mantissa.Length == 0 || writtenExponent is > int.MaxValue or < int.MinValue)
        {
            return false;
        }

        var all = mantissa.ToString();
        var first = 0;
        while (first < all.Length && all[first] == '0')
        {
            first++;
        }

        var last = all.Length - 1;
        while (last >= first && all[last] == '0')
        {
            last--;
        }

        if (last < first)
        {
            return true; // zero
        }

        digits = all[first..(last + 1)];
        exponent = writtenExponent - fractionDigits + (all.Length - 1 - last);
        return true;
    }
}
