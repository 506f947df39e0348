namespace Billing.Resilience.Rentals;

/// <summary>The operator's id of a rental: 1 to 128 printable ASCII characters without spaces.</summary>
public readonly record struct RentalId
{
    /// <summary>The longest id accepted.</summary>
    public const int MaxLength = 128;

    private readonly string? value;

    private RentalId(string value) => this.value = value;

    /// <summary>Gets the id's text.</summary>
    public string Value => value ?? string.Empty;

    /// <summary>Creates an id, checking its form.</summary>
    /// <exception cref="ArgumentException">The text is empty, too long or contains spaces or non-ASCII characters.</exception>
    public static RentalId From(string value)
    {
        Identifiers.Check(value, MaxLength, nameof(value), "rental id");
        return new RentalId(value);
    }

    /// <summary>Whether <paramref name="value"/> is a well-formed id.</summary>
    public static bool IsValid(string? value) => Identifiers.IsValid(value, MaxLength);

    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>The operator's id of a rider: 1 to 128 printable ASCII characters without spaces.</summary>
public readonly record struct RiderId
{
    /// <summary>The longest id accepted.</summary>
    public const int MaxLength = 128;

    private readonly string? value;

    private RiderId(string value) => this.value = value;

    /// <summary>Gets the id's text.</summary>
    public string Value => value ?? string.Empty;

    /// <summary>Creates an id, checking its form.</summary>
    /// <exception cref="ArgumentException">The text is empty, too long or contains spaces or non-ASCII characters.</exception>
    public static RiderId From(string value)
    {
        Identifiers.Check(value, MaxLength, nameof(value), "rider id");
        return new RiderId(value);
    }

    /// <summary>Whether <paramref name="value"/> is a well-formed id.</summary>
    public static bool IsValid(string? value) => Identifiers.IsValid(value, MaxLength);

    /// <inheritdoc />
    public override string ToString() => Value;
}

internal static class Identifiers
{
    public static bool IsValid(string? value, int maxLength)
    {
        if (value is null || value.Length == 0 || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < '!' or > '~' or '|')
            {
                return false;
            }
        }

        return true;
    }

    public static void Check(string value, int maxLength, string paramName, string what)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        Preconditions.CheckArgument(IsValid(value, maxLength), paramName, $"A {what} has 1 to {maxLength} printable ASCII characters without spaces or '|'; got '{value}'.");
    }
}
