namespace Billing.Resilience.Journal;

/// <summary>Thrown when a stream's version is not the one an append expected: another writer got there first.</summary>
public sealed class ConcurrencyConflictException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ConcurrencyConflictException(string streamId, ExpectedVersion expected, long actual)
        : base($"Stream '{streamId}' is at version {actual}, not the expected {expected}.")
    {
        StreamId = streamId;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>Gets the stream.</summary>
    public string StreamId { get; }

    /// <summary>Gets the version the append expected.</summary>
    public ExpectedVersion Expected { get; }

    /// <summary>Gets the stream's actual version.</summary>
    public long Actual { get; }
}
