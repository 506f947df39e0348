using System.Globalization;
using System.Text.Json;

namespace Billing.Resilience.Pricing;

/// <summary>
/// One member of a GBFS object, or one item of an array, as found in the document: its JSON value
/// (<see cref="JsonValueKind.Undefined"/> when absent) and where it is. Raw DTOs hold these so that validators can
/// check JSON types and print the offending value, and report the path.
/// </summary>
internal readonly struct GbfsField
{
    private const int MaxShownLength = 80;

    // Where the field is, kept in parts: the path string is only built for a message. The parent is the object or
    // array at basePath, or item baseIndex of that array when baseIndex >= 0 (a segment's members: no string per
    // segment); the field is then member Name of the parent, or item index of it when index >= 0.
    private readonly string basePath;
    private readonly int baseIndex;
    private readonly int index;
    private readonly decimal number;
    private readonly bool isExactNumber;

    private GbfsField(string basePath, int baseIndex, string name, int index, JsonElement element)
    {
        this.basePath = basePath;
        this.baseIndex = baseIndex;
        this.index = index;
        Name = name;
        Element = element;

        // Numbers are read once, here: the rules ask for them many times.
        isExactNumber = GbfsNumber.TryGetExactDecimal(element, out number);
    }

    /// <summary>Gets the member's name, or for an array item the name of the array.</summary>
    public string Name { get; }

    /// <summary>Gets the JSON value; <see cref="JsonValueKind.Undefined"/> when the member is absent.</summary>
    public JsonElement Element { get; }

    /// <summary>Gets the JSON type of the value.</summary>
    public JsonValueKind Kind => Element.ValueKind;

    /// <summary>Gets a value indicating whether the member is absent or null: GBFS optional fields treat both as "not given".</summary>
    public bool IsMissing => Kind is JsonValueKind.Undefined or JsonValueKind.Null;

    /// <summary>Gets the JSON path, built only when asked (for a message).</summary>
    public string Path
    {
        get
        {
            var parent = baseIndex < 0 ? basePath : GbfsPath.Item(basePath, baseIndex);
            return index < 0 ? GbfsPath.Member(parent, Name) : GbfsPath.Item(parent, index);
        }
    }

    /// <summary>Gets the value as written in the document (strings quoted), cut short when long, for messages.</summary>
    public string Shown
    {
        get
        {
            if (Kind == JsonValueKind.Undefined)
            {
                return "(missing)";
            }

            var raw = Element.GetRawText();
            if (raw.Length <= MaxShownLength)
            {
                return raw;
            }

            var cut = char.IsHighSurrogate(raw[MaxShownLength - 1]) ? MaxShownLength - 1 : MaxShownLength;
            return string.Concat(raw.AsSpan(0, cut), "…");
        }
    }

    /// <summary>Member <paramref name="name"/> of the object at <paramref name="objectPath"/>; <paramref name="element"/> is default when absent.</summary>
    public static GbfsField Member(string objectPath, string name, JsonElement element) => new(objectPath, -1, name, -1, element);

    /// <summary>Member <paramref name="name"/> of the object that is item <paramref name="itemIndex"/> of the array at <paramref name="arrayPath"/>.</summary>
    public static GbfsField MemberOfItem(string arrayPath, int itemIndex, string name) => new(arrayPath, itemIndex, name, -1, default);

    /// <summary>Item <paramref name="index"/> of the array named <paramref name="arrayName"/> at <paramref name="arrayPath"/>.</summary>
    public static GbfsField Item(string arrayPath, string arrayName, int index, JsonElement element) => new(arrayPath, -1, arrayName, index, element);

    /// <summary>
    /// Reads an object member into <paramref name="current"/> (the member as absent, which knows its name and path),
    /// keeping the first occurrence: a member given twice is ambiguous (parsers disagree on which one wins), so a
    /// later one goes to <paramref name="duplicates"/> to be reported.
    /// </summary>
    public static GbfsField KeepFirst(GbfsField current, JsonElement value, ref List<GbfsField>? duplicates)
    {
        var found = new GbfsField(current.basePath, current.baseIndex, current.Name, current.index, value);
        if (current.Kind == JsonValueKind.Undefined)
        {
            return found;
        }

        (duplicates ??= []).Add(found);
        return current;
    }

    /// <summary>Gets the string value, or null when the value is not a string.</summary>
    public string? StringOrNull => Kind == JsonValueKind.String ? Element.GetString() : null;

    /// <summary>Reads a JSON number exactly.</summary>
    public bool TryGetDecimal(out decimal value)
    {
        value = number;
        return isExactNumber;
    }

    /// <summary>Reads a JSON number, or a JSON string holding a plain decimal ("1.00", GBFS 2.x <c>price</c>), exactly.</summary>
    public bool TryGetDecimalOrDecimalString(out decimal value)
        => Kind == JsonValueKind.String
            ? GbfsNumber.TryParseExactDecimal(Element.GetString(), out value)
            : TryGetDecimal(out value);

    /// <summary>Reads a JSON number that is a whole number in the range of <see cref="int"/>.</summary>
    public bool TryGetInt32(out int value)
    {
        if (isExactNumber && decimal.IsInteger(number) && number is >= int.MinValue and <= int.MaxValue)
        {
            value = (int)number;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Whether the value is a JSON number whole and in the range of <see cref="int"/>, and not negative.</summary>
    public bool IsNonNegativeInt32 => TryGetInt32(out var value) && value >= 0;

    /// <summary>Whether the value is a JSON number that is 0 or 1 (GBFS 1.x booleans).</summary>
    public bool IsZeroOrOne => TryGetDecimal(out var value) && value is 0 or 1;

    /// <summary>
    /// Gets the text of a GBFS 1.x/2.x string or of the first item of a GBFS 3.x localized string array
    /// (<c>[{"text": ..., "language": ...}]</c>); null when there is none.
    /// </summary>
    public string? LocalizedTextOrNull
    {
        get
        {
            if (Kind == JsonValueKind.String)
            {
                return Element.GetString();
            }

            if (Kind == JsonValueKind.Array && Element.GetArrayLength() > 0)
            {
                var first = Element[0];
                if (first.ValueKind == JsonValueKind.Object && first.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    return text.GetString();
                }
            }

            return null;
        }
    }

    /// <summary>Whether the value is a string, or an array that is empty or whose first item is an object with a string <c>text</c>.</summary>
    public bool IsLocalizedStringShape
    {
        get
        {
            if (Kind == JsonValueKind.String)
            {
                return true;
            }

            if (Kind != JsonValueKind.Array)
            {
                return false;
            }

            return Element.GetArrayLength() == 0 || LocalizedTextOrNull is not null;
        }
    }

    /// <summary>A JSON type as messages name it.</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path} = {Shown}");
}
