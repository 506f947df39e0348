namespace Billing.Resilience.Journal;

/// <summary>The version a stream must have for an append to succeed.</summary>
public readonly record struct ExpectedVersion
{
    private ExpectedVersion(long value) => Value = value;

    /// <summary>Gets the expected number of events in the stream, or -1 for <see cref="Any"/>.</summary>
    public long Value { get; }

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream => new(0);

    /// <summary>No check (used only for streams with a single writer, such as the outage log).</summary>
    public static ExpectedVersion Any => new(-1);

    /// <summary>The stream must have exactly <paramref name="version"/> events.</summary>
    public static ExpectedVersion Exactly(long version)
    {
        Preconditions.CheckArgumentRange(nameof(version), version, 0, long.MaxValue);
        return new ExpectedVersion(version);
    }

    /// <summary>Gets a value indicating whether this is <see cref="Any"/>.</summary>
    public bool IsAny => Value < 0;

    /// <inheritdoc />
    public override string ToString() => IsAny ? "any" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
