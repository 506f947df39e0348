namespace Billing.Resilience;

/// <summary>Thrown when amounts of two different currencies are combined.</summary>
public sealed class CurrencyMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception for the two currencies involved.</summary>
    public CurrencyMismatchException(CurrencyCode left, CurrencyCode right)
        : base($"Cannot combine amounts in {left.Code} and {right.Code}.")
    {
        Left = left;
        Right = right;
    }

    /// <summary>Gets the currency of the left operand.</summary>
    public CurrencyCode Left { get; }

    /// <summary>Gets the currency of the right operand.</summary>
    public CurrencyCode Right { get; }
}
