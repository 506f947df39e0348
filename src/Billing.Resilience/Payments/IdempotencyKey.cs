namespace Billing.Resilience.Payments;

/// <summary>
/// The key a payment operation is sent with. It is derived deterministically from the rental and the step
/// (<c>r-1/capture/1</c>), written to the journal before the first call, and reused on every retry, so that a
/// gateway applies the operation at most once however often it is sent.
/// </summary>
public readonly struct IdempotencyKey : IEquatable<IdempotencyKey>
{
    /// <summary>The longest key accepted; most providers allow 255 characters.</summary>
    public const int MaxLength = 255;

    private readonly string? value;

    private IdempotencyKey(string value) => this.value = value;

    /// <summary>Gets the key's text.</summary>
    public string Value => value ?? string.Empty;

    /// <summary>Creates a key from its text (printable ASCII, 1 to <see cref="MaxLength"/> characters).</summary>
    /// <exception cref="ArgumentException">The text is empty, too long or not printable ASCII.</exception>
    public static IdempotencyKey From(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Preconditions.CheckArgument(value.Length is > 0 and <= MaxLength, nameof(value), $"An idempotency key has 1 to {MaxLength} characters; got {value.Length}.");
        foreach (var c in value)
        {
            Preconditions.CheckArgument(c is >= '!' and <= '~', nameof(value), $"An idempotency key is printable ASCII without spaces; '{value}' is not.");
        }

        return new IdempotencyKey(value);
    }

    /// <summary>Derives the key of step <paramref name="step"/> (attempt number <paramref name="sequence"/>) of a rental.</summary>
    public static IdempotencyKey ForRental(string rentalId, PaymentOperationKind step, int sequence)
    {
        ArgumentNullException.ThrowIfNull(rentalId);
        Preconditions.CheckArgument(sequence >= 1, nameof(sequence), "Sequences start at 1.");
        return From(FormattableString.Invariant($"{rentalId}/{step.ToString().ToLowerInvariant()}/{sequence}"));
    }

    /// <summary>Compares two keys.</summary>
    public static bool operator ==(IdempotencyKey left, IdempotencyKey right) => left.Equals(right);

    /// <summary>Compares two keys.</summary>
    public static bool operator !=(IdempotencyKey left, IdempotencyKey right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(IdempotencyKey other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is IdempotencyKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
