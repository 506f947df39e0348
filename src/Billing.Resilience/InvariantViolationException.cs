namespace Billing.Resilience;

/// <summary>
/// Thrown when an internal money or metering invariant would be broken. The operation that detected it is
/// stopped before anything is written or sent; this always indicates a bug in the library or a corrupted journal.
/// </summary>
public sealed class InvariantViolationException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that names the broken invariant.</summary>
    public InvariantViolationException(string message)
        : base(message)
    {
    }
}
